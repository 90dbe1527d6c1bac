/**
 * Stability-optimised circuits and reaching from preparatory states (papers/soc-reaching, issue 11): the
 * initial network's statistics against the formulas; one SoC step against a scipy transcription of the recipe
 * and that it lowers α; convergence to α ≤ 0.15 with every constraint (checked with numpy); expm against
 * scipy; the Gramian modes against scipy; the reaching cost's gradient against finite differences; trained
 * reaches matching their targets with zero output before the go cue; the preparation energy against its closed
 * form and a simulation.
 */
import { strict as assert } from 'assert';
import * as path from 'path';
import { expm } from '../kernel-lib/src/analysis';
import * as soc from '../kernel-lib/src/papers/soc-reaching';
import { rng } from '../kernel-lib/src/random';
import { maxAbsDiff, py } from './helpers/python';

const EIGVALS = `
import json, sys, numpy as np
d = json.load(sys.stdin); n = d['n']
W = np.array(d['W']).reshape(n, n)
ev = np.linalg.eigvals(W)
print(json.dumps({'alpha': float(ev.real.max()), 'radius': float(abs(ev).max())}))`;

/** One step of the recipe in numpy/scipy (tests/reference/soc_recipe.py, shared with bench/soc.ts). */
const SCIPY_STEP = `
import json, sys, numpy as np
sys.path.insert(0, ${JSON.stringify(path.join(__dirname, 'reference'))})
from soc_recipe import soc_step, spectral_abscissa
d = json.load(sys.stdin); N = d['n']; W = np.array(d['W']).reshape(N, N)
a = soc_step(W)
print(json.dumps({'W': W.ravel().tolist(), 'alpha': a, 'after': spectral_abscissa(W)}))`;

describe('soc-reaching: stability-optimised circuit', () => {
  it('builds the initial network with the stated statistics', () => {
    const n = 200, p = 0.1, R = 10, gamma = 3;
    const net = soc.socInitialNetwork({ n, p, R, gamma, seed: 4 });
    const w0 = (Math.SQRT2 * R) / Math.sqrt(p * (1 - p) * (1 + gamma * gamma));
    assert.ok(Math.abs(net.w0 - w0) < 1e-12);
    assert.equal(net.connections, Math.round(p * n * (n - 1)));
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      assert.equal(net.W.data[i * n + i], 0, `diagonal entry ${i}`);
      for (let j = 0; j < n; j++) {
        const v = net.W.data[i * n + j];
        if (v === 0) continue;
        nnz++;
        const expected = j < n / 2 ? w0 / Math.sqrt(n) : (-gamma * w0) / Math.sqrt(n);
        assert.ok(Math.abs(v - expected) < 1e-12, `W[${i},${j}] = ${v}, expected ${expected}`);
      }
    }
    assert.equal(nnz, 3980);
    // Strongly unstable: the bulk of the spectrum is a disc of radius ≈ R, so α ≈ R (numpy). (The one outlier,
    // the mean connectivity's eigenvalue ≈ −(γ−1)·p·n·w0/(2√n), lies far out on the negative real axis.)
    const e = py<{ alpha: number; radius: number }>(EIGVALS, { n, W: Array.from(net.W.data) });
    assert.ok(e.alpha > 0.8 * R && e.alpha < 1.2 * R, `spectral abscissa ${e.alpha}`);
    const outlier = ((gamma - 1) * p * n * w0) / (2 * Math.sqrt(n));
    assert.ok(Math.abs(e.radius - outlier) < 0.25 * outlier, `spectral radius ${e.radius} vs outlier ${outlier}`);
    // Same seed, same network; another seed, another one.
    assert.deepEqual(soc.socInitialNetwork({ n, seed: 4 }).W.data, net.W.data);
    assert.notDeepEqual(soc.socInitialNetwork({ n, seed: 5 }).W.data, net.W.data);
    assert.throws(() => soc.socInitialNetwork({ p: 1.5 }), /p must be in \(0, 1\)/);
  });

  it('one iteration matches scipy and lowers α on a small network', () => {
    const n = 30;
    const W0 = soc.socInitialNetwork({ n, seed: 3 }).W.data;
    const W = Float64Array.from(W0);
    const step = soc.socStep(W, n);
    const ref = py<{ W: number[]; alpha: number; after: number }>(SCIPY_STEP, { n, W: Array.from(W0) });
    assert.ok(Math.abs(step.alpha - ref.alpha) < 1e-10);
    assert.ok(maxAbsDiff(W, ref.W) < 1e-10, `max |ΔW| ${maxAbsDiff(W, ref.W)}`);
    const after = py<{ alpha: number }>(EIGVALS, { n, W: Array.from(W) }).alpha;
    assert.ok(after < step.alpha - 0.1, `α ${step.alpha} → ${after}`);
    // The next step starts from the α numpy measured.
    const s2 = soc.socStep(Float64Array.from(W), n);
    assert.ok(Math.abs(s2.alpha - after) < 1e-9);
  });

  it('reaches α ≤ 0.15 with signs, density, balance and diagonal enforced', () => {
    const n = 40;
    const init = soc.socInitialNetwork({ n, seed: 2 });
    const seen: number[] = [];
    const res = soc.optimiseSoc(init.W, { onIteration: (_, a) => seen.push(a) });
    assert.ok(res.converged, `not converged after ${res.iterations} iterations`);
    assert.equal(seen.length, res.iterations);
    const finalAlpha = res.alphas[res.alphas.length - 1];
    assert.ok(finalAlpha <= 0.15);
    const numpyAlpha = py<{ alpha: number }>(EIGVALS, { n, W: Array.from(res.W.data) }).alpha;
    assert.ok(Math.abs(numpyAlpha - finalAlpha) < 1e-8 && numpyAlpha <= 0.15 + 1e-8, `numpy α ${numpyAlpha}`);
    assert.ok(res.alphas[0] > 5);
    const c = soc.socConstraints(res.W);
    assert.equal(c.maxInhibitory, 0);
    assert.ok(c.minExcitatory >= 0);
    assert.ok(c.inhibitoryDensity <= 0.4 + 1e-12 && c.inhibitoryDensity > 0.3, `density ${c.inhibitoryDensity}`);
    assert.ok(Math.abs(c.balanceE - 1) < 1e-12 && Math.abs(c.balanceI - 1) < 1e-12, `balance ${c.balanceE}, ${c.balanceI}`);
    assert.equal(c.maxDiagonal, 0);
    // Excitatory columns are never modified.
    for (let i = 0; i < n; i++) for (let j = 0; j < n / 2; j++) assert.equal(res.W.data[i * n + j], init.W.data[i * n + j]);
  });

  it('expm matches scipy.linalg.expm across Padé orders and with scaling', () => {
    const r = rng(7);
    for (const [n, scale] of [[6, 0.001], [6, 0.1], [12, 0.5], [12, 1.5], [30, 4], [30, 40]] as const) {
      const A = r.normals(n * n, 0, scale);
      const mine = expm({ data: A, shape: [n, n] }).data;
      const ref = py<number[]>(
        `import json, sys, numpy as np; from scipy.linalg import expm
d = json.load(sys.stdin); n = d['n']; print(json.dumps(expm(np.array(d['A']).reshape(n, n)).ravel().tolist()))`,
        { n, A: Array.from(A) },
      );
      const big = Math.max(...ref.map(Math.abs));
      assert.ok(maxAbsDiff(mine, ref) < 1e-11 * big, `n ${n} scale ${scale}: ${maxAbsDiff(mine, ref)} (max entry ${big})`);
    }
  });
});

describe('soc-reaching: movements from preparatory states', function () {
  this.timeout(600000);
  let W: Float64Array;
  const n = 40;
  before(() => {
    W = soc.optimiseSoc(soc.socInitialNetwork({ n, seed: 2 }).W).W.data;
  });

  it('go cue, spontaneous state and minimum-jerk targets follow their definitions', () => {
    const tmax = (Math.log(10) * 0.5 * 0.05) / 0.45;
    assert.ok(Math.abs(soc.goCue(tmax) - 5) < 1e-12);
    assert.ok(soc.goCue(tmax + 0.01) < 5 && soc.goCue(tmax - 0.01) < 5);
    assert.equal(soc.goCue(-0.1), 0);
    assert.equal(soc.goCue(0), 0);
    const xsp = soc.spontaneousState(500, { mu: 1, seed: 3 });
    const mean = xsp.reduce((a, b) => a + b, 0) / 500;
    const sd = Math.sqrt(xsp.reduce((a, b) => a + (b - mean) ** 2, 0) / 500);
    assert.ok(Math.abs(mean - 1) < 0.03 && Math.abs(sd - 0.15) < 1e-12, `mean ${mean}, sd ${sd}`);
    const task = soc.reachTask({ conditions: [{ direction: 90 }, [{ direction: 0 }, { direction: 90 }]], dt: 0.001, window: 1.3 });
    assert.deepEqual(task.names, ['90°', '0°→90°']);
    const paths = soc.handPaths(task.velocity, task.K, task.T, task.dt);
    const end = (k: number) => [paths[(k * task.T + task.T - 1) * 2], paths[(k * task.T + task.T - 1) * 2 + 1]];
    const d = 0.5 / 1.875; // peak speed 1, duration 0.5 s
    assert.ok(Math.abs(end(0)[0]) < 1e-9 && Math.abs(end(0)[1] - d) < 1e-5, `end ${end(0)}`);
    assert.ok(Math.abs(end(1)[0] - d) < 1e-5 && Math.abs(end(1)[1] - d) < 1e-5, `end ${end(1)}`);
    let peak = 0;
    for (let t = 0; t < task.T; t++) peak = Math.max(peak, task.velocity[t * 2 + 1]);
    assert.ok(Math.abs(peak - 1) < 1e-3, `peak speed ${peak}`);
  });

  it('preparatory modes are the leading eigenvectors of the observability Gramian of W − I (scipy)', () => {
    const modes = soc.preparatoryModes({ data: W, shape: [n, n] }, 5);
    const ref = py<{ values: number[]; vectors: number[] }>(
      `import json, sys, numpy as np; from scipy.linalg import solve_continuous_lyapunov as lyap
d = json.load(sys.stdin); n = d['n']; A = np.array(d['W']).reshape(n, n) - np.eye(n)
Q = lyap(A.T, -np.eye(n)); w, v = np.linalg.eigh(Q); o = np.argsort(w)[::-1][:5]
print(json.dumps({'values': w[o].tolist(), 'vectors': v[:, o].ravel().tolist()}))`,
      { n, W: Array.from(W) },
    );
    assert.ok(maxAbsDiff(modes.values, ref.values) < 1e-9 * ref.values[0]);
    for (let k = 0; k < 5; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += modes.vectors.data[i * 5 + k] * ref.vectors[i * 5 + k];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `mode ${k}: |cos| = ${Math.abs(dot)}`);
    }
  });

  it('the reaching cost gradient matches finite differences (learnt and fixed readout)', () => {
    const net = new soc.ReachNetwork({ data: W, shape: [n, n] }, { modes: 8 });
    const task = soc.reachTask({ conditions: [{ direction: 0 }, { direction: 120 }], window: 0.5 });
    const a = rng(11).normals(2 * 8);
    const fixed = rng(12).normals(2 * net.nE, 0, 0.3);
    // A moderate ridge keeps the re-solved readout well conditioned, so the differences are clean; the step is
    // small because the rectification makes the cost piecewise smooth (a kink inside ±h spoils larger steps).
    for (const opts of [{ ridge: 0.1 }, { readout: fixed }]) {
      const ev = soc.evaluateReaches(net, task, a, opts);
      for (const i of [0, 5, 9, 15]) {
        const h = 1e-6;
        const ap = Float64Array.from(a);
        const am = Float64Array.from(a);
        ap[i] += h;
        am[i] -= h;
        const fd = (soc.evaluateReaches(net, task, ap, opts).loss - soc.evaluateReaches(net, task, am, opts).loss) / (2 * h);
        assert.ok(Math.abs(fd - ev.grad[i]) < 2e-5 * Math.abs(fd) + 1e-8, `${'readout' in opts ? 'fixed' : 'learnt'} readout, a[${i}]: ${ev.grad[i]} vs ${fd}`);
      }
    }
  });

  it('trained reaches match their targets, with zero output at the preparatory state', () => {
    const net = new soc.ReachNetwork({ data: W, shape: [n, n] });
    const task = soc.reachTask({ conditions: [{ direction: 0 }, { direction: 180 }] });
    const fit = soc.fitReaches(net, task, { iterations: 60 });
    // Stated error: relative squared error below 2 % for each trained direction.
    for (const e of fit.relativeError) assert.ok(e < 0.02, `relative error ${e}`);
    assert.ok(fit.loss[fit.loss.length - 1] < fit.loss[0]);
    assert.ok(fit.preGoOutput < 1e-10, `output at the preparatory state ${fit.preGoOutput}`);
    // Output-null: C r = 0 at the spontaneous state too.
    for (let o = 0; o < 2; o++) {
      let s = 0;
      for (let j = 0; j < net.nE; j++) s += fit.C[o * net.nE + j] * Math.max(net.xsp[j], 0);
      assert.ok(Math.abs(s) < 1e-10);
    }
    // ‖x*‖ = 0.2·√N for every state.
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += fit.xStars[k * n + i] ** 2;
      assert.ok(Math.abs(Math.sqrt(s) - 0.2 * Math.sqrt(n)) < 1e-12);
    }
    // Trained on 0° and 180° only, the y readout saw no signal: the ridge makes it exactly zero.
    for (let j = 0; j < net.nE; j++) assert.ok(Math.abs(fit.C[net.nE + j]) < 1e-12);
    // With W and C fixed, a new preparatory state is learnt for an unseen direction (20°); it stays output-null,
    // and its error cannot fall below sin²20°, the share of the target the zero y readout cannot produce.
    const task20 = soc.reachTask({ conditions: [{ direction: 20 }] });
    const fresh = soc.fitReaches(net, task20, { readout: fit.C, iterations: 0, seed: 5 });
    const fit20 = soc.fitReaches(net, task20, { readout: fit.C, iterations: 60, seed: 5 });
    const floor = Math.sin((20 * Math.PI) / 180) ** 2;
    assert.ok(fit20.relativeError[0] < 0.5 * fresh.relativeError[0], `${fresh.relativeError[0]} → ${fit20.relativeError[0]}`);
    assert.ok(fit20.relativeError[0] >= floor - 1e-9 && fit20.relativeError[0] < floor + 0.05, `error ${fit20.relativeError[0]}, floor ${floor}`);
    assert.ok(fit20.preGoOutput < 1e-10, `pre-go output ${fit20.preGoOutput}`);
  });

  it('the minimum preparation energy falls with the delay and the optimal input reaches x*', () => {
    const net = new soc.ReachNetwork({ data: W, shape: [n, n] }, { dt: 0.0005 });
    const a = rng(3).normals(net.nModes);
    const xStar = net.prepState(a).xStar;
    const pe = soc.preparationEnergy(net, xStar, [0.05, 0.1, 0.2, 0.4, 0.8]);
    for (let i = 1; i < pe.energy.length; i++) assert.ok(pe.energy[i] < pe.energy[i - 1]);
    assert.ok(pe.energy[4] > pe.asymptote && pe.energy[4] < 1.1 * pe.asymptote);
    // Closed-form energy against scipy (expm + Lyapunov).
    const ref = py<number>(
      `import json, sys, numpy as np; from scipy.linalg import expm, solve_continuous_lyapunov as lyap
d = json.load(sys.stdin); n = d['n']; tau = 0.2; A = (np.array(d['W']).reshape(n, n) - np.eye(n)) / tau
P = lyap(A, -np.eye(n) / tau**2); E = expm(A * 0.2); Wc = P - E @ P @ E.T; x = np.array(d['x'])
print(json.dumps(float(x @ np.linalg.solve(Wc, x))))`,
      { n, W: Array.from(W), x: Array.from(xStar) },
    );
    assert.ok(Math.abs(pe.energy[2] - ref) < 1e-8 * ref, `${pe.energy[2]} vs scipy ${ref}`);
    // The sampled optimal input has that energy, and drives the network (nonlinear, fine Euler) to x_sp + x*.
    const op = soc.optimalPreparationInput(net, xStar, 0.2);
    assert.ok(Math.abs(op.energyExact - ref) < 1e-8 * ref);
    assert.ok(Math.abs(op.energy - ref) < 0.01 * ref, `∫‖u‖² ${op.energy} vs ${ref}`);
    const T = op.t.length;
    const x = net.simulate(net.xsp, T, { input: op.u, goTime: Infinity });
    let err = 0, nrm = 0;
    for (let i = 0; i < n; i++) {
      err += (x[(T - 1) * n + i] - net.xsp[i] - xStar[i]) ** 2;
      nrm += xStar[i] ** 2;
    }
    assert.ok(Math.sqrt(err / nrm) < 0.05, `relative distance to x* at the go cue ${Math.sqrt(err / nrm)}`);
  });
});
