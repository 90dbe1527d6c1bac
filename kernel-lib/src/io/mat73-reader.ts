/**
 * MAT v7.3 reader. A v7.3 file is HDF5 with a 512-byte user block holding the MAT header. MATLAB's layout:
 * - each variable is a dataset (or group) at the root with a `MATLAB_class` attribute;
 * - arrays are stored transposed: HDF5 dims are MATLAB's dims reversed, and the row-major HDF5 data is
 *   MATLAB's column-major data. We reverse the dims and reorder to row-major (see `mat-values.ts`);
 * - char is uint16 code units; logical is uint8; complex is a compound {real, imag};
 * - empty arrays store their dims as data, flagged `MATLAB_empty`;
 * - a struct is a group (fields are members, order in `MATLAB_fields`); a struct array is a group whose
 *   members are datasets of object references (one per element) into `/#refs#`; a cell is a dataset of
 *   object references; a sparse matrix is a group with `MATLAB_sparse` = rows and datasets data/ir/jc.
 */
import * as path from 'path';

import { Indexable, numelOf, reorder } from './array-order';
import { DataFileError } from './errors';
import { assertHdf5, hdf5Reason, H5Dataset, H5File, H5Group, h5wasmReady } from './h5wasm-module';
import {
  allocClass, charToValue, LoadMatOptions, MatArray, MatCell, MatFile, MatNumericClass, MatSparse, MatStruct, MatStructArray,
  MatTypedArray, MatValue, setField,
} from './mat-values';

const NUMERIC: readonly string[] = [
  'double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'logical',
];
/** h5wasm's metadata.type for object references (H5T_REFERENCE). */
const H5T_REFERENCE = 7;
const H5T_COMPOUND = 6;

type Entity = ReturnType<H5Group['get']>;

/** 'Group', 'Dataset', … (h5wasm's OBJECT_TYPE); References and links have none we accept. */
function kindOf(obj: Entity): string | undefined {
  return (obj as { type?: string } | null)?.type;
}

function attr(obj: H5Dataset | H5Group, name: string): unknown {
  const a = obj.attrs[name];
  return a === undefined ? undefined : a.value;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  return undefined;
}

/** MATLAB dims from HDF5 dims: reversed, at least 2. */
function matDims(h5shape: number[] | null): number[] {
  const d = (h5shape ?? []).slice().reverse();
  while (d.length < 2) d.push(1);
  return d;
}

class Mat73Reader {
  constructor(readonly f: H5File, readonly file: string, readonly opts: LoadMatOptions) {}

  fail(kind: 'corrupt' | 'unsupported', where: string, what: string): never {
    throw new DataFileError(this.file, kind, `${where}: ${what}`);
  }

  variables(): MatFile {
    const vars: MatFile = {};
    for (const name of this.f.keys()) {
      if (name.startsWith('#')) continue; // #refs#, #subsystem#
      try {
        setField(vars, name, this.value(this.f.get(name), `'${name}'`));
      } catch (e) {
        if (!(e instanceof DataFileError && e.kind === 'unsupported' && this.opts.unsupported === 'skip')) throw e;
        this.opts.skipped?.push(e.message);
      }
    }
    return vars;
  }

  value(obj: Entity, where: string): MatValue {
    const kind = kindOf(obj);
    if (kind === 'Group') return this.group(obj as H5Group, where);
    if (kind === 'Dataset') return this.dataset(obj as H5Dataset, where);
    return this.fail('corrupt', where, `unexpected HDF5 object (${kind ?? 'dangling link'})`);
  }

  private group(g: H5Group, where: string): MatValue {
    const cls = str(attr(g, 'MATLAB_class'));
    const sparseRows = attr(g, 'MATLAB_sparse');
    if (sparseRows !== undefined) return this.sparse(g, Number(sparseRows), cls ?? 'double', where);
    if (cls !== undefined && cls !== 'struct') {
      this.fail('unsupported', where, `unsupported MATLAB class '${cls}' (objects such as string, table need MATLAB)`);
    }
    const fields = this.fieldOrder(g);
    const members = fields.map((f) => g.get(f));
    // A struct array keeps one reference dataset per field (no MATLAB_class of its own).
    const isArray = members.length > 0 && members.every((m) =>
      kindOf(m) === 'Dataset' && (m as H5Dataset).metadata.type === H5T_REFERENCE &&
      attr(m as H5Dataset, 'MATLAB_class') === undefined);
    if (!isArray) {
      const s: MatStruct = {};
      fields.forEach((f, i) => setField(s, f, this.value(members[i], `${where}.${f}`)));
      return s;
    }
    const shape = matDims((members[0] as H5Dataset).shape);
    const n = numelOf(shape);
    const colMajor: MatStruct[] = Array.from({ length: n }, () => ({}));
    fields.forEach((f, fi) => {
      const ds = members[fi] as H5Dataset;
      const refs = ds.value as unknown[];
      if (!Array.isArray(refs) || refs.length !== n) this.fail('corrupt', `${where}.${f}`, `expected ${n} references`);
      refs.forEach((ref, i) => {
        setField(colMajor[i], f, this.value(this.deref(ref), `${where}(${i + 1}).${f}`));
      });
    });
    const elements = new Array<MatStruct>(n);
    reorder(colMajor, shape, elements);
    return new MatStructArray(shape, fields, elements);
  }

  private deref(ref: unknown): Entity {
    return this.f.dereference(ref as never) as unknown as Entity;
  }

  private fieldOrder(g: H5Group): string[] {
    const keys = g.keys();
    const raw = attr(g, 'MATLAB_fields');
    if (!Array.isArray(raw)) return keys;
    const names = raw.map((chars) => (Array.isArray(chars) ? chars.join('') : str(chars) ?? ''));
    // Trust the attribute only if it names exactly the members present.
    return names.length === keys.length && names.every((n) => keys.includes(n)) ? names : keys;
  }

  private sparse(g: H5Group, rows: number, cls: string, where: string): MatSparse {
    const num = (name: string): Indexable<number | bigint> => {
      const d = g.get(name);
      if (kindOf(d) !== 'Dataset') return new Float64Array(0);
      const v = (d as H5Dataset).value;
      if (!ArrayBuffer.isView(v)) this.fail('unsupported', where, `sparse '${name}' is not real numeric data (complex sparse is not supported)`);
      return v as unknown as Indexable<number | bigint>;
    };
    const jcRaw = num('jc');
    if (jcRaw.length < 1) this.fail('corrupt', where, 'sparse matrix without column pointers');
    const jc = Int32Array.from({ length: jcRaw.length }, (_, i) => Number(jcRaw[i]));
    const n = jc.length - 1;
    const nnz = jc[n];
    const irRaw = num('ir');
    const dataRaw = num('data');
    if (irRaw.length < nnz || dataRaw.length < nnz) {
      this.fail('corrupt', where, `sparse matrix with ${nnz} nonzeros but ${irRaw.length} row indices and ${dataRaw.length} values`);
    }
    const ir = Int32Array.from({ length: nnz }, (_, i) => Number(irRaw[i]));
    for (const r of ir) if (r < 0 || r >= rows) this.fail('corrupt', where, `sparse row index ${r} outside 0..${rows - 1}`);
    const logical = cls === 'logical';
    const values = logical ? new Uint8Array(nnz) : new Float64Array(nnz);
    for (let i = 0; i < nnz; i++) values[i] = Number(dataRaw[i]);
    return new MatSparse([rows, n], ir, jc, values, undefined, logical);
  }

  private dataset(d: H5Dataset, where: string): MatValue {
    const cls = str(attr(d, 'MATLAB_class'));
    if (cls === undefined) this.fail('unsupported', where, 'dataset without a MATLAB_class attribute (not written by MATLAB?)');
    const empty = attr(d, 'MATLAB_empty');
    if (empty !== undefined && Number(empty) !== 0) {
      const v = d.value as unknown;
      const dims = ArrayBuffer.isView(v) ? Array.from(v as unknown as Indexable<number | bigint>, Number) : [0, 0];
      if (dims.length < 2) dims.push(0);
      if (cls === 'char') return '';
      if (cls === 'cell') return new MatCell(dims, []);
      if (cls === 'struct') return new MatStructArray(dims, [], []);
      if (!NUMERIC.includes(cls)) this.fail('unsupported', where, `unsupported MATLAB class '${cls}'`);
      return new MatArray(cls as MatNumericClass, dims, allocClass(cls as MatNumericClass, 0));
    }
    const shape = matDims(d.shape);
    const n = numelOf(shape);
    if (cls === 'cell') {
      const refs = d.value as unknown[];
      if (!Array.isArray(refs) || refs.length !== n) this.fail('corrupt', where, `cell with ${n} elements has no matching references`);
      const colMajor = refs.map((ref, i) => this.value(this.deref(ref), `${where}{${i + 1}}`));
      const items = new Array<MatValue>(n);
      reorder(colMajor, shape, items);
      return new MatCell(shape, items);
    }
    if (cls === 'char') {
      const v = d.value as unknown;
      if (!ArrayBuffer.isView(v)) this.fail('corrupt', where, 'char data is not an integer array');
      const codes = new Uint16Array(n);
      reorder(Uint16Array.from(v as unknown as ArrayLike<number>), shape, codes);
      return charToValue(codes, shape);
    }
    if (!NUMERIC.includes(cls)) {
      this.fail('unsupported', where, `unsupported MATLAB class '${cls}' (objects such as string, table, function_handle need MATLAB)`);
    }
    const mcls = cls as MatNumericClass;
    const v = d.value as unknown;
    if (d.metadata.type === H5T_COMPOUND) {
      if (!Array.isArray(v) || v.length !== n) this.fail('corrupt', where, 'complex data does not match its shape');
      const re = allocClass(mcls, n);
      const im = allocClass(mcls, n);
      (v as [number, number][]).forEach(([a, b], i) => { (re as Indexable<number>)[i] = a; (im as Indexable<number>)[i] = b; });
      return new MatArray(mcls, shape, this.toRowMajor(re, mcls, shape), this.toRowMajor(im, mcls, shape));
    }
    if (!ArrayBuffer.isView(v) || (v as MatTypedArray).length !== n) this.fail('corrupt', where, `data does not match shape [${shape}]`);
    const src = v as MatTypedArray;
    const conv = allocClass(mcls, n);
    const big = conv instanceof BigInt64Array || conv instanceof BigUint64Array;
    for (let i = 0; i < n; i++) (conv as Indexable<number | bigint>)[i] = big ? BigInt(src[i]) : Number(src[i]);
    return new MatArray(mcls, shape, this.toRowMajor(conv, mcls, shape));
  }

  private toRowMajor(a: MatTypedArray, cls: MatNumericClass, shape: number[]): MatTypedArray {
    const out = allocClass(cls, a.length);
    reorder(a as Indexable<number | bigint>, shape, out as Indexable<number | bigint>);
    return out;
  }
}

/** Read every variable of a MAT v7.3 file (opened read-only with h5wasm; closed before returning). */
export async function readMat73(file: string, opts: LoadMatOptions = {}): Promise<MatFile> {
  assertHdf5(file);
  const h5 = await h5wasmReady();
  let f: H5File;
  try {
    f = new h5.File(path.resolve(file), 'r');
  } catch (e) {
    const reason = hdf5Reason(e);
    throw new DataFileError(file, /truncated/.test(reason) ? 'truncated' : 'corrupt', `cannot open as HDF5 (MAT v7.3): ${reason}`);
  }
  try {
    return new Mat73Reader(f, file, opts).variables();
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(file, 'corrupt', `cannot read MAT v7.3 content: ${hdf5Reason(e)}`);
  } finally {
    f.close();
  }
}
