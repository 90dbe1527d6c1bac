/**
 * Training loop: a toy task learns, Adam equals torch.optim.Adam, frozen groups stay put, Dale signs survive
 * training, non-finite losses stop cleanly, early stopping, seeded reproducibility, flat tensor count.
 */
import { strict as assert } from 'assert';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn, CtrnnConfig, Sequence } from '../kernel-lib/src/models';
import { Adam, Batch, learningRate, lossValue, train } from '../kernel-lib/src/train';
import { maxAbsDiff, py } from './helpers/python';

/** Sine generator: a brief pulse on channel k asks for a sine of period 20 (k = 0) or 12 (k = 1). */
function sineBatch(T = 50, B = 4): Batch {
  const inp = new Float32Array(T * B * 2), tgt = new Float32Array(T * B), mask = new Float32Array(T);
  for (let b = 0; b < B; b++) {
    const k = b % 2, period = k === 0 ? 20 : 12;
    for (let t = 0; t < 3; t++) inp[(t * B + b) * 2 + k] = 1;
    for (let t = 0; t < T; t++) tgt[t * B + b] = 0.8 * Math.sin((2 * Math.PI * t) / period);
  }
  for (let t = 5; t < T; t++) mask[t] = 1; // the first steps are not scored
  return { inputs: { data: inp, shape: [T, B, 2] }, targets: { data: tgt, shape: [T, B, 1] }, mask: { data: mask, shape: [T, 1, 1] } };
}

const small: CtrnnConfig = { n: 24, nIn: 2, nOut: 1, tau: 4, activation: 'tanh', init: { seed: 1, recGain: 1.2 } };

describe('train: loop, optimiser, stopping', function () {
  this.timeout(60000);
  before(async () => { await init(); });

  it('a sine generator trains below MSE 0.02 within 300 steps', async () => {
    const m = ctrnn(small);
    const res = await train(m, { steps: 300, lr: 1e-2, clipNorm: 1, threshold: 0.02, batch: sineBatch(), progress: false });
    assert.equal(res.stopReason, 'threshold', res.message);
    assert.ok(res.losses[0] > 0.1, `initial loss ${res.losses[0]} should be well above the threshold`);
    m.dispose();
  });

  it('losses: mse/sse/rss with a time mask match numpy', () => {
    const o = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), z = tf.tensor3d([0, 2, 1, 1, 5, 9, 7, 6], [2, 2, 2]);
    const mask = tf.tensor3d([0, 1], [2, 1, 1]);
    const got = (['mse', 'sse', 'rss'] as const).map((k) => lossValue(k, o, z, mask).dataSync()[0]);
    const want = py<number[]>(`
import json, numpy as np
o = np.arange(1, 9.).reshape(2,2,2); z = np.array([0,2,1,1,5,9,7,6.]).reshape(2,2,2); m = np.array([0,1.]).reshape(2,1,1)
s = ((o - z)**2 * m).sum(); print(json.dumps([s / (m * np.ones_like(o)).sum(), s, s**0.5]))`);
    assert.ok(maxAbsDiff(got, want) < 1e-5, `${got} vs ${want}`);
    tf.dispose([o, z, mask]);
  });

  it('Adam updates equal torch.optim.Adam over several steps', () => {
    const p0 = [0.5, -1.0, 2.0];
    const grads = [[0.1, -0.2, 0.3], [1.0, 0.5, -0.5], [-0.3, 0.0, 0.2], [0.05, 0.05, 0.05]];
    const v = tf.variable(tf.tensor1d(p0));
    const adam = new Adam();
    for (const g of grads) tf.tidy(() => adam.apply({ p: v }, { p: tf.tensor1d(g) }, 0.01));
    const want = py<number[]>(`
import json, sys, torch
d = json.load(sys.stdin)
p = torch.tensor(d['p0'], dtype=torch.float64, requires_grad=True)
opt = torch.optim.Adam([p], lr=0.01)
for g in d['grads']:
    opt.zero_grad(); p.grad = torch.tensor(g, dtype=torch.float64); opt.step()
print(json.dumps(p.detach().tolist()))`, { p0, grads });
    assert.ok(maxAbsDiff(v.dataSync(), want) < 1e-6, `${Array.from(v.dataSync())} vs ${want}`);
    v.dispose(); adam.dispose();
  });

  it('frozen groups do not move; activation parameters train with weights frozen (pursuit stage 2)', async () => {
    const m = ctrnn({ ...small, gain: { value: 1, trainable: true } });
    const before = m.getWeights();
    const res = await train(m, { steps: 5, lr: 1e-2, batch: sineBatch(), freeze: ['w', 'w_in', 'w_out', 'b_out', 'b'], progress: false });
    assert.equal(res.steps, 5);
    const after = m.getWeights();
    for (const k of ['w', 'w_in', 'w_out', 'b_out', 'b']) assert.deepEqual(Array.from(after[k].data), Array.from(before[k].data), `${k} moved`);
    assert.ok(maxAbsDiff(after.gain.data, before.gain.data) > 1e-4, 'gain did not train');
    await assert.rejects(train(m, { steps: 1, batch: sineBatch(), train: ['nope'] }), /no parameter 'nope'/);
    m.dispose();
  });

  it("Dale's law holds after training, in column and projection modes", async () => {
    for (const dale of ['columns', 'project-columns', 'project-rows'] as const) {
      const m = ctrnn({ ...small, activation: 'relu', excitatory: 0.75, dale, zeroDiagonal: true });
      await train(m, { steps: 15, lr: 5e-2, batch: sineBatch(), progress: false });
      const w = m.effectiveW(), n = m.n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const signUnit = dale === 'project-rows' ? i : j, v = w[i * n + j];
        if (i === j) assert.equal(Math.abs(v), 0);
        else assert.ok(signUnit < 18 ? v >= 0 : v <= 0, `${dale}: W[${i},${j}] = ${v}`);
      }
      m.dispose();
    }
  });

  it('a non-finite loss stops before the update and keeps the last good weights', async () => {
    const m = ctrnn(small);
    const good = sineBatch();
    const bad = sineBatch();
    (bad.targets as { data: Float32Array }).data[7] = NaN;
    let snapshot: Record<string, Float32Array> = {};
    const res = await train(m, {
      steps: 10, lr: 1e-2, progress: false,
      batch: (step) => (step === 4 ? bad : good),
      onStep: ({ step }) => { if (step === 3) snapshot = Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, v.data])); },
    });
    assert.equal(res.stopReason, 'non-finite');
    assert.match(res.message, /step 4: loss is NaN/);
    assert.equal(res.steps, 4);
    for (const [k, v] of Object.entries(m.getWeights())) assert.deepEqual(Array.from(v.data), Array.from(snapshot[k]), `${k} changed`);
    m.dispose();
  });

  it('an abort between steps (the kernel Interrupt) stops with the weights of the last completed step', async () => {
    const m = ctrnn(small);
    const ctl = new AbortController();
    let snapshot: Record<string, Float32Array> = {};
    const res = await train(m, {
      steps: 50, lr: 1e-2, batch: sineBatch(), progress: false, signal: ctl.signal,
      onStep: ({ step }) => {
        if (step === 2) {
          snapshot = Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, v.data]));
          ctl.abort();
        }
      },
    });
    assert.equal(res.stopReason, 'interrupted');
    assert.equal(res.steps, 3);
    for (const [k, v] of Object.entries(m.getWeights())) assert.deepEqual(Array.from(v.data), Array.from(snapshot[k]), `${k} changed`);
    // Without an explicit signal the trainer follows the kernel's per-cell signal.
    const kernelCtl = new AbortController();
    (globalThis as Record<symbol, unknown>)[Symbol.for('ratelab.kernel.abortSignal')] = kernelCtl.signal;
    try {
      kernelCtl.abort();
      const res2 = await train(m, { steps: 5, lr: 1e-2, batch: sineBatch(), progress: false });
      assert.equal(res2.stopReason, 'interrupted');
      assert.equal(res2.steps, 0);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('ratelab.kernel.abortSignal')];
    }
    m.dispose();
  });

  it('patience stops a run that no longer improves; schedules give the documented rates', async () => {
    const m = ctrnn(small);
    const res = await train(m, { steps: 50, lr: 0, batch: sineBatch(), patience: 3, progress: false });
    assert.equal(res.stopReason, 'patience');
    assert.equal(res.steps, 4);
    assert.equal(learningRate({ kind: 'step', every: 10, factor: 0.5 }, 25, 1), 0.25);
    assert.ok(Math.abs(learningRate({ kind: 'cosine', total: 100 }, 50, 1) - 0.5) < 1e-12);
    assert.equal(learningRate({ kind: 'warmup', steps: 4 }, 1, 1), 0.5);
    m.dispose();
  });

  it('is reproducible with noise, clips gradients, and keeps the tensor count flat over 100 steps', async () => {
    const cfg: CtrnnConfig = { ...small, n: 8, noise: { rec: 0.05, seed: 3 } };
    const batch = sineBatch(12, 2);
    const run = async () => { const m = ctrnn(cfg); const r = await train(m, { steps: 5, lr: 1e-2, clipNorm: 0.1, batch, progress: false }); m.dispose(); return r.losses; };
    assert.deepEqual(await run(), await run());
    const m = ctrnn(cfg);
    const norms: number[] = [];
    const optimizer = new Adam();
    await train(m, { steps: 1, batch, progress: false, optimizer });
    const count = tf.memory().numTensors;
    await train(m, { steps: 100, lr: 1e-3, clipNorm: 0.5, batch, progress: false, optimizer, onStep: (i) => { norms.push(i.gradNorm); } });
    assert.equal(tf.memory().numTensors, count, 'tensor count after 100 more steps');
    assert.ok(norms.every(Number.isFinite) && norms.length === 100);
    m.dispose();
  });
});
