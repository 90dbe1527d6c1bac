/**
 * Smooth pursuit analyses: prior effect on known rotations, unit tuning of a network with known preferred
 * directions, parameter-vs-preference statistics against scipy, and the spiking ring's tuning width and
 * decoding bias against the original's scipy curve_fit recipe.
 */
import { strict as assert } from 'assert';
import { init } from '../kernel-lib/src/backend';
import {
  parameterByPreference, priorEffect, pursuitModel, ringDecodingBias, ringTuningWidths, spikingRing, UnitTuning, unitTuning,
  velocityRmse, VelocityTrace,
} from '../kernel-lib/src/papers/smooth-pursuit';
import { py } from './helpers/python';

function rotated(deg: number, speed: number, T = 150): VelocityTrace {
  const th = (deg * Math.PI) / 180;
  const h = new Float64Array(T), v = new Float64Array(T);
  for (let t = 0; t < T; t++) { const s = (speed * t) / T; h[t] = s * Math.cos(th); v[t] = s * Math.sin(th); }
  return { h, v };
}

describe('smooth pursuit: analyses', function () {
  this.timeout(60000);
  before(async () => { await init(); });

  it('priorEffect: rotation is half the angle between the ±15° responses', () => {
    const dirs: Record<string, number> = { wide: 2, narrow: 0, narrow_plus15: 14.3, narrow_minus15: -9.7 };
    const e = priorEffect((c) => rotated(dirs[c], c === 'wide' ? 1 : 0.8), 'lowCont');
    assert.ok(Math.abs(e.rotationDeg - 12) < 1e-9, `${e.rotationDeg}`);
    assert.ok(Math.abs(e.biasTowardPriorDeg - 3) < 1e-9);
    assert.ok(Math.abs(e.directionDeg.narrow_plus15 - 14.3) < 1e-9);
    assert.ok(Math.abs(e.speed.narrow / e.speed.wide - 0.8) < 1e-9);
    // Across ±180°: +170° and −170° are 20° apart, rotation 10°... measured the short way round.
    const wrap = priorEffect((c) => rotated(c === 'narrow_plus15' ? -170 : c === 'narrow_minus15' ? 170 : 180, 1), 'highCont');
    assert.ok(Math.abs(wrap.rotationDeg - 10) < 1e-9, `${wrap.rotationDeg}`);
    assert.ok(Math.abs(velocityRmse(rotated(0, 1), rotated(0, 1))) === 0);
  });

  it('unitTuning finds the preferred direction of units driven by known input weights', () => {
    const n = 36;
    const m = pursuitModel({ n, seed: 1 });
    const pref = Float64Array.from({ length: n }, (_, i) => -175 + 10 * i);
    const wIn = new Float32Array(n * 2);
    pref.forEach((p, i) => { wIn[i * 2] = Math.cos((p * Math.PI) / 180); wIn[i * 2 + 1] = Math.sin((p * Math.PI) / 180); });
    m.setWeights({ w: new Float32Array(n * n), w_in: wIn });
    const tun = unitTuning(m, { directions: 36 });
    assert.equal(tun.tuned.reduce((a, b) => a + b, 0), n);
    for (let i = 0; i < n; i++) {
      const err = ((tun.preferredDeg[i] - pref[i] + 540) % 360) - 180;
      assert.ok(Math.abs(err) < 1.5, `unit ${i}: preferred ${tun.preferredDeg[i].toFixed(2)}, built for ${pref[i]}`);
    }
    m.dispose();
  });

  it('parameterByPreference: correlation and bin means equal scipy/numpy', () => {
    const n = 200;
    const prefs = Float64Array.from({ length: n }, (_, i) => -180 + (360 * (i + 0.5)) / n);
    const values = prefs.map((p, i) => 0.001 * Math.abs(p) + 0.05 * Math.sin(i * 1.7));
    const tuned = new Uint8Array(n).fill(1);
    tuned[3] = 0;
    const tuning: UnitTuning = { directionsDeg: new Float64Array(0), rates: new Float64Array(0), preferredDeg: prefs, depth: new Float64Array(n), tuned };
    const res = parameterByPreference(tuning, values, 0, 6);
    const ref = py<{ r: number; p: number; means: number[] }>(`
import json, sys, numpy as np, scipy.stats as st
a = json.load(sys.stdin); keep = np.array(a['tuned']) == 1
d = np.abs(np.array(a['prefs']))[keep]; v = np.array(a['values'])[keep]
r, p = st.pearsonr(d, v)
idx = np.digitize(d, np.linspace(0, 180, 7)[1:-1])
print(json.dumps({'r': r, 'p': p, 'means': [float(v[idx == k].mean()) for k in range(6)]}))`, { prefs: Array.from(prefs), values: Array.from(values), tuned: Array.from(tuned) });
    assert.equal(res.change.length, n - 1);
    assert.ok(Math.abs(res.correlation.r - ref.r) < 1e-10, `${res.correlation.r} vs ${ref.r}`);
    assert.ok(Math.abs(res.correlation.p - ref.p) < 1e-8 + 1e-6 * ref.p);
    for (let k = 0; k < 6; k++) assert.ok(Math.abs(res.bins.mean[k] - ref.means[k]) < 1e-12, `bin ${k}`);
    assert.ok(res.farMean > res.nearMean);
  });

  it('ring tuning width: FWHM equals the original curve_fit recipe on the same rates', () => {
    const ring = spikingRing({ n: 200 });
    const res = ringTuningWidths(ring, { episodes: 1, trials: 4, seed: 3 });
    const ref = py<Record<string, number>>(`
import json, sys, numpy as np
from scipy.optimize import curve_fit
a = json.load(sys.stdin); phi = np.array(a['phi']); out = {}
for k, rate in a['rates'].items():
    rate = np.array(rate)
    f = lambda x, A, mu, kappa, C: A*np.exp(kappa*np.cos(x - mu)) + C
    p0 = [rate.max() - rate.min(), phi[np.argmax(rate)], 1.0, rate.min()]
    popt, _ = curve_fit(f, phi, rate, p0=p0, bounds=([0, -np.pi, 0, 0], [np.inf, np.pi, 50, np.inf]), maxfev=10000)
    out[k] = float(np.degrees(2*np.arccos(np.clip(np.log(0.5)/max(popt[2], 1e-8) + 1, -1, 1))))
print(json.dumps(out))`, { phi: Array.from(ring.phi), rates: Object.fromEntries(Object.entries(res.exampleRates).map(([k, v]) => [k, Array.from(v)])) });
    for (const k of Object.keys(ref)) {
      const ours = res.fwhmDeg[k as keyof typeof res.fwhmDeg][0];
      assert.ok(Math.abs(ours - ref[k]) < 0.5, `${k}: FWHM ${ours.toFixed(2)} vs scipy ${ref[k].toFixed(2)}`);
      assert.ok(ours > 20 && ours < 300, `${k}: FWHM ${ours} out of range`);
    }
  });

  it('ring decoding bias is a paired difference: zero without tuned inhibition strength', () => {
    const flat = spikingRing({ n: 200, inhStrength: 0 });
    const none = ringDecodingBias(flat, { trials: 4, seed: 2 });
    assert.ok(none.biasHighDeg.every((b) => b === 0) && none.biasLowDeg.every((b) => b === 0));
    for (const d of none.decodedDeg.high_no_inh) assert.ok(Math.abs(d - 15) < 5, `decoded ${d}`);
    const tunedRing = spikingRing({ n: 200 });
    const res = ringDecodingBias(tunedRing, { trials: 4, seed: 2 });
    assert.deepEqual(Array.from(res.decodedDeg.high_no_inh), Array.from(none.decodedDeg.high_no_inh));
    assert.ok(res.meanAbsBiasLow > 0 || res.meanAbsBiasHigh > 0);
  });
});
