/**
 * Input checks and data-size reduction shared by the chart builders. Builders take row-major numeric arrays
 * (`number[]`, `Float64Array`, `Float32Array`, ...) with an explicit `shape`, and embed their data in the spec, so
 * large inputs are reduced here to keep notebooks small and rendering fast.
 */

export type NumArray = ArrayLike<number>;

/** Options every builder accepts. */
export interface ChartOptions {
  title?: string;
  subtitle?: string;
  /** Plot area size in pixels (per panel for faceted and paneled charts). */
  width?: number;
  height?: number;
}

/** Throw unless `data.length` equals the product of `shape` (all positive integers). */
export function checkShape(fn: string, name: string, data: NumArray | undefined, shape: readonly number[]): void {
  if (!data || typeof data.length !== 'number') throw new Error(`${fn}: ${name} must be a numeric array`);
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${fn}: ${name} shape [${shape.join(', ')}] must be positive integers`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new Error(`${fn}: ${name} has ${data.length} values but shape [${shape.join(', ')}] needs ${n}`);
  }
}

/** Throw unless `arr` has `n` entries. */
export function checkLength(fn: string, name: string, arr: ArrayLike<unknown> | undefined, n: number): void {
  if (!arr || arr.length !== n) throw new Error(`${fn}: ${name} must have ${n} entries, got ${arr ? arr.length : 'none'}`);
}

/** Indices 0, k, 2k, ... (always including the last) so that at most about `max` of `n` are kept. */
export function strideIndices(n: number, max: number): number[] {
  const k = Math.max(1, Math.ceil(n / Math.max(1, max)));
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  if (out[out.length - 1] !== n - 1 && n > 0) out.push(n - 1);
  return out;
}

/** Labels `prefix0, prefix1, ...` unless given (checked for length). */
export function labelsOr(fn: string, name: string, given: readonly (string | number)[] | undefined, n: number, prefix: string): string[] {
  if (given) {
    checkLength(fn, name, given, n);
    return given.map(String);
  }
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Title block with an optional subtitle (omitted when both are empty). */
export function titleOf(o: ChartOptions, fallback?: string): string | { text: string; subtitle: string } | undefined {
  const text = o.title ?? fallback;
  if (o.subtitle) return { text: text ?? '', subtitle: o.subtitle };
  return text;
}

/** JSON cannot hold NaN/Infinity: map them to null (Vega-Lite drops null points from lines and marks). */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Round to 6 significant digits: plenty for plotting, and it halves the size of embedded data. */
export function r6(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : null;
}
