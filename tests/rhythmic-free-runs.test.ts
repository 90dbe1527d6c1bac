/**
 * Free runs: taps and inter-tap intervals of an exactly periodic two-unit network (a rotation), batching
 * (several cues in one run give the same outputs as one at a time), the non-oscillating case, and the
 * normalisation / untrained-period / transpose helpers against numpy.
 */
import { strict as assert } from 'assert';
import { RolloutWeights } from '../kernel-lib/src/models/rollout';
import { autocorrelation, freeRuns, normalizeRates, unitsByTime, untrainedPeriods } from '../kernel-lib/src/papers/rhythmic-timing';
import { rng } from '../kernel-lib/src/random';
import { py } from './helpers/python';

/** x_{t+1} = ρ·R(2π/P)·x exactly: W = (ρR − (1 − α)I)/α with a linear rate, output = x₀ + ½. */
function rotation(periodSteps: number, rho = 1): RolloutWeights {
  const alpha = 0.1, th = (2 * Math.PI) / periodSteps;
  const R = [Math.cos(th), -Math.sin(th), Math.sin(th), Math.cos(th)].map((v) => rho * v);
  const w = Float64Array.from(R, (v, k) => (v - (k === 0 || k === 3 ? 1 - alpha : 0)) / alpha);
  return {
    N: 2, nIn: 2, nOut: 1, w, wIn: new Float64Array(4), b: new Float64Array(2), alpha: Float64Array.of(alpha, alpha),
    gain: Float64Array.of(1, 1), shift: new Float64Array(2), resp: Float64Array.of(1, 1), wOut: Float64Array.of(0.5, 0),
    bOut: Float64Array.of(0.5), recNoise: new Float64Array(2), inNoise: 0, x0: Float64Array.of(1, 0), r0: null, f: (a) => a,
  };
}

describe('rhythmic timing: free runs', function () {
  this.timeout(60000);

  it('an exactly periodic network: ITI = its period for the cue that names it; batching changes nothing', () => {
    const W = rotation(250);
    const cues = [0.4, 0.5];
    const both = freeRuns(W, cues, { duration: 8, discard: 1, rates: true });
    assert.equal(both.T, 7000);
    const r = both.runs[0];
    assert.ok(r.oscillating && r.taps !== null);
    assert.ok(Math.abs(r.meanIti - 0.25) < 1e-9, `mean ITI ${r.meanIti}`);
    assert.ok(r.sdIti < 1e-9);
    assert.ok(r.taps!.itis.length >= 26);
    // Taps sit on the output's maxima: x₀ = cos(2π(t + 1)/250) peaks where t + 1 ≡ 0 (mod 250), t counted from step 0.
    for (const k of r.taps!.taps) assert.equal((k + 1000 + 1) % 250, 0, `tap at ${k}`);
    // The other cue expects 200 ms: the network still taps every 250 ms.
    assert.ok(Math.abs(both.runs[1].meanIti - 0.25) < 0.002, `${both.runs[1].meanIti}`);
    const one = freeRuns(W, [0.5], { duration: 8, discard: 1 });
    assert.deepEqual(Array.from(one.runs[0].output), Array.from(both.runs[1].output));
    assert.equal(both.runs[0].rates!.length, 7000 * 2);
  });

  it('noise-driven fluctuations of a damped network are taps out of noise, not an oscillation', () => {
    const W = rotation(250, 0.99);
    W.recNoise = Float64Array.of(0.05, 0.05);
    const run = freeRuns(W, [0.4], { duration: 20, discard: 2, seed: 1 }).runs[0];
    assert.ok(run.amplitude > 0.05, `amplitude ${run.amplitude}`);
    // Correlation over one period of a damped (ρ = 0.99 per step) noisy rotation: about ρ^250 ≈ 0.08.
    assert.ok(run.periodicity < 0.3, `periodicity ${run.periodicity}`);
    assert.equal(run.oscillating, false);
    assert.equal(run.taps, null);
    // The undamped rotation with the same noise keeps its period.
    const osc = rotation(250);
    osc.recNoise = Float64Array.of(0.005, 0.005);
    const r2 = freeRuns(osc, [0.4], { duration: 20, discard: 2, seed: 1 }).runs[0];
    assert.ok(r2.oscillating && r2.periodicity > 0.9, `periodicity ${r2.periodicity}`);
    assert.ok(Math.abs(r2.meanIti - 0.25) < 0.003, `ITI ${r2.meanIti}`);
  });

  it('autocorrelation at one lag equals numpy corrcoef', () => {
    const x = Array.from(rng(8).normals(300)).map((v, i) => v + Math.sin(i / 7));
    const ref = py<number[]>(`
import json, sys, numpy as np
x = np.array(json.load(sys.stdin))
print(json.dumps([float(np.corrcoef(x[:-L], x[L:])[0, 1]) for L in (1, 22, 44, 100)]))
`, x);
    [1, 22, 44, 100].forEach((L, i) => assert.ok(Math.abs(autocorrelation(x, L) - ref[i]) < 1e-12));
    assert.ok(Number.isNaN(autocorrelation(x, 299)));
  });

  it('a decaying network is not oscillating; cue ≤ 0 gives no period and no taps', () => {
    const runs = freeRuns(rotation(250, 0.99), [-0.2, 0.4], { duration: 4, discard: 2 });
    for (const r of runs.runs) {
      assert.equal(r.oscillating, false);
      assert.equal(r.taps, null);
      assert.ok(Number.isNaN(r.meanIti));
    }
    assert.ok(Number.isNaN(runs.runs[0].period));
    assert.throws(() => freeRuns(rotation(250), [0.4], { duration: 1, discard: 2 }), /discard/);
  });

  it('normalizeRates (min–max of relu per unit), untrainedPeriods and unitsByTime agree with numpy', () => {
    const g = rng(5);
    const T = 50, N = 4;
    const x = Array.from(g.normals(T * N));
    for (let t = 0; t < T; t++) x[t * N + 3] = -1; // a silent unit
    const periods = untrainedPeriods(200, 3);
    const ref = py<{ norm: number[] }>(`
import json, sys, numpy as np
a = json.load(sys.stdin)
x = np.maximum(np.array(a['x']).reshape(${T}, ${N}), 0)
lo, hi = x.min(0), x.max(0)
r = hi - lo
print(json.dumps({'norm': np.divide(x - lo, r, out=np.zeros_like(x), where=r > 0).ravel().tolist()}))
`, { x });
    const n = normalizeRates(x, N);
    for (let i = 0; i < n.length; i++) assert.ok(Math.abs(n[i] - ref.norm[i]) < 1e-12);
    assert.ok(periods.every((p) => p > 0.1 && p <= 1.1 && Math.abs(p * 1000 - Math.round(p * 1000)) < 1e-9));
    // Skewed towards short periods: P(period < 0.2) = P(u < 1 + ln(0.1)/5) ≈ 0.54.
    const short = periods.filter((p) => p < 0.2).length / periods.length;
    assert.ok(short > 0.4 && short < 0.68, `fraction short ${short}`);
    const ut = unitsByTime(x, N, 10, 20);
    assert.equal(ut.length, 40);
    assert.equal(ut[2 * 10 + 3], x[13 * N + 2]);
  });
});
