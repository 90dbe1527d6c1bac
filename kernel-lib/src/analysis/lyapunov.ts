/**
 * Continuous Lyapunov equations by Bartels–Stewart on the real Schur form, and the controllability /
 * observability Gramians built on them.
 *
 *   solve(Q):           A X + X Aᵀ + Q = 0
 *   solveTransposed(Q): Aᵀ X + X A + Q = 0
 *
 * With A = U T Uᵀ the first becomes T Y + Y Tᵀ = −Uᵀ Q U, X = U Y Uᵀ. The second uses the same Schur form: with
 * P the order-reversing permutation, S = P Tᵀ P is again upper quasi-triangular and Aᵀ = (U P) S (U P)ᵀ, so
 * one `LyapunovSolver` serves both equations (the stability-optimisation gradient needs both, ~1800 times).
 * Orthogonal transforms keep the method backward stable for strongly non-normal A, where eigenvector-based
 * (diagonalisation) solvers lose many digits.
 *
 * The quasi-triangular Sylvester equation is solved column-block by column-block from the last one, each
 * p×q block (p, q ∈ {1, 2}) by a 2–4 unknown dense solve with partial pivoting. Y and the right-hand side are
 * kept column-major so both inner products run over contiguous memory. For symmetric Q (Gramians, covariances)
 * only the upper block triangle of Y is solved for, and the four n×n products use the register-blocked A·Bᵀ
 * kernel, two of them on one triangle only: at N = 200 a solve costs about a fifth of the Schur decomposition.
 */
import { Dense2D, MatrixInput, frobenius, matmul, matmulNT, squareSize, toDense, transposeSquare } from './dense';
import { RealSchur, realSchur } from './schur';

/** A quasi-upper-triangular factor with its block structure and orthogonal basis: A = U T Uᵀ. */
interface TriangularForm {
  n: number;
  T: Float64Array;
  U: Float64Array;
  /** Uᵀ, row-major. */
  Ut: Float64Array;
  blockStart: Int32Array;
  blockSize: Int32Array;
}

export class LyapunovSolver {
  readonly n: number;
  readonly schur: RealSchur;
  private readonly form: TriangularForm;
  private transposed?: TriangularForm;

  /** Computes the real Schur form of A (n×n) once; `solve`/`solveTransposed` reuse it. */
  constructor(A: MatrixInput | RealSchur) {
    this.schur = 'blockStart' in A ? A : realSchur(A);
    this.n = this.schur.n;
    this.form = { ...this.schur, Ut: transposeSquare(this.schur.U, this.n) };
  }

  /** X with A X + X Aᵀ + Q = 0; Q n×n, need not be symmetric (when it is exactly symmetric, so is X). */
  solve(Q: MatrixInput): Dense2D {
    return solveWith(this.form, Q, 'LyapunovSolver.solve');
  }

  /** X with Aᵀ X + X A + Q = 0. */
  solveTransposed(Q: MatrixInput): Dense2D {
    if (!this.transposed) this.transposed = reversedTranspose(this.form);
    return solveWith(this.transposed, Q, 'LyapunovSolver.solveTransposed');
  }
}

/** X with A X + X Aᵀ + Q = 0 (like scipy.linalg.solve_continuous_lyapunov(A, -Q)). */
export function solveLyapunov(A: MatrixInput, Q: MatrixInput): Dense2D {
  return new LyapunovSolver(A).solve(Q);
}

/** ‖A X + X Aᵀ + Q‖_F / (2 ‖A‖_F ‖X‖_F + ‖Q‖_F): the backward-error style residual used in the tests. */
export function lyapunovResidual(A: MatrixInput, X: MatrixInput, Q: MatrixInput): number {
  const a = toDense(A, 'lyapunovResidual: A');
  const x = toDense(X, 'lyapunovResidual: X');
  const q = toDense(Q, 'lyapunovResidual: Q');
  const n = squareSize(a, 'lyapunovResidual: A');
  const ax = matmul(a.data, x.data, n, n, n);
  const xat = matmulNT(x.data, a.data, n, n, n);
  const r = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) r[i] = ax[i] + xat[i] + q.data[i];
  return frobenius(r) / (2 * frobenius(a.data) * frobenius(x.data) + frobenius(q.data));
}

function reversedTranspose(s: TriangularForm): TriangularForm {
  const n = s.n;
  const T = new Float64Array(n * n);
  const U = new Float64Array(n * n);
  // S[i][j] = T[n-1-j][n-1-i];  (U P)[:, j] = U[:, n-1-j].
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[i * n + j] = s.T[(n - 1 - j) * n + (n - 1 - i)];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) U[i * n + j] = s.U[i * n + (n - 1 - j)];
  const nb = s.blockStart.length;
  const blockStart = new Int32Array(nb);
  const blockSize = new Int32Array(nb);
  for (let b = 0; b < nb; b++) {
    const src = nb - 1 - b;
    blockSize[b] = s.blockSize[src];
    blockStart[b] = n - s.blockStart[src] - s.blockSize[src];
  }
  return { n, T, U, Ut: transposeSquare(U, n), blockStart, blockSize };
}

function solveWith(f: TriangularForm, Qin: MatrixInput, where: string): Dense2D {
  const q = toDense(Qin, `${where}: Q`);
  const n = f.n;
  if (q.shape[0] !== n || q.shape[1] !== n) {
    throw new Error(`${where}: Q must be ${n}×${n} like A, got [${q.shape.join(', ')}]`);
  }
  let symmetric = true;
  for (let i = 0; i < n && symmetric; i++) for (let j = 0; j < i; j++) if (q.data[i * n + j] !== q.data[j * n + i]) { symmetric = false; break; }
  // Every product is written as A·Bᵀ (rows dotted with rows), the fast blocked kernel; Uᵀ is kept with the form.
  const Qt = symmetric ? q.data : transposeSquare(q.data, n);
  const W = matmulNT(f.Ut, Qt, n, n, n); // Uᵀ Q
  const C = matmulNT(W, f.Ut, n, n, n, undefined, symmetric); // Uᵀ Q U
  // The triangular solver wants −C column-major, i.e. −Cᵀ row-major.
  const Fcol = symmetric ? C : transposeSquare(C, n);
  for (let i = 0; i < n * n; i++) Fcol[i] = -Fcol[i];
  // For symmetric Q, Y is symmetric and only its upper block triangle is solved for (half the work).
  const Ycol = symmetric ? symmetricQuasiTriangularSylvester(f, Fcol) : quasiTriangularSylvester(f, Fcol); // Yᵀ row-major
  const UY = matmulNT(f.U, Ycol, n, n, n);
  const X = matmulNT(UY, f.U, n, n, n, undefined, symmetric); // U Y Uᵀ, exactly symmetric for symmetric Q
  return { data: X, shape: [n, n] };
}

/**
 * Solves T Y + Y Tᵀ = F for upper quasi-triangular T. `F` is column-major (F[j*n+i] = F_ij) and is consumed;
 * returns Y column-major.
 */
function quasiTriangularSylvester(f: TriangularForm, F: Float64Array): Float64Array {
  const { n, T, blockStart, blockSize } = f;
  const Y = new Float64Array(n * n);
  const nb = blockStart.length;
  const M = new Float64Array(16);
  const rhs = new Float64Array(4);
  for (let bj = nb - 1; bj >= 0; bj--) {
    const j0 = blockStart[bj];
    const q = blockSize[bj];
    for (let bi = nb - 1; bi >= 0; bi--) {
      const i0 = blockStart[bi];
      const p = blockSize[bi];
      const iEnd = i0 + p;
      // rhs_ij = F_ij − Σ_{k ≥ iEnd} T_ik Y_kj  (rows below this block are already solved in column j).
      for (let c = 0; c < q; c++) {
        const col = (j0 + c) * n;
        for (let r = 0; r < p; r++) {
          const row = (i0 + r) * n;
          let s = F[col + i0 + r];
          for (let k = iEnd; k < n; k++) s -= T[row + k] * Y[col + k];
          rhs[c * p + r] = s;
        }
      }
      // Small Sylvester T_ii Y_ij + Y_ij T_jjᵀ = rhs, vec column-major: (I_q ⊗ T_ii + T_jj ⊗ I_p) vec(Y) = vec(rhs).
      const m = p * q;
      M.fill(0, 0, m * m);
      for (let c = 0; c < q; c++) for (let r = 0; r < p; r++) {
        const row = c * p + r;
        for (let r2 = 0; r2 < p; r2++) M[row * m + c * p + r2] += T[(i0 + r) * n + i0 + r2];
        for (let c2 = 0; c2 < q; c2++) M[row * m + c2 * p + r] += T[(j0 + c) * n + j0 + c2];
      }
      solveSmall(M, rhs, m);
      for (let c = 0; c < q; c++) for (let r = 0; r < p; r++) Y[(j0 + c) * n + i0 + r] = rhs[c * p + r];
    }
    // Move the solved columns' contribution Y_{:,j} T_{m,j}ᵀ into the earlier columns m < j0: F_{:,m} −= Σ_c Y_{:,c} T_{m,c}.
    for (let mcol = 0; mcol < j0; mcol++) {
      const fm = mcol * n;
      for (let c = j0; c < j0 + q; c++) {
        const t = T[mcol * n + c];
        if (t === 0) continue;
        const yc = c * n;
        for (let i = 0; i < n; i++) F[fm + i] -= t * Y[yc + i];
      }
    }
  }
  return Y;
}

/**
 * T Y + Y Tᵀ = F for symmetric F (row-major = column-major): Y is symmetric, so only blocks (i, j) with i ≤ j are
 * solved, columns from the last and rows upwards, and each result is written to both (i, j) and (j, i). Every
 * term of the right-hand side is then a contiguous dot product with a known part of Y:
 *   rhs_ij = F_ij − Σ_{k ≥ end(i)} T_ik Y_kj − Σ_{l ≥ end(j)} Y_il T_jl,
 * where Y_kj = Y_jk (row j) and Y_il (row i) are known from this column or from later columns by symmetry.
 */
function symmetricQuasiTriangularSylvester(f: TriangularForm, F: Float64Array): Float64Array {
  const { n, T, blockStart, blockSize } = f;
  const Y = new Float64Array(n * n);
  const nb = blockStart.length;
  const M = new Float64Array(16);
  const rhs = new Float64Array(4);
  for (let bj = nb - 1; bj >= 0; bj--) {
    const j0 = blockStart[bj];
    const q = blockSize[bj];
    const jEnd = j0 + q;
    for (let bi = bj; bi >= 0; bi--) {
      const i0 = blockStart[bi];
      const p = blockSize[bi];
      const iEnd = i0 + p;
      for (let c = 0; c < q; c++) {
        const jr = (j0 + c) * n;
        for (let r = 0; r < p; r++) {
          const ir = (i0 + r) * n;
          let s = F[ir + j0 + c];
          for (let k = iEnd; k < n; k++) s -= T[ir + k] * Y[jr + k];
          for (let l = jEnd; l < n; l++) s -= Y[ir + l] * T[jr + l];
          rhs[c * p + r] = s;
        }
      }
      const m = p * q;
      M.fill(0, 0, m * m);
      for (let c = 0; c < q; c++) for (let r = 0; r < p; r++) {
        const row = c * p + r;
        for (let r2 = 0; r2 < p; r2++) M[row * m + c * p + r2] += T[(i0 + r) * n + i0 + r2];
        for (let c2 = 0; c2 < q; c2++) M[row * m + c2 * p + r] += T[(j0 + c) * n + j0 + c2];
      }
      solveSmall(M, rhs, m);
      for (let c = 0; c < q; c++) for (let r = 0; r < p; r++) {
        const v = rhs[c * p + r];
        Y[(i0 + r) * n + j0 + c] = v;
        Y[(j0 + c) * n + i0 + r] = v;
      }
    }
  }
  return Y;
}

/**
 * Gaussian elimination with partial pivoting on an m×m system (m ≤ 4), in place; the solution replaces b.
 * Exported for the SoC optimiser's own quasi-triangular Lyapunov sweep (papers/soc-reaching/soc.ts).
 */
export function solveSmall(M: Float64Array, b: Float64Array, m: number): void {
  for (let k = 0; k < m; k++) {
    let piv = k;
    for (let i = k + 1; i < m; i++) if (Math.abs(M[i * m + k]) > Math.abs(M[piv * m + k])) piv = i;
    if (M[piv * m + k] === 0) {
      throw new Error('lyapunov: singular Sylvester block (A has eigenvalues λi + λj = 0, e.g. on the imaginary axis)');
    }
    if (piv !== k) {
      for (let j = 0; j < m; j++) {
        const t = M[k * m + j];
        M[k * m + j] = M[piv * m + j];
        M[piv * m + j] = t;
      }
      const t = b[k];
      b[k] = b[piv];
      b[piv] = t;
    }
    for (let i = k + 1; i < m; i++) {
      const f = M[i * m + k] / M[k * m + k];
      if (f === 0) continue;
      for (let j = k; j < m; j++) M[i * m + j] -= f * M[k * m + j];
      b[i] -= f * b[k];
    }
  }
  for (let k = m - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < m; j++) s -= M[k * m + j] * b[j];
    b[k] = s / M[k * m + k];
  }
}
