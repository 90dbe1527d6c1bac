/**
 * Continuous Lyapunov solver (Bartels–Stewart on the real Schur form) and Gramians: analytic cases (diagonal A,
 * a damped oscillator's controllability Gramian, Jordan blocks), scipy.linalg.solve_continuous_lyapunov on random
 * stable matrices and on strongly non-normal E/I matrices like a stability-optimised circuit at N = 200, and
 * the A / Aᵀ reuse of one Schur form.
 */
import { strict as assert } from 'assert';
import {
  Dense2D,
  LyapunovSolver,
  eigSymmetric,
  controllabilityGramian,
  gramians,
  lyapunovResidual,
  observabilityGramian,
  solveLyapunov,
  spectralAbscissa,
  topEigenDirections,
} from '../kernel-lib/src/analysis';
import { frobenius, matmulNT, transposeSquare } from '../kernel-lib/src/analysis/dense';
import { rng } from '../kernel-lib/src/random';
import { maxAbsDiff, py } from './helpers/python';

const rows = (a: Dense2D) => Array.from({ length: a.shape[0] }, (_, i) => Array.from(a.data.subarray(i * a.shape[1], (i + 1) * a.shape[1])));
const relFro = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i] - b[i];
  return frobenius(d) / frobenius(b);
};
/** ‖A X + X Aᵀ + Q‖_F / ‖Q‖_F: the relative residual the brief asks for (stricter than the backward error). */
function residualOverQ(A: Dense2D, X: Dense2D, Q: Dense2D): number {
  const n = A.shape[0];
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = Q.data[i * n + j];
      for (let k = 0; k < n; k++) s += A.data[i * n + k] * X.data[k * n + j] + X.data[i * n + k] * A.data[j * n + k];
      r[i * n + j] = s;
    }
  }
  return frobenius(r) / frobenius(Q.data);
}

function spd(n: number, seed: number): Dense2D {
  const B = rng(seed).normals(n * n);
  return { data: matmulNT(B, B, n, n, n), shape: [n, n] };
}

/**
 * A random sparse E/I matrix in the style of Hennequin et al. (2014): half excitatory columns, half inhibitory,
 * connection probability p, large weights (spectral radius ≈ R), inhibition stronger than excitation by `ratio`,
 * then shifted by −(α + margin) I so it is stable. Its Schur form has a huge off-diagonal part (non-normal).
 */
function eiMatrix(n: number, seed: number, R = 10, p = 0.1, ratio = 3, margin = 0.5): Dense2D {
  const r = rng(seed);
  const w0 = R / Math.sqrt(p * (1 - p) * (1 + ratio * ratio) / 2 * n);
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || r.uniform() >= p) continue;
      W[i * n + j] = j < n / 2 ? w0 : -ratio * w0;
    }
  }
  const A: Dense2D = { data: W, shape: [n, n] };
  const alpha = spectralAbscissa(A);
  for (let i = 0; i < n; i++) W[i * n + i] -= alpha + margin;
  return A;
}

describe('analysis: continuous Lyapunov equation', () => {
  it('diagonal A: X_ij = Q_ij / −(a_i + a_j) (analytic)', () => {
    const n = 7;
    const a = [-0.5, -1, -2, -3.5, -0.1, -10, -4];
    const A = new Float64Array(n * n);
    a.forEach((v, i) => (A[i * n + i] = v));
    const Q = rng(1).normals(n * n); // not symmetric: the solver must not assume it
    const X = solveLyapunov({ data: A, shape: [n, n] }, { data: Q, shape: [n, n] });
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(X.data[i * n + j] - Q[i * n + j] / -(a[i] + a[j])) < 1e-14);
  });

  it('matches scipy.linalg.solve_continuous_lyapunov on random stable matrices (several sizes, A and Aᵀ, symmetric and general Q)', () => {
    const cases = [1, 2, 5, 17, 60].map((n, k) => {
      const r = rng(50 + k);
      const A = r.normals(n * n, 0, 1 / Math.sqrt(n));
      for (let i = 0; i < n; i++) A[i * n + i] -= 1.5;
      return { A: { data: A, shape: [n, n] } as Dense2D, Q: spd(n, 60 + k), Qn: { data: r.normals(n * n), shape: [n, n] } as Dense2D };
    });
    const ref = py<{ X: number[][]; Xt: number[][]; Xn: number[][]; Xtn: number[][] }[]>(
      `import json,sys,numpy as np
from scipy.linalg import solve_continuous_lyapunov as lyap
out=[]
for c in json.load(sys.stdin):
    A=np.array(c['A']); Q=np.array(c['Q'])
    Qn=np.array(c['Qn'])
    out.append(dict(X=lyap(A,-Q).tolist(), Xt=lyap(A.T,-Q).tolist(), Xn=lyap(A,-Qn).tolist(), Xtn=lyap(A.T,-Qn).tolist()))
print(json.dumps(out))`,
      cases.map((c) => ({ A: rows(c.A), Q: rows(c.Q), Qn: rows(c.Qn) })),
    );
    cases.forEach((c, k) => {
      const s = new LyapunovSolver(c.A);
      const X = s.solve(c.Q);
      const Xt = s.solveTransposed(c.Q);
      assert.ok(relFro(X.data, ref[k].X.flat()) < 1e-11, `n=${c.A.shape[0]} X`);
      assert.ok(relFro(Xt.data, ref[k].Xt.flat()) < 1e-11, `n=${c.A.shape[0]} Xt`);
      assert.ok(lyapunovResidual(c.A, X, c.Q) < 1e-14);
      // A non-symmetric Q takes the general (unmirrored) path.
      assert.ok(relFro(s.solve(c.Qn).data, ref[k].Xn.flat()) < 1e-10, `n=${c.A.shape[0]} non-symmetric Q`);
      assert.ok(relFro(s.solveTransposed(c.Qn).data, ref[k].Xtn.flat()) < 1e-10, `n=${c.A.shape[0]} non-symmetric Q, Aᵀ`);
    });
  });

  it('strongly non-normal E/I matrix at N = 200 (stability-optimised-circuit-like): residual ≤ 1e-8 and agrees with scipy', function () {
    this.timeout(60000);
    const n = 200;
    const A = eiMatrix(n, 7);
    const Q: Dense2D = { data: new Float64Array(n * n), shape: [n, n] };
    for (let i = 0; i < n; i++) Q.data[i * n + i] = 1;
    const s = new LyapunovSolver(A);
    const X = s.solve(Q);
    const P = s.solveTransposed(Q);
    const ref = py<{ X: number[][]; P: number[][] }>(
      `import json,sys,numpy as np
from scipy.linalg import solve_continuous_lyapunov as lyap
d=json.load(sys.stdin); A=np.array(d['A']); Q=np.eye(len(A))
print(json.dumps(dict(X=lyap(A,-Q).tolist(), P=lyap(A.T,-Q).tolist())))`,
      { A: rows(A) },
    );
    const rX = residualOverQ(A, X, Q);
    const At = { data: transposeSquare(A.data, n), shape: [n, n] } as Dense2D;
    const rP = residualOverQ(At, P, Q);
    assert.ok(rX <= 1e-8, `relative residual ${rX}`);
    assert.ok(rP <= 1e-8, `relative residual (Aᵀ) ${rP}`);
    assert.ok(relFro(X.data, ref.X.flat()) < 1e-8, `X vs scipy ${relFro(X.data, ref.X.flat())}`);
    assert.ok(relFro(P.data, ref.P.flat()) < 1e-8, `P vs scipy ${relFro(P.data, ref.P.flat())}`);
    // Non-normal amplification: for a normal A, ‖X‖₂ ≤ 1/(2|α(A)|) = 1 with the 0.5 stability margin; the E/I
    // feedforward structure makes it several times larger (≈ 9.8 for this seed).
    const lmax = eigSymmetric(X).values[n - 1];
    assert.ok(lmax > 5, `the test matrix is not strongly non-normal: ‖X‖₂ = ${lmax}`);
  });

  it('Jordan-like non-normal matrices (−I + c·shift): small residual and agreement with scipy', () => {
    // With c > 1, ‖X‖ grows like c^n (≈ 1e11 for n = 20, c = 2): only the backward error stays small there.
    for (const [n, c] of [
      [20, 1],
      [60, 1],
      [20, 2],
    ]) {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        A[i * n + i] = -1;
        if (i + 1 < n) A[i * n + i + 1] = c;
      }
      const Ad: Dense2D = { data: A, shape: [n, n] };
      const Q = spd(n, n);
      const X = solveLyapunov(Ad, Q);
      const ref = py<number[][]>(
        `import json,sys,numpy as np
from scipy.linalg import solve_continuous_lyapunov as lyap
d=json.load(sys.stdin); print(json.dumps(lyap(np.array(d['A']),-np.array(d['Q'])).tolist()))`,
        { A: rows(Ad), Q: rows(Q) },
      );
      assert.ok(lyapunovResidual(Ad, X, Q) < 1e-15, `n=${n} c=${c}: backward error ${lyapunovResidual(Ad, X, Q)}`);
      if (c === 1) {
        assert.ok(residualOverQ(Ad, X, Q) < 1e-8, `n=${n}: residual ${residualOverQ(Ad, X, Q)}`);
        assert.ok(relFro(X.data, ref.flat()) < 1e-8, `n=${n}: vs scipy ${relFro(X.data, ref.flat())}`);
      } else {
        assert.ok(relFro(X.data, ref.flat()) < 1e-4, `n=${n} c=${c}: vs scipy ${relFro(X.data, ref.flat())}`);
      }
    }
  });

  it('explains a singular equation and a mis-shaped Q', () => {
    assert.throws(() => solveLyapunov([[0, 1], [-1, 0]], [[1, 0], [0, 1]]), /singular Sylvester block/);
    assert.throws(() => solveLyapunov([[-1, 0], [0, -1]], [[1, 0, 0]]), /must be 2×2/);
  });
});

describe('analysis: Gramians', () => {
  it('damped oscillator: P = diag(1/(2kc), 1/(2c)) (analytic), Q by duality and vs scipy', () => {
    const k = 2;
    const c = 0.3;
    const A = [[0, 1], [-k, -c]];
    const P = controllabilityGramian(A, [[0], [1]]);
    assert.ok(maxAbsDiff(P.data, [1 / (2 * k * c), 0, 0, 1 / (2 * c)]) < 1e-14);
    const Qo = observabilityGramian(A, [[1, 0]]);
    // Duality: the observability Gramian of (A, C) is the controllability Gramian of (Aᵀ, Cᵀ).
    const dual = controllabilityGramian([[0, -k], [1, -c]], [[1], [0]]);
    assert.ok(maxAbsDiff(Qo.data, dual.data) < 1e-14);
    const ref = py<number[]>(
      `import json,numpy as np
from scipy.linalg import solve_continuous_lyapunov as lyap
A=np.array([[0,1],[-2,-0.3]]); C=np.array([[1.,0]])
print(json.dumps(lyap(A.T,-C.T@C).ravel().tolist()))`,
    );
    assert.ok(maxAbsDiff(Qo.data, ref) < 1e-13);
  });
  it('gramians() shares one Schur form; top directions match numpy.linalg.eigh', () => {
    const n = 30;
    const A = eiMatrix(n, 3, 4);
    const B = { data: rng(4).normals(n * 3), shape: [n, 3] } as Dense2D;
    const C = { data: rng(5).normals(2 * n), shape: [2, n] } as Dense2D;
    const g = gramians(A, { B, C });
    const ref = py<{ P: number[][]; Q: number[][]; w: number[]; v: number[][] }>(
      `import json,sys,numpy as np
from scipy.linalg import solve_continuous_lyapunov as lyap
d=json.load(sys.stdin); A=np.array(d['A']); B=np.array(d['B']); C=np.array(d['C'])
P=lyap(A,-B@B.T); Q=lyap(A.T,-C.T@C); w,v=np.linalg.eigh(P)
print(json.dumps(dict(P=P.tolist(),Q=Q.tolist(),w=w[::-1][:3].tolist(),v=v[:,::-1][:,:3].T.tolist())))`,
      { A: rows(A), B: rows(B), C: rows(C) },
    );
    assert.ok(relFro(g.controllability.data, ref.P.flat()) < 1e-10);
    assert.ok(relFro(g.observability.data, ref.Q.flat()) < 1e-10);
    const top = topEigenDirections(g.controllability, 3);
    assert.ok(maxAbsDiff(top.values, ref.w) < 1e-10 * ref.w[0]);
    for (let c = 0; c < 3; c++) {
      const mine = Array.from({ length: n }, (_, i) => top.vectors.data[i * 3 + c]);
      const dot = mine.reduce((s, v, i) => s + v * ref.v[c][i], 0);
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `direction ${c}: |cos| = ${Math.abs(dot)}`);
    }
  });
});
