/**
 * The rhythmic-timing network: initialisation as the reimplementation's (fixed ~50 % mask, zero diagonal, Dale
 * signs per presynaptic column, |N(0, (0.1/√N)²)| weights, xavier W_in/W_out), the frozen-zero mask staying zero
 * through training, per-step batches that do not depend on how a run is split, and resuming from a checkpoint
 * giving exactly the uninterrupted run. Short trials (0.25 s) keep it fast.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { init } from '../kernel-lib/src/backend';
import { loadCheckpoint } from '../kernel-lib/src/train';
import {
  rhythmNetwork, rhythmNetworkConfig, rhythmTrainingBatch, trainRhythmNetwork,
} from '../kernel-lib/src/papers/rhythmic-timing';
import { rmTmp, tmpDir } from './helpers/python';

const short = { duration: 0.25, periods: [0.05, 0.1], clickWindow: 0.125 };

describe('rhythmic timing: the network and its training', function () {
  this.timeout(60000);
  let dir = '';
  before(async () => { await init(); dir = tmpDir(); });
  after(() => rmTmp(dir));

  it('initialisation: ~50 % fixed mask, zero diagonal, column signs, weight scale of xavier(gain 0.1) + ReLU', () => {
    const n = 200;
    const m = rhythmNetwork({ n, seed: 4 });
    const cfg = rhythmNetworkConfig({ n, seed: 4 });
    assert.equal((cfg.excitatory as boolean[]).filter(Boolean).length, 160);
    const w = m.effectiveW();
    let nz = 0, sumAbs = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(w[i * n + i] === 0, 'diagonal');
      for (let j = 0; j < n; j++) {
        const v = w[i * n + j];
        if (v !== 0) {
          nz++;
          sumAbs += Math.abs(v);
          assert.equal(Math.sign(v), j < 160 ? 1 : -1, `sign of column ${j}`);
        }
      }
    }
    const density = nz / (n * (n - 1));
    // 39800 Bernoulli(½) draws: SD of the density 0.0025.
    assert.ok(Math.abs(density - 0.5) < 0.01, `density ${density}`);
    // E|N(0, σ²)| = σ√(2/π) with σ = 0.1·√(2/(2N)).
    const sigma = 0.1 * Math.sqrt(2 / (2 * n));
    assert.ok(Math.abs(sumAbs / nz / (sigma * Math.sqrt(2 / Math.PI)) - 1) < 0.02, `mean |w| ${sumAbs / nz}`);
    const sd = (name: string) => {
      const d = Float64Array.from(m.params[name].dataSync());
      return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    };
    assert.ok(Math.abs(sd('w_in') / Math.sqrt(2 / (n + 2)) - 1) < 0.15, `w_in sd ${sd('w_in')}`);
    assert.ok(Math.abs(sd('w_out') / Math.sqrt(2 / (n + 1)) - 1) < 0.15, `w_out sd ${sd('w_out')}`);
    assert.equal(cfg.noise?.scaling, 'inside-alpha');
    m.dispose();
  });

  it('per-step batches: same step, same trials and noise seed; different steps differ', () => {
    const a = rhythmTrainingBatch(null, 7, { batchSize: 4, seed: 1, task: short });
    const b = rhythmTrainingBatch(null, 7, { batchSize: 4, seed: 1, task: short });
    const c = rhythmTrainingBatch(null, 8, { batchSize: 4, seed: 1, task: short });
    assert.deepEqual(a.inputs, b.inputs);
    assert.notDeepEqual((a.inputs as { data: Float32Array }).data, (c.inputs as { data: Float32Array }).data);
    // Input noise is on (rectified), so the silent channel 0 is not all zero.
    assert.ok((a.inputs as { data: Float32Array }).data.some((v, i) => i % 2 === 0 && v > 0 && v < 0.5));
  });

  it('training keeps the masked entries at zero and resumes from a checkpoint exactly', async () => {
    const opts = { batchSize: 4, seed: 2, task: short, network: { n: 20, seed: 3 }, progress: false, checkpointEvery: 2, threshold: 0, lr: 1e-2 };
    const straight = await trainRhythmNetwork({ ...opts, steps: 4 });
    const mask = straight.model.plan.mask!;
    const w = straight.model.params.w.dataSync();
    const wEff = straight.model.effectiveW();
    const fresh = rhythmNetwork({ n: 20, seed: 3 });
    const w0 = fresh.params.w.dataSync();
    let moved = 0;
    for (let k = 0; k < mask.length; k++) {
      if (!mask[k]) {
        assert.ok(wEff[k] === 0, `W_eff entry ${k} left the mask`);
        assert.ok(w[k] === 0, `w entry ${k} left zero`);
      } else if (w[k] !== w0[k]) moved++;
    }
    assert.ok(moved > 0.9 * mask.reduce((s, v) => s + v, 0), 'kept entries train');
    fresh.dispose();

    // The checkpoint's folder is created when missing.
    const file = path.join(dir, 'sub', 'rhythm.h5');
    const first = await trainRhythmNetwork({ ...opts, steps: 2, checkpoint: file });
    assert.ok(fs.existsSync(file));
    first.model.dispose();
    // From a loaded checkpoint object (model, Adam state, losses), without writing any file.
    const fromObject = await trainRhythmNetwork({ ...opts, steps: 4 }, await loadCheckpoint(file));
    assert.deepEqual(fromObject.result.losses.map(Math.fround), straight.result.losses.map(Math.fround));
    fromObject.model.dispose();
    const resumed = await trainRhythmNetwork({ ...opts, steps: 4, checkpoint: file });
    assert.equal(resumed.resumedAt, 2);
    assert.deepEqual(resumed.result.losses.map(Math.fround), straight.result.losses.map(Math.fround));
    assert.deepEqual(Array.from(resumed.model.params.w.dataSync()), Array.from(w));
    // A finished run does nothing more.
    const again = await trainRhythmNetwork({ ...opts, steps: 4, checkpoint: file });
    assert.equal(again.result.steps, 0);
    straight.model.dispose(); resumed.model.dispose(); again.model.dispose();
  });
});
