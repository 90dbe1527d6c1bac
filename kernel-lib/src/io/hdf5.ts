/**
 * HDF5 as nested plain objects, on top of h5wasm (which reads and writes real paths under Node).
 *
 * Tree form (what `writeH5` takes and `readH5` returns):
 * - an object is a group; its key `'@attrs'` (optional) holds the group's attributes;
 * - an `H5Array` (or any `{data: TypedArray, shape: number[]}`, e.g. a `MatArray`) is an N-d dataset, row-major
 *   as HDF5 and numpy store it (no transposition: h5py sees the same shape);
 * - a typed array is a 1-d dataset; a number[] a 1-d float64 dataset;
 * - a number is a float64 scalar, a bigint an int64 scalar, a boolean a uint8 scalar (reads back as 0/1);
 * - a string is a UTF-8 variable-length string, a string[] a 1-d array of them.
 * `readH5` returns N-d numeric datasets as `H5Array` (with `.attrs` when the dataset has attributes), scalar
 * datasets as number / bigint / string, and string arrays as string[].
 *
 * Attribute values: number (float64), bigint (int64), boolean (uint8), string, string[], typed array (1-d).
 * Datasets with more than `minCompressBytes` bytes are gzip-compressed in chunks (HDF5 requires chunking for
 * filters); chunks are the whole array cut along leading dims to at most ~1 MiB.
 */
import * as fs from 'fs';
import * as path from 'path';

import { withAtomicTarget } from './atomic-write';
import { DataFileError } from './errors';
import { assertHdf5, hdf5Reason, H5Dataset, H5File, H5Group, h5wasmReady } from './h5wasm-module';

export type H5TypedArray =
  | Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

export type H5AttrValue = number | bigint | boolean | string | string[] | H5TypedArray;
export type H5Attrs = Record<string, H5AttrValue>;

/** An N-d numeric dataset: row-major `data` over `shape`, with optional attributes. */
export class H5Array {
  constructor(readonly data: H5TypedArray, readonly shape: number[], readonly attrs?: H5Attrs) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new RangeError(`H5Array: data has ${data.length} values but shape [${shape}] needs ${n}`);
  }
}

export type H5Node = H5Tree | H5Array | { data: H5TypedArray; shape: number[]; attrs?: H5Attrs } | H5TypedArray | number[] | number | bigint | boolean | string | string[];
export interface H5Tree {
  [name: string]: H5Node | H5Attrs | undefined;
}

export interface WriteH5Options {
  /** gzip level 0..9 (default 4; 0 turns compression off). */
  compression?: number;
  /** Datasets smaller than this many bytes are stored unchunked and uncompressed (default 4096). */
  minCompressBytes?: number;
}

const ATTRS = '@attrs';

function isTypedArray(v: unknown): v is H5TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isArrayLike(v: unknown): v is { data: H5TypedArray; shape: number[]; attrs?: H5Attrs } {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { data?: unknown; shape?: unknown };
  return isTypedArray(o.data) && Array.isArray(o.shape) && o.shape.every((d) => typeof d === 'number');
}

function chunkShape(shape: number[], itemBytes: number): number[] {
  const chunk = shape.slice();
  const limit = 1 << 20;
  let bytes = chunk.reduce((a, b) => a * b, itemBytes);
  for (let k = 0; k < chunk.length && bytes > limit; k++) {
    while (chunk[k] > 1 && bytes > limit) {
      bytes = (bytes / chunk[k]) * Math.ceil(chunk[k] / 2);
      chunk[k] = Math.ceil(chunk[k] / 2);
    }
  }
  return chunk;
}

function writeAttrs(obj: H5Group | H5Dataset, attrs: H5Attrs | undefined, where: string): void {
  if (!attrs) return;
  for (const [name, v] of Object.entries(attrs)) {
    if (typeof v === 'number') obj.create_attribute(name, Float64Array.of(v), []);
    else if (typeof v === 'bigint') obj.create_attribute(name, BigInt64Array.of(v), []);
    else if (typeof v === 'boolean') obj.create_attribute(name, Uint8Array.of(v ? 1 : 0), []);
    else if (typeof v === 'string' || isTypedArray(v)) obj.create_attribute(name, v);
    else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) obj.create_attribute(name, v);
    else throw new TypeError(`attribute '${name}' of ${where} has an unsupported value type`);
  }
}

function writeDataset(g: H5Group, name: string, data: H5TypedArray, shape: number[], opts: Required<WriteH5Options>, attrs?: H5Attrs): void {
  const big = data.byteLength >= opts.minCompressBytes && opts.compression > 0 && shape.length > 0 && data.length > 0;
  const ds = big
    ? g.create_dataset({ name, data, shape, chunks: chunkShape(shape, data.BYTES_PER_ELEMENT), compression: 'gzip', compression_opts: opts.compression })
    : g.create_dataset({ name, data, shape });
  writeAttrs(ds, attrs, `${g.path}/${name}`);
}

function writeGroup(g: H5Group, tree: H5Tree, opts: Required<WriteH5Options>): void {
  for (const [name, node] of Object.entries(tree)) {
    const where = `${g.path === '/' ? '' : g.path}/${name}`;
    if (name === ATTRS) {
      writeAttrs(g, node as H5Attrs, g.path);
      continue;
    }
    if (node === undefined) continue;
    if (name.includes('/') || name === '' || name === '.') throw new TypeError(`invalid name '${name}' in ${g.path}`);
    if (node instanceof H5Array || isArrayLike(node)) writeDataset(g, name, node.data, node.shape, opts, node.attrs);
    else if (isTypedArray(node)) writeDataset(g, name, node, [node.length], opts);
    else if (typeof node === 'number') writeDataset(g, name, Float64Array.of(node), [], opts);
    else if (typeof node === 'bigint') writeDataset(g, name, BigInt64Array.of(node), [], opts);
    else if (typeof node === 'boolean') writeDataset(g, name, Uint8Array.of(node ? 1 : 0), [], opts);
    else if (typeof node === 'string') g.create_dataset({ name, data: node });
    else if (Array.isArray(node) && (node as unknown[]).every((x) => typeof x === 'number')) writeDataset(g, name, Float64Array.from(node as number[]), [node.length], opts);
    else if (Array.isArray(node) && (node as unknown[]).every((x) => typeof x === 'string')) g.create_dataset({ name, data: node as string[] });
    else if (typeof node === 'object' && node !== null && !Array.isArray(node)) writeGroup(g.create_group(name), node as H5Tree, opts);
    else throw new TypeError(`${where} has a value that is not a group, array, number, string or string[]`);
  }
}

/** Write `tree` to an HDF5 file (atomically: temp file + rename). See the module comment for the tree form. */
export async function writeH5(file: string, tree: H5Tree, opts: WriteH5Options = {}): Promise<void> {
  const o: Required<WriteH5Options> = { compression: opts.compression ?? 4, minCompressBytes: opts.minCompressBytes ?? 4096 };
  const h5 = await h5wasmReady();
  await withAtomicTarget(path.resolve(file), (tmp) => {
    const f = new h5.File(tmp, 'w');
    try {
      writeGroup(f, tree, o);
    } catch (e) {
      throw new Error(`writeH5 ${path.basename(file)}: ${hdf5Reason(e)}`);
    } finally {
      f.close();
    }
  });
}

function readAttrs(obj: H5Group | H5Dataset): H5Attrs | undefined {
  const names = Object.keys(obj.attrs);
  if (names.length === 0) return undefined;
  const out: H5Attrs = {};
  for (const n of names) out[n] = obj.attrs[n].value as H5AttrValue;
  return out;
}

function readNode(obj: unknown, where: string, file: string): H5Node {
  const kind = (obj as { type?: string } | null)?.type;
  if (kind === 'Group') return readGroup(obj as H5Group, file);
  if (kind !== 'Dataset') throw new DataFileError(file, 'unsupported', `${where}: unsupported HDF5 object (${kind ?? 'dangling link'})`);
  const d = obj as H5Dataset;
  const v = d.value as unknown;
  const shape = d.shape ?? [];
  const attrs = readAttrs(d);
  if (isTypedArray(v)) return new H5Array(v, shape, attrs);
  if (shape.length === 0 && (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string')) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new DataFileError(file, 'unsupported', `${where}: dataset type ${JSON.stringify(d.dtype)} is not supported by readH5 (use openH5)`);
}

function readGroup(g: H5Group, file: string): H5Tree {
  const out: H5Tree = {};
  const attrs = readAttrs(g);
  if (attrs) out[ATTRS] = attrs;
  for (const name of g.keys()) out[name] = readNode(g.get(name), `${g.path === '/' ? '' : g.path}/${name}`, file);
  return out;
}

/**
 * Open an HDF5 file with h5wasm for lower-level access (slices, references, …). Call `close()` when done,
 * or use `withH5`. Mode 'r' read-only, 'a' read/write, 'w' create/truncate.
 */
export async function openH5(file: string, mode: 'r' | 'a' | 'w' = 'r'): Promise<H5File> {
  const abs = path.resolve(file);
  if (mode !== 'w' && !fs.existsSync(abs)) throw new DataFileError(file, 'not-found', 'no such file');
  if (mode !== 'w') assertHdf5(abs);
  const h5 = await h5wasmReady();
  try {
    return new h5.File(abs, mode);
  } catch (e) {
    const reason = hdf5Reason(e);
    throw new DataFileError(file, /truncated/.test(reason) ? 'truncated' : 'corrupt', `cannot open as HDF5: ${reason}`);
  }
}

/** Open, run `fn`, and close even if `fn` throws. */
export async function withH5<T>(file: string, mode: 'r' | 'a' | 'w', fn: (f: H5File) => T | Promise<T>): Promise<T> {
  const f = await openH5(file, mode);
  try {
    return await fn(f);
  } finally {
    f.close();
  }
}

/** Read a whole HDF5 file (or the group at `group`) into the tree form. */
export async function readH5(file: string, group = '/'): Promise<H5Tree> {
  return withH5(file, 'r', (f) => {
    const g = group === '/' ? f : f.get(group);
    if ((g as { type?: string } | null)?.type !== 'Group') throw new DataFileError(file, 'not-found', `no group '${group}'`);
    try {
      return readGroup(g as H5Group, file);
    } catch (e) {
      if (e instanceof DataFileError) throw e;
      throw new DataFileError(file, 'corrupt', `cannot read: ${hdf5Reason(e)}`);
    }
  });
}
