/**
 * Fixed-point finder: an analytic linear system (one point, its Jacobian and eigenvalues against numpy), a 2-D
 * bistable system (three known points, stability in continuous and discrete time, independent of dt), the CT-RNN
 * step and its hand-written Jacobian against finite differences in float64 and against the model's own forward,
 * and a 3-bit flip-flop network trained here with ratelab's trainer (8 stable points at the 8 output corners).
 */
import { strict as assert } from 'assert';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn, CtrnnConfig } from '../kernel-lib/src/models';
import { Batch, train } from '../kernel-lib/src/train';
import { rng } from '../kernel-lib/src/random';
import { ctrnnStep, findFixedPoints, sampleStates, stepJacobians } from '../kernel-lib/src/analysis';
import { maxAbsDiff, py } from './helpers/python';

/** A grid of initial states over a box (row-major [k², 2]). */
function grid2(k: number, lo: number, hi: number): { data: Float64Array; shape: [number, number] } {
  const d = new Float64Array(k * k * 2);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    d[(i * k + j) * 2] = lo + ((hi - lo) * (i + 0.5)) / k;
    d[(i * k + j) * 2 + 1] = lo + ((hi - lo) * (j + 0.37)) / k;
  }
  return { data: d, shape: [k * k, 2] };
}

/** 3-bit flip-flop (Sussillo & Barak 2013): ±1 pulses on channel k; output k holds the sign of the last one. */
function flipFlop(seed: number, T = 40, B = 32, p = 0.1): Batch {
  const r = rng(seed);
  const inp = new Float32Array(T * B * 3), tgt = new Float32Array(T * B * 3);
  for (let b = 0; b < B; b++) for (let k = 0; k < 3; k++) {
    let s = r.uniform() < 0.5 ? -1 : 1;
    inp[b * 3 + k] = s;
    for (let t = 0; t < T; t++) {
      if (t > 0 && r.uniform() < p) { s = r.uniform() < 0.5 ? -1 : 1; inp[(t * B + b) * 3 + k] = s; }
      tgt[(t * B + b) * 3 + k] = s;
    }
  }
  return { inputs: { data: inp, shape: [T, B, 3] }, targets: { data: tgt, shape: [T, B, 3] } };
}

describe('analysis: fixed points', function () {
  this.timeout(120000);
  before(async () => { await init(); });

  it('linear system x ↦ x + dt(Ax + b): one point −A⁻¹b, Jacobian I + dt·A, eigenvalues as numpy', async () => {
    const A = [[-1, 0.5, 0], [-0.5, -1, 0.2], [0, 0.3, -2]], b = [1, -2, 0.5], dt = 0.1;
    const At = tf.tensor2d(A).transpose(), bt = tf.tensor2d([b]);
    const step = (x: tf.Tensor2D) => tf.add(x, tf.mul(dt, tf.add(tf.matMul(x, At), bt))) as tf.Tensor2D;
    const traj = { data: Array.from({ length: 300 }, (_, i) => 3 * Math.sin(1.7 * i)), shape: [100, 3] };
    const x0 = sampleStates(traj, { n: 64, noise: 0.1, seed: 1 });
    const before = tf.memory().numTensors;
    const fps = await findFixedPoints(step, { initialStates: x0, dt, progress: false });
    assert.equal(tf.memory().numTensors, before, 'the search leaves no tensors behind');
    const m = ctrnn({ n: 6, nIn: 2, nOut: 1 }), nBefore = tf.memory().numTensors;
    await findFixedPoints(m, { initialStates: { data: new Float64Array(18).fill(0.1), shape: [3, 6] }, maxIters: 20, progress: false });
    assert.equal(tf.memory().numTensors, nBefore, 'the search on a Ctrnn leaves no tensors behind');
    m.dispose();
    const want = py<{ x: number[]; re: number[]; im: number[] }>(`
import json, sys, numpy as np
d = json.load(sys.stdin); A = np.array(d['A']); b = np.array(d['b'])
ev = np.linalg.eigvals(np.eye(3) + d['dt'] * A); ev = ev[np.argsort(-np.abs(ev), kind='stable')]
print(json.dumps({'x': np.linalg.solve(A, -b).tolist(), 're': ev.real.tolist(), 'im': ev.imag.tolist()}))`, { A, b, dt });
    assert.equal(fps.n, 1, String(fps));
    assert.equal(fps.counts[0], 64, 'every initial state ends at the one point');
    assert.ok(maxAbsDiff(fps.xstar.data, want.x) < 1e-4, `x* = ${fps.xstar.data} vs ${want.x}`);
    const J = fps.jacobians![0].data, Jwant = A.flat().map((a, k) => (k % 4 === 0 ? 1 : 0) + dt * a);
    assert.ok(maxAbsDiff(J, Jwant) < 1e-6, `J = ${J}`);
    const ev = fps.eigvals![0];
    assert.ok(maxAbsDiff(Array.from(ev.real).sort(), want.re.slice().sort()) < 1e-6);
    assert.ok(maxAbsDiff(Array.from(ev.imag).map(Math.abs).sort(), want.im.map(Math.abs).sort()) < 1e-6);
    // Continuous-time eigenvalues are those of A itself.
    const ct = fps.eigvalsContinuous![0];
    assert.ok(maxAbsDiff(Array.from(ct.real).sort(), want.re.map((v) => (v - 1) / dt).sort()) < 1e-5);
    assert.deepEqual([fps.isStable![0], fps.isStableDiscrete![0]], [true, true]);
    assert.ok(fps.speed[0] < 1e-4 && fps.qstar[0] < 1e-10, `speed ${fps.speed[0]}, q ${fps.qstar[0]}`);
    assert.equal(fps.stopReason, 'tolerance', fps.message);
    tf.dispose([At, bt]);
  });

  it('2-D bistable system ẋ = x − x³, ẏ = −y: stable (±1, 0), saddle (0, 0); continuous results do not depend on dt', async () => {
    const results = [];
    for (const dt of [0.1, 0.05]) {
      const step = (x: tf.Tensor2D) => tf.tidy(() => {
        const [a, c] = tf.split(x, 2, 1);
        const v = tf.concat([tf.sub(a, tf.pow(a, 3)), tf.neg(c)], 1);
        return tf.add(x, tf.mul(dt, v)) as tf.Tensor2D;
      });
      const fps = await findFixedPoints(step, { initialStates: grid2(8, -1.6, 1.6), dt, progress: false });
      assert.equal(fps.n, 3, `${fps}: ${fps.xstar.data}`);
      const byX = Array.from({ length: 3 }, (_, k) => k).sort((p, q) => fps.xstar.data[2 * p] - fps.xstar.data[2 * q]);
      const pts = byX.map((k) => [fps.xstar.data[2 * k], fps.xstar.data[2 * k + 1]]);
      assert.ok(maxAbsDiff(pts.flat(), [-1, 0, 0, 0, 1, 0]) < 1e-3, `points ${pts}`);
      assert.deepEqual(byX.map((k) => fps.isStable![k]), [true, false, true]);
      assert.deepEqual(byX.map((k) => fps.isStableDiscrete![k]), [true, false, true]);
      // Continuous eigenvalues: f'(±1) = −2 and −1 at the stable points, +1 and −1 at the saddle.
      const ct = byX.map((k) => Array.from(fps.eigvalsContinuous![k].real).sort((p, q) => p - q));
      assert.ok(maxAbsDiff(ct.flat(), [-2, -1, -1, 1, -2, -1]) < 2e-3, `continuous eigenvalues ${ct}`);
      const map = byX.map((k) => Array.from(fps.eigvals![k].real).sort((p, q) => p - q));
      assert.ok(maxAbsDiff(map.flat(), [1 - 2 * dt, 1 - dt, 1 - dt, 1 + dt, 1 - 2 * dt, 1 - dt]) < 2e-4, `map eigenvalues ${map}`);
      results.push(fps);
    }
    assert.ok(results.every((r) => r.speed.every((s) => s < 1e-3)), 'speeds are continuous-time and small at both dt');
  });

  it('duplicates, distance outliers and maxUnique: 9 points of ẋ = x − x³ (both coordinates), a far point dropped', async () => {
    const dt = 0.1;
    const step = (x: tf.Tensor2D) => tf.tidy(() => tf.add(x, tf.mul(dt, tf.sub(x, tf.pow(x, 3)))) as tf.Tensor2D);
    const starts = sampleStates({ data: [0, 0], shape: [1, 2] }, { n: 200, noise: 1, seed: 0 });
    const all = await findFixedPoints(step, { initialStates: starts, dt, progress: false });
    assert.equal(all.n, 9, String(all));
    assert.equal(all.stableCount, 4, 'the four corners (±1, ±1) are stable');
    assert.equal(Array.from(all.counts).reduce((a, c) => a + c, 0), 200, 'every start is assigned to a point');
    const sub = await findFixedPoints(step, { initialStates: starts, dt, maxUnique: 4, progress: false });
    assert.equal(sub.n, 4);
    assert.match(sub.message, /5 unique points left out \(maxUnique = 4\)/);
    // A tight cloud around (3, 3): wherever the search ends (Adam's first steps of size ~lr = 1 carry it far), the
    // point is hundreds of mean distances from the cloud, an outlier.
    const far = sampleStates({ data: [3, 3], shape: [1, 2] }, { n: 16, noise: 0.01, seed: 1 });
    const dropped = await findFixedPoints(step, { initialStates: far, dt, progress: false });
    assert.equal(dropped.n, 0, String(dropped));
    assert.match(dropped.message, /1 distance outlier dropped/);
    const kept = await findFixedPoints(step, { initialStates: far, dt, outlierDistanceScale: Infinity, progress: false });
    assert.equal(kept.n, 1);
    assert.ok(kept.speed[0] < 1e-4 && kept.counts[0] === 16, String(kept));
  });

  it('CT-RNN step: equals one step of forward(); its Jacobian (written-out gradient) matches float64 finite differences', () => {
    const configs: CtrnnConfig[] = [
      { n: 12, nIn: 2, nOut: 1, dt: 1, tau: Array.from({ length: 12 }, (_, i) => 2 + i), activation: 'tanh', init: { seed: 5, recGain: 1.5 },
        gain: 1.3, threshold: 0.1, responseGain: 0.8, extBias: 0.2, recBias: Array.from({ length: 12 }, (_, i) => 0.05 * i) },
      { n: 10, nIn: 3, nOut: 2, dt: 0.5, tau: 4, activation: 'softplus', excitatory: 0.8, mask: { density: 0.6, seed: 1 }, init: { seed: 6 } },
      { n: 8, nIn: 1, nOut: 1, dt: 1, tau: 3, activation: 'relu', init: { seed: 7, recGain: 1.2 } },
    ];
    for (const cfg of configs) {
      const m = ctrnn(cfg);
      const n = m.n, nIn = m.nIn, r = rng(3);
      const x = Float64Array.from({ length: 2 * n }, () => r.normal());
      const u = Float64Array.from({ length: 2 * nIn }, () => r.normal());
      const w = m.effectiveW(), win = m.params.w_in.dataSync(), bb = m.params.b.dataSync(), tau = m.tau();
      const g = m.params.gain.dataSync(), th = m.params.threshold.dataSync(), kk = m.params.resp_gain.dataSync(), e = m.params.ext_bias.dataSync();
      const f = m.activation.fScalar!;
      // The same step in float64 JS, written from the model's equations.
      const F = (xv: ArrayLike<number>, uv: ArrayLike<number>): Float64Array => {
        const rr = Array.from({ length: n }, (_, j) => kk[j] * f(g[j] * (xv[j] - th[j]) + e[j]));
        return Float64Array.from({ length: n }, (_, i) => {
          let z = bb[i];
          for (let j = 0; j < n; j++) z += w[i * n + j] * rr[j];
          for (let j = 0; j < nIn; j++) z += win[i * nIn + j] * uv[j];
          const a = m.dt / tau[i];
          return (1 - a) * xv[i] + a * z;
        });
      };
      const s = ctrnnStep(m);
      const Fx = tf.tidy(() => s.step(tf.tensor2d(Float32Array.from(x), [2, n]), tf.tensor2d(Float32Array.from(u), [2, nIn])).dataSync());
      const Fref = [...F(x.subarray(0, n), u.subarray(0, nIn)), ...F(x.subarray(n), u.subarray(nIn))];
      assert.ok(maxAbsDiff(Fx, Fref) < 1e-5, `${cfg.activation}: step vs float64 equations`);
      // One step of forward() from x0 = x (rates start at r(x0), the default r0 'fromX').
      const fw = m.forward({ data: Float32Array.from(u), shape: [1, 2, nIn] }, { x0: x, states: true, noise: false });
      assert.ok(maxAbsDiff(fw.states!.dataSync(), Fx) < 1e-5, `${cfg.activation}: step vs forward()`);
      tf.dispose([fw.rates, fw.outputs, fw.states!]);
      const J = stepJacobians(s.step, { data: x, shape: [2, n] }, { data: u, shape: [2, nIn] });
      for (let p = 0; p < 2; p++) {
        const xp = x.subarray(p * n, (p + 1) * n), up = u.subarray(p * nIn, (p + 1) * nIn);
        const h = 1e-6, fd = new Float64Array(n * n);
        for (let j = 0; j < n; j++) {
          const a = Float64Array.from(xp), c = Float64Array.from(xp);
          a[j] += h; c[j] -= h;
          const Fa = F(a, up), Fc = F(c, up);
          for (let i = 0; i < n; i++) fd[i * n + j] = (Fa[i] - Fc[i]) / (2 * h);
        }
        assert.ok(maxAbsDiff(J[p].data, fd) < 2e-5, `${cfg.activation}, point ${p}: autodiff vs finite differences, max diff ${maxAbsDiff(J[p].data, fd)}`);
      }
      s.dispose();
      m.dispose();
    }
  });

  it('a 3-bit flip-flop CT-RNN trained here has 8 stable fixed points, one per output corner', async () => {
    const m = ctrnn({ n: 24, nIn: 3, nOut: 3, tau: 1, dt: 1, activation: 'tanh', init: { seed: 3 } });
    const res = await train(m, { steps: 300, lr: 2e-2, clipNorm: 1, batch: (s) => flipFlop(1000 + s), progress: false });
    assert.ok(res.losses[res.losses.length - 1] < 0.01, `flip-flop trained to ${res.losses[res.losses.length - 1]}`);
    const run = m.forward(flipFlop(7, 60, 64).inputs, { states: true, noise: false });
    const x0 = sampleStates(run.states!, { n: 256, noise: 0.3, seed: 0 });
    tf.dispose([run.rates, run.outputs, run.states!]);
    const fps = await findFixedPoints(m, { initialStates: x0, input: [0, 0, 0], progress: false });
    assert.equal(fps.stableCount, 8, String(fps));
    // Readout at each stable point: one distinct sign pattern per corner, near ±1.
    const wo = m.params.w_out.dataSync(), bo = m.params.b_out.dataSync();
    const corners = new Set<string>();
    for (let k = 0; k < fps.n; k++) {
      if (!fps.isStable![k]) continue;
      const o = [0, 1, 2].map((c) => {
        let v = bo[c];
        for (let j = 0; j < 24; j++) v += wo[c * 24 + j] * Math.tanh(fps.xstar.data[k * 24 + j]);
        return v;
      });
      assert.ok(o.every((v) => Math.abs(Math.abs(v) - 1) < 0.1), `readout at a stable point ${o}`);
      corners.add(o.map((v) => (v > 0 ? '+' : '-')).join(''));
    }
    assert.equal(corners.size, 8, `corners ${[...corners]}`);
    // Every unstable point found has at least one eigenvalue with Re λ > 0 in continuous time, and is a true fixed point.
    for (let k = 0; k < fps.n; k++) {
      assert.ok(fps.speed[k] < 1e-4, `speed ${fps.speed[k]}`);
      if (!fps.isStable![k]) assert.ok(Math.max(...fps.eigvalsContinuous![k].real) > 0);
    }
    m.dispose();
  });

  it('sampleStates is seeded, honours the valid mask; bad inputs get clear errors', async () => {
    const traj = { data: Float64Array.from({ length: 4 * 2 * 3 }, (_, i) => i), shape: [4, 2, 3] };
    const a = sampleStates(traj, { n: 20, seed: 4 }), b = sampleStates(traj, { n: 20, seed: 4 });
    assert.deepEqual(a, b);
    const valid = [0, 0, 0, 0, 0, 1, 0, 0]; // only row 5 (t = 2, b = 1)
    const c = sampleStates(traj, { n: 5, valid });
    for (let k = 0; k < 5; k++) assert.deepEqual(Array.from(c.data.subarray(3 * k, 3 * k + 3)), [15, 16, 17]);
    const m = ctrnn({ n: 4, nIn: 2, nOut: 1 });
    const x0 = { data: new Float64Array(8), shape: [2, 4] as [number, number] };
    await assert.rejects(findFixedPoints(m, { initialStates: { data: new Float64Array(6), shape: [2, 3] } }), /initialStates have 3 columns, the model has N = 4/);
    await assert.rejects(findFixedPoints(m, { initialStates: x0, input: [1, 2, 3] }), /input has 3 values, the model has nIn = 2/);
    await assert.rejects(findFixedPoints(m, { initialStates: x0, inputSet: 1 }), /inputSet 1 needs 'w_in2'/);
    await assert.rejects(findFixedPoints(m, { initialStates: { data: [NaN, 0, 0, 0], shape: [1, 4] } }), /row 0 holds a non-finite value/);
    assert.throws(() => sampleStates(traj, { n: 2, valid: [1, 0] }), /valid needs 8 entries/);
    m.dispose();
  });
});
