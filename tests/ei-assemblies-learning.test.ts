/**
 * E/I assemblies: a short BOTH run forms E/I assemblies (weights follow response similarity), plus the Fig 1–4
 * analyses against numpy / scipy references and the results tree layout.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeH5 } from '../kernel-lib/src/io';
import {
  analyseEINetwork,
  buildEINetwork,
  currentCoTuning,
  eiAssembliesResults,
  estimateResponses,
  NdArray,
  EIResultTree,
  EISteadyStateSolver,
  perturbationExperiment,
  reciprocity,
  responseCorrelationsEE,
  responseSimilarity,
  runEIAssemblies,
  selectivityOSI,
  trainEIAssemblies,
  weightVsSimilarity,
} from '../kernel-lib/src/papers/ei-assemblies';
import { maxAbsDiff, py } from './helpers/python';

const arr = (a: ArrayLike<number>) => Array.from(a);

describe('ei-assemblies learning and analyses', function () {
  this.timeout(60000);
  // 64 E, 8 I, 216 stimuli; η raised from 1e-5 so that 10 trials show the effect.
  const net = buildEINetwork({ nPerAxis: 4, nStimuli: 6, etaEI: 3e-4, etaIE: 3e-4, seed: 21 });
  const before = weightVsSimilarity(net, responseSimilarity(estimateResponses(net)));
  const training = trainEIAssemblies(net, { trials: 10, angleEvery: 20 });
  const resp = estimateResponses(net);
  const sim = responseSimilarity(resp);
  const after = weightVsSimilarity(net, sim);

  it('after a short BOTH run, E↔I weights correlate positively with response similarity', () => {
    assert.equal(training.trials, 10);
    assert.equal(training.notConverged, 0);
    assert.ok(after.ei.fit.r > 0.25 && after.ie.fit.r > 0.25, `r(EI) ${after.ei.fit.r}, r(IE) ${after.ie.fit.r}`);
    assert.ok(after.ei.fit.r > before.ei.fit.r + 0.3, `I→E: r ${before.ei.fit.r} → ${after.ei.fit.r}`);
    assert.ok(after.ie.fit.r > before.ie.fit.r + 0.1, `E→I: r ${before.ie.fit.r} → ${after.ie.fit.r}`);
    assert.ok(after.ei.fit.slope > 0 && after.ie.fit.slope > 0);
    // W_IE rows stay normalised by the anterograde rule.
    for (let k = 0; k < net.nI; k++) {
      let s = 0;
      for (let j = 0; j < net.nE; j++) s += net.wIE[k * net.nE + j];
      assert.ok(Math.abs(s - 5) < 1e-9);
    }
  });

  it('the I→E local update stays within 90° of the gradient', () => {
    assert.ok(training.anglesEI.length >= 100);
    const mean = training.anglesEI.reduce((a, b) => a + b, 0) / training.anglesEI.length;
    assert.ok(mean < Math.PI / 2, `mean angle ${(mean * 180) / Math.PI}°`);
  });

  it('the anterograde E→I update turns towards the gradient as the E↔I weights become reciprocal', () => {
    const n = training.anglesIE.length;
    const mean = (a: Float64Array, lo: number, hi: number) => (a.slice(lo, hi).reduce((x, y) => x + y, 0) / (hi - lo)) * (180 / Math.PI);
    const early = mean(training.anglesIE, 0, Math.ceil(n / 10));
    const late = mean(training.anglesIE, Math.floor((2 * n) / 3), n);
    const lateRetro = mean(training.anglesIEOtherRule, Math.floor((2 * n) / 3), n);
    assert.equal(training.anglesIEOtherRule.length, n);
    assert.ok(early > 90 && late < 90 && late < early - 20, `E→I angle: first tenth ${early}°, last third ${late}°`);
    assert.ok(lateRetro < 90, `retrograde E→I angle, last third ${lateRetro}°`);
  });

  it('similarity, correlations, OSI, co-tuning and reciprocity match numpy / scipy', () => {
    const ref = py<{ sim: number[]; corr: number[]; osiE: number[]; cc: number[]; recip: number[] }>(
      `
import json, sys
import numpy as np
from scipy.stats import spearmanr
d = json.load(sys.stdin)
nE, nI, S = d['nE'], d['nI'], d['S']
re = np.array(d['re']).reshape(S, S, S, nE); ri = np.array(d['ri']).reshape(S, S, S, nI)
fe = re.reshape(-1, nE); fi = ri.reshape(-1, nI)
sim = (fe.T @ fi) / np.outer(np.linalg.norm(fe, axis=0), np.linalg.norm(fi, axis=0))
corr = np.corrcoef(fe.T)
loc = np.linspace(-np.pi, np.pi, S, endpoint=False)
osi = []
for n in range(nE):
    mij = np.unravel_index(np.argmax(re[..., n].mean(axis=-1)), (S, S))
    tc = re[mij[0], mij[1], :, n]
    osi.append(float(np.sqrt(np.sum(tc * np.sin(loc)) ** 2 + np.sum(tc * np.cos(loc)) ** 2) / np.sum(tc)))
ex = np.array(d['ex']).reshape(-1, nE); inh = np.array(d['inh']).reshape(-1, nE)
cc = [float(spearmanr(ex[:, k], inh[:, k])[0]) for k in range(nE)]
wei = np.array(d['wei']).reshape(nE, nI); wie = np.array(d['wie']).reshape(nI, nE)
zei = np.array(d['zei']).reshape(nE, nI); zie = np.array(d['zie']).reshape(nI, nE)
recip = []
for k in range(nI):
    m = (zie[k] > 0) & (zei[:, k] > 0)
    recip.append(float(np.corrcoef(wie[k, m], wei[m, k])[0, 1]))
print(json.dumps({'sim': sim.flatten().tolist(), 'corr': corr.flatten().tolist(), 'osiE': osi, 'cc': cc, 'recip': recip}))
`,
      {
        nE: net.nE, nI: net.nI, S: net.params.nStimuli, re: arr(resp.responsesExc), ri: arr(resp.responsesInh),
        ex: arr(resp.excIn), inh: arr(resp.inhIn), wei: arr(net.wEI), wie: arr(net.wIE), zei: arr(net.zEI), zie: arr(net.zIE),
      },
    );
    assert.ok(maxAbsDiff(sim, ref.sim) < 1e-10);
    assert.ok(maxAbsDiff(responseCorrelationsEE(resp), ref.corr) < 1e-10);
    assert.ok(maxAbsDiff(selectivityOSI(resp.responsesExc, net.nE, net), ref.osiE) < 1e-10);
    assert.ok(maxAbsDiff(currentCoTuning(resp), ref.cc) < 1e-10);
    assert.ok(maxAbsDiff(reciprocity(net), ref.recip) < 1e-10);
  });

  it('perturbation influence: bins cover every pair and agree with a direct computation', () => {
    const corr = responseCorrelationsEE(resp);
    const stimuli = [5, 60, 130];
    const res = perturbationExperiment(net, corr, { nPerturbed: 3, stimuli, seed: 2 });
    assert.equal(res.mean.length, 9);
    assert.equal(res.counts.reduce((a, b) => a + b, 0), 3 * stimuli.length * (net.nE - 1));
    // Recompute the pooled mean of all influences directly.
    let total = 0;
    for (let b = 0; b < 9; b++) if (res.counts[b] > 0) total += res.mean[b] * res.counts[b];
    const solver = new EISteadyStateSolver(net);
    let direct = 0;
    for (const s of stimuli) {
      const aff = Float64Array.from(solver.stimulusInput(s));
      solver.solve(aff, { maxDr: 0.05 });
      const base = Float64Array.from(solver.rE);
      for (const p of res.perturbed) {
        const inp = Float64Array.from(aff);
        inp[p] += 10;
        solver.solve(inp, { maxDr: 0.05 });
        for (let j = 0; j < net.nE; j++) if (j !== p) direct += (solver.rE[j] - base[j]) / 10;
      }
    }
    assert.ok(Math.abs(total - direct) < 1e-9 * Math.max(1, Math.abs(direct)));
    assert.ok(res.edges[0] < res.edges[9]);
  });

  it('GRADIENT rule (Adam on the full gradient) lowers the steady-state loss', () => {
    const g = buildEINetwork({ nPerAxis: 4, nStimuli: 6, rule: 'GRADIENT', seed: 21 });
    assert.equal(g.params.etaEI, 1e-3);
    const solver = new EISteadyStateSolver(g);
    const loss = () => {
      let l = 0;
      for (let s = 0; s < g.nStim; s++) {
        solver.solve(solver.stimulusInput(s));
        for (const h of solver.hE) l += 0.5 * (h - 1) ** 2;
      }
      return l / g.nStim;
    };
    const l0 = loss();
    trainEIAssemblies(g, { trials: 2 });
    const l1 = loss();
    assert.ok(l1 < 0.9 * l0, `loss ${l0} → ${l1}`);
  });

  it('results tree has the simulator layout with consistent shapes', () => {
    const tree = eiAssembliesResults(net, training, analyseEINetwork(net, resp));
    const S = net.params.nStimuli;
    const leaf = (g: string, n: string) => (tree[g] as EIResultTree)[n] as NdArray;
    assert.deepEqual(leaf('computed', 'responses_exc').shape, [S, S, S, net.nE]);
    assert.deepEqual(leaf('sim_state', 'wei').shape, [net.nE, net.nI]);
    assert.deepEqual(leaf('sim_state', 'wie').shape, [net.nI, net.nE]);
    assert.deepEqual(leaf('computed', 'response_sim').shape, [net.nE, net.nI]);
    assert.equal(leaf('raw_data', 'angles_ei').data.length, training.anglesEI.length);
    for (const g of ['raw_data', 'computed', 'sim_state']) {
      for (const [name, v] of Object.entries(tree[g] as EIResultTree)) {
        const d = v as NdArray;
        assert.equal(d.data.length, d.shape.reduce((a, b) => a * b, 1), `${g}/${name}`);
      }
    }
    // float32 (the simulator's dtype) converts the float datasets only, with float32 rounding.
    const t32 = eiAssembliesResults(net, training, analyseEINetwork(net, resp), undefined, { float32: true });
    const wee32 = (t32.sim_state as EIResultTree).wee as NdArray;
    assert.ok(wee32.data instanceof Float32Array);
    assert.ok(((t32.raw_data as EIResultTree).steps_to_converge as NdArray).data instanceof Int32Array);
    assert.ok(maxAbsDiff(wee32.data, net.wEE) < 1e-7);
  });

  it('the results tree written with writeH5 reads back in h5py with the simulator group and dataset names', async () => {
    const corr = responseCorrelationsEE(resp);
    const pert = perturbationExperiment(net, corr, { nPerturbed: 2, stimuli: [5, 60], seed: 2 });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ei-h5-')), 'ei-assemblies.h5');
    await writeH5(file, eiAssembliesResults(net, training, analyseEINetwork(net, resp), pert));
    const ref = py<{ groups: string[]; shapes: Record<string, number[]>; wei: number[]; osi: number[]; infl: number[] }>(
      `
import json, sys, h5py
import numpy as np
d = json.load(sys.stdin)
with h5py.File(d['file'], 'r') as f:
    shapes = {}
    f.visititems(lambda n, o: shapes.__setitem__(n, list(o.shape)) if isinstance(o, h5py.Dataset) else None)
    print(json.dumps({'groups': sorted(f.keys()), 'shapes': shapes, 'wei': f['sim_state/wei'][()].flatten().tolist(),
                      'osi': np.nan_to_num(f['computed/osi_e'][()], nan=-1).tolist(),
                      'infl': np.nan_to_num(f['computed/influence_mean'][()], nan=-1).tolist()}))
`,
      { file },
    );
    const S = net.params.nStimuli;
    assert.deepEqual(ref.groups, ['computed', 'raw_data', 'sim_state']);
    assert.deepEqual(ref.shapes['computed/responses_exc'], [S, S, S, net.nE]);
    assert.deepEqual(ref.shapes['sim_state/wie'], [net.nI, net.nE]);
    assert.deepEqual(ref.shapes['raw_data/angles_ie'], [training.anglesIE.length]);
    for (const name of ['wee', 'wei', 'wie', 'wii']) assert.ok(`sim_state/${name}` in ref.shapes, name);
    for (const name of ['response_sim', 'osi_e', 'osi_i', 'cc', 'influence_mean']) assert.ok(`computed/${name}` in ref.shapes, name);
    assert.ok(maxAbsDiff(net.wEI, ref.wei) === 0);
    const osi = selectivityOSI(resp.responsesExc, net.nE, net).map((x) => (Number.isNaN(x) ? -1 : x));
    assert.ok(maxAbsDiff(osi, ref.osi) === 0);
    assert.ok(maxAbsDiff(pert.mean.map((x) => (Number.isNaN(x) ? -1 : x)), ref.infl) === 0);
  });

  it('runEIAssemblies analyses before and after training and displays a summary', () => {
    const run = runEIAssemblies({ nPerAxis: 4, nStimuli: 4, condition: 'INH', seed: 8 }, { trials: 2 });
    assert.equal(run.training.trials, 2);
    // INH: only I→E (W_EI) learns; W_IE keeps its initial values.
    assert.ok(maxAbsDiff(run.net.wIE, run.net.wIEInit) === 0);
    assert.ok(maxAbsDiff(run.net.wEI, run.net.wEIInit) > 0);
    const w = weightVsSimilarity(run.net, run.after.responseSim);
    assert.equal(run.summaryAfter.rWeightSimilarityEI, w.ei.fit.r);
    const display = (run as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
    assert.match(display['text/plain'], /INH \(LOCAL\), 2 trials/);
    assert.match(display['text/plain'], /rWeightSimilarityEI/);
  });
});
