/**
 * Dense linear algebra on top of ml-matrix (eigen, SVD, LU) plus the spectral quantities rate-network papers
 * quote. Inputs are any `MatrixInput`; outputs are `Dense2D` (row-major) unless a field says otherwise.
 */
import { EigenvalueDecomposition, LuDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Dense2D, MatrixInput, squareSize, toDense, toMatrix, transposeSquare } from './dense';
import { symmetricEigenFlat } from './symmetric-eigen';
import { schurEigenvalues } from './schur';

const dense = (m: Matrix): Dense2D => toDense(m);

export interface Eigen {
  /** Real and imaginary parts of the eigenvalues (conjugate pairs adjacent, positive imaginary part first). */
  real: Float64Array;
  imag: Float64Array;
  /**
   * n×n real eigenvector matrix in the EISPACK/LAPACK packed layout: for a real eigenvalue k, column k is its
   * eigenvector; for a pair (k, k+1) with imag[k] > 0 the eigenvectors are V[:,k] ± i V[:,k+1].
   * Not normalised (unlike numpy): compare directions, not entries.
   */
  vectors: Dense2D;
}

/** Eigenvalues and eigenvectors of a general square matrix (Hessenberg + shifted QR, via ml-matrix). */
export function eig(A: MatrixInput): Eigen {
  const m = toMatrix(A, 'eig: A');
  if (!m.isSquare()) throw new Error(`eig: A must be square, got ${m.rows}×${m.columns}`);
  // assumeSymmetric:false still auto-detects exact symmetry; both paths give the same packed layout.
  const e = new EigenvalueDecomposition(m);
  return { real: Float64Array.from(e.realEigenvalues), imag: Float64Array.from(e.imaginaryEigenvalues), vectors: dense(e.eigenvectorMatrix) };
}

/**
 * Eigenvalues only, from the Francis QR iteration without eigenvectors (`schurEigenvalues`): several times faster
 * than `eig`. Conjugate pairs adjacent, positive imaginary part first; the order may differ from `eig`'s.
 */
export function eigvals(A: MatrixInput): { real: Float64Array; imag: Float64Array } {
  const m = toDense(A, 'eigvals: A');
  squareSize(m, 'eigvals: A');
  return schurEigenvalues(m);
}

export interface SymmetricEigen {
  /** Eigenvalues in ascending order (like numpy.linalg.eigh). */
  values: Float64Array;
  /** n×n, column k is the unit eigenvector of values[k]. */
  vectors: Dense2D;
}

/**
 * Eigen-decomposition of a symmetric matrix (Householder tridiagonalisation + implicit QL on flat arrays, the
 * EISPACK tred2/tql2 pair); only the lower triangle is read.
 */
export function eigSymmetric(A: MatrixInput): SymmetricEigen {
  const a = toDense(A, 'eigSymmetric: A');
  const n = squareSize(a, 'eigSymmetric: A');
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a.data[j * n + i] = a.data[i * n + j];
  const { values, vt } = symmetricEigenFlat(a.data, n);
  return { values, vectors: { data: transposeSquare(vt, n), shape: [n, n] } };
}

export interface Svd {
  /** m×k left singular vectors (k = min(m, n)), columns. */
  U: Dense2D;
  /** Singular values, descending. */
  s: Float64Array;
  /** n×k right singular vectors, columns (A = U diag(s) Vᵀ). */
  V: Dense2D;
}

/** Thin SVD (Golub–Kahan, via ml-matrix). */
export function svd(A: MatrixInput): Svd {
  const m = toMatrix(A, 'svd: A');
  const d = new SingularValueDecomposition(m, { autoTranspose: true });
  const k = Math.min(m.rows, m.columns);
  const U = d.leftSingularVectors.subMatrix(0, m.rows - 1, 0, k - 1);
  const V = d.rightSingularVectors.subMatrix(0, m.columns - 1, 0, k - 1);
  return { U: dense(U), s: Float64Array.from(d.diagonal.slice(0, k)), V: dense(V) };
}

/** x with A x = b (b: a vector, or an n×k matrix of right-hand sides) by LU with partial pivoting. */
export function luSolve(A: MatrixInput, b: ArrayLike<number>): Float64Array;
export function luSolve(A: MatrixInput, b: MatrixInput): Dense2D;
export function luSolve(A: MatrixInput, b: ArrayLike<number> | MatrixInput): Float64Array | Dense2D {
  const m = toMatrix(A, 'luSolve: A');
  if (!m.isSquare()) throw new Error(`luSolve: A must be square, got ${m.rows}×${m.columns}`);
  const lu = new LuDecomposition(m);
  if (lu.isSingular()) throw new Error('luSolve: A is singular (a zero pivot in its LU factorisation)');
  const isVector = !(b instanceof Matrix) && !('shape' in (b as object)) && typeof (b as ArrayLike<number>)[0] === 'number';
  if (isVector) {
    const v = b as ArrayLike<number>;
    if (v.length !== m.rows) throw new Error(`luSolve: b has ${v.length} entries, A has ${m.rows} rows`);
    return Float64Array.from(lu.solve(Matrix.columnVector(Array.from(v))).getColumn(0));
  }
  const B = toMatrix(b as MatrixInput, 'luSolve: b');
  if (B.rows !== m.rows) throw new Error(`luSolve: b has ${B.rows} rows, A has ${m.rows}`);
  return dense(lu.solve(B));
}

/** A⁻¹ by LU (throws on an exactly singular matrix). */
export function inverse(A: MatrixInput): Dense2D {
  const m = toMatrix(A, 'inverse: A');
  if (!m.isSquare()) throw new Error(`inverse: A must be square, got ${m.rows}×${m.columns}`);
  return luSolve(m, Matrix.eye(m.rows)) as Dense2D;
}

/** max Re λ(A): the growth rate of the slowest-decaying mode; A is stable iff it is < 0. */
export function spectralAbscissa(A: MatrixInput): number {
  const { real } = eigvals(A);
  return real.reduce((m, v) => Math.max(m, v), -Infinity);
}

/** max |λ(A)|. */
export function spectralRadius(A: MatrixInput): number {
  const { real, imag } = eigvals(A);
  let m = 0;
  for (let i = 0; i < real.length; i++) m = Math.max(m, Math.hypot(real[i], imag[i]));
  return m;
}
