/**
 * AON paper module, data side: the unit masks against scipy.io.loadmat, the Firing_Rates.mat loader (round
 * trip through scipy), the stimulus against scipy.ndimage.gaussian_filter1d with the original's event times,
 * the 12-task batch layout, pooled R² against numpy, and shrinkage LDA against scikit-learn.
 */
import { strict as assert } from 'assert';
import * as path from 'path';
import { dataPath } from '../kernel-lib/src/io';
import { crossValidatedAccuracy, ldaFit, ldaPredict } from '../kernel-lib/src/analysis';
import {
  buildStimulus, decodeTasks, loadAonMasks, loadFiringRates, r2Pooled, saveFiringRates, taskBatch, AonRates,
} from '../kernel-lib/src/papers/aon-mirror';
import { rng } from '../kernel-lib/src/random';
import { maxAbsDiff, py, rmTmp, tmpDir } from './helpers/python';

describe('aon-mirror: data, stimulus, decoding', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => { tmp = tmpDir('ratelab-aon-'); });
  after(() => rmTmp(tmp));

  it('masks load with the stated counts, equal to scipy.io.loadmat', async () => {
    const m = await loadAonMasks();
    const ref = py<{ inh: number[]; mir: number[] }>(`
import json, sys, scipy.io as sio
d = json.load(sys.stdin)
inh = sio.loadmat(d['inh'])['inhibitory'].astype(float).ravel().tolist()
mir = sio.loadmat(d['mir'])['mirror'].astype(float).ravel().tolist()
print(json.dumps({'inh': inh, 'mir': mir}))`, { inh: dataPath('aon/InhibitoryMask.mat'), mir: dataPath('aon/Mirror.mat') });
    assert.deepEqual(Array.from(m.inhibitory), ref.inh.map((v) => (v > 0.5 ? 1 : 0)));
    assert.deepEqual(Array.from(m.mirror), ref.mir.map((v) => (v > 0.5 ? 1 : 0)));
    assert.equal(m.n, 355);
    const c = m.counts();
    assert.deepEqual(c.map((r) => r.units), [86, 106, 163, 355]);
    assert.deepEqual(c.map((r) => r.inhibitory), [14, 33, 27, 74]);
    assert.deepEqual(c.map((r) => r.mirror), [33, 52, 75, 160]);
    // The areas are index blocks: AIP 0–85, F5 86–191, F6 192–354.
    assert.deepEqual([m.area[85], m.area[86], m.area[191], m.area[192], m.area[354]], [0, 1, 1, 2, 2]);
    assert.equal(m.select('F5', 'I').length, 33);
  });

  it('Firing_Rates.mat: written FR/IC variables read back by scipy and by the loader; missing IC pairs are zeros', async () => {
    const n = 7, bins = 5, r = rng(3);
    const rates = Float32Array.from({ length: 12 * bins * n }, () => 0.05 + 0.9 * r.uniform());
    const d: AonRates = {
      n, tasks: 12, bins, rates, source: 'test',
      icRates: Float32Array.from({ length: 12 * n }, () => r.uniform()), icStates: Float32Array.from({ length: 12 * n }, () => r.normal()),
    };
    const file = path.join(tmp, 'fr.mat');
    saveFiringRates(file, d);
    const ref = py<{ shape: number[]; fr3: number[][]; ic: number[] }>(`
import json, sys, scipy.io as sio
m = sio.loadmat(json.load(sys.stdin))
print(json.dumps({'shape': list(m['FR12'].shape), 'fr3': m['FR3'].tolist(), 'ic': m['IC_X5'].ravel().tolist()}))`, file);
    assert.deepEqual(ref.shape, [n, bins]);
    // FR3 is unit × bin on disk; ratelab keeps [task, bin, unit].
    for (let i = 0; i < n; i++) for (let b = 0; b < bins; b++) assert.ok(Math.abs(ref.fr3[i][b] - rates[(2 * bins + b) * n + i]) < 1e-6);
    assert.ok(maxAbsDiff(ref.ic, d.icStates.subarray(4 * n, 5 * n)) < 1e-6);
    const back = await loadFiringRates(file);
    assert.ok(maxAbsDiff(back.rates, rates) < 1e-6);
    assert.ok(maxAbsDiff(back.icRates, d.icRates) < 1e-6);

    // A file written by scipy with FR only (no IC_*) and one IC_FR without its IC_X: initial conditions are zeros.
    const file2 = path.join(tmp, 'fr2.mat');
    py(`
import json, sys, numpy as np, scipy.io as sio
f = json.load(sys.stdin)
rng = np.random.default_rng(0)
d = {f'FR{k}': rng.uniform(0.1, 0.9, size=(4, 3)) for k in range(1, 13)}
d['IC_FR1'] = np.ones((4, 1))
sio.savemat(f, d)
print('null')`, file2);
    const b2 = await loadFiringRates(file2);
    assert.equal(b2.n, 4); assert.equal(b2.bins, 3);
    assert.ok(b2.icRates.every((v) => v === 0) && b2.icStates.every((v) => v === 0));

    const bad = path.join(tmp, 'bad.mat');
    py(`
import json, sys, numpy as np, scipy.io as sio
f = json.load(sys.stdin)
d = {f'FR{k}': np.full((4, 3), 0.5) for k in range(1, 12)}
sio.savemat(f, d)
print('null')`, bad);
    await assert.rejects(loadFiringRates(bad), /'FR12' is missing/);
    const bad2 = path.join(tmp, 'bad2.mat');
    py(`
import json, sys, numpy as np, scipy.io as sio
f = json.load(sys.stdin)
d = {f'FR{k}': np.full((4, 3), 0.5) for k in range(1, 13)}
d['FR7'][1, 2] = 3.0
sio.savemat(f, d)
print('null')`, bad2);
    await assert.rejects(loadFiringRates(bad2), /'FR7'\(2, 3\) = 3; rates must lie in \[0, 1\]/);
  });

  it('stimulus: event times of the original and double Gaussian smoothing equal scipy.ndimage.gaussian_filter1d', () => {
    const s = buildStimulus({ noiseStd: 0 });
    assert.deepEqual([s.T, s.warmup, s.cueOn, s.cueOff, s.objectOn], [800, 100, 220, 580, 380]);
    const ref = py<number[]>(`
import json, sys, numpy as np, scipy.ndimage as ndi
T = 800
stim = np.zeros((6, 10, T))
# Events as the issue states them: cue on steps 220–580 (ch0 for conditions 0,1; ch4 for 3,4; half copies ch5/ch9),
# object from step 380 on ch1 (conditions 0,3), ch2 (1,4), ch3 (2,5), half copies on ch6/7/8.
stim[[0, 1], 0, 220:580] = 1; stim[[0, 1], 5, 220:580] = 0.5
stim[[3, 4], 4, 220:580] = 1; stim[[3, 4], 9, 220:580] = 0.5
for c, ch in [(0, 1), (3, 1), (1, 2), (4, 2), (2, 3), (5, 3)]:
    stim[c, ch, 380:] = 1; stim[c, ch + 5, 380:] = 0.5
stim = ndi.gaussian_filter1d(ndi.gaussian_filter1d(stim, 20, axis=-1), 20, axis=-1)
print(json.dumps(stim.ravel().tolist()))`);
    assert.ok(maxAbsDiff(s.data, ref) < 1e-6, `max diff ${maxAbsDiff(s.data, ref)}`);
    // Noise: drawn once with the stated σ, seeded.
    const a = buildStimulus({ seed: 4 }), b = buildStimulus({ seed: 4 }), c = buildStimulus({ seed: 5 });
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, c.data);
    let ss = 0;
    for (let k = 0; k < a.data.length; k++) ss += (a.data[k] - a.clean[k]) ** 2;
    const sd = Math.sqrt(ss / a.data.length);
    assert.ok(Math.abs(sd - 0.005) < 0.0002, `noise σ ${sd}`);
  });

  it('task batch: model step k reads stimulus step k of the task’s condition, tasks 7–12 use W_in2, targets are [bin, task, unit]', () => {
    const s = buildStimulus({ seed: 1 });
    const n = 3, bins = 175;
    const rates = Float32Array.from({ length: 12 * bins * n }, (_, k) => (k % 97) / 100);
    const d: AonRates = { n, tasks: 12, bins, rates, icRates: new Float32Array(12 * n).fill(0.2), icStates: new Float32Array(12 * n), source: 't' };
    const batch = taskBatch(s, d);
    const inp = batch.inputs as { data: Float32Array; shape: number[] };
    assert.deepEqual(inp.shape, [799, 12, 10]);
    for (const [t, task, ch] of [[0, 0, 0], [219, 1, 0], [300, 9, 4], [500, 10, 9], [798, 5, 3], [400, 11, 8]]) {
      assert.equal(inp.data[(t * 12 + task) * 10 + ch], s.data[((task % 6) * 10 + ch) * 800 + t]);
    }
    assert.deepEqual(Array.from(batch.inputSet as number[]), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const z = batch.targets as { data: Float32Array; shape: number[] };
    assert.deepEqual(z.shape, [bins, 12, n]);
    assert.equal(z.data[(40 * 12 + 7) * n + 2], rates[(7 * bins + 40) * n + 2]);
  });

  it('pooled R² equals numpy (per-unit means over the selected tasks and bins)', () => {
    const n = 5, bins = 6, r = rng(8);
    const mk = (): AonRates => ({ n, tasks: 12, bins, rates: Float32Array.from({ length: 12 * bins * n }, () => r.uniform()), icRates: new Float32Array(0), icStates: new Float32Array(0), source: 't' });
    const data = mk(), pred = mk();
    for (let k = 0; k < data.rates.length; k++) pred.rates[k] = 0.7 * data.rates[k] + 0.3 * pred.rates[k];
    const units = [0, 2, 3], tasks = [1, 4, 6, 11];
    const ref = py<number>(`
import json, sys, numpy as np
d = json.load(sys.stdin)
y = np.array(d['y'], dtype=np.float32).reshape(12, ${bins}, ${n})[d['tasks']][:, :, d['units']].astype(float)
p = np.array(d['p'], dtype=np.float32).reshape(12, ${bins}, ${n})[d['tasks']][:, :, d['units']].astype(float)
m = y.mean(axis=(0, 1), keepdims=True)
print(json.dumps(1 - ((y - p) ** 2).sum() / ((y - m) ** 2).sum()))`, { y: Array.from(data.rates), p: Array.from(pred.rates), units, tasks });
    assert.ok(Math.abs(r2Pooled(pred, data, units, tasks) - ref) < 1e-9);
  });

  it('shrinkage LDA equals sklearn LinearDiscriminantAnalysis(solver=lsqr, shrinkage); cross-validation folds', () => {
    const r = rng(12);
    const n = 90, p = 6, K = 3;
    const y = Array.from({ length: n }, (_, i) => i % K);
    const X = Float64Array.from({ length: n * p }, (_, k) => r.normal() + (k % p === y[Math.floor(k / p)] ? 1.2 : 0));
    const m = ldaFit({ data: X, shape: [n, p] }, y, { shrinkage: 0.3 });
    const ref = py<{ coef: number[][]; intercept: number[]; pred: number[]; cv: number }>(`
import json, sys, numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
d = json.load(sys.stdin)
X = np.array(d['X']).reshape(${n}, ${p}); y = np.array(d['y'])
m = LDA(solver='lsqr', shrinkage=0.3).fit(X, y)
folds = np.arange(${n}) // 30
correct = 0
for f in range(3):
    tr, te = folds != f, folds == f
    correct += (LDA(solver='lsqr', shrinkage=0.3).fit(X[tr], y[tr]).predict(X[te]) == y[te]).sum()
print(json.dumps({'coef': m.coef_.tolist(), 'intercept': m.intercept_.tolist(), 'pred': m.predict(X).tolist(), 'cv': correct / ${n}}))`,
    { X: Array.from(X), y });
    assert.ok(maxAbsDiff(m.coef.data, ref.coef.flat()) < 1e-9, `coef diff ${maxAbsDiff(m.coef.data, ref.coef.flat())}`);
    assert.ok(maxAbsDiff(m.intercept, ref.intercept) < 1e-9);
    assert.deepEqual(Array.from(ldaPredict(m, { data: X, shape: [n, p] })), ref.pred);
    const cv = crossValidatedAccuracy({ data: X, shape: [n, p] }, y, y.map((_, i) => Math.floor(i / 30)), { shrinkage: 0.3 });
    assert.equal(cv.accuracy, ref.cv);
    assert.ok(Math.abs(cv.chance - 1 / 3) < 1e-12);
  });

  it('task decoding: near 1 with a clear condition/agent code, near chance without one', () => {
    const n = 12, bins = 40, r = rng(2);
    const coded: AonRates = { n, tasks: 12, bins, rates: new Float32Array(12 * bins * n), icRates: new Float32Array(0), icStates: new Float32Array(0), source: 't' };
    const flat: AonRates = { ...coded, rates: new Float32Array(12 * bins * n) };
    for (let k = 0; k < 12; k++) for (let b = 0; b < bins; b++) for (let i = 0; i < n; i++) {
      // Unit i codes condition (k % 6) when i < 6, agent when i ≥ 10.
      const v = 0.3 + (i < 6 && i === k % 6 ? 0.4 : 0) + (i >= 10 && k >= 6 ? 0.4 : 0);
      coded.rates[(k * bins + b) * n + i] = v;
      flat.rates[(k * bins + b) * n + i] = 0.3 + 0.01 * r.normal();
    }
    const a = decodeTasks(coded, { fromBin: 0, noise: 0.1 });
    assert.ok(a.conditionExecution > 0.95 && a.conditionObservation > 0.95 && a.agent > 0.95, JSON.stringify(a));
    const b = decodeTasks(flat, { fromBin: 0, noise: 0.1 });
    assert.ok(b.conditionExecution < 0.4 && b.agent < 0.65, JSON.stringify(b));
  });
});

