/**
 * Dense linear algebra against numpy (eig, eigh, svd, solve, inv, spectral abscissa/radius) and the real Schur
 * decomposition on random and adversarial matrices (cyclic permutations that stall the standard shift, Jordan
 * blocks, zero and triangular matrices, complex pairs): A = U T Uᵀ, U orthogonal, T quasi-triangular, and
 * eigenvalues equal to numpy's.
 */
import { strict as assert } from 'assert';
import {
  Dense2D,
  eig,
  eigvals,
  eigSymmetric,
  inverse,
  luSolve,
  realSchur,
  spectralAbscissa,
  spectralRadius,
  svd,
  toMatrix,
} from '../kernel-lib/src/analysis';
import { matmul, matmulNT } from '../kernel-lib/src/analysis/dense';
import { rng } from '../kernel-lib/src/random';
import { maxAbsDiff, py } from './helpers/python';

const randomMatrix = (n: number, seed: number, m = n): Dense2D => ({ data: rng(seed).normals(n * m), shape: [n, m] });
const rows = (a: Dense2D) => Array.from({ length: a.shape[0] }, (_, i) => Array.from(a.data.subarray(i * a.shape[1], (i + 1) * a.shape[1])));
const sortComplex = (re: ArrayLike<number>, im: ArrayLike<number>) =>
  Array.from(re, (r, i) => [r, im[i]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);

function checkSchur(A: Dense2D, label: string): void {
  const n = A.shape[0];
  const s = realSchur(A);
  const R = matmulNT(matmul(s.U, s.T, n, n, n), s.U, n, n, n);
  let scale = 1;
  for (const v of A.data) scale = Math.max(scale, Math.abs(v));
  assert.ok(maxAbsDiff(R, A.data) < 1e-12 * n * scale, `${label}: U T Uᵀ differs from A by ${maxAbsDiff(R, A.data)}`);
  const I = matmulNT(s.U, s.U, n, n, n);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  assert.ok(maxAbsDiff(I, eye) < 1e-12 * n, `${label}: U not orthogonal`);
  for (let i = 0; i < n; i++) for (let j = 0; j < i - 1; j++) assert.equal(s.T[i * n + j], 0, `${label}: T[${i}][${j}] below the block diagonal`);
  for (let b = 0; b + 1 < s.blockStart.length; b++) {
    // No two consecutive 2×2 blocks overlap, and sub-diagonal entries between blocks are zero.
    const end = s.blockStart[b] + s.blockSize[b];
    assert.equal(s.blockStart[b + 1], end);
    assert.equal(s.T[end * n + end - 1], 0);
  }
  for (let b = 0; b < s.blockStart.length; b++) {
    if (s.blockSize[b] === 2) assert.ok(s.imag[s.blockStart[b]] > 0, `${label}: a 2×2 block holds a real pair`);
  }
}

describe('analysis: real Schur decomposition', () => {
  for (const n of [1, 2, 3, 6, 25, 80]) {
    it(`random ${n}×${n}: factors, structure and eigenvalues match numpy`, () => {
      const A = randomMatrix(n, 100 + n);
      checkSchur(A, `random ${n}`);
      const ref = py<number[][]>(
        `import json,sys,numpy as np
w=np.linalg.eigvals(np.array(json.load(sys.stdin)))
print(json.dumps([[float(x.real),float(x.imag)] for x in w]))`,
        rows(A),
      );
      const s = realSchur(A);
      const mine = sortComplex(s.real, s.imag);
      const theirs = ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.ok(maxAbsDiff(mine.flat(), theirs.flat()) < 1e-9, `eigenvalues differ by ${maxAbsDiff(mine.flat(), theirs.flat())}`);
      // The eigenvalue-only variant (active-window updates, no U) agrees too.
      const ev = eigvals(A);
      const fast = sortComplex(ev.real, ev.imag);
      assert.ok(maxAbsDiff(fast.flat(), theirs.flat()) < 1e-9, `eigvals differ by ${maxAbsDiff(fast.flat(), theirs.flat())}`);
    });
  }
  it('adversarial matrices: cyclic permutation, Jordan block, zero, triangular, exact real 2×2 pair, rank one', () => {
    const n = 12;
    const perm = new Float64Array(n * n);
    for (let i = 0; i < n; i++) perm[i * n + ((i + 1) % n)] = 1;
    checkSchur({ data: perm, shape: [n, n] }, 'cyclic permutation');
    const s = realSchur({ data: perm, shape: [n, n] });
    // Eigenvalues of a cyclic shift are the n-th roots of unity.
    for (let i = 0; i < n; i++) assert.ok(Math.abs(Math.hypot(s.real[i], s.imag[i]) - 1) < 1e-12);
    const ev = eigvals({ data: perm, shape: [n, n] });
    for (let i = 0; i < n; i++) assert.ok(Math.abs(Math.hypot(ev.real[i], ev.imag[i]) - 1) < 1e-12);
    assert.equal(eigvals({ data: new Float64Array(n * n), shape: [n, n] }).real.reduce((a, b) => a + Math.abs(b), 0), 0);
    const jordan = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      jordan[i * n + i] = -1;
      if (i + 1 < n) jordan[i * n + i + 1] = 1;
    }
    checkSchur({ data: jordan, shape: [n, n] }, 'Jordan block');
    checkSchur({ data: new Float64Array(n * n), shape: [n, n] }, 'zero');
    const tri = randomMatrix(n, 5);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) tri.data[i * n + j] = 0;
    checkSchur(tri, 'upper triangular');
    checkSchur({ data: Float64Array.from([1, 2, 3, 4]), shape: [2, 2] }, 'real pair');
    checkSchur({ data: Float64Array.from([0, -1, 1, 0]), shape: [2, 2] }, 'rotation');
    const u = rng(9).normals(n);
    const r1 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) r1[i * n + j] = u[i] * u[(j * 7) % n];
    checkSchur({ data: r1, shape: [n, n] }, 'rank one');
  });
  it('rejects non-square and non-finite input', () => {
    assert.throws(() => realSchur(randomMatrix(3, 1, 4)), /square/);
    assert.throws(() => realSchur({ data: Float64Array.from([1, NaN, 0, 1]), shape: [2, 2] }), /non-finite/);
  });
});

describe('analysis: eigen, SVD, solves (vs numpy)', () => {
  const sizes = [3, 20, 60];
  let ref: { eig: number[][]; eigh: number[]; sv: number[]; solve: number[]; inv: number[][]; alpha: number; rho: number }[];
  const mats = sizes.map((n, i) => randomMatrix(n, 200 + i));
  const syms = mats.map((A) => {
    const n = A.shape[0];
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = A.data[i * n + j] + A.data[j * n + i];
    return { data: S, shape: [n, n] } as Dense2D;
  });
  const rects = sizes.map((n, i) => randomMatrix(n + 5, 300 + i, n));
  const rhs = sizes.map((n, i) => rng(400 + i).normals(n));
  before(() => {
    ref = py(
      `import json,sys,numpy as np
d=json.load(sys.stdin)
out=[]
for A,S,R,b in zip(d['A'],d['S'],d['R'],d['b']):
    A=np.array(A); w=np.linalg.eigvals(A)
    out.append(dict(eig=[[float(x.real),float(x.imag)] for x in w], eigh=np.linalg.eigh(np.array(S))[0].tolist(),
      sv=np.linalg.svd(np.array(R),compute_uv=False).tolist(), solve=np.linalg.solve(A,np.array(b)).tolist(),
      inv=np.linalg.inv(A).tolist(), alpha=float(w.real.max()), rho=float(abs(w).max())))
print(json.dumps(out))`,
      { A: mats.map(rows), S: syms.map(rows), R: rects.map(rows), b: rhs.map((v) => Array.from(v)) },
    );
  });
  sizes.forEach((n, k) => {
    it(`n = ${n}`, () => {
      const A = mats[k];
      const e = eig(A);
      const mine = sortComplex(e.real, e.imag);
      const theirs = ref[k].eig.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.ok(maxAbsDiff(mine.flat(), theirs.flat()) < 1e-9);
      // A v = λ v in the packed real layout.
      const V = e.vectors.data;
      for (let c = 0; c < n; c++) {
        if (e.imag[c] === 0) {
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += A.data[i * n + j] * V[j * n + c];
            assert.ok(Math.abs(s - e.real[c] * V[i * n + c]) < 1e-9 * n);
          }
        } else if (e.imag[c] > 0) {
          for (let i = 0; i < n; i++) {
            let sr = 0;
            let si = 0;
            for (let j = 0; j < n; j++) {
              sr += A.data[i * n + j] * V[j * n + c];
              si += A.data[i * n + j] * V[j * n + c + 1];
            }
            const [a, b, xr, xi] = [e.real[c], e.imag[c], V[i * n + c], V[i * n + c + 1]];
            assert.ok(Math.abs(sr - (a * xr - b * xi)) < 1e-9 * n && Math.abs(si - (a * xi + b * xr)) < 1e-9 * n);
          }
        }
      }
      const h = eigSymmetric(syms[k]);
      assert.ok(maxAbsDiff(h.values, ref[k].eigh) < 1e-10 * n);
      const sv = svd(rects[k]);
      assert.ok(maxAbsDiff(sv.s, ref[k].sv) < 1e-10 * n);
      const [m] = rects[k].shape;
      const Us = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Us[i * n + j] = sv.U.data[i * n + j] * sv.s[j];
      assert.ok(maxAbsDiff(matmulNT(Us, sv.V.data, m, n, n), rects[k].data) < 1e-10 * n, 'U S Vᵀ ≠ A');
      assert.ok(maxAbsDiff(luSolve(A, rhs[k]), ref[k].solve) < 1e-9 * n);
      assert.ok(maxAbsDiff(inverse(toMatrix(A)).data, ref[k].inv.flat()) < 1e-9 * n);
      assert.ok(Math.abs(spectralAbscissa(A) - ref[k].alpha) < 1e-9);
      assert.ok(Math.abs(spectralRadius(A) - ref[k].rho) < 1e-9);
    });
  });
  it('symmetric eigen with repeated eigenvalues: orthonormal vectors and A V = V Λ', () => {
    const n = 9;
    // Q diag(1,1,1,2,2,5,5,5,5) Qᵀ with a random orthogonal Q (from a Schur factor).
    const Q = realSchur(randomMatrix(n, 77)).U;
    const lam = [1, 1, 1, 2, 2, 5, 5, 5, 5];
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) S[i * n + j] += Q[i * n + k] * lam[k] * Q[j * n + k];
    const h = eigSymmetric({ data: S, shape: [n, n] });
    assert.ok(maxAbsDiff(h.values, lam) < 1e-13);
    const V = h.vectors.data;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let dot = 0;
        let av = 0;
        for (let i = 0; i < n; i++) dot += V[i * n + a] * V[i * n + b];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-13);
        for (let i = 0; i < n; i++) av += S[b * n + i] * V[i * n + a];
        assert.ok(Math.abs(av - h.values[a] * V[b * n + a]) < 1e-12);
      }
    }
    const I = eigSymmetric([[1, 0], [0, 1]]);
    assert.deepEqual(Array.from(I.values), [1, 1]);
  });
  it('explains singular and mis-shaped input', () => {
    assert.throws(() => luSolve([[1, 2], [2, 4]], [1, 1]), /singular/);
    assert.throws(() => luSolve([[1, 0], [0, 1]], [1, 1, 1]), /3 entries/);
    assert.throws(() => eig([[1, 2, 3]]), /square/);
  });
});
