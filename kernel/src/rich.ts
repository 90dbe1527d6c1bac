/**
 * MIME bundles for values: the last expression of a cell (`execute_result`) and bundles sent through the
 * display hook. Objects implementing `Symbol.for("Jupyter.display")` choose their own representation.
 */
import * as util from 'util';

export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * `[Symbol.for("Jupyter.display")]()` may return (or resolve to) either a MIME map
 * (`{"text/html": "...", "text/plain": "..."}`) or `{data, metadata}`. A short `text/plain` naming the
 * object is added when it leaves that type out, because every frontend can show text.
 */
export async function bundleForValue(value: unknown): Promise<MimeBundle> {
  if (hasDisplay(value) && typeof value[JUPYTER_DISPLAY] === 'function') {
    const raw: unknown = await (value[JUPYTER_DISPLAY] as () => unknown).call(value);
    const b = normalizeBundle(raw, 'Symbol.for("Jupyter.display") result');
    // Plain-text frontends (jupyter console, history) need text/plain; util.inspect of such an object would
    // mostly print the display method, so name the object and what it offers instead.
    if (!('text/plain' in b.data)) b.data['text/plain'] = `<${objectName(value)}: ${Object.keys(b.data).join(', ') || 'no data'}>`;
    return b;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { data: { 'text/plain': typedArraySummary(value as unknown as ArrayLike<number | bigint>) }, metadata: {} };
  }
  return { data: { 'text/plain': inspectValue(value) }, metadata: {} };
}

/**
 * Simulations hand back typed arrays of 10⁵–10⁷ samples; util.inspect would print 100 bare numbers and hide the
 * length, the type and any NaN. A summary line says what a scientist checks first.
 */
export function typedArraySummary(a: ArrayLike<number | bigint>): string {
  const type = (a as object).constructor.name;
  const n = a.length;
  let min = Infinity, max = -Infinity, sum = 0, finite = 0, nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const v = Number(a[i]);
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    finite++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
  const head = Array.from({ length: Math.min(n, 6) }, (_, i) => fmt(Number(a[i]))).join(', ') + (n > 6 ? ', …' : '');
  const stats = finite ? ` min=${fmt(min)} max=${fmt(max)} mean=${fmt(sum / finite)}` : '';
  return `${type}(${n})${stats}${nonFinite ? ` non-finite=${nonFinite}` : ''} [${head}]`;
}

function hasDisplay(v: unknown): v is object & { [JUPYTER_DISPLAY]: unknown } {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && JUPYTER_DISPLAY in v;
}

function objectName(v: object): string {
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  return ctor && ctor.name && ctor !== Object ? ctor.name : 'object';
}

export function inspectValue(v: unknown): string {
  return util.inspect(v, { colors: false, depth: 4, maxArrayLength: 100, breakLength: 100 });
}

const MIME = /^[\w\-+.]+\/[\w\-+.]+$/;

/** Accepts `{data, metadata?}` or a bare MIME map; binary values become base64 as the protocol requires. */
export function normalizeBundle(raw: unknown, what: string): MimeBundle {
  if (typeof raw !== 'object' || raw === null) throw new TypeError(`${what}: expected a MIME bundle object, got ${typeof raw}`);
  const r = raw as Record<string, unknown>;
  const isWrapped = typeof r.data === 'object' && r.data !== null; // "data" is never a MIME type
  const data = (isWrapped ? r.data : r) as Record<string, unknown>;
  const metadata = (isWrapped && typeof r.metadata === 'object' && r.metadata !== null ? r.metadata : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(data)) {
    if (!MIME.test(mime)) throw new TypeError(`${what}: "${mime}" is not a MIME type`);
    out[mime] = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
  }
  return { data: out, metadata: { ...metadata } };
}
