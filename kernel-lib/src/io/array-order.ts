/**
 * MATLAB stores arrays column-major (first index fastest); ratelab hands out row-major (C order) data with the
 * MATLAB dims as `shape`. These two permutations are the only place where that conversion happens.
 */

export interface Indexable<T> {
  length: number;
  [i: number]: T;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when at most one dimension exceeds 1: then column-major and row-major orders coincide. */
function orderIsTrivial(shape: readonly number[]): boolean {
  let big = 0;
  for (const d of shape) if (d > 1) big++;
  return big <= 1;
}

/**
 * Copy `src` (column-major over `shape`) into `dst` in row-major order. With `inverse`, the other way round.
 * Works for typed arrays and plain arrays alike.
 */
export function reorder<T>(src: Indexable<T>, shape: readonly number[], dst: Indexable<T>, inverse = false): void {
  const n = numelOf(shape);
  if (orderIsTrivial(shape)) {
    for (let i = 0; i < n; i++) dst[i] = src[i];
    return;
  }
  const nd = shape.length;
  // rowStride[k]: step in the row-major array when subscript k grows by one.
  const rowStride = new Array<number>(nd);
  let s = 1;
  for (let k = nd - 1; k >= 0; k--) {
    rowStride[k] = s;
    s *= shape[k];
  }
  const sub = new Array<number>(nd).fill(0);
  let r = 0;
  for (let c = 0; c < n; c++) {
    if (inverse) dst[c] = src[r];
    else dst[r] = src[c];
    // advance the column-major subscript (first index fastest), keeping r in step
    for (let k = 0; k < nd; k++) {
      sub[k]++;
      r += rowStride[k];
      if (sub[k] < shape[k]) break;
      r -= rowStride[k] * shape[k];
      sub[k] = 0;
    }
  }
}

/** Row-major linear index of 0-based subscripts `idx` over `shape`; throws on a bad subscript. */
export function rowMajorIndex(shape: readonly number[], idx: readonly number[], what: string): number {
  if (idx.length === 1) {
    const i = idx[0];
    if (!Number.isInteger(i) || i < 0 || i >= numelOf(shape)) {
      throw new RangeError(`${what}: linear index ${i} out of range for shape [${shape.join(', ')}]`);
    }
    return i;
  }
  if (idx.length !== shape.length) {
    throw new RangeError(`${what}: ${idx.length} subscripts given for shape [${shape.join(', ')}]`);
  }
  let r = 0;
  for (let k = 0; k < shape.length; k++) {
    const i = idx[k];
    if (!Number.isInteger(i) || i < 0 || i >= shape[k]) {
      throw new RangeError(`${what}: subscript ${i} out of range for dimension ${k} of size ${shape[k]}`);
    }
    r = r * shape[k] + i;
  }
  return r;
}
