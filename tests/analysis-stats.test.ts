/**
 * Statistics against scipy / sklearn: incomplete beta and t distribution, Pearson and Spearman with p-values,
 * linregress, r2_score, cosine similarity, binned mean ± SEM; tuning curves: OSI/DSI on analytic curves and
 * von Mises / Gaussian fits against scipy.optimize.curve_fit and against the generating parameters.
 */
import { strict as assert } from 'assert';
import {
  Dense2D,
  binnedMeanSem,
  cosineSimilarityMatrix,
  directionSelectivity,
  fitGaussian,
  fitVonMises,
  incompleteBeta,
  linearRegression,
  orientationSelectivity,
  pearson,
  r2Score,
  rankData,
  spearman,
  studentTCdf,
} from '../kernel-lib/src/analysis';
import { rng } from '../kernel-lib/src/random';
import { maxAbsDiff, py } from './helpers/python';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('analysis: special functions', () => {
  it('incomplete beta and the t CDF match scipy.special / scipy.stats', () => {
    const args = [
      [0.3, 2, 3],
      [0.01, 0.5, 0.5],
      [0.99, 10, 0.5],
      [0.5, 100, 100],
      [0.2, 0.1, 40],
      [0.97, 250, 0.5],
    ];
    const ts = [
      [0.5, 3],
      [-2.1, 10],
      [4, 50],
      [12, 998],
      [-0.01, 1],
    ];
    const ref = py<{ ib: number[]; t: number[] }>(
      `import json,sys
from scipy import special, stats
d=json.load(sys.stdin)
print(json.dumps(dict(ib=[float(special.betainc(a,b,x)) for x,a,b in d['ib']], t=[float(stats.t.cdf(t,df)) for t,df in d['t']])))`,
      { ib: args, t: ts },
    );
    args.forEach(([x, a, b], i) => assert.ok(rel(incompleteBeta(x, a, b), ref.ib[i]) < 1e-12, `I_${x}(${a},${b})`));
    ts.forEach(([t, df], i) => assert.ok(rel(studentTCdf(t, df), ref.t[i]) < 1e-12, `t=${t} df=${df}`));
  });
});

describe('analysis: correlation and regression (vs scipy / sklearn)', () => {
  const r = rng(21);
  const cases = [5, 30, 400].map((n) => {
    const x = Array.from(r.normals(n));
    const y = x.map((v) => 0.3 * v + r.normal() + (n === 30 ? 0.1 * v * v : 0));
    return { x, y };
  });
  // Ties (for ranks) and a strong correlation (tiny p).
  cases.push({ x: [1, 2, 2, 3, 4, 4, 4, 5, 6, 7], y: [2, 1, 4, 3, 7, 7, 5, 8, 9, 12] });
  cases.push({ x: Array.from({ length: 200 }, (_, i) => i), y: Array.from({ length: 200 }, (_, i) => i + 5 * Math.sin(i)) });
  let ref: { pr: number[]; sr: number[]; lr: number[]; r2: number; ranks: number[] }[];
  before(() => {
    ref = py(
      `import json,sys,numpy as np
from scipy import stats
from sklearn.metrics import r2_score
out=[]
for c in json.load(sys.stdin):
    x=np.array(c['x']); y=np.array(c['y'])
    pr=stats.pearsonr(x,y); sr=stats.spearmanr(x,y); lr=stats.linregress(x,y)
    yp=lr.slope*x+lr.intercept
    out.append(dict(pr=[float(pr[0]),float(pr[1])], sr=[float(sr[0]),float(sr[1])],
      lr=[lr.slope,lr.intercept,lr.rvalue,lr.pvalue,lr.stderr,lr.intercept_stderr], r2=float(r2_score(y,0.9*yp+0.1*y.mean())),
      ranks=stats.rankdata(x).tolist()))
print(json.dumps(out))`,
      cases,
    );
  });
  it('pearson, spearman, rankdata, linregress, r2_score', () => {
    cases.forEach(({ x, y }, i) => {
      const p = pearson(x, y);
      assert.ok(Math.abs(p.r - ref[i].pr[0]) < 1e-13, `case ${i} r`);
      assert.ok(rel(p.p, ref[i].pr[1]) < 1e-9, `case ${i} pearson p ${p.p} vs ${ref[i].pr[1]}`);
      const s = spearman(x, y);
      assert.ok(Math.abs(s.r - ref[i].sr[0]) < 1e-13, `case ${i} rho`);
      assert.ok(rel(s.p, ref[i].sr[1]) < 1e-9, `case ${i} spearman p ${s.p} vs ${ref[i].sr[1]}`);
      assert.deepEqual(Array.from(rankData(x)), ref[i].ranks);
      const l = linearRegression(x, y);
      const mine = [l.slope, l.intercept, l.r, l.p, l.slopeStderr, l.interceptStderr];
      mine.forEach((v, k) => assert.ok(rel(v, ref[i].lr[k]) < 1e-9, `case ${i} linregress field ${k}: ${v} vs ${ref[i].lr[k]}`));
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      const pred = x.map((v) => 0.9 * (l.slope * v + l.intercept) + 0.1 * mean);
      assert.ok(Math.abs(r2Score(y, pred) - ref[i].r2) < 1e-12);
    });
  });
  it('cosine similarity matches sklearn, including a zero row', () => {
    const X: Dense2D = { data: rng(3).normals(6 * 4), shape: [6, 4] };
    X.data.fill(0, 8, 12);
    const Y: Dense2D = { data: rng(4).normals(3 * 4), shape: [3, 4] };
    const toRows = (a: Dense2D) => Array.from({ length: a.shape[0] }, (_, i) => Array.from(a.data.subarray(i * 4, i * 4 + 4)));
    const ref = py<{ xx: number[][]; xy: number[][] }>(
      `import json,sys,numpy as np
from sklearn.metrics.pairwise import cosine_similarity as cs
d=json.load(sys.stdin); X=np.array(d['X']); Y=np.array(d['Y'])
print(json.dumps(dict(xx=cs(X).tolist(), xy=cs(X,Y).tolist())))`,
      { X: toRows(X), Y: toRows(Y) },
    );
    assert.ok(maxAbsDiff(cosineSimilarityMatrix(X).data, ref.xx.flat()) < 1e-14);
    assert.ok(maxAbsDiff(cosineSimilarityMatrix(X, Y).data, ref.xy.flat()) < 1e-14);
  });
  it('binned mean ± SEM matches scipy.stats.binned_statistic and scipy.stats.sem', () => {
    const r2 = rng(8);
    const x = Array.from({ length: 500 }, () => r2.uniform() * 10);
    const y = x.map((v) => Math.sin(v) + 0.2 * r2.normal());
    const edges = [0, 1, 2.5, 4, 7, 10];
    const ref = py<{ m: (number | null)[]; s: (number | null)[]; c: number[]; m8: number[] }>(
      `import json,sys,numpy as np
from scipy import stats
d=json.load(sys.stdin); x=np.array(d['x']); y=np.array(d['y'])
m,_,_=stats.binned_statistic(x,y,'mean',bins=d['e'])
s,_,_=stats.binned_statistic(x,y,lambda v: stats.sem(v) if len(v)>1 else np.nan,bins=d['e'])
c,_,_=stats.binned_statistic(x,y,'count',bins=d['e'])
m8,_,_=stats.binned_statistic(x,y,'mean',bins=8)
print(json.dumps(dict(m=m.tolist(),s=s.tolist(),c=c.tolist(),m8=m8.tolist())))`,
      { x, y, e: edges },
    );
    const b = binnedMeanSem(x, y, edges);
    assert.ok(maxAbsDiff(b.mean, ref.m as number[]) < 1e-13);
    assert.ok(maxAbsDiff(b.sem, ref.s as number[]) < 1e-13);
    assert.deepEqual(Array.from(b.count), ref.c);
    assert.ok(maxAbsDiff(binnedMeanSem(x, y, 8).mean, ref.m8) < 1e-13);
  });
});

describe('analysis: tuning curves', () => {
  const deg = (d: number) => (d * Math.PI) / 180;
  it('OSI / DSI on analytic curves', () => {
    const angles = Array.from({ length: 8 }, (_, i) => deg(i * 45));
    assert.ok(orientationSelectivity(angles, angles.map(() => 3)) < 1e-15);
    const single = angles.map((_, i) => (i === 2 ? 5 : 0));
    assert.ok(Math.abs(orientationSelectivity(angles, single) - 1) < 1e-15);
    assert.ok(Math.abs(directionSelectivity(angles, single) - 1) < 1e-15);
    // r = 1 + m cos 2(θ − θ0): |Σ r e^{2iθ}| / Σ r = m/2 exactly on 8 equally spaced angles.
    const m = 0.6;
    const cos2 = angles.map((t) => 1 + m * Math.cos(2 * (t - deg(30))));
    assert.ok(Math.abs(orientationSelectivity(angles, cos2) - m / 2) < 1e-14);
    assert.ok(Math.abs(directionSelectivity(angles, cos2)) < 1e-14, 'a pure orientation curve has no direction bias');
    // Preferred/orthogonal definition.
    const r = [1, 2, 9, 2, 1, 2, 5, 2];
    assert.ok(Math.abs(orientationSelectivity(angles, r, 'prefOrth') - (9 - 1) / (9 + 1)) < 1e-15);
    assert.ok(Math.abs(directionSelectivity(angles, r, 'prefOrth') - (9 - 5) / (9 + 5)) < 1e-15);
  });
  it('von Mises and Gaussian fits match scipy.optimize.curve_fit and recover the generating FWHM', () => {
    const rr = rng(31);
    const theta = Array.from({ length: 24 }, (_, i) => (i * 2 * Math.PI) / 24);
    const vm = theta.map((t) => 0.5 + 2 * Math.exp(3 * (Math.cos(t - 2) - 1)) + 0.05 * rr.normal());
    const xs = Array.from({ length: 40 }, (_, i) => -5 + i * 0.25);
    const ga = xs.map((x) => 1 + 4 * Math.exp(-((x - 0.7) ** 2) / (2 * 1.3 ** 2)) + 0.1 * rr.normal());
    const ref = py<{ vm: number[]; ga: number[] }>(
      `import json,sys,numpy as np
from scipy.optimize import curve_fit
d=json.load(sys.stdin)
f=lambda t,b,a,mu,k: b+a*np.exp(k*(np.cos(t-mu)-1))
g=lambda x,b,a,mu,s: b+a*np.exp(-(x-mu)**2/(2*s**2))
pv,_=curve_fit(f,np.array(d['t']),np.array(d['vm']),p0=[0,1,1.5,1],maxfev=20000)
pg,_=curve_fit(g,np.array(d['x']),np.array(d['ga']),p0=[0,3,0,1],maxfev=20000)
print(json.dumps(dict(vm=pv.tolist(),ga=pg.tolist())))`,
      { t: theta, vm, x: xs, ga },
    );
    const v = fitVonMises(theta, vm);
    const mine = [v.baseline, v.amplitude, v.mu, v.kappa];
    mine.forEach((p, k) => assert.ok(Math.abs(p - ref.vm[k]) < 1e-5 * Math.max(1, Math.abs(ref.vm[k])), `von Mises parameter ${k}: ${p} vs ${ref.vm[k]}`));
    // FWHM of exp(κ(cos Δ − 1)) is 2 acos(1 − ln 2/κ); κ ≈ 3 → ≈ 1.41 rad.
    assert.ok(Math.abs(v.fwhm - 2 * Math.acos(1 - Math.LN2 / v.kappa)) < 1e-12);
    assert.ok(Math.abs(v.fwhm - 2 * Math.acos(1 - Math.LN2 / 3)) < 0.1);
    assert.ok(v.r2 > 0.99);
    const g = fitGaussian(xs, ga);
    [g.baseline, g.amplitude, g.mu, g.sigma].forEach((p, k) =>
      assert.ok(Math.abs(p - Math.abs(ref.ga[k])) < 1e-5 * Math.max(1, Math.abs(ref.ga[k])), `Gaussian parameter ${k}: ${p} vs ${ref.ga[k]}`),
    );
    assert.ok(Math.abs(g.fwhm - 2 * Math.sqrt(2 * Math.LN2) * 1.3) < 0.1);
    // Orientation tuning (period π): the peak and width come back.
    const ori = Array.from({ length: 12 }, (_, i) => (i * Math.PI) / 12);
    const resp = ori.map((t) => 0.2 + Math.exp(4 * (Math.cos(2 * (t - 0.4)) - 1)));
    const o = fitVonMises(ori, resp, Math.PI);
    assert.ok(Math.abs(o.mu - 0.4) < 1e-6 && Math.abs(o.kappa - 4) < 1e-5, `mu ${o.mu} kappa ${o.kappa}`);
    assert.ok(Math.abs(o.fwhm - Math.acos(1 - Math.LN2 / 4)) < 1e-5);
  });
});
