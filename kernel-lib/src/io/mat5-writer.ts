/**
 * MAT v5 writer (readable by MATLAB's `load` and scipy.io.loadmat). Each variable is written as one
 * zlib-compressed element (miCOMPRESSED, as `save -v7` does) unless `compress: false`.
 *
 * Accepted values (`MatInput`):
 * - `MatArray` (any numeric class, logical, complex, N-d), `MatSparse`, `MatCell`, `MatStructArray`;
 * - a number → 1×1 double; a boolean → 1×1 logical; a bigint → 1×1 int64;
 * - a string → 1×n char; a string[] → char matrix (rows padded with spaces, as MATLAB's `char()` does);
 *   an empty array → 0×0 double;
 * - a typed array → 1×n row vector of its class (Float64Array → double, Int32Array → int32, …);
 * - a number[] → 1×n double; a number[][] (equal rows) → m×n double;
 * - any other array → 1×n cell; a plain object → 1×1 struct (fields in key order).
 * Data given row-major is converted to MATLAB's column-major order here.
 */
import * as zlib from 'zlib';

import * as os from 'os';

import { Indexable, reorder } from './array-order';
import { FLAG_COMPLEX, FLAG_LOGICAL, MI, MX } from './mat5-format';
import {
  isMatStruct, MatArray, MatCell, MatNumericClass, MatSparse, MatStructArray, MatTypedArray, MatValue,
} from './mat-values';

export type MatInput =
  | MatValue
  | number | bigint | boolean
  | MatTypedArray
  | number[] | number[][]
  | MatInput[]
  | { [field: string]: MatInput };

export interface SaveMatOptions {
  /** zlib-compress each variable (default true). */
  compress?: boolean;
  /** zlib level 1..9 (default 6). */
  level?: number;
}

const MX_OF_CLASS: Record<MatNumericClass, number> = {
  double: MX.DOUBLE, single: MX.SINGLE, int8: MX.INT8, uint8: MX.UINT8, int16: MX.INT16, uint16: MX.UINT16,
  int32: MX.INT32, uint32: MX.UINT32, int64: MX.INT64, uint64: MX.UINT64, logical: MX.UINT8,
};
const MI_OF_CLASS: Record<MatNumericClass, number> = {
  double: MI.DOUBLE, single: MI.SINGLE, int8: MI.INT8, uint8: MI.UINT8, int16: MI.INT16, uint16: MI.UINT16,
  int32: MI.INT32, uint32: MI.UINT32, int64: MI.INT64, uint64: MI.UINT64, logical: MI.UINT8,
};

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/** Thrown for values that cannot be written; names the variable path (e.g. `params.layers{2}`). */
export class MatWriteError extends Error {
  override readonly name = 'MatWriteError';
}

/** Little-endian byte chunks of one element, assembled with padding to 8 bytes. */
function element(type: number, payload: Uint8Array): Uint8Array[] {
  if (payload.byteLength > 0xffffffff) {
    throw new MatWriteError(`element of ${payload.byteLength} bytes exceeds the MAT v5 limit of 4 GiB (use writeH5 for data this large)`);
  }
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(payload.byteLength, 4);
  const pad = (8 - (payload.byteLength % 8)) % 8;
  return pad ? [tag, payload, new Uint8Array(pad)] : [tag, payload];
}

function bytesOf(a: MatTypedArray | Int32Array | Uint32Array): Uint8Array {
  // The header says 'IM' (little-endian) and typed-array bytes go out as they are, which needs a LE host.
  if (os.endianness() !== 'LE') throw new MatWriteError('saveMat: writing needs a little-endian host');
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

function matrix(name: string, mxClass: number, flags: number, shape: number[], body: Uint8Array[], nzmax = 0): Uint8Array[] {
  const flagWords = new Uint32Array([mxClass | (flags << 8), nzmax]);
  const chunks = [
    ...element(MI.UINT32, bytesOf(flagWords)),
    ...element(MI.INT32, bytesOf(Int32Array.from(shape))),
    ...element(MI.INT8, Buffer.from(name, 'utf8')),
    ...body,
  ];
  return element(MI.MATRIX, concat(chunks));
}

function colMajor(a: MatTypedArray, shape: number[]): MatTypedArray {
  const out = new (a.constructor as new (n: number) => MatTypedArray)(a.length);
  reorder(a as Indexable<number | bigint>, shape, out as Indexable<number | bigint>, true);
  return out;
}

function shape2(shape: number[]): number[] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]];
  return shape;
}

function writeNumeric(name: string, a: MatArray): Uint8Array[] {
  const shape = shape2(a.shape);
  let flags = a.class === 'logical' ? FLAG_LOGICAL : 0;
  if (a.imag) flags |= FLAG_COMPLEX;
  const mi = MI_OF_CLASS[a.class];
  const body = element(mi, bytesOf(colMajor(a.data, shape)));
  if (a.imag) body.push(...element(mi, bytesOf(colMajor(a.imag, shape))));
  return matrix(name, MX_OF_CLASS[a.class], flags, shape, body);
}

function writeChar(name: string, rows: string[]): Uint8Array[] {
  const m = rows.length;
  const n = rows.reduce((w, r) => Math.max(w, r.length), 0);
  const codes = new Uint16Array(m * n);
  for (let i = 0; i < m; i++) {
    const padded = rows[i].padEnd(n, ' ');
    for (let j = 0; j < n; j++) codes[j * m + i] = padded.charCodeAt(j); // column-major
  }
  if (m === 1 && n === 0) return matrix(name, MX.CHAR, 0, [0, 0], element(MI.UTF16, new Uint8Array(0)));
  return matrix(name, MX.CHAR, 0, [m, n], element(MI.UTF16, bytesOf(codes)));
}

function writeSparse(name: string, s: MatSparse): Uint8Array[] {
  const [, n] = s.shape;
  const nnz = s.colPointers[n];
  let flags = s.logical ? FLAG_LOGICAL : 0;
  if (s.imag) flags |= FLAG_COMPLEX;
  const body = [
    ...element(MI.INT32, bytesOf(Int32Array.from(s.rowIndices.subarray(0, nnz)))),
    ...element(MI.INT32, bytesOf(Int32Array.from(s.colPointers))),
    ...(s.logical
      ? element(MI.UINT8, bytesOf(Uint8Array.from(s.values.subarray(0, nnz))))
      : element(MI.DOUBLE, bytesOf(Float64Array.from(s.values.subarray(0, nnz))))),
  ];
  if (s.imag) body.push(...element(MI.DOUBLE, bytesOf(Float64Array.from(s.imag.subarray(0, nnz)))));
  return matrix(name, MX.SPARSE, flags, [...s.shape], body, Math.max(nnz, 1));
}

function writeStruct(name: string, shape: number[], fieldNames: string[], elements: Record<string, MatInput>[], where: string, className?: string): Uint8Array[] {
  for (const f of fieldNames) {
    if (!NAME_RE.test(f)) {
      throw new MatWriteError(`${where}: field name '${f}' is not a valid MATLAB name (letter first, then letters, digits, _; at most 63 characters)`);
    }
  }
  const fieldLen = Math.max(...fieldNames.map((f) => f.length), 0) + 1;
  const names = new Uint8Array(fieldLen * fieldNames.length);
  fieldNames.forEach((f, i) => names.set(Buffer.from(f, 'latin1'), i * fieldLen));
  const body: Uint8Array[] = [];
  if (className !== undefined) body.push(...element(MI.INT8, Buffer.from(className, 'utf8')));
  body.push(...element(MI.INT32, bytesOf(Int32Array.of(fieldLen))), ...element(MI.INT8, names));
  const order = new Array<Record<string, MatInput>>(elements.length);
  reorder(elements, shape, order, true);
  order.forEach((el, i) => {
    for (const f of fieldNames) {
      if (!(f in el)) throw new MatWriteError(`${where}(${i + 1}): missing field '${f}'`);
      body.push(...encode('', el[f], `${where}(${i + 1}).${f}`));
    }
  });
  return matrix(name, className !== undefined ? MX.OBJECT : MX.STRUCT, 0, shape2(shape), body);
}

function writeCell(name: string, shape: number[], items: MatInput[], where: string): Uint8Array[] {
  const order = new Array<MatInput>(items.length);
  reorder(items, shape, order, true);
  const body: Uint8Array[] = [];
  order.forEach((item, i) => body.push(...encode('', item, `${where}{${i + 1}}`)));
  return matrix(name, MX.CELL, 0, shape2(shape), body);
}

function isTypedArray(v: unknown): v is MatTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** One value as a miMATRIX element (uncompressed). `where` names it in errors. */
function encode(name: string, v: MatInput, where: string): Uint8Array[] {
  if (v instanceof MatArray) return writeNumeric(name, v);
  if (v instanceof MatSparse) return writeSparse(name, v);
  if (v instanceof MatCell) return writeCell(name, v.shape, v.items, where);
  if (v instanceof MatStructArray) return writeStruct(name, v.shape, v.fieldNames, v.elements, where, v.className);
  if (typeof v === 'number') return writeNumeric(name, new MatArray('double', [1, 1], Float64Array.of(v)));
  if (typeof v === 'bigint') return writeNumeric(name, new MatArray('int64', [1, 1], BigInt64Array.of(v)));
  if (typeof v === 'boolean') return writeNumeric(name, new MatArray('logical', [1, 1], Uint8Array.of(v ? 1 : 0)));
  if (typeof v === 'string') return writeChar(name, [v]);
  if (isTypedArray(v)) return writeNumeric(name, MatArray.from(v));
  if (Array.isArray(v)) {
    if (v.length === 0) return writeNumeric(name, new MatArray('double', [0, 0], new Float64Array(0)));
    if (v.every((x) => typeof x === 'string')) return writeChar(name, v as string[]);
    if (v.every((x) => typeof x === 'number')) return writeNumeric(name, MatArray.from(v as number[]));
    if (v.every((x) => Array.isArray(x) && x.length > 0 && x.every((y) => typeof y === 'number'))) {
      const rows = v as number[][];
      const n = rows[0].length;
      if (rows.every((r) => r.length === n)) {
        return writeNumeric(name, new MatArray('double', [rows.length, n], Float64Array.from(rows.flat())));
      }
    }
    return writeCell(name, [1, v.length], v as MatInput[], where);
  }
  if (isMatStruct(v)) return writeStruct(name, [1, 1], Object.keys(v), [v as Record<string, MatInput>], where);
  const kind = v === null ? 'null' : typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
  throw new MatWriteError(`${where}: cannot write a value of type ${kind} to a MAT file`);
}

function header(): Uint8Array {
  const h = Buffer.alloc(128, ' ');
  const text = `MATLAB 5.0 MAT-file, Platform: ${process.platform}, Created on: ${new Date().toUTCString()} by ratelab`;
  h.write(text.slice(0, 116), 0, 'latin1');
  h.fill(0, 116, 124); // subsystem data offset: none
  h.writeUInt16LE(0x0100, 124);
  h.write('IM', 126, 'latin1');
  return h;
}

/** The bytes of a MAT v5 file holding `vars`. `file` names the target in errors. */
export function encodeMat5(vars: Record<string, MatInput>, file: string, opts: SaveMatOptions = {}): Uint8Array {
  const compress = opts.compress ?? true;
  const chunks: Uint8Array[] = [header()];
  for (const [name, value] of Object.entries(vars)) {
    if (!NAME_RE.test(name)) {
      throw new MatWriteError(`${file}: variable name '${name}' is not a valid MATLAB name (letter first, then letters, digits, _; at most 63 characters)`);
    }
    const el = concat(encode(name, value, `${file}: ${name}`));
    if (compress) {
      const z = zlib.deflateSync(el, { level: opts.level ?? 6 });
      const tag = Buffer.alloc(8);
      tag.writeUInt32LE(MI.COMPRESSED, 0);
      tag.writeUInt32LE(z.byteLength, 4);
      chunks.push(tag, z);
    } else {
      chunks.push(el);
    }
  }
  return concat(chunks);
}

