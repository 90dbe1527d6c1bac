import { strict as assert } from 'assert';
import {
  REDUCED_MODEL_PARAMS,
  reducedAttractor,
  reducedBifurcationScan,
  reducedBifurcations,
  reducedFixedPoints,
  reducedJacobian,
  reducedPeriod,
  reducedRhs,
  simulateReduced,
} from '../kernel-lib/src/papers/rhythmic-timing';
import { py } from './helpers/python';

// The model written again in numpy, integrated by scipy's DOP853 at tight tolerances; fixed points by fsolve
// from many random starts; the fold (SNIC) by fsolve on the extended system G = 0, det J = 0; the Hopf point
// by brentq on the largest real part of the Jacobian eigenvalues at the upper fixed point.
const SCIPY_REDUCED = `
import json, sys, numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve, brentq
a_in = json.load(sys.stdin)
W = np.array([[8.949,-7.4,-2.952],[9.123,-7.386,-3.072],[8.935,-4,-1]])
win = np.array([0.048,0.055,0.068]); Ib = np.array([0,0,-0.1]); tau = np.array([0.01,0.01,0.05])
A = np.array([150.134,62.873,87.0]); Bb = np.array([-0.476,0.481,-0.781]); C = np.array([0.007,0.016,0.012])
f = lambda u: C*np.logaddexp(0, A*u - Bb)
G = lambda u, I: -u + W @ f(u) + I*win + Ib
def JG(u):
    s = 1/(1 + np.exp(-(A*u - Bb)))
    return -np.eye(3) + W*(C*A*s)[None, :]
J = lambda u: JG(u)/tau[:, None]
out = {}
y0 = np.array([0.075, 0.075, -0.01])
def period(I):
    # Maxima of u1 as events (du1/dt crossing zero downward), timed by the integrator's dense output.
    ev = lambda t, u: G(u, I)[0]
    ev.direction = -1
    s = solve_ivp(lambda t, u: G(u, I)/tau, (0, 5), y0, method='DOP853', rtol=1e-10, atol=1e-12, events=ev)
    te = s.t_events[0]; te = te[te > 2.0]
    return float(np.diff(te).mean()) if len(te) > 2 else None
out['periods'] = [period(I) for I in a_in['periods']]
s = solve_ivp(lambda t, u: G(u, 0.5)/tau, (0, 0.5), y0, method='DOP853', rtol=1e-11, atol=1e-13, t_eval=np.arange(501)*1e-3)
out['traj'] = s.y.T.ravel().tolist()
rng = np.random.default_rng(1)
fps = {}
for I in a_in['fp_cues']:
    pts = []
    for k in range(800):
        x, info, ier, msg = fsolve(G, rng.uniform(-0.5, 0.5, 3), args=(I,), full_output=True, xtol=1e-13)
        if ier == 1 and np.abs(G(x, I)).max() < 1e-11 and not any(np.abs(x - p).max() < 1e-7 for p in pts):
            pts.append(x)
    pts.sort(key=lambda p: p[2])
    fps[str(I)] = [{'u': p.tolist(), 'stable': bool(np.all(np.linalg.eigvals(J(p)).real < 0))} for p in pts]
out['fps'] = fps
# Fold: from the stable node at I = 0.18, solve G = 0 together with det J = 0 for (u, I).
u0 = fsolve(G, [-0.0083, -0.0065, -0.0861], args=(0.18,), xtol=1e-13)
ext = lambda v: np.append(G(v[:3], v[3]), np.linalg.det(JG(v[:3])))
out['fold'] = float(fsolve(ext, np.append(u0, 0.18), xtol=1e-13)[3])
def upper(I):
    return fsolve(G, [0.0, 0.01, 0.0], args=(I,), xtol=1e-13)
out['hopf'] = brentq(lambda I: np.linalg.eigvals(J(upper(I))).real.max(), 1.4, 1.8, xtol=1e-12)
print(json.dumps(out))
`;

describe('rhythmic timing: reduced three-population model', function () {
  const cues = [0.197, 0.3, 0.5, 0.8, 1.2];
  const paperMs = [260, 107, 84, 74, 70];
  const fpCues = [-1.5, 0, 0.18, 0.5, 1.6];
  let ref: {
    periods: (number | null)[];
    traj: number[];
    fps: Record<string, { u: number[]; stable: boolean }[]>;
    fold: number;
    hopf: number;
  };
  before(function () {
    this.timeout(120000);
    ref = py(SCIPY_REDUCED, { periods: cues, fp_cues: fpCues });
  });

  it('the Jacobian matches central finite differences of the RHS', () => {
    const u = [0.01, -0.004, -0.05];
    const J = reducedJacobian(u);
    const h = 1e-7;
    for (let j = 0; j < 3; j++) {
      const up = u.slice(), dn = u.slice();
      up[j] += h;
      dn[j] -= h;
      const fp = reducedRhs(up, 0.7), fm = reducedRhs(dn, 0.7);
      for (let k = 0; k < 3; k++) {
        const fd = (fp[k] - fm[k]) / (2 * h);
        assert.ok(Math.abs(fd - J[k * 3 + j]) < 1e-5 * Math.max(1, Math.abs(fd)), `J[${k}][${j}] ${J[k * 3 + j]} vs ${fd}`);
      }
    }
  });

  it('RK4 at 1 ms follows scipy DOP853 over 0.5 s (I_cc = 0.5)', () => {
    const tr = simulateReduced(0.5, 0.5);
    assert.equal(tr.n, 501);
    let m = 0;
    for (let i = 0; i < tr.u.length; i++) m = Math.max(m, Math.abs(tr.u[i] - ref.traj[i]));
    // The oscillation spans ≈ 0.2; RK4's global error at 1 ms is ≈ 5e-5 here (0.03 % of the span).
    assert.ok(m < 2e-4, `max |RK4 − DOP853| = ${m}`);
  });

  it('periods at the paper\'s cues: within 5 % of 260/107/84/74/70 ms and within 0.1 % of scipy', () => {
    const got = cues.map((I) => reducedPeriod(I) * 1000);
    console.log('      periods (ms):', cues.map((I, i) => `${I}: ${got[i].toFixed(2)}`).join(', '));
    for (let i = 0; i < cues.length; i++) {
      assert.ok(Math.abs(got[i] / paperMs[i] - 1) < 0.05, `I_cc ${cues[i]}: ${got[i]} ms vs ${paperMs[i]} ms`);
      const r = ref.periods[i];
      assert.ok(r !== null && Math.abs(got[i] / (r * 1000) - 1) < 0.001, `I_cc ${cues[i]}: ${got[i]} ms vs scipy ${r}`);
    }
  });

  it('no oscillation below the SNIC or above the Hopf point; the period grows toward the SNIC', () => {
    assert.ok(Number.isNaN(reducedPeriod(0.18)));
    assert.ok(Number.isNaN(reducedPeriod(1.7)));
    assert.ok(Number.isNaN(reducedPeriod(-1)));
    const near = reducedPeriod(0.1905, { duration: 20 });
    assert.ok(near > 0.6 && near > reducedPeriod(0.197), `period at 0.1905: ${near} s`);
    const a = reducedAttractor(1.2);
    assert.ok(a.oscillating && a.max[0] - a.min[0] > 0.05);
  });

  it('fixed points and their stability match scipy (fsolve from 800 random starts)', () => {
    for (const I of fpCues) {
      const mine = reducedFixedPoints(I);
      const theirs = ref.fps[String(I)];
      assert.equal(mine.length, theirs.length, `I_cc ${I}: ${mine.length} fixed points vs scipy ${theirs.length}`);
      for (let i = 0; i < mine.length; i++) {
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(mine[i].u[k] - theirs[i].u[k]) < 1e-9, `I_cc ${I}, point ${i}`);
        assert.equal(mine[i].stable, theirs[i].stable, `I_cc ${I}, point ${i} stability`);
      }
    }
    // Below the SNIC: stable node, saddle, and the unstable upper point; in the band only the upper point.
    assert.deepEqual(reducedFixedPoints(0.18).map((f) => f.kind), ['stable node', 'saddle', 'saddle-focus']);
    assert.equal(reducedFixedPoints(1.6)[0].kind, 'stable focus');
  });

  it('bifurcations by bisection: SNIC in [0.17, 0.21], Hopf in [1.5, 1.66], both within 1e-5 of scipy', () => {
    const bif = reducedBifurcations();
    console.log('      bifurcations:', bif.map((b) => `${b.kind} at I_cc = ${b.Icc.toFixed(6)}`).join(', '));
    console.log(`      scipy: fold ${ref.fold.toFixed(6)}, Hopf ${ref.hopf.toFixed(6)}`);
    assert.equal(bif.length, 2);
    const [snic, hopf] = bif;
    assert.equal(snic.kind, 'saddle-node');
    assert.equal(snic.stableAbove, false);
    assert.ok(snic.Icc >= 0.17 && snic.Icc <= 0.21);
    assert.ok(Math.abs(snic.Icc - ref.fold) < 1e-5);
    assert.equal(hopf.kind, 'hopf');
    assert.equal(hopf.stableAbove, true);
    assert.ok(hopf.Icc >= 1.5 && hopf.Icc <= 1.66);
    assert.ok(Math.abs(hopf.Icc - ref.hopf) < 1e-5);
    const shown = bif[Symbol.for('Jupyter.display')]();
    assert.match(shown['text/plain'], /saddle-node\t0\.1899/);
    assert.match(shown['text/html'], /<td>hopf<\/td><td>1\.5812/);
  });

  it('bifurcation scan over [−2, 2]: oscillates exactly where no fixed point is stable', () => {
    const scan = reducedBifurcationScan({ steps: 81, duration: 6, transient: 3 });
    let oscCount = 0;
    for (let i = 0; i < scan.Icc.length; i++) {
      const I = scan.Icc[i];
      const anyStable = scan.fixedPoints[i].some((f) => f.stable);
      // Right next to either bifurcation the finite run cannot decide; skip those cues.
      if (Math.abs(I - 0.19) < 0.02 || Math.abs(I - 1.58) < 0.03) continue;
      assert.equal(scan.oscillating[i], !anyStable, `I_cc ${I.toFixed(2)}`);
      if (scan.oscillating[i]) {
        oscCount++;
        assert.ok(scan.period[i] > 0.04 && scan.period[i] < 0.3);
        assert.ok(scan.max[i * 3 + 2] > scan.min[i * 3 + 2]);
      } else {
        // On a fixed point the range collapses onto the stable fixed point.
        const fp = scan.fixedPoints[i].find((f) => f.stable)!;
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(scan.max[i * 3 + k] - fp.u[k]) < 1e-4, `I_cc ${I}, u${k + 1}`);
      }
    }
    assert.ok(oscCount > 20);
    assert.equal(REDUCED_MODEL_PARAMS.W[2][0], 8.935);
  });
});
