/**
 * Text/HTML summaries of numeric arrays for display: shape, dtype, min/mean/max/std, NaN count and the first
 * values. Printing a 300×32×256 activity tensor in full would freeze the notebook; this is what a user needs to
 * check it is the array they expect.
 */
import type { MimeData } from './display';

export type NumericTypedArray =
  | Float64Array | Float32Array | Int32Array | Int16Array | Int8Array
  | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;

/** A tfjs tensor, seen structurally so this module does not load tfjs. */
interface TensorLike {
  shape: number[];
  dtype: string;
  dataSync(): ArrayLike<number>;
  isDisposed?: boolean;
}

/** ratelab's array convention: row-major data with an explicit shape. */
interface ShapedArray {
  data: ArrayLike<number>;
  shape: readonly number[];
}

export type Summarizable = NumericTypedArray | TensorLike | ShapedArray;

function isNumericTypedArray(x: unknown): x is NumericTypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

function isTensorLike(x: unknown): x is TensorLike {
  const t = x as Partial<TensorLike>;
  return typeof x === 'object' && x !== null && Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.dataSync === 'function';
}

function isShapedArray(x: unknown): x is ShapedArray {
  const s = x as Partial<ShapedArray>;
  return typeof x === 'object' && x !== null && Array.isArray(s.shape) && isNumericTypedArray(s.data) &&
    s.shape.reduce((a, b) => a * b, 1) === (s.data as ArrayLike<number>).length;
}

/** True for what `summaryBundle` can describe: typed arrays, tfjs tensors, `{data: TypedArray, shape}`. */
export function isArraySummarizable(x: unknown): x is Summarizable {
  return isNumericTypedArray(x) || isTensorLike(x) || isShapedArray(x);
}

export interface ArrayStats {
  shape: number[];
  dtype: string;
  size: number;
  /** Over finite values only; NaN when there are none. */
  min: number;
  max: number;
  mean: number;
  std: number;
  nonFinite: number;
  first: number[];
}

const dtypeOfTyped = (a: NumericTypedArray): string => a.constructor.name.replace(/Array$/, '').toLowerCase();

/** Shape, dtype and statistics of an array (finite values only for min/max/mean/std). */
export function arrayStats(x: Summarizable, firstCount = 8): ArrayStats {
  let data: ArrayLike<number>;
  let shape: number[];
  let dtype: string;
  if (isTensorLike(x)) {
    if (x.isDisposed) throw new Error('arrayStats: the tensor is disposed');
    data = x.dataSync(); shape = [...x.shape]; dtype = x.dtype;
  } else if (isNumericTypedArray(x)) {
    data = x; shape = [x.length]; dtype = dtypeOfTyped(x);
  } else {
    data = x.data; shape = [...x.shape]; dtype = dtypeOfTyped(x.data as NumericTypedArray);
  }
  let min = Infinity, max = -Infinity, sum = 0, n = 0, nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v; n++;
  }
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) ss += (data[i] - mean) ** 2;
  const first: number[] = [];
  for (let i = 0; i < Math.min(firstCount, data.length); i++) first.push(data[i]);
  return { shape, dtype, size: data.length, min: n ? min : NaN, max: n ? max : NaN, mean, std: n ? Math.sqrt(ss / n) : NaN, nonFinite, first };
}

/** A number to about 4 significant digits, integers as integers. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** MIME map (text/plain + small text/html) describing an array. */
export function summaryBundle(x: Summarizable): MimeData {
  const s = arrayStats(x);
  const kind = isTensorLike(x) ? 'Tensor' : 'Array';
  const more = s.size > s.first.length ? ', …' : '';
  const firstStr = `[${s.first.map(fmtNum).join(', ')}${more}]`;
  const nf = s.nonFinite ? `  non-finite=${s.nonFinite}` : '';
  const text = `${kind} shape=[${s.shape.join(', ')}] dtype=${s.dtype} size=${s.size}\n` +
    `  min=${fmtNum(s.min)}  mean=${fmtNum(s.mean)}  max=${fmtNum(s.max)}  std=${fmtNum(s.std)}${nf}\n` +
    `  first: ${firstStr}`;
  const cell = (k: string, v: string) => `<tr><th style="text-align:left;padding-right:1em">${k}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`;
  const html = `<table class="ratelab-array">` +
    cell(kind, `shape [${s.shape.join(', ')}], ${s.dtype}, ${s.size} values`) +
    cell('min / mean / max', `${fmtNum(s.min)} / ${fmtNum(s.mean)} / ${fmtNum(s.max)}`) +
    cell('std', fmtNum(s.std)) +
    (s.nonFinite ? cell('non-finite', String(s.nonFinite)) : '') +
    cell('first', firstStr) + `</table>`;
  return { 'text/plain': text, 'text/html': html };
}

/**
 * Make every tfjs tensor display as a summary when it is a cell's last value (the kernel calls
 * `[Symbol.for("Jupyter.display")]()`): call once with the tfjs namespace, e.g. from backend.ts,
 * `enableTensorDisplay(tf)`. Idempotent. Kept out of this module's imports so display code never loads tfjs.
 */
export function enableTensorDisplay(tfNamespace: { Tensor: { prototype: object } }): void {
  const proto = tfNamespace?.Tensor?.prototype as Record<symbol, unknown> | undefined;
  if (!proto) throw new Error('enableTensorDisplay: expected the tfjs namespace (with tf.Tensor)');
  if (typeof proto[Symbol.for('Jupyter.display')] === 'function') return;
  Object.defineProperty(proto, Symbol.for('Jupyter.display'), {
    value: function (this: TensorLike): MimeData {
      return this.isDisposed ? { 'text/plain': `Tensor (disposed) shape=[${this.shape.join(', ')}] dtype=${this.dtype}` } : summaryBundle(this);
    },
    configurable: true,
    writable: true,
  });
}
