/**
 * MAT v5 / v7 reader (the format of `save -v7`, scipy.io.savemat, and MATLAB's default before 7.3).
 * Every length read from the file is checked against the bytes really there; see `ByteReader`.
 * Arrays come out row-major with MATLAB's dims as shape; see `mat-values.ts` for the conventions.
 */
import * as zlib from 'zlib';

import { numelOf, reorder, Indexable } from './array-order';
import { ByteReader } from './byte-reader';
import { DataFileError } from './errors';
import {
  FLAG_COMPLEX, FLAG_LOGICAL, HEADER_BYTES, MI, MI_SIZE, MX, MX_CLASS_NAME, MX_NUMERIC_CLASS,
} from './mat5-format';
import {
  allocClass, charToValue, LoadMatOptions, MatArray, MatCell, MatFile, MatNumericClass, MatSparse, MatStruct, MatStructArray,
  MatTypedArray, MatValue, setField,
} from './mat-values';

export interface Mat5Header {
  text: string;
  version: number;
  littleEndian: boolean;
}

export function readMat5Header(bytes: Uint8Array, file: string): Mat5Header {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new DataFileError(file, bytes.byteLength === 0 ? 'not-a-mat-file' : 'truncated',
      `not a MAT file: only ${bytes.byteLength} bytes, a MAT v5 header needs ${HEADER_BYTES}`);
  }
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian !== 'IM' && endian !== 'MI') {
    throw new DataFileError(file, 'not-a-mat-file',
      `not a MAT v5 file: endian indicator at byte 126 is ${JSON.stringify(endian)}, expected "IM" or "MI"`);
  }
  const littleEndian = endian === 'IM';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(124, littleEndian);
  const text = Buffer.from(bytes.subarray(0, 116)).toString('latin1').replace(/[\s\0]+$/, '');
  if (version !== 0x0100) {
    throw new DataFileError(file, 'unsupported', `unsupported MAT header version 0x${version.toString(16)} (expected 0x0100)`);
  }
  return { text, version, littleEndian };
}

interface Tag {
  type: number;
  nbytes: number;
  /** Offset of the data. */
  dataOffset: number;
  /** Offset just past the element, padding included. */
  next: number;
}

function readTag(r: ByteReader, off: number, what: string): Tag {
  const first = r.u32(off, `${what} tag`);
  // Small data element: byte count in the upper half of the first word, data in the second word.
  const small = first >>> 16;
  if (small !== 0) {
    if (small > 4) throw new DataFileError(r.file, 'corrupt', `${what}: small element claims ${small} bytes at ${r.where(off)}`);
    r.need(off, 8, `${what} (small element)`);
    return { type: first & 0xffff, nbytes: small, dataOffset: off + 4, next: off + 8 };
  }
  const nbytes = r.u32(off + 4, `${what} tag`);
  r.need(off + 8, nbytes, what);
  const type = first;
  // Compressed elements are not padded; all others are padded to 8 bytes (the padding may be missing at EOF).
  const padded = type === MI.COMPRESSED ? nbytes : Math.ceil(nbytes / 8) * 8;
  return { type, nbytes, dataOffset: off + 8, next: Math.min(off + 8 + padded, r.length) };
}

/** Numbers of a numeric sub-element, converted to the target class. */
function readNumeric(r: ByteReader, tag: Tag, what: string): MatTypedArray {
  const size = MI_SIZE[tag.type];
  if (size === undefined || tag.type === MI.UTF8 || tag.type === MI.UTF16 || tag.type === MI.UTF32) {
    throw new DataFileError(r.file, 'corrupt', `${what}: unexpected data type ${tag.type} at ${r.where(tag.dataOffset)}`);
  }
  if (tag.nbytes % size !== 0) {
    throw new DataFileError(r.file, 'corrupt', `${what}: ${tag.nbytes} bytes is not a whole number of ${size}-byte values`);
  }
  const n = tag.nbytes / size;
  const v = r.view;
  const o = tag.dataOffset;
  const le = r.littleEndian;
  switch (tag.type) {
    case MI.INT8: return Int8Array.from({ length: n }, (_, i) => v.getInt8(o + i));
    case MI.UINT8: return Uint8Array.from(r.bytes.subarray(o, o + n));
    case MI.INT16: { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = v.getInt16(o + 2 * i, le); return a; }
    case MI.UINT16: { const a = new Uint16Array(n); for (let i = 0; i < n; i++) a[i] = v.getUint16(o + 2 * i, le); return a; }
    case MI.INT32: { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = v.getInt32(o + 4 * i, le); return a; }
    case MI.UINT32: { const a = new Uint32Array(n); for (let i = 0; i < n; i++) a[i] = v.getUint32(o + 4 * i, le); return a; }
    case MI.SINGLE: { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = v.getFloat32(o + 4 * i, le); return a; }
    case MI.DOUBLE: { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = v.getFloat64(o + 8 * i, le); return a; }
    case MI.INT64: { const a = new BigInt64Array(n); for (let i = 0; i < n; i++) a[i] = v.getBigInt64(o + 8 * i, le); return a; }
    case MI.UINT64: { const a = new BigUint64Array(n); for (let i = 0; i < n; i++) a[i] = v.getBigUint64(o + 8 * i, le); return a; }
  }
  throw new DataFileError(r.file, 'corrupt', `${what}: unexpected data type ${tag.type}`);
}

/** Convert (MATLAB stores e.g. doubles as miUINT8 when they fit) and reorder column-major → row-major. */
function toClass(src: MatTypedArray, cls: MatNumericClass, shape: number[]): MatTypedArray {
  const out = allocClass(cls, src.length);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const srcBig = src instanceof BigInt64Array || src instanceof BigUint64Array;
  let conv: MatTypedArray = src;
  if (big !== srcBig || src.constructor !== out.constructor) {
    conv = allocClass(cls, src.length);
    for (let i = 0; i < src.length; i++) {
      (conv as Indexable<number | bigint>)[i] = big ? BigInt(src[i] as number | bigint) : Number(src[i]);
    }
  }
  reorder(conv as Indexable<number | bigint>, shape, out as Indexable<number | bigint>);
  return out;
}

class Mat5Parser {
  constructor(readonly file: string, readonly opts: LoadMatOptions = {}) {}

  /** All variables of a file already in memory. */
  parseFile(bytes: Uint8Array): MatFile {
    const header = readMat5Header(bytes, this.file);
    const r = new ByteReader(bytes, this.file, header.littleEndian);
    const vars: MatFile = {};
    let off = HEADER_BYTES;
    while (off < r.length) {
      if (r.length - off < 8) {
        throw new DataFileError(this.file, 'truncated', `truncated element tag at byte ${off} (needs ${8 - (r.length - off)} more bytes)`);
      }
      const tag = readTag(r, off, 'top-level element');
      if (tag.type === MI.COMPRESSED) {
        const inner = this.inflate(r, tag, off);
        const ir = new ByteReader(inner, this.file, header.littleEndian, 0, `compressed element at byte ${off}`);
        const itag = readTag(ir, 0, 'compressed variable');
        if (itag.type !== MI.MATRIX) {
          throw new DataFileError(this.file, 'corrupt', `compressed element at byte ${off} holds data type ${itag.type}, expected miMATRIX (14)`);
        }
        this.addVariable(vars, () => this.parseMatrix(ir, itag, `variable at byte ${off}`));
      } else if (tag.type === MI.MATRIX) {
        this.addVariable(vars, () => this.parseMatrix(r, tag, `variable at byte ${off}`));
      } else {
        throw new DataFileError(this.file, 'corrupt', `unexpected top-level data type ${tag.type} at byte ${off}`);
      }
      off = tag.next;
    }
    return vars;
  }

  private addVariable(vars: MatFile, parse: () => { name: string; value: MatValue }): void {
    try {
      const { name, value } = parse();
      // MATLAB's subsystem data (function workspaces, MCOS objects) is a nameless top-level element.
      if (name !== '') setField(vars, name, value);
    } catch (e) {
      if (!(e instanceof DataFileError && e.kind === 'unsupported' && this.opts.unsupported === 'skip')) throw e;
      this.opts.skipped?.push(e.message);
    }
  }

  private inflate(r: ByteReader, tag: Tag, off: number): Uint8Array {
    const compressed = r.slice(tag.dataOffset, tag.nbytes, 'compressed element');
    try {
      return zlib.inflateSync(compressed);
    } catch (e) {
      throw new DataFileError(this.file, 'decompression',
        `decompression failed for compressed element at byte ${off} (${tag.nbytes} bytes): ${(e as Error).message}`);
    }
  }

  /** One miMATRIX element (tag already read). */
  private parseMatrix(r: ByteReader, tag: Tag, what: string): { name: string; value: MatValue } {
    const end = tag.dataOffset + tag.nbytes;
    // An empty miMATRIX (no sub-elements) is how empty cells are written: a 0×0 double.
    if (tag.nbytes === 0) return { name: '', value: new MatArray('double', [0, 0], new Float64Array(0)) };
    // Sub-elements must stay inside this element, so read them through a reader limited to it.
    const sub = new ByteReader(r.bytes.subarray(0, end), r.file, r.littleEndian, r.baseOffset, r.context);
    let off = tag.dataOffset;
    const next = (label: string): Tag => {
      const t = readTag(sub, off, `${what}: ${label}`);
      off = t.next;
      return t;
    };

    const flagsTag = next('array flags');
    if (flagsTag.type !== MI.UINT32 || flagsTag.nbytes < 8) {
      throw new DataFileError(r.file, 'corrupt', `${what}: bad array-flags element at ${r.where(flagsTag.dataOffset)}`);
    }
    const flagsWord = sub.u32(flagsTag.dataOffset, 'array flags');
    const mxClass = flagsWord & 0xff;
    const flags = (flagsWord >>> 8) & 0xff;
    const nzmax = sub.u32(flagsTag.dataOffset + 4, 'array flags');

    const dimsTag = next('dimensions');
    const dimsRaw = readNumeric(sub, dimsTag, `${what}: dimensions`);
    const shape = Array.from(dimsRaw as Indexable<number>, Number);
    if (shape.length < 2 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new DataFileError(r.file, 'corrupt', `${what}: invalid dimensions [${shape.join(', ')}]`);
    }
    const numel = numelOf(shape);

    const nameTag = next('array name');
    const name = Buffer.from(sub.slice(nameTag.dataOffset, nameTag.nbytes, 'array name')).toString('utf8');
    const label = name ? `'${name}'` : what;

    // Any element needs at least 8 bytes, so a count larger than the bytes left is corrupt — and checking it
    // here keeps a flipped dimension from making us allocate gigabytes.
    const room = end - off;
    const guardCount = (count: number, minBytes: number, of: string) => {
      if (count * minBytes > room) {
        throw new DataFileError(r.file, 'corrupt',
          `${label}: dimensions [${shape.join(', ')}] need ${count} ${of} but only ${room} bytes remain in the element`);
      }
    };

    const numericClass = MX_NUMERIC_CLASS[mxClass];
    if (numericClass) {
      const cls: MatNumericClass = flags & FLAG_LOGICAL ? 'logical' : numericClass;
      const reTag = next('real part');
      const re = readNumeric(sub, reTag, `${label} real part`);
      this.checkCount(re.length, numel, label, 'real part');
      let im: MatTypedArray | undefined;
      if (flags & FLAG_COMPLEX) {
        const imTag = next('imaginary part');
        im = readNumeric(sub, imTag, `${label} imaginary part`);
        this.checkCount(im.length, numel, label, 'imaginary part');
      }
      const imag = im ? toClass(im, cls, shape) : undefined;
      return { name, value: new MatArray(cls, shape, toClass(re, cls, shape), imag) };
    }

    switch (mxClass) {
      case MX.CHAR: {
        const t = next('characters');
        const codes = this.decodeChars(sub, t, label);
        this.checkCount(codes.length, numel, label, 'characters');
        const rowMajor = new Uint16Array(numel);
        reorder(codes, shape, rowMajor);
        return { name, value: charToValue(rowMajor, shape) };
      }
      case MX.CELL: {
        guardCount(numel, 8, 'cells');
        const colMajor: MatValue[] = [];
        for (let i = 0; i < numel; i++) {
          const t = next(`cell ${i + 1}`);
          this.expectMatrix(sub, t, `${label} cell ${i + 1}`);
          colMajor.push(this.parseMatrix(sub, t, `${label} cell ${i + 1}`).value);
        }
        const items = new Array<MatValue>(numel);
        reorder(colMajor, shape, items);
        return { name, value: new MatCell(shape, items) };
      }
      case MX.STRUCT:
      case MX.OBJECT: {
        let className: string | undefined;
        if (mxClass === MX.OBJECT) {
          const ct = next('class name');
          className = Buffer.from(sub.slice(ct.dataOffset, ct.nbytes, 'class name')).toString('utf8');
        }
        const lenTag = next('field name length');
        const fieldLen = sub.i32(lenTag.dataOffset, 'field name length');
        const namesTag = next('field names');
        if (fieldLen <= 0 || namesTag.nbytes % fieldLen !== 0) {
          throw new DataFileError(r.file, 'corrupt', `${label}: field-name length ${fieldLen} does not divide ${namesTag.nbytes} bytes of names`);
        }
        const nFields = namesTag.nbytes / fieldLen;
        const raw = sub.slice(namesTag.dataOffset, namesTag.nbytes, 'field names');
        const fieldNames: string[] = [];
        for (let f = 0; f < nFields; f++) {
          const chunk = raw.subarray(f * fieldLen, (f + 1) * fieldLen);
          const z = chunk.indexOf(0);
          fieldNames.push(Buffer.from(z < 0 ? chunk : chunk.subarray(0, z)).toString('utf8'));
        }
        guardCount(numel * nFields, 8, 'field values');
        const colMajor: MatStruct[] = [];
        for (let i = 0; i < numel; i++) {
          const el: MatStruct = {};
          for (const f of fieldNames) {
            const t = next(`field ${f}`);
            this.expectMatrix(sub, t, `${label}(${i + 1}).${f}`);
            setField(el, f, this.parseMatrix(sub, t, `${label}(${i + 1}).${f}`).value);
          }
          colMajor.push(el);
        }
        if (numel === 1 && !className) return { name, value: colMajor[0] };
        const elements = new Array<MatStruct>(numel);
        reorder(colMajor, shape, elements);
        return { name, value: new MatStructArray(shape, fieldNames, elements, className) };
      }
      case MX.SPARSE: {
        if (shape.length !== 2) throw new DataFileError(r.file, 'corrupt', `${label}: sparse array with ${shape.length} dims`);
        const ir = Int32Array.from(readNumeric(sub, next('row indices'), `${label} row indices`) as Indexable<number>, Number);
        const jc = Int32Array.from(readNumeric(sub, next('column pointers'), `${label} column pointers`) as Indexable<number>, Number);
        const [m, n] = shape;
        if (jc.length < n + 1) throw new DataFileError(r.file, 'corrupt', `${label}: ${jc.length} column pointers for ${n} columns`);
        const nnz = jc[n];
        // MATLAB stores nzmax (>= nnz) row indices; only the first nnz matter.
        if (nnz < 0 || nnz > ir.length || (nzmax > 0 && nnz > nzmax)) throw new DataFileError(r.file, 'corrupt', `${label}: sparse nnz ${nnz} exceeds ${ir.length} row indices`);
        for (let j = 0; j < n; j++) {
          if (jc[j] > jc[j + 1] || jc[j] < 0) throw new DataFileError(r.file, 'corrupt', `${label}: column pointers not increasing at column ${j}`);
        }
        for (let p = 0; p < nnz; p++) {
          if (ir[p] < 0 || ir[p] >= m) throw new DataFileError(r.file, 'corrupt', `${label}: sparse row index ${ir[p]} outside 0..${m - 1}`);
        }
        const logical = (flags & FLAG_LOGICAL) !== 0;
        const pr = readNumeric(sub, next('values'), `${label} values`);
        if (pr.length < nnz) throw new DataFileError(r.file, 'corrupt', `${label}: ${pr.length} sparse values for ${nnz} nonzeros`);
        const values = logical ? new Uint8Array(nnz) : new Float64Array(nnz);
        for (let p = 0; p < nnz; p++) values[p] = Number(pr[p]);
        let imag: Float64Array | undefined;
        if (flags & FLAG_COMPLEX) {
          const pi = readNumeric(sub, next('imaginary values'), `${label} imaginary values`);
          if (pi.length < nnz) throw new DataFileError(r.file, 'corrupt', `${label}: ${pi.length} imaginary values for ${nnz} nonzeros`);
          imag = Float64Array.from({ length: nnz }, (_, p) => Number(pi[p]));
        }
        return { name, value: new MatSparse([m, n], ir.subarray(0, nnz), jc.subarray(0, n + 1), values, imag, logical) };
      }
    }
    const what2 = MX_CLASS_NAME[mxClass] ?? `class number ${mxClass}`;
    throw new DataFileError(r.file, 'unsupported', `${label}: unsupported MATLAB class ${what2}`);
  }

  private expectMatrix(r: ByteReader, t: Tag, label: string): void {
    if (t.type !== MI.MATRIX) {
      throw new DataFileError(r.file, 'corrupt', `${label}: expected a miMATRIX element, found data type ${t.type} at ${r.where(t.dataOffset - 8)}`);
    }
  }

  private checkCount(got: number, want: number, label: string, part: string): void {
    if (got !== want) {
      throw new DataFileError(this.file, 'corrupt', `${label}: ${part} has ${got} values but the dimensions need ${want}`);
    }
  }

  /** Character data as UTF-16 code units, column-major. */
  private decodeChars(r: ByteReader, t: Tag, label: string): Uint16Array {
    const raw = r.slice(t.dataOffset, t.nbytes, `${label} characters`);
    let text: string;
    if (t.type === MI.UTF8) text = Buffer.from(raw).toString('utf8');
    else if (t.type === MI.UTF16) {
      const a = readNumeric(r, { ...t, type: MI.UINT16 }, label) as Uint16Array;
      return a;
    } else if (t.type === MI.UTF32) {
      const a = readNumeric(r, { ...t, type: MI.UINT32 }, label) as Uint32Array;
      text = '';
      for (const cp of a) text += String.fromCodePoint(cp);
    } else {
      // Plain integer types hold one code unit per value (MATLAB writes miUINT16; old files miUINT8).
      const a = readNumeric(r, t, label);
      return Uint16Array.from(a as Indexable<number>, Number);
    }
    const out = new Uint16Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
}

/** Parse a whole MAT v5 file held in memory. `file` is only used in error messages. */
export function parseMat5(bytes: Uint8Array, file: string, opts: LoadMatOptions = {}): MatFile {
  return new Mat5Parser(file, opts).parseFile(bytes);
}
