/**
 * Checkpoints: HDF5 and MAT v5 round trips give identical outputs, MAT variables carry the papers' names
 * (checked with scipy.io), and training resumed from a checkpoint continues exactly as uninterrupted training.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn, CtrnnConfig, Sequence } from '../kernel-lib/src/models';
import { Batch, loadCheckpoint, saveCheckpoint, train } from '../kernel-lib/src/train';
import { saveMat } from '../kernel-lib/src/io/matfile';
import { py, rmTmp, tmpDir } from './helpers/python';

const cfg: CtrnnConfig = {
  n: 12, nIn: 2, nOut: 2, excitatory: 0.75, zeroDiagonal: true, mask: { density: 0.6, seed: 2 }, activation: 'softplus',
  tau: { min: 2, max: 20 }, gain: { value: 1, trainable: true }, inputMatrices: 2, x0: 'trainable',
  readout: { units: 'excitatory', bias: 'scalar' }, init: { seed: 5 },
};

function batch(T = 15, B = 3): Batch {
  const inp = new Float32Array(T * B * 2).map((_, i) => Math.sin(0.37 * i));
  const tgt = new Float32Array(T * B * 2).map((_, i) => 0.5 * Math.cos(0.21 * i));
  return { inputs: { data: inp, shape: [T, B, 2] }, targets: { data: tgt, shape: [T, B, 2] } };
}

describe('train: checkpoints', function () {
  this.timeout(60000);
  let dir = '';
  before(async () => { await init(); dir = tmpDir(); });
  after(() => rmTmp(dir));

  for (const ext of ['h5', 'mat']) {
    it(`.${ext}: save/load round trip gives identical weights, optimiser state and outputs`, async () => {
      const m = ctrnn(cfg);
      const res = await train(m, { steps: 3, lr: 1e-2, batch: batch(), progress: false, adam: { beta1: 0.8, beta2: 0.99 } });
      // Excitatory-only readout (units 0..8): inhibitory columns of w_out start at zero and stay there.
      const wOut = m.params.w_out.dataSync();
      for (let o = 0; o < 2; o++) for (let j = 9; j < 12; j++) assert.equal(wOut[o * 12 + j], 0, `w_out[${o}, ${j}]`);
      assert.ok(Array.from(wOut).some((v) => v !== 0));
      const file = path.join(dir, `ck.${ext}`);
      await saveCheckpoint(file, { model: m, optimizer: res.optimizer, losses: res.losses });
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('ck.') && f !== `ck.${ext}` && !f.endsWith('.h5') && !f.endsWith('.mat')), [], 'no temporary files left');
      const ck = await loadCheckpoint(file);
      assert.deepEqual(ck.losses.map((v) => Math.fround(v)), res.losses.map((v) => Math.fround(v)));
      assert.equal(ck.step, 3);
      const inp = batch().inputs as Sequence;
      for (const inputSet of [0, 1]) {
        const a = tf.tidy(() => Array.from(m.forward(inp, { inputSet }).outputs.dataSync()));
        const b = tf.tidy(() => Array.from(ck.model.forward(inp, { inputSet }).outputs.dataSync()));
        assert.deepEqual(b, a, `outputs differ (inputSet ${inputSet})`);
      }
      const sa = res.optimizer.getState(), sb = ck.optimizer.getState();
      assert.deepEqual(sb.t, sa.t);
      assert.equal(ck.optimizer.beta1, 0.8); assert.equal(ck.optimizer.beta2, 0.99);
      for (const k of Object.keys(sa.m)) assert.deepEqual(Array.from(sb.m[k].data), Array.from(sa.m[k].data), `adam m ${k}`);
      m.dispose(); ck.model.dispose();
    });
  }

  it('MAT checkpoints carry the original variable names and shapes (read by scipy.io)', async () => {
    const m = ctrnn(cfg);
    const file = path.join(dir, 'names.mat');
    await saveCheckpoint(file, { model: m, losses: [3, 2, 1] });
    const info = py<Record<string, number[]>>(`
import json, sys, scipy.io
d = scipy.io.loadmat(sys.stdin.read().strip('"'))
print(json.dumps({k: list(v.shape) for k, v in d.items() if not k.startswith('__')}))`, file);
    for (const [k, shape] of Object.entries({ w: [12, 12], w_in: [12, 2], w_in2: [12, 2], w_out: [2, 12], b_out: [1, 1], tau: [12, 1], losses: [1, 3], w_eff: [12, 12] })) {
      assert.deepEqual(info[k], shape, `variable ${k}`);
    }
    const tau = py<number[]>(`
import json, sys, scipy.io
print(json.dumps(scipy.io.loadmat(sys.stdin.read().strip('"'))['tau'].ravel().tolist()))`, file);
    assert.ok(tau.every((t, i) => Math.abs(t - m.tau()[i]) < 1e-5));
    m.dispose();
  });

  it('training resumed from a checkpoint continues exactly like uninterrupted training', async () => {
    const b = batch();
    const straight = ctrnn(cfg);
    const full = await train(straight, { steps: 8, lr: 1e-2, clipNorm: 1, batch: b, progress: false });
    const first = ctrnn(cfg);
    const file = path.join(dir, 'resume.h5');
    await train(first, { steps: 5, lr: 1e-2, clipNorm: 1, batch: b, progress: false, checkpoint: (s) => saveCheckpoint(file, s), checkpointEvery: 5 });
    const ck = await loadCheckpoint(file);
    const rest = await train(ck.model, { steps: 3, lr: 1e-2, clipNorm: 1, batch: b, progress: false, optimizer: ck.optimizer, history: ck.losses });
    assert.equal(rest.losses.length, 8);
    assert.deepEqual(rest.losses.map((v) => Math.fround(v)), full.losses.map((v) => Math.fround(v)));
    [straight, first, ck.model].forEach((m) => m.dispose());
  });

  it('refuses files that are not checkpoints, with the file name in the message', async () => {
    await assert.rejects(loadCheckpoint(path.join(dir, 'x.txt')), /x\.txt: unknown extension/);
    const other = path.join(dir, 'other.mat');
    saveMat(other, { a: 1 });
    await assert.rejects(loadCheckpoint(other), /other\.mat: no 'config_json'/);
  });
});
