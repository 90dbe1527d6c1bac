/**
 * Controllability and observability Gramians of a stable linear system dx/dt = A x + B u, y = C x:
 *   P: A P + P Aᵀ + B Bᵀ = 0      Q: Aᵀ Q + Q A + Cᵀ C = 0
 * and their leading eigen-directions (the most controllable / most observable states, as in balanced
 * truncation and the "amplified directions" analyses of non-normal E/I networks). Both share one Schur form.
 */
import { Dense2D, MatrixInput, matmulNT, matmulTN, toDense } from './dense';
import { eigSymmetric } from './linalg';
import { LyapunovSolver } from './lyapunov';

export interface GramianOptions {
  /** Input matrix B, n×m (default: identity, i.e. every unit driven independently). */
  B?: MatrixInput;
  /** Output matrix C, p×n (default: identity). */
  C?: MatrixInput;
  /** Reuse a solver built for A (saves the Schur decomposition). */
  solver?: LyapunovSolver;
}

export interface Gramians {
  /** Controllability Gramian P, n×n symmetric. */
  controllability: Dense2D;
  /** Observability Gramian Q, n×n symmetric. */
  observability: Dense2D;
}

function identity(n: number): Dense2D {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return { data: d, shape: [n, n] };
}

export function gramians(A: MatrixInput, options: GramianOptions = {}): Gramians {
  const solver = options.solver ?? new LyapunovSolver(A);
  const n = solver.n;
  const B = options.B ? toDense(options.B, 'gramians: B') : identity(n);
  const C = options.C ? toDense(options.C, 'gramians: C') : identity(n);
  if (B.shape[0] !== n) throw new Error(`gramians: B must have n = ${n} rows, got [${B.shape.join(', ')}]`);
  if (C.shape[1] !== n) throw new Error(`gramians: C must have n = ${n} columns, got [${C.shape.join(', ')}]`);
  const BBt = matmulNT(B.data, B.data, n, B.shape[1], n);
  const CtC = matmulTN(C.data, C.data, C.shape[0], n, n);
  return {
    controllability: solver.solve({ data: BBt, shape: [n, n] }),
    observability: solver.solveTransposed({ data: CtC, shape: [n, n] }),
  };
}

/** Controllability Gramian P only. */
export function controllabilityGramian(A: MatrixInput, B?: MatrixInput): Dense2D {
  const solver = new LyapunovSolver(A);
  const n = solver.n;
  const b = B ? toDense(B, 'controllabilityGramian: B') : identity(n);
  if (b.shape[0] !== n) throw new Error(`controllabilityGramian: B must have ${n} rows, got [${b.shape.join(', ')}]`);
  return solver.solve({ data: matmulNT(b.data, b.data, n, b.shape[1], n), shape: [n, n] });
}

/** Observability Gramian Q only. */
export function observabilityGramian(A: MatrixInput, C?: MatrixInput): Dense2D {
  const solver = new LyapunovSolver(A);
  const n = solver.n;
  const c = C ? toDense(C, 'observabilityGramian: C') : identity(n);
  if (c.shape[1] !== n) throw new Error(`observabilityGramian: C must have ${n} columns, got [${c.shape.join(', ')}]`);
  return solver.solveTransposed({ data: matmulTN(c.data, c.data, c.shape[0], n, n), shape: [n, n] });
}

export interface TopDirections {
  /** Largest eigenvalues, descending. */
  values: Float64Array;
  /** n×k, column i is the unit eigenvector of values[i] (sign: largest-magnitude entry positive). */
  vectors: Dense2D;
}

/** The k leading eigenvalues/eigenvectors of a symmetric matrix such as a Gramian. */
export function topEigenDirections(G: MatrixInput, k: number): TopDirections {
  const e = eigSymmetric(G);
  const n = e.values.length;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`topEigenDirections: k must be an integer in 1..${n}, got ${k}`);
  const values = new Float64Array(k);
  const vectors = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const src = n - 1 - c;
    values[c] = e.values[src];
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(e.vectors.data[i * n + src]) > Math.abs(big)) big = e.vectors.data[i * n + src];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[i * k + c] = sign * e.vectors.data[i * n + src];
  }
  return { values, vectors: { data: vectors, shape: [n, k] } };
}
