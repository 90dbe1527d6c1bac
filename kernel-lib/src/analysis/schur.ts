/**
 * Real Schur decomposition A = U T Uᵀ (U orthogonal, T upper quasi-triangular with 1×1 and 2×2 diagonal blocks,
 * a 2×2 block holding one complex-conjugate pair of eigenvalues). ml-matrix's eigen solver runs the same QR
 * iteration but then overwrites T with eigenvectors, so the form itself is not reachable there.
 *
 * Algorithm (EISPACK orthes + the QR part of hqr2, as in JAMA, on flat Float64Arrays):
 *  1. Householder reduction to upper Hessenberg form, accumulating the reflections in U.
 *  2. Francis double-shift QR sweeps on the active window, deflating when a subdiagonal entry falls below
 *     eps·(|h_{l-1,l-1}| + |h_{l,l}|) — that entry is then set to exactly zero, so the block structure can be
 *     read off T without a tolerance. Exceptional (ad hoc) shifts break the
 *     cycles the standard shift can fall into (e.g. for permutation-like matrices); as in LAPACK they recur every
 *     10 iterations, alternating between the bottom and the top of the window.
 *  3. A 2×2 block with a real pair is rotated to upper-triangular form, so every remaining 2×2 block has complex
 *     eigenvalues (they are not put in LAPACK's standardised form: nothing downstream needs it).
 *
 * U is accumulated transposed (its columns stored as rows) so the column rotations in the QR sweep run over
 * contiguous memory.
 */
import { Dense2D, MatrixInput, squareSize, toDense, transposeSquare } from './dense';

export interface RealSchur {
  /** Order of the matrix. */
  n: number;
  /** Quasi-upper-triangular factor, row-major n×n (exact zeros below the block diagonal). */
  T: Float64Array;
  /** Orthogonal factor, row-major n×n, A = U T Uᵀ. */
  U: Float64Array;
  /** Start index of each diagonal block, in order; `blockSize[b]` is 1 or 2. */
  blockStart: Int32Array;
  blockSize: Int32Array;
  /** Eigenvalues in the order of the diagonal of T. */
  real: Float64Array;
  imag: Float64Array;
}

/** Iterations allowed on one active window before giving up (LAPACK allows 30 per eigenvalue overall). */
const MAX_ITER_PER_WINDOW = 300;

export function realSchur(input: MatrixInput): RealSchur {
  const a = toDense(input, 'realSchur: A');
  const n = squareSize(a, 'realSchur: A');
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new Error(`realSchur: A has a non-finite entry at index ${i}`);
  }
  const H = a.data;
  const Ut = new Float64Array(n * n);
  if (n === 0) return finish(n, H, Ut);
  hessenberg(H, Ut, n);
  francisQR(H, Ut, n);
  // The bulge chase leaves logically-zero garbage below the subdiagonal (EISPACK clears it lazily at the start
  // of each sweep); clear it so T is exactly quasi-triangular.
  for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) H[i * n + j] = 0;
  return finish(n, H, Ut);
}

/**
 * Eigenvalues of a general real matrix from the same QR iteration without Schur vectors or the full T (several
 * times faster than `realSchur` or ml-matrix's eigen-decomposition at N of a few hundred). Conjugate pairs are
 * adjacent, positive imaginary part first.
 */
export function schurEigenvalues(input: MatrixInput): { real: Float64Array; imag: Float64Array } {
  const a = toDense(input, 'schurEigenvalues: A');
  const n = squareSize(a, 'schurEigenvalues: A');
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new Error(`schurEigenvalues: A has a non-finite entry at index ${i}`);
  }
  if (n === 0) return { real: new Float64Array(0), imag: new Float64Array(0) };
  hessenberg(a.data, null, n);
  francisQR(a.data, null, n);
  for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) a.data[i * n + j] = 0;
  const { real, imag } = finish(n, a.data, new Float64Array(n * n));
  return { real, imag };
}

function finish(n: number, T: Float64Array, Ut: Float64Array): RealSchur {
  const U = transposeSquare(Ut, n);
  const starts: number[] = [];
  const sizes: number[] = [];
  const real = new Float64Array(n);
  const imag = new Float64Array(n);
  for (let i = 0; i < n; ) {
    if (i + 1 < n && T[(i + 1) * n + i] !== 0) {
      starts.push(i);
      sizes.push(2);
      const a = T[i * n + i];
      const b = T[i * n + i + 1];
      const c = T[(i + 1) * n + i];
      const d = T[(i + 1) * n + i + 1];
      const p = 0.5 * (a - d);
      const disc = p * p + b * c;
      // Real pairs were rotated away during deflation; a leftover one (disc ≥ 0) is reported as real values.
      if (disc < 0) {
        real[i] = real[i + 1] = 0.5 * (a + d);
        imag[i] = Math.sqrt(-disc);
        imag[i + 1] = -imag[i];
      } else {
        const z = Math.sqrt(disc);
        real[i] = 0.5 * (a + d) + z;
        real[i + 1] = 0.5 * (a + d) - z;
      }
      i += 2;
    } else {
      starts.push(i);
      sizes.push(1);
      real[i] = T[i * n + i];
      i += 1;
    }
  }
  return { n, T, U, blockStart: Int32Array.from(starts), blockSize: Int32Array.from(sizes), real, imag };
}

/** Householder reduction of H (row-major, in place) to Hessenberg form; Ut receives Uᵀ. */
function hessenberg(H: Float64Array, Ut: Float64Array | null, n: number): void {
  const high = n - 1;
  const ort = new Float64Array(n);
  for (let m = 1; m <= high - 1; m++) {
    let scale = 0;
    for (let i = m; i <= high; i++) scale += Math.abs(H[i * n + m - 1]);
    if (scale === 0) continue;
    let h = 0;
    for (let i = high; i >= m; i--) {
      ort[i] = H[i * n + m - 1] / scale;
      h += ort[i] * ort[i];
    }
    let g = Math.sqrt(h);
    if (ort[m] > 0) g = -g;
    h -= ort[m] * g;
    ort[m] -= g;
    // Apply (I - u uᵀ/h) from the left: rows m..high, columns m..n-1.
    const f = new Float64Array(n);
    for (let i = m; i <= high; i++) {
      const oi = ort[i];
      const row = i * n;
      for (let j = m; j < n; j++) f[j] += oi * H[row + j];
    }
    for (let j = m; j < n; j++) f[j] /= h;
    for (let i = m; i <= high; i++) {
      const oi = ort[i];
      const row = i * n;
      for (let j = m; j < n; j++) H[row + j] -= f[j] * oi;
    }
    // ... and from the right: every row, columns m..high.
    for (let i = 0; i <= high; i++) {
      const row = i * n;
      let s = 0;
      for (let j = m; j <= high; j++) s += ort[j] * H[row + j];
      s /= h;
      for (let j = m; j <= high; j++) H[row + j] -= s * ort[j];
    }
    // The Householder vector stays in column m-1 below the subdiagonal (its first entry in `ort`) until the
    // accumulation below has used it.
    ort[m] *= scale;
    H[m * n + m - 1] = scale * g;
  }
  // Accumulate U = P_1 P_2 … backwards, into Ut (Ut[j*n+i] = U[i][j]) so the updates run along rows.
  if (!Ut) {
    for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) H[i * n + j] = 0;
    return;
  }
  Ut.fill(0);
  for (let i = 0; i < n; i++) Ut[i * n + i] = 1;
  for (let m = high - 1; m >= 1; m--) {
    const hm = H[m * n + m - 1];
    if (hm === 0) continue;
    for (let i = m + 1; i <= high; i++) ort[i] = H[i * n + m - 1];
    for (let j = m; j <= high; j++) {
      const col = j * n;
      let g = 0;
      for (let i = m; i <= high; i++) g += ort[i] * Ut[col + i];
      g = g / ort[m] / hm;
      for (let i = m; i <= high; i++) Ut[col + i] += g * ort[i];
    }
  }
  for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) H[i * n + j] = 0;
}

/**
 * Francis double-shift QR on Hessenberg H (in place → T), accumulating into Ut. With `Ut` null only the
 * eigenvalues are wanted: transformations are then applied to the active window alone (LAPACK's wantt = false),
 * which leaves T's off-window part stale but saves most of the work.
 */
function francisQR(H: Float64Array, Ut: Float64Array | null, nn: number): void {
  const full = Ut !== null;
  const eps = Number.EPSILON;
  const low = 0;
  let n = nn - 1;
  let exshift = 0;
  let norm = 0;
  let iter = 0;
  let p = 0;
  let q = 0;
  let r = 0;
  let s = 0;
  let z = 0;
  let w = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < nn; i++) for (let j = Math.max(i - 1, 0); j < nn; j++) norm += Math.abs(H[i * nn + j]);

  while (n >= low) {
    // Look for a negligible subdiagonal entry from the bottom of the active window.
    let l = n;
    while (l > low) {
      s = Math.abs(H[(l - 1) * nn + l - 1]) + Math.abs(H[l * nn + l]);
      if (s === 0) s = norm;
      if (Math.abs(H[l * nn + l - 1]) <= eps * s) break; // ≤: an exact zero deflates even in a zero matrix
      l--;
    }
    if (l > low) H[l * nn + l - 1] = 0;

    if (l === n) {
      // One real eigenvalue converged.
      H[n * nn + n] += exshift;
      n--;
      iter = 0;
    } else if (l === n - 1) {
      // A 2×2 block converged.
      w = H[n * nn + n - 1] * H[(n - 1) * nn + n];
      p = (H[(n - 1) * nn + n - 1] - H[n * nn + n]) / 2;
      q = p * p + w;
      z = Math.sqrt(Math.abs(q));
      H[n * nn + n] += exshift;
      H[(n - 1) * nn + n - 1] += exshift;
      x = H[n * nn + n];
      if (q >= 0) {
        // Real pair: rotate the block to upper-triangular form.
        z = p >= 0 ? p + z : p - z;
        x = H[n * nn + n - 1];
        s = Math.abs(x) + Math.abs(z);
        p = x / s;
        q = z / s;
        r = Math.sqrt(p * p + q * q);
        p /= r;
        q /= r;
        for (let j = n - 1; j < (full ? nn : n + 1); j++) {
          z = H[(n - 1) * nn + j];
          H[(n - 1) * nn + j] = q * z + p * H[n * nn + j];
          H[n * nn + j] = q * H[n * nn + j] - p * z;
        }
        for (let i = full ? 0 : l; i <= n; i++) {
          z = H[i * nn + n - 1];
          H[i * nn + n - 1] = q * z + p * H[i * nn + n];
          H[i * nn + n] = q * H[i * nn + n] - p * z;
        }
        const c0 = (n - 1) * nn;
        const c1 = n * nn;
        if (Ut) for (let i = 0; i < nn; i++) {
          z = Ut[c0 + i];
          Ut[c0 + i] = q * z + p * Ut[c1 + i];
          Ut[c1 + i] = q * Ut[c1 + i] - p * z;
        }
        H[n * nn + n - 1] = 0;
      }
      n -= 2;
      iter = 0;
    } else {
      // No convergence yet: one double-shift sweep on rows/columns l..n.
      x = H[n * nn + n];
      y = 0;
      w = 0;
      if (l < n) {
        y = H[(n - 1) * nn + n - 1];
        w = H[n * nn + n - 1] * H[(n - 1) * nn + n];
      }
      if (iter === 30) {
        // MATLAB's exceptional shift.
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = Math.sqrt(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (let i = low; i <= n; i++) H[i * nn + i] -= s;
          exshift += s;
          x = y = w = 0.964;
        }
      } else if (iter > 0 && iter % 10 === 0) {
        // Wilkinson's ad hoc shift, alternately from the bottom and (LAPACK dlahqr's variant) the top of the
        // window: the plain Francis shift can cycle for ever on e.g. cyclic permutation matrices.
        const fromTop = iter % 20 === 0;
        const c = fromTop ? H[l * nn + l] : x;
        s = fromTop
          ? Math.abs(H[(l + 1) * nn + l]) + Math.abs(H[(l + 2) * nn + l + 1])
          : Math.abs(H[n * nn + n - 1]) + Math.abs(H[(n - 1) * nn + n - 2]);
        exshift += c;
        for (let i = low; i <= n; i++) H[i * nn + i] -= c;
        x = y = 0.75 * s;
        w = -0.4375 * s * s;
      }
      iter++;
      if (iter > MAX_ITER_PER_WINDOW) {
        throw new Error(`realSchur: QR iteration did not converge for rows ${l}..${n} after ${MAX_ITER_PER_WINDOW} sweeps`);
      }

      // Look for two consecutive small subdiagonal entries (start of the bulge).
      let m = n - 2;
      while (m >= l) {
        z = H[m * nn + m];
        r = x - z;
        s = y - z;
        p = (r * s - w) / H[(m + 1) * nn + m] + H[m * nn + m + 1];
        q = H[(m + 1) * nn + m + 1] - z - r - s;
        r = H[(m + 2) * nn + m + 1];
        s = Math.abs(p) + Math.abs(q) + Math.abs(r);
        p /= s;
        q /= s;
        r /= s;
        if (m === l) break;
        if (
          Math.abs(H[m * nn + m - 1]) * (Math.abs(q) + Math.abs(r)) <
          eps * (Math.abs(p) * (Math.abs(H[(m - 1) * nn + m - 1]) + Math.abs(z) + Math.abs(H[(m + 1) * nn + m + 1])))
        ) {
          break;
        }
        m--;
      }
      for (let i = m + 2; i <= n; i++) {
        H[i * nn + i - 2] = 0;
        if (i > m + 2) H[i * nn + i - 3] = 0;
      }

      // Chase the bulge with 3×3 Householder reflections.
      const jEnd = full ? nn : n + 1;
      const iStart = full ? 0 : l;
      for (let k = m; k <= n - 1; k++) {
        const notlast = k !== n - 1;
        if (k !== m) {
          p = H[k * nn + k - 1];
          q = H[(k + 1) * nn + k - 1];
          r = notlast ? H[(k + 2) * nn + k - 1] : 0;
          x = Math.abs(p) + Math.abs(q) + Math.abs(r);
          if (x !== 0) {
            p /= x;
            q /= x;
            r /= x;
          }
        }
        if (x === 0) break;
        s = Math.sqrt(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s === 0) continue;
        if (k !== m) H[k * nn + k - 1] = -s * x;
        else if (l !== m) H[k * nn + k - 1] = -H[k * nn + k - 1];
        p += s;
        x = p / s;
        y = q / s;
        z = r / s;
        q /= p;
        r /= p;
        if (notlast) {
          // Rows k, k+1, k+2 (left multiplication), then columns (right multiplication), then U's columns.
          const r0 = k * nn;
          const r1 = r0 + nn;
          const r2 = r1 + nn;
          for (let j = k; j < jEnd; j++) {
            const pp = H[r0 + j] + q * H[r1 + j] + r * H[r2 + j];
            H[r0 + j] -= pp * x;
            H[r1 + j] -= pp * y;
            H[r2 + j] -= pp * z;
          }
          const iMax = Math.min(n, k + 3);
          for (let i = iStart; i <= iMax; i++) {
            const ri = i * nn + k;
            const pp = x * H[ri] + y * H[ri + 1] + z * H[ri + 2];
            H[ri] -= pp;
            H[ri + 1] -= pp * q;
            H[ri + 2] -= pp * r;
          }
          const c0 = k * nn;
          const c1 = c0 + nn;
          const c2 = c1 + nn;
          if (Ut) for (let i = 0; i < nn; i++) {
            const pp = x * Ut[c0 + i] + y * Ut[c1 + i] + z * Ut[c2 + i];
            Ut[c0 + i] -= pp;
            Ut[c1 + i] -= pp * q;
            Ut[c2 + i] -= pp * r;
          }
        } else {
          const r0 = k * nn;
          const r1 = r0 + nn;
          for (let j = k; j < jEnd; j++) {
            const pp = H[r0 + j] + q * H[r1 + j];
            H[r0 + j] -= pp * x;
            H[r1 + j] -= pp * y;
          }
          const iMax = Math.min(n, k + 3);
          for (let i = iStart; i <= iMax; i++) {
            const ri = i * nn + k;
            const pp = x * H[ri] + y * H[ri + 1];
            H[ri] -= pp;
            H[ri + 1] -= pp * q;
          }
          const c0 = k * nn;
          const c1 = c0 + nn;
          if (Ut) for (let i = 0; i < nn; i++) {
            const pp = x * Ut[c0 + i] + y * Ut[c1 + i];
            Ut[c0 + i] -= pp;
            Ut[c1 + i] -= pp * q;
          }
        }
      }
    }
  }
}

/** T and U of a Schur form as `Dense2D`s (copies). */
export function schurFactors(s: RealSchur): { T: Dense2D; U: Dense2D } {
  return { T: { data: Float64Array.from(s.T), shape: [s.n, s.n] }, U: { data: Float64Array.from(s.U), shape: [s.n, s.n] } };
}
