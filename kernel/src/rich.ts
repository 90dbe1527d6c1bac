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
  return { data: { 'text/plain': inspectValue(value) }, metadata: {} };
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
