/**
 * Matrix exponential e^A by scaling and squaring with a [13/13] Padé approximant (Higham 2005, "The scaling and
 * squaring method for the matrix exponential revisited", Algorithm 2.3 — the algorithm behind
 * scipy.linalg.expm and MATLAB's expm). Needed for finite-horizon Gramians and the propagators of linear rate
 * dynamics; products use the register-blocked A·Bᵀ kernel on transposed copies.
 */
import { Dense2D, MatrixInput, matmulNT, squareSize, toDense, transposeSquare } from './dense';
import { luSolve } from './linalg';

/** Padé [m/m] coefficients b_0..b_m for m = 3, 5, 7, 9, 13 and the 1-norm bounds θ_m (Higham 2005, Table 2.3). */
const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
    670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};
const THETA: Array<[number, number]> = [
  [3, 1.495585217958292e-2],
  [5, 2.539398330063230e-1],
  [7, 9.504178996162932e-1],
  [9, 2.097847961257068],
];
const THETA13 = 5.371920351148152;

function norm1(a: Float64Array, n: number): number {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i * n + j]);
    best = Math.max(best, s);
  }
  return best;
}

/** A·B for n×n row-major matrices through the A·Bᵀ kernel. */
function mul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  return matmulNT(a, transposeSquare(b, n), n, n, n);
}

/** e^A for a square matrix A. */
export function expm(input: MatrixInput): Dense2D {
  const a = toDense(input, 'expm: A');
  const n = squareSize(a, 'expm: A');
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new Error(`expm: A has a non-finite entry at index ${i}`);
  }
  if (n === 0) return { data: new Float64Array(0), shape: [0, 0] };
  const A = a.data;
  const nrm = norm1(A, n);
  let m = 13;
  for (const [mm, theta] of THETA) {
    if (nrm <= theta) {
      m = mm;
      break;
    }
  }
  let s = 0;
  if (m === 13 && nrm > THETA13) s = Math.max(0, Math.ceil(Math.log2(nrm / THETA13)));
  const scale = 2 ** -s;
  const As = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) As[i] = A[i] * scale;
  const b = PADE[m];
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  const A2 = mul(As, As, n);
  let Uin: Float64Array; // U = A · (odd part), V = even part
  const V = new Float64Array(n * n);
  if (m < 13) {
    // Powers A^2, A^4, ... up to A^(m−1).
    const pows: Float64Array[] = [I, A2];
    for (let k = 2; 2 * k <= m - 1; k++) pows.push(mul(pows[k - 1], A2, n));
    const odd = new Float64Array(n * n);
    for (let k = 0; 2 * k + 1 <= m; k++) {
      const P = pows[k];
      for (let i = 0; i < n * n; i++) {
        odd[i] += b[2 * k + 1] * P[i];
        V[i] += b[2 * k] * P[i];
      }
    }
    Uin = mul(As, odd, n);
  } else {
    const A4 = mul(A2, A2, n);
    const A6 = mul(A4, A2, n);
    const t1 = new Float64Array(n * n);
    const t2 = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) {
      t1[i] = b[13] * A6[i] + b[11] * A4[i] + b[9] * A2[i];
      t2[i] = b[12] * A6[i] + b[10] * A4[i] + b[8] * A2[i];
    }
    const u6 = mul(A6, t1, n);
    const v6 = mul(A6, t2, n);
    const odd = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) {
      odd[i] = u6[i] + b[7] * A6[i] + b[5] * A4[i] + b[3] * A2[i] + b[1] * I[i];
      V[i] = v6[i] + b[6] * A6[i] + b[4] * A4[i] + b[2] * A2[i] + b[0] * I[i];
    }
    Uin = mul(As, odd, n);
  }
  // r = (V − U)⁻¹ (V + U).
  const P = new Float64Array(n * n);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    P[i] = V[i] + Uin[i];
    Q[i] = V[i] - Uin[i];
  }
  let R = luSolve({ data: Q, shape: [n, n] }, { data: P, shape: [n, n] }).data;
  for (let k = 0; k < s; k++) R = mul(R, R, n);
  return { data: R, shape: [n, n] };
}
