/**
 * Smooth pursuit network: initialisation as the original, forward pass and loss (with the original's one-step
 * offset) against an independent numpy transcription of `construct_tf`/`loss_op`, stage 2 training only the
 * activation parameter, a short stage-1 run lowering the loss, and the saved .mat as scipy reads it.
 */
import { strict as assert } from 'assert';
import * as path from 'path';
import { init, tf } from '../kernel-lib/src/backend';
import { batchLoss } from '../kernel-lib/src/train';
import { rng } from '../kernel-lib/src/random';
import {
  loadPursuitData, loadPursuitModel, pursuitBatch, pursuitModel, PursuitData, savePursuitModel, stage2Model, trainPursuit,
} from '../kernel-lib/src/papers/smooth-pursuit';
import { py, rmTmp, tmpDir } from './helpers/python';

// The original's graph (model.py) with the noise switched off, written from its equations:
// x[0] = x0, r[0] = f(x[0]); for t = 1..T-1: x[t] = (1 - 1/tau) x[t-1] + (1/tau)(W r[t-1] + W_in u[:, t-1]),
// r[t] = f(x[t]), o[t-1] = W_out r[t] + b_out; loss = sqrt(sum_i ||o[i] - z[i]||^2), i = 0..T-2.
const NUMPY_ORIGINAL = `
import json, sys, numpy as np
a = json.load(sys.stdin)
N, T, din = a['N'], a['T'], a['din']
W = np.array(a['w']).reshape(N, N); Win = np.array(a['w_in']).reshape(N, din)
Wout = np.array(a['w_out']).reshape(2, N); b = a['b_out']
u = np.array(a['u']).reshape(T, din).T; z = np.array(a['z']).reshape(T, 2)
g = np.array(a['gain']); th = np.array(a['threshold']); k = np.array(a['resp'])
f = lambda x: k * np.clip(np.tanh(g * (x - th)), 0, 1)
x = np.array(a['x0']); r = f(x); o = []
for t in range(1, T):
    x = (1 - 1/a['tau']) * x + (1/a['tau']) * (W @ r + Win @ u[:, t - 1])
    r = f(x)
    o.append(Wout @ r + b)
o = np.array(o)
loss = np.sqrt(sum(((o[i] - z[i])**2).sum() for i in range(len(o))))
print(json.dumps({'o': o.tolist(), 'loss': float(loss)}))
`;

describe('smooth pursuit: network and training', function () {
  this.timeout(120000);
  let data: PursuitData;
  before(async () => {
    await init();
    data = await loadPursuitData();
  });

  it('initialises as the original: W ~ 1.5/sqrt(N), W_in ~ 1/sqrt(d_in), W_out = 0, one scalar b_out', () => {
    const m = pursuitModel({ seed: 4, nIn: 3 });
    const ws = m.getWeights();
    const sd = (v: Float32Array) => { let s = 0; for (const x of v) s += x * x; return Math.sqrt(s / v.length); };
    assert.ok(Math.abs(sd(ws.w.data) / (1.5 / Math.sqrt(250)) - 1) < 0.02, `W sd ${sd(ws.w.data)}`);
    assert.ok(Math.abs(sd(ws.w_in.data) / (1 / Math.sqrt(3)) - 1) < 0.1, `W_in sd ${sd(ws.w_in.data)}`);
    assert.deepEqual(ws.w_in.shape, [250, 3]);
    assert.ok(ws.w_out.data.every((x) => x === 0));
    assert.deepEqual(ws.b_out.shape, [1]);
    assert.equal(m.tau()[0], 30);
    assert.ok(!m.trainable.has('b') && !m.trainable.has('threshold'));
    m.dispose();
  });

  for (const variant of [null, 'threshold', 'input_gain', 'response_gain'] as const) {
    it(`outputs and loss equal a numpy transcription of the original (${variant ?? 'stage 1'})`, () => {
      const n = 40;
      const r = rng(5);
      const values = variant ? { [variant]: r.normals(n, variant === 'threshold' ? 0 : 1, 0.3) } : {};
      const m = pursuitModel({ n, seed: 2, trainable: variant, values });
      const wo = r.normals(2 * n, 0, 0.3);
      m.setWeights({ w_out: wo, b_out: [0.05] });
      const b = pursuitBatch(data, 'stage1', n, rng(9), 0.5);
      const T = 150;
      const out = tf.tidy(() => m.forward(b.inputs, { x0: b.x0, noise: false }).outputs.dataSync().slice());
      const loss = tf.tidy(() => batchLoss(m, b, 'rss', {}, { noise: false }).dataSync()[0]);
      const ws = m.getWeights();
      const ref = py<{ o: number[][]; loss: number }>(NUMPY_ORIGINAL, {
        N: n, T, din: 2, tau: 30, w: Array.from(ws.w.data), w_in: Array.from(ws.w_in.data), w_out: Array.from(ws.w_out.data),
        b_out: ws.b_out.data[0], u: Array.from((b.inputs as { data: Float32Array }).data), z: Array.from((b.targets as { data: Float32Array }).data),
        x0: Array.from(b.x0!), gain: Array.from(ws.gain.data), threshold: Array.from(ws.threshold.data), resp: Array.from(ws.resp_gain.data),
      });
      // ratelab's output at step t is the original's o[t] (t = 0..T-2).
      let worst = 0, scale = 0;
      for (let t = 0; t < T - 1; t++) for (let k = 0; k < 2; k++) {
        worst = Math.max(worst, Math.abs(out[t * 2 + k] - ref.o[t][k]));
        scale = Math.max(scale, Math.abs(ref.o[t][k]));
      }
      assert.ok(scale > 0.05, `reference outputs too small (${scale}) to discriminate`);
      assert.ok(worst < 1e-4 * Math.max(1, scale), `outputs differ by ${worst}`);
      assert.ok(Math.abs(loss - ref.loss) < 1e-4 * ref.loss, `loss ${loss} vs numpy ${ref.loss}`);
      m.dispose();
    });
  }

  it('stage 2 changes only the activation parameter; the weights stay bit-identical', async () => {
    const s1 = pursuitModel({ n: 60, seed: 3 });
    s1.setWeights({ w_out: rng(1).normals(120, 0, 0.2) });
    for (const p of ['threshold', 'input_gain', 'response_gain'] as const) {
      const m = stage2Model(s1, p, 1);
      const before = m.getWeights();
      const res = await trainPursuit(m, data, { trials: 5, mode: 'stage2', lr: 1e-2, trainer: { progress: false } });
      assert.equal(res.steps, 5);
      const after = m.getWeights();
      for (const k of ['w', 'w_in', 'w_out', 'b_out']) assert.deepEqual(after[k].data, before[k].data, `${p}: ${k} changed`);
      const name = { threshold: 'threshold', input_gain: 'gain', response_gain: 'resp_gain' }[p];
      const moved = after[name].data.some((v, i) => v !== before[name].data[i]);
      assert.ok(moved, `${p} did not change`);
      for (const other of ['threshold', 'gain', 'resp_gain'].filter((k) => k !== name)) {
        assert.deepEqual(after[other].data, before[other].data, `${p}: ${other} changed`);
      }
      m.dispose();
    }
    await assert.rejects(trainPursuit(s1, data, { trials: 1, mode: 'stage2' }), /exactly one trainable activation parameter/);
    s1.dispose();
  });

  it('a short stage-1 run lowers the loss on held-out trials', async () => {
    const m = pursuitModel({ n: 100, seed: 7 });
    const r = rng(123);
    const held = Array.from({ length: 8 }, () => pursuitBatch(data, 'stage1', 100, r));
    const evalLoss = () => held.reduce((s, b) => s + tf.tidy(() => batchLoss(m, b, 'rss', {}, { noise: false }).dataSync()[0]), 0) / held.length;
    const l0 = evalLoss();
    const res = await trainPursuit(m, data, { trials: 120, mode: 'stage1', lr: 2e-3, seed: 1, trainer: { progress: false } });
    const l1 = evalLoss();
    assert.equal(res.stopReason, 'steps', res.message);
    assert.ok(l1 < 0.6 * l0, `held-out loss ${l0.toFixed(3)} -> ${l1.toFixed(3)}`);
    m.dispose();
  });

  it('saves the original .mat variables; scipy reads them and the model loads back', async () => {
    const dir = tmpDir();
    try {
      const s1 = pursuitModel({ n: 30, seed: 8 });
      s1.setWeights({ w_out: rng(2).normals(60, 0, 0.2) });
      const m = stage2Model(s1, 'threshold');
      m.setWeights({ threshold: rng(3).normals(30, 0, 0.1) });
      const file = path.join(dir, 'Task_pursuit_N_30_Tau_30.mat');
      savePursuitModel(file, m, [3, 2.5, 2]);
      const info = py<Record<string, unknown>>(`
import json, sys, scipy.io
m = scipy.io.loadmat(sys.stdin.read().strip('"\\n'))
keys = sorted(k for k in m if not k.startswith('__'))
print(json.dumps({'keys': keys, 'shapes': {k: list(m[k].shape) for k in keys}, 'activation': str(m['activation'][0]),
  'N': float(m['N'].item()), 'tau': float(m['tau'].item()), 'losses': m['losses'].flatten().tolist(),
  'th': m['threshold'].flatten()[:3].tolist(), 'w01': float(m['w'][0, 1])}))`, file);
      assert.deepEqual(info.keys, ['N', 'activation', 'b_out', 'input_gain', 'losses', 'response_gain', 'tau', 'threshold', 'w', 'w_in', 'w_out']);
      const shapes = info.shapes as Record<string, number[]>;
      assert.deepEqual(shapes.w, [30, 30]);
      assert.deepEqual(shapes.w_in, [30, 2]);
      assert.deepEqual(shapes.w_out, [2, 30]);
      assert.deepEqual(shapes.threshold, [30, 1]);
      assert.deepEqual(shapes.losses, [3, 1]);
      assert.equal(info.activation, 'threshold');
      assert.equal(info.N, 30);
      assert.equal(info.tau, 30);
      assert.deepEqual(info.losses, [3, 2.5, 2]);
      const ws = m.getWeights();
      assert.equal(info.w01, ws.w.data[1]); // row-major w[0, 1]
      assert.deepEqual(info.th, Array.from(ws.threshold.data.slice(0, 3)));

      const back = await loadPursuitModel(file);
      const bw = back.model.getWeights();
      for (const k of ['w', 'w_in', 'w_out', 'b_out', 'threshold']) assert.deepEqual(bw[k].data, ws[k].data, k);
      assert.equal(back.activation, 'threshold');
      // The loaded thresholds are applied (not only stored): same outputs as the saved network.
      const b = pursuitBatch(data, 'stage2', 30, rng(4));
      const o1 = tf.tidy(() => m.forward(b.inputs, { x0: b.x0, noise: false }).outputs.dataSync().slice());
      const o2 = tf.tidy(() => back.model.forward(b.inputs, { x0: b.x0, noise: false }).outputs.dataSync().slice());
      let d = 0;
      for (let i = 0; i < o1.length; i++) d = Math.max(d, Math.abs(o1[i] - o2[i]));
      assert.ok(d < 1e-6, `outputs differ by ${d}`);
      [s1, m, back.model].forEach((x) => x.dispose());
    } finally {
      rmTmp(dir);
    }
  });
});
