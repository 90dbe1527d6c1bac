/**
 * PCA against sklearn.decomposition.PCA (components up to sign, explained variance and ratio, transform,
 * inverse transform), with and without z-scoring (sklearn StandardScaler first), and the multi-condition helper.
 */
import { strict as assert } from 'assert';
import { Dense2D, concatTime, pcaFit, pcaFitConditions, pcaInverseTransform, pcaTransform } from '../kernel-lib/src/analysis';
import { rng } from '../kernel-lib/src/random';
import { maxAbsDiff, py } from './helpers/python';

const rows = (a: Dense2D) => Array.from({ length: a.shape[0] }, (_, i) => Array.from(a.data.subarray(i * a.shape[1], (i + 1) * a.shape[1])));

/** Low-rank activity plus noise with unequal unit scales, time × units. */
function activity(T: number, N: number, seed: number): Dense2D {
  const r = rng(seed);
  const k = 3;
  const latent = r.normals(T * k);
  const load = r.normals(k * N);
  const data = new Float64Array(T * N);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < N; j++) {
      let s = 0.3 * r.normal() + j * 0.01;
      for (let c = 0; c < k; c++) s += (3 - c) * latent[t * k + c] * load[c * N + j];
      data[t * N + j] = s * (1 + (j % 4));
    }
  }
  return { data, shape: [T, N] };
}

describe('analysis: PCA (vs sklearn)', () => {
  const cases = [
    { T: 50, N: 8, k: 8, zscore: false },
    { T: 300, N: 40, k: 5, zscore: false },
    { T: 300, N: 40, k: 5, zscore: true },
    { T: 20, N: 30, k: 10, zscore: false },
  ];
  cases.forEach((c, i) => {
    it(`T=${c.T}, N=${c.N}, k=${c.k}, zscore=${c.zscore}`, () => {
      const X = activity(c.T, c.N, 10 + i);
      const ref = py<{ comp: number[][]; ev: number[]; evr: number[]; scores: number[][]; inv: number[][] }>(
        `import json,sys,numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
d=json.load(sys.stdin); X=np.array(d['X'])
if d['z']:
    sc=StandardScaler().fit(X); Xs=sc.transform(X)
else:
    Xs=X
p=PCA(n_components=d['k'],svd_solver='full').fit(Xs)
S=p.transform(Xs); inv=p.inverse_transform(S)
if d['z']: inv=sc.inverse_transform(inv)
print(json.dumps(dict(comp=p.components_.tolist(),ev=p.explained_variance_.tolist(),evr=p.explained_variance_ratio_.tolist(),scores=S.tolist(),inv=inv.tolist())))`,
        { X: rows(X), k: c.k, z: c.zscore },
      );
      const m = pcaFit(X, { nComponents: c.k, zscore: c.zscore });
      const scale = Math.max(...ref.ev);
      assert.ok(maxAbsDiff(m.explainedVariance, ref.ev) < 1e-9 * scale, 'explained variance');
      assert.ok(maxAbsDiff(m.explainedVarianceRatio, ref.evr) < 1e-10, 'explained variance ratio');
      const S = pcaTransform(m, X);
      const N = c.N;
      // Components that carry variance are unique up to sign; align signs with sklearn's.
      for (let comp = 0; comp < c.k; comp++) {
        if (ref.ev[comp] < 1e-8 * scale) continue;
        const mine = m.components.data.subarray(comp * N, (comp + 1) * N);
        const dot = mine.reduce((s, v, j) => s + v * ref.comp[comp][j], 0);
        assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `component ${comp}: |cos| = ${Math.abs(dot)}`);
        const sign = Math.sign(dot);
        const mineScores = Array.from({ length: c.T }, (_, t) => sign * S.data[t * c.k + comp]);
        const theirs = ref.scores.map((row) => row[comp]);
        assert.ok(maxAbsDiff(mineScores, theirs) < 1e-8 * Math.sqrt(scale), `scores of component ${comp}`);
      }
      const back = pcaInverseTransform(m, S);
      const ampl = Math.max(...X.data.map(Math.abs));
      assert.ok(maxAbsDiff(back.data, ref.inv.flat()) < 1e-8 * ampl, 'inverse transform');
      if (c.k === Math.min(c.T, c.N) && c.T > c.N) assert.ok(maxAbsDiff(back.data, X.data) < 1e-9 * ampl, 'full-rank round trip');
    });
  });
  it('fits several conditions on their concatenation', () => {
    const conds = [activity(40, 12, 1), activity(60, 12, 2), activity(30, 12, 3)];
    const { model, scores } = pcaFitConditions(conds, { nComponents: 4 });
    const direct = pcaFit(concatTime(conds), { nComponents: 4 });
    assert.ok(maxAbsDiff(model.components.data, direct.components.data) < 1e-12);
    assert.deepEqual(scores.map((s) => s.shape), [[40, 4], [60, 4], [30, 4]]);
    const all = pcaTransform(direct, concatTime(conds));
    assert.ok(maxAbsDiff(scores[1].data, all.data.subarray(40 * 4, 100 * 4)) < 1e-12);
    assert.throws(() => concatTime([activity(5, 3, 1), activity(5, 4, 1)]), /conditions\[1\] has 4 units/);
    assert.throws(() => pcaFit(activity(5, 3, 1), { nComponents: 4 }), /nComponents/);
  });
});
