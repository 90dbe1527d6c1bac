/**
 * What `loadMat` hands out, and what `saveMat` accepts.
 *
 * Conventions (the same for MAT v5 and v7.3 files):
 * - `shape` is MATLAB's size vector (at least 2 dims: a 300×1 column has shape [300, 1]).
 * - `data` is in **row-major (C) order** over that shape: MATLAB's column-major storage is converted on load
 *   (and back on save). For vectors the two orders coincide. `get(i, j, ...)` takes 0-based subscripts.
 * - Numeric classes map to typed arrays: double→Float64Array, single→Float32Array, int8..uint32→Int8Array..
 *   Uint32Array, int64/uint64→BigInt64Array/BigUint64Array (exact; use `toFloat64()` for plain numbers),
 *   logical→Uint8Array of 0/1. Complex arrays carry `imag` of the same type.
 * - char arrays become a `string` (one row, or empty) or `string[]` (one string per row of a 2-d char matrix;
 *   for N-d char each row string holds the remaining dims in row-major order). Characters are UTF-16 code units.
 * - A 1×1 struct becomes a plain object `{field: value}`; any other struct shape, and old-style MATLAB objects
 *   (which keep their `className`), are a `MatStructArray`.
 * - Cell arrays are `MatCell` (items in row-major order), sparse matrices `MatSparse` (compressed columns,
 *   0-based; `toDense()` for a `MatArray`).
 * - Function handles and MATLAB (MCOS) objects such as `string`, `table`, `categorical` are not supported: they
 *   raise a DataFileError of kind 'unsupported', or are left out with `loadMat(f, {unsupported: 'skip'})`.
 * TypeScript sees each value as `MatValue`; `asArray`, `asStruct`, `asStructArray`, `asCell`, `asString`
 * narrow it with a run-time check, e.g. `asArray(asStruct(asStructArray(m.Data).get(0).highCont).wide)`.
 */
import * as util from 'util';

import { Indexable, numelOf, reorder, rowMajorIndex } from './array-order';

export type MatNumericClass =
  | 'double' | 'single'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'logical';

export type MatTypedArray =
  | Float64Array | Float32Array
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

/** A loaded MATLAB value. */
export type MatValue = MatArray | MatSparse | MatCell | MatStructArray | MatStruct | string | string[];

/** A 1×1 struct: field name → value (field order as in the file). */
export interface MatStruct {
  [field: string]: MatValue;
}

/** The variables of a MAT file, by name. */
export type MatFile = Record<string, MatValue>;

const DISPLAY = Symbol.for('Jupyter.display');

export const TYPED_ARRAY_OF_CLASS = {
  double: Float64Array,
  single: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  logical: Uint8Array,
} as const;

export function allocClass(cls: MatNumericClass, n: number): MatTypedArray {
  return new TYPED_ARRAY_OF_CLASS[cls](n);
}

function shapeText(shape: readonly number[]): string {
  return shape.join('×');
}

/** A dense numeric or logical array. */
export class MatArray {
  /** MATLAB class name ('double', 'logical', …). */
  readonly class: MatNumericClass;
  readonly shape: number[];
  /** Row-major (C order) values over `shape`. */
  readonly data: MatTypedArray;
  /** Imaginary part, for complex arrays. */
  readonly imag?: MatTypedArray;

  constructor(cls: MatNumericClass, shape: number[], data: MatTypedArray, imag?: MatTypedArray) {
    this.class = cls;
    this.shape = shape;
    this.data = data;
    this.imag = imag;
    if (data.length !== numelOf(shape)) {
      throw new RangeError(`MatArray: data has ${data.length} values but shape [${shape}] needs ${numelOf(shape)}`);
    }
    const want = TYPED_ARRAY_OF_CLASS[cls];
    if (!(data instanceof want) || (imag && !(imag instanceof want))) {
      throw new TypeError(`MatArray: class '${cls}' needs a ${want.name}, got ${data.constructor.name}`);
    }
    if (imag && imag.length !== data.length) throw new RangeError('MatArray: imag and data differ in length');
  }

  /** Build from row-major data; the class follows the typed array (Float64Array→double, …). */
  static from(data: MatTypedArray | number[], shape?: number[], opts: { imag?: MatTypedArray; logical?: boolean } = {}): MatArray {
    let d: MatTypedArray = Array.isArray(data) ? Float64Array.from(data) : data;
    const cls = opts.logical ? 'logical' : classOfTypedArray(d);
    let imag = opts.imag;
    if (opts.logical && !(d instanceof Uint8Array)) {
      d = Uint8Array.from(d as Indexable<number>, (x) => (Number(x) !== 0 ? 1 : 0));
      imag = undefined; // logical arrays are never complex
    }
    return new MatArray(cls, shape ?? [1, d.length], d, imag);
  }

  get numel(): number {
    return this.data.length;
  }
  get isComplex(): boolean {
    return this.imag !== undefined;
  }
  get isEmpty(): boolean {
    return this.data.length === 0;
  }
  /** True when at most one dimension exceeds 1. */
  get isVector(): boolean {
    return this.shape.filter((d) => d > 1).length <= 1;
  }

  /** Value at 0-based subscripts (one per dim, or one row-major linear index). */
  get(...idx: number[]): number | bigint {
    return this.data[rowMajorIndex(this.shape, idx, `MatArray ${shapeText(this.shape)}`)];
  }

  /** The single value of a 1×1 array. */
  scalar(): number | bigint {
    if (this.numel !== 1) throw new RangeError(`scalar(): array is ${shapeText(this.shape)}, not 1×1`);
    return this.data[0];
  }

  /** Values as Float64Array (row-major); int64 values beyond 2^53 lose precision. */
  toFloat64(): Float64Array {
    if (this.data instanceof Float64Array) return this.data;
    const out = new Float64Array(this.numel);
    for (let i = 0; i < out.length; i++) out[i] = Number(this.data[i]);
    return out;
  }

  /** The values of a vector (n×1 or 1×n, or any shape with one non-singleton dim) as Float64Array. */
  vector(): Float64Array {
    if (!this.isVector) throw new RangeError(`vector(): array is ${shapeText(this.shape)}, not a vector`);
    return this.toFloat64();
  }

  /** Nested JS arrays following `shape` (numbers, or bigints for int64/uint64). */
  toNested(): unknown[] {
    return nest(this.data, this.shape);
  }

  /** Column-major copy of the data, as MATLAB stores it. */
  columnMajor(): MatTypedArray {
    const out = allocClass(this.class, this.numel);
    reorder(this.data as Indexable<number | bigint>, this.shape, out as Indexable<number | bigint>, true);
    return out;
  }

  toString(): string {
    const head = `${shapeText(this.shape)} ${this.class}${this.imag ? ' complex' : ''}`;
    if (this.numel <= 10) return `MatArray<${head}> [${Array.from(this.data as Indexable<number>).join(', ')}]`;
    return `MatArray<${head}>`;
  }
  [util.inspect.custom](): string {
    return this.toString();
  }
  [DISPLAY](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }
}

export function classOfTypedArray(d: MatTypedArray): MatNumericClass {
  if (d instanceof Float64Array) return 'double';
  if (d instanceof Float32Array) return 'single';
  if (d instanceof Int8Array) return 'int8';
  if (d instanceof Uint8Array) return 'uint8';
  if (d instanceof Int16Array) return 'int16';
  if (d instanceof Uint16Array) return 'uint16';
  if (d instanceof Int32Array) return 'int32';
  if (d instanceof Uint32Array) return 'uint32';
  if (d instanceof BigInt64Array) return 'int64';
  return 'uint64';
}

function nest(data: Indexable<unknown>, shape: readonly number[]): unknown[] {
  const rec = (offset: number, k: number): unknown[] => {
    const out: unknown[] = [];
    if (k === shape.length - 1) {
      for (let i = 0; i < shape[k]; i++) out.push(data[offset + i]);
      return out;
    }
    const stride = numelOf(shape.slice(k + 1));
    for (let i = 0; i < shape[k]; i++) out.push(rec(offset + i * stride, k + 1));
    return out;
  };
  return shape.length === 0 ? [data[0]] : rec(0, 0);
}

/**
 * A sparse matrix in MATLAB's compressed-column form (0-based): the nonzeros of column j are
 * `values[colPointers[j] .. colPointers[j+1])` at rows `rowIndices[...]`.
 */
export class MatSparse {
  constructor(
    readonly shape: [number, number],
    readonly rowIndices: Int32Array,
    readonly colPointers: Int32Array,
    readonly values: Float64Array | Uint8Array,
    readonly imag?: Float64Array,
    readonly logical = false,
  ) {}

  get nnz(): number {
    return this.colPointers[this.shape[1]] ?? 0;
  }

  /** Dense row-major copy. */
  toDense(): MatArray {
    const [m, n] = this.shape;
    const re = this.logical ? new Uint8Array(m * n) : new Float64Array(m * n);
    const im = this.imag ? new Float64Array(m * n) : undefined;
    for (let j = 0; j < n; j++) {
      for (let p = this.colPointers[j]; p < this.colPointers[j + 1]; p++) {
        re[this.rowIndices[p] * n + j] = this.values[p];
        if (im && this.imag) im[this.rowIndices[p] * n + j] = this.imag[p];
      }
    }
    return new MatArray(this.logical ? 'logical' : 'double', [m, n], re, im);
  }

  toString(): string {
    return `MatSparse<${shapeText(this.shape)}${this.logical ? ' logical' : ''}${this.imag ? ' complex' : ''}, nnz ${this.nnz}>`;
  }
  [util.inspect.custom](): string {
    return this.toString();
  }
  [DISPLAY](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }
}

/** A cell array: `items` in row-major order over `shape`. Iterable. */
export class MatCell {
  constructor(readonly shape: number[], readonly items: MatValue[]) {
    if (items.length !== numelOf(shape)) {
      throw new RangeError(`MatCell: ${items.length} items but shape [${shape}] needs ${numelOf(shape)}`);
    }
  }
  /** A 1×n cell from a list. */
  static from(items: MatValue[], shape?: number[]): MatCell {
    return new MatCell(shape ?? [1, items.length], items);
  }
  get length(): number {
    return this.items.length;
  }
  /** Item at 0-based subscripts (one per dim, or one row-major linear index). */
  get(...idx: number[]): MatValue {
    return this.items[rowMajorIndex(this.shape, idx, `MatCell ${shapeText(this.shape)}`)];
  }
  [Symbol.iterator](): Iterator<MatValue> {
    return this.items[Symbol.iterator]();
  }
  toString(): string {
    return `MatCell<${shapeText(this.shape)}>`;
  }
  [util.inspect.custom](depth: number, opts: util.InspectOptionsStylized): string {
    return `${this.toString()} ${util.inspect(this.items, { ...opts, depth: opts.depth === null ? null : depth })}`;
  }
  [DISPLAY](): Record<string, string> {
    return { 'text/plain': util.inspect(this, { depth: 2 }) };
  }
}

/** A struct array that is not 1×1: `elements` in row-major order over `shape`, each `{field: value}`. */
export class MatStructArray {
  constructor(
    readonly shape: number[],
    readonly fieldNames: string[],
    readonly elements: MatStruct[],
    /** Class name for MATLAB (old-style) objects, else undefined. */
    readonly className?: string,
  ) {
    if (elements.length !== numelOf(shape)) {
      throw new RangeError(`MatStructArray: ${elements.length} elements but shape [${shape}] needs ${numelOf(shape)}`);
    }
  }
  get length(): number {
    return this.elements.length;
  }
  /** Element at 0-based subscripts (one per dim, or one row-major linear index). */
  get(...idx: number[]): MatStruct {
    return this.elements[rowMajorIndex(this.shape, idx, `MatStructArray ${shapeText(this.shape)}`)];
  }
  /** One field across all elements, in row-major order (like MATLAB's `{s.field}`). */
  field(name: string): MatValue[] {
    if (!this.fieldNames.includes(name)) {
      throw new RangeError(`MatStructArray has no field '${name}' (fields: ${this.fieldNames.join(', ')})`);
    }
    return this.elements.map((e) => e[name]);
  }
  [Symbol.iterator](): Iterator<MatStruct> {
    return this.elements[Symbol.iterator]();
  }
  toString(): string {
    return `MatStructArray<${shapeText(this.shape)}${this.className ? ' ' + this.className : ''}> fields: ${this.fieldNames.join(', ')}`;
  }
  [util.inspect.custom](): string {
    return this.toString();
  }
  [DISPLAY](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }
}

/** True for a 1×1 struct as loaded (a plain object, not one of the classes above). */
export function isMatStruct(v: unknown): v is MatStruct {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Turn char data (UTF-16 code units, row-major over a 2-d shape) into what `loadMat` returns:
 * one string for a single row (or an empty array), else one string per row.
 */
export function charToValue(codes: Indexable<number>, shape: readonly number[]): string | string[] {
  const rows = shape[0];
  const n = numelOf(shape);
  const cols = rows === 0 ? 0 : n / rows;
  const rowText = (r: number): string => {
    let s = '';
    for (let j = 0; j < cols; j++) s += String.fromCharCode(codes[r * cols + j]);
    return s;
  };
  if (n === 0 || rows === 1) return n === 0 ? '' : rowText(0);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) out.push(rowText(r));
  return out;
}

/** Describe a loaded value for error messages ('1×28 struct array', 'char', …). */
export function describeMatValue(v: MatValue): string {
  if (typeof v === 'string') return 'char row';
  if (Array.isArray(v)) return 'char matrix';
  if (v instanceof MatArray) return `${shapeText(v.shape)} ${v.class} array`;
  if (v instanceof MatSparse) return `${shapeText(v.shape)} sparse matrix`;
  if (v instanceof MatCell) return `${shapeText(v.shape)} cell`;
  if (v instanceof MatStructArray) return `${shapeText(v.shape)} struct array`;
  return '1×1 struct';
}

// Narrowing helpers for notebooks (TypeScript sees every loaded value as `MatValue`): they check at run time
// and say what was found instead, e.g. `asStructArray(m.Data).get(0)`, `asArray(m.mirror).vector()`.

export function asArray(v: MatValue | undefined, what = 'value'): MatArray {
  if (v instanceof MatArray) return v;
  throw new TypeError(`${what}: expected a numeric/logical array, found ${v === undefined ? 'nothing' : describeMatValue(v)}`);
}
export function asStruct(v: MatValue | undefined, what = 'value'): MatStruct {
  if (v !== undefined && isMatStruct(v)) return v;
  if (v instanceof MatStructArray && v.length === 1) return v.elements[0];
  throw new TypeError(`${what}: expected a 1×1 struct, found ${v === undefined ? 'nothing' : describeMatValue(v)}`);
}
export function asStructArray(v: MatValue | undefined, what = 'value'): MatStructArray {
  if (v instanceof MatStructArray) return v;
  if (v !== undefined && isMatStruct(v)) return new MatStructArray([1, 1], Object.keys(v), [v]);
  throw new TypeError(`${what}: expected a struct array, found ${v === undefined ? 'nothing' : describeMatValue(v)}`);
}
export function asCell(v: MatValue | undefined, what = 'value'): MatCell {
  if (v instanceof MatCell) return v;
  throw new TypeError(`${what}: expected a cell array, found ${v === undefined ? 'nothing' : describeMatValue(v)}`);
}
export function asString(v: MatValue | undefined, what = 'value'): string {
  if (typeof v === 'string') return v;
  throw new TypeError(`${what}: expected a char row (string), found ${v === undefined ? 'nothing' : describeMatValue(v)}`);
}

/**
 * Set a field by name from file contents. Plain assignment would treat a (corrupt or hostile) name such as
 * `__proto__` as the prototype; defining the property keeps it an ordinary field.
 */
export function setField<T>(obj: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
}

/** What to do with a variable whose class ratelab cannot represent (function handles, MATLAB objects). */
export type UnsupportedPolicy = 'error' | 'skip';

export interface LoadMatOptions {
  /**
   * 'error' (default): throw a DataFileError naming the variable. 'skip': leave such top-level variables
   * out and list them in `skipped` (a file holding one `string` or `table` object is otherwise unreadable).
   */
  unsupported?: UnsupportedPolicy;
  /** Receives the names and reasons of skipped variables (with `unsupported: 'skip'`). */
  skipped?: string[];
}
