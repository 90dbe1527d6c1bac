import { strict as assert } from 'assert';
import {
  RHYTHM_TRAINED_PERIODS,
  rhythmBatch,
  rhythmClickTimes,
  rhythmFreeRunTrial,
  rhythmTrial,
} from '../kernel-lib/src/tasks/rhythm';
import { py } from './helpers/python';

/** Sample indices where channel 0 of trial b is on. */
function clickSamples(inputs: Float32Array, B: number, b: number, T: number): number[] {
  const on: number[] = [];
  for (let t = 0; t < T; t++) if (inputs[(t * B + b) * 2] !== 0) on.push(t);
  return on;
}

/** Split a sorted index list into runs of consecutive samples: [first, length] pairs. */
function runs(idx: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const i of idx) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else out.push([i, 1]);
  }
  return out;
}

// The task written independently from the prose of the paper and the reimplementation's behaviour, with the
// reimplementation's float comparisons on the time grid t = k·dt (valid for onsets away from grid points).
const NUMPY_TASK = `
import json, sys, numpy as np
a = json.load(sys.stdin)
t = np.arange(2000) * 0.001
ins, tg = [], []
for P, on in zip(a['periods'], a['onsets']):
    clicks = np.zeros_like(t)
    n = 0
    while n * P < 1.0:
        s = on + n * P
        clicks[(t >= s) & (t < s + 0.01)] = 1
        n += 1
    cue = np.where(t >= on, 0.1 / P, 0.0)
    z = np.where(t >= on, (np.cos(2 * np.pi * (t - on) / P) + 1) / 2, 0.0)
    ins.append(np.stack([clicks, cue], 1).tolist()); tg.append(z.tolist())
print(json.dumps({'inputs': ins, 'targets': tg}))
`;

describe('rhythmic timing: task generator', () => {
  it('clicks: 10 ms wide at onset + n·P while n·P < 1 s, nothing else', () => {
    const P = 0.25, onset = 0.05;
    const tr = rhythmTrial(P, onset);
    assert.equal(tr.T, 2000);
    assert.deepEqual(runs(clickSamples(tr.inputs, 1, 0, tr.T)), [[50, 10], [300, 10], [550, 10], [800, 10]]);
    // P = 0.333: 3·0.333 = 0.999 < 1 still clicks, so 4 clicks; the last one starts after t = 1 s.
    const tr2 = rhythmTrial(0.333, 0.02);
    assert.deepEqual(runs(clickSamples(tr2.inputs, 1, 0, tr2.T)), [[20, 10], [353, 10], [686, 10], [1019, 10]]);
    // Click counts per trained period: ceil(1/P).
    const counts = RHYTHM_TRAINED_PERIODS.map((p) => rhythmClickTimes(p, 0).length);
    assert.deepEqual(counts, [2, 4, 4, 5, 7, 7, 8]);
  });

  it('cue 0.1/P from the onset, 0 before; target 1 at onset, 0 at onset + P/2, 0 before onset', () => {
    const P = 0.2, onset = 0.07;
    const tr = rhythmTrial(P, onset);
    const kOn = 70;
    for (let t = 0; t < tr.T; t++) {
      const cue = tr.inputs[t * 2 + 1];
      assert.equal(cue, t < kOn ? 0 : Math.fround(0.1 / P), `cue at sample ${t}`);
      if (t < kOn) assert.equal(tr.targets[t], 0, `target before onset at ${t}`);
    }
    assert.ok(Math.abs(tr.targets[kOn] - 1) < 1e-6);
    assert.ok(Math.abs(tr.targets[kOn + 100]) < 1e-6); // onset + P/2
    assert.ok(Math.abs(tr.targets[kOn + 200] - 1) < 1e-6); // onset + P
    assert.ok(Math.abs(tr.targets[kOn + 50] - 0.5) < 1e-6); // quarter period
    assert.ok(Math.abs(tr.cues[0] - 0.5) < 1e-12);
  });

  it('batch: time-major layout, trained periods, onsets in [0, 0.1), matching a numpy version of the task', () => {
    const B = 16;
    const batch = rhythmBatch(B, 7);
    assert.equal(batch.inputs.length, 2000 * B * 2);
    assert.equal(batch.targets.length, 2000 * B);
    for (let b = 0; b < B; b++) {
      assert.ok(RHYTHM_TRAINED_PERIODS.includes(batch.periods[b]));
      assert.ok(batch.onsets[b] >= 0 && batch.onsets[b] < 0.1);
      assert.ok(Math.abs(batch.cues[b] - 0.1 / batch.periods[b]) < 1e-15);
    }
    const ref = py<{ inputs: number[][][]; targets: number[][] }>(NUMPY_TASK, {
      periods: Array.from(batch.periods),
      onsets: Array.from(batch.onsets),
    });
    let maxDiff = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < 2000; t++) {
        for (let c = 0; c < 2; c++) maxDiff = Math.max(maxDiff, Math.abs(batch.inputs[(t * B + b) * 2 + c] - ref.inputs[b][t][c]));
        maxDiff = Math.max(maxDiff, Math.abs(batch.targets[t * B + b] - ref.targets[b][t]));
      }
    }
    assert.ok(maxDiff < 1e-6, `max |ratelab − numpy| = ${maxDiff}`);
  });

  it('seeded: the same seed gives the same batch, another seed a different one; all periods get drawn', () => {
    const a = rhythmBatch(512, 123);
    const b = rhythmBatch(512, 123);
    const c = rhythmBatch(512, 124);
    assert.deepEqual(a.inputs, b.inputs);
    assert.deepEqual(a.targets, b.targets);
    assert.deepEqual(a.onsets, b.onsets);
    assert.notDeepEqual(a.onsets, c.onsets);
    assert.equal(new Set(a.periods).size, RHYTHM_TRAINED_PERIODS.length);
  });

  it('input noise: N(0, 2·dt/τ·σ²) added then rectified, off by default', () => {
    const clean = rhythmBatch(64, 5);
    const noisy = rhythmBatch(64, 5, { inputNoiseSigma: 0.01 });
    // Same trial draws: the noise comes from the stream after the trial parameters.
    assert.deepEqual(noisy.periods, clean.periods);
    let s2 = 0, n = 0, min = Infinity;
    for (let i = 0; i < noisy.inputs.length; i++) {
      min = Math.min(min, noisy.inputs[i]);
      // Cue samples (channel 1 after onset) are far above the noise, so rectification does not bias them.
      if (i % 2 === 1 && clean.inputs[i] > 0.1) {
        const d = noisy.inputs[i] - clean.inputs[i];
        s2 += d * d;
        n++;
      }
    }
    const std = Math.sqrt(s2 / n);
    const expected = Math.sqrt(2 * 0.001 / 0.01) * 0.01;
    assert.ok(Math.abs(std / expected - 1) < 0.02, `noise std ${std}, expected ${expected}`);
    assert.ok(min >= 0, 'rectified');
  });

  it('free run: cue only, any cue value, target at period 0.1/cue', () => {
    const fr = rhythmFreeRunTrial(0.4, { duration: 3 });
    assert.equal(fr.T, 3000);
    assert.ok(Math.abs(fr.period - 0.25) < 1e-15);
    assert.equal(clickSamples(fr.inputs, 1, 0, fr.T).length, 0);
    for (let t = 0; t < fr.T; t++) assert.equal(fr.inputs[t * 2 + 1], t < 50 ? 0 : Math.fround(0.4));
    assert.ok(fr.targets && Math.abs(fr.targets[50] - 1) < 1e-6 && Math.abs(fr.targets[175]) < 1e-6);
    const neg = rhythmFreeRunTrial(-0.5, { duration: 1 });
    assert.equal(neg.targets, null);
    assert.ok(Number.isNaN(neg.period));
    assert.equal(neg.inputs[999 * 2 + 1], -0.5);
    assert.throws(() => rhythmBatch(0), /batchSize/);
    assert.throws(() => rhythmTrial(-1, 0), /period/);
  });
});
