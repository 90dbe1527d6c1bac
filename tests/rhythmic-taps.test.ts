import { strict as assert } from 'assert';
import {
  cyclePathLengths,
  detectTaps,
  phaseOrder,
  reducedPeriod,
  simulateReduced,
  tapBand,
  trajectoryVariable,
} from '../kernel-lib/src/papers/rhythmic-timing';
import { butterBa, filtfilt, findPeaks } from '../kernel-lib/src/analysis';
import { rng } from '../kernel-lib/src/random';
import { py } from './helpers/python';

// scipy's own butter / filtfilt / find_peaks, and the reimplementation's tap procedure written out in scipy.
const SCIPY_SIGNAL = `
import json, sys, numpy as np
from scipy.signal import butter, filtfilt, find_peaks
a = json.load(sys.stdin)
out = {'filters': [], 'filtered': [], 'peaks': [], 'taps': []}
for lo, hi in a['bands']:
    b, aa = butter(N=2, Wn=[lo, hi], btype='band', fs=1000.0)
    out['filters'].append({'b': b.tolist(), 'a': aa.tolist()})
    out['filtered'].append(filtfilt(b, aa, np.array(a['x'])).tolist())
out['peaks'] = find_peaks(np.array(a['plateau']), height=0)[0].tolist()
for sig, P in zip(a['signals'], a['periods']):
    x = np.array(sig)
    b, aa = butter(N=2, Wn=[1/(P + 0.1), 1/(P - 0.1)], btype='band', fs=1000.0)
    pk, _ = find_peaks(filtfilt(b, aa, x), height=0)
    w = int((P/2)/0.001)
    out['taps'].append([int(np.argmax(x[max(0, p - w):min(len(x), p + w)]) + max(0, p - w)) for p in pk])
print(json.dumps(out))
`;

/**
 * A tapping-like output with taps at t = 30 ms + n·P: the trained target's raised cosine plus a narrow Gaussian
 * bump (σ = 3 ms) on each crest, plus white noise 0.005. The cosine keeps the output dominated by its fundamental,
 * as the procedure assumes (a bare pulse train has harmonics in the pass band that add spurious filtered maxima,
 * in scipy as here); the bump makes the crest sharp enough that the noise moves the raw maximum by at most
 * a sample or so, so that ITIs can be asserted to 1 ms (a bare cosine crest under this noise wanders further).
 */
function syntheticOutput(P: number, n: number, noise: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const tRel = (((i * 0.001 - 0.03) % P) + P) % P;
    const d = Math.min(tRel, P - tRel);
    x[i] = 0.5 * (Math.cos((2 * Math.PI * d) / P) + 1) + 0.5 * Math.exp(-(d * d) / (2 * 0.003 * 0.003)) + noise * r.normal();
  }
  return x;
}

describe('rhythmic timing: tap detection, path length, phase order', () => {
  const r = rng(11);
  const x = Array.from(r.normals(3000));
  const bands: [number, number][] = [tapBand(0.5, 0.001), tapBand(0.125, 0.001), [3, 40]];
  // Peaks on plateaus, a negative maximum, and edges that are not peaks.
  const plateau = [5, 1, 2, 2, 2, 1, 0, 3, 3, 0, -1, -0.5, -2, 4, 4, 4, 4, 1, 2, 7];
  const periods = [0.2, 0.137, 0.3];
  const signals = periods.map((P, i) => syntheticOutput(P, 6000, 0.005, 100 + i));
  let ref: {
    filters: { b: number[]; a: number[] }[];
    filtered: number[][];
    peaks: number[];
    taps: number[][];
  };
  before(function () {
    this.timeout(60000);
    ref = py(SCIPY_SIGNAL, { x, bands, plateau, signals: signals.map((s) => Array.from(s)), periods });
  });

  it('Butterworth band-pass coefficients and filtfilt match scipy', () => {
    bands.forEach(([lo, hi], i) => {
      const c = butterBa(2, [lo, hi], { fs: 1000, btype: 'bandpass' });
      assert.equal(c.b.length, 5);
      for (let k = 0; k < 5; k++) {
        assert.ok(Math.abs(c.b[k] - ref.filters[i].b[k]) < 1e-12 * Math.max(1, Math.abs(ref.filters[i].b[k])), `b[${k}] band ${i}`);
        assert.ok(Math.abs(c.a[k] - ref.filters[i].a[k]) < 1e-10 * Math.max(1, Math.abs(ref.filters[i].a[k])), `a[${k}] band ${i}`);
      }
      const y = filtfilt(c, x);
      let m = 0, scale = 0;
      for (let t = 0; t < y.length; t++) {
        m = Math.max(m, Math.abs(y[t] - ref.filtered[i][t]));
        scale = Math.max(scale, Math.abs(ref.filtered[i][t]));
      }
      // The 1.7–2.5 Hz band at 1 kHz puts four poles within 0.02 of z = 1; in (b, a) form the recursion
      // amplifies rounding to ~1e-7 relative, in scipy as here, so that is the agreement to expect.
      assert.ok(m < 1e-6 * scale, `filtfilt band ${i}: max diff ${m} (scale ${scale})`);
    });
    assert.throws(() => butterBa(2, [10, 600], { fs: 1000 }), /fs\/2/);
  });

  it('find_peaks with height: plateau midpoints, threshold, no edge peaks — as scipy', () => {
    assert.deepEqual(Array.from(findPeaks(plateau, { height: 0 }).indices), ref.peaks);
  });

  it('taps of a noisy synthetic oscillation: same taps as the scipy procedure, ITIs within 1 ms of P', () => {
    periods.forEach((P, i) => {
      const det = detectTaps(signals[i], { period: P });
      assert.deepEqual(Array.from(det.taps), ref.taps[i], `P = ${P}`);
      assert.ok(det.itis.length >= Math.floor(6 / P) - 2);
      for (const iti of det.itis) assert.ok(Math.abs(iti - P) <= 0.001 + 1e-12, `P = ${P}: ITI ${iti}`);
      // The first bump is at 30 ms.
      assert.ok(Math.abs(det.times[0] - 0.03) <= 0.001 + 1e-12);
    });
    // discard shifts the search but reports indices into the full trace.
    const d = detectTaps(signals[0], { period: 0.2, discard: 2000 });
    assert.ok(d.taps[0] >= 2000 && (d.taps[0] - 30) % 200 <= 1);
    assert.throws(() => detectTaps(signals[0], { period: 0 }), /period/);
  });

  it('on the reduced model (P ≈ 84 ms < 0.1 s, capped band): ITIs equal its period, path lengths are constant', () => {
    const I = 0.5;
    const P = reducedPeriod(I);
    const tr = simulateReduced(I, 6);
    const tapE = trajectoryVariable(tr, 0);
    const det = detectTaps(tapE, { period: P, discard: 2000 });
    assert.ok(det.band[1] === 450, `upper band edge ${det.band[1]}`);
    assert.match(det[Symbol.for('Jupyter.display')]()['text/plain'], /taps, ITI 8[34]\.\d ± 0\.\d ms/);
    assert.ok(det.itis.length >= 40);
    for (const iti of det.itis) assert.ok(Math.abs(iti - P) <= 0.001, `ITI ${iti} vs P ${P}`);
    const pl = cyclePathLengths(tr.u, 3, det.taps);
    assert.ok(pl.mean > 0.3 && pl.sd / pl.mean < 0.02, `path length ${pl.mean} ± ${pl.sd}`);
  });

  it('path length per cycle of a circle of radius R is 2πR, in any embedding dimension', () => {
    const R = 1.7, P = 250, cycles = 8, N = 10;
    // A random orthonormal pair of directions in R^10 (Gram–Schmidt), so the circle is not axis-aligned.
    const g = rng(3);
    const e1 = g.normals(N), e2 = g.normals(N);
    const n1 = Math.hypot(...e1);
    e1.forEach((v, j) => (e1[j] = v / n1));
    const dot = e1.reduce((s, v, j) => s + v * e2[j], 0);
    e2.forEach((v, j) => (e2[j] = v - dot * e1[j]));
    const n2 = Math.hypot(...e2);
    e2.forEach((v, j) => (e2[j] = v / n2));
    const T = P * cycles + 1;
    const states = new Float32Array(T * N);
    for (let t = 0; t < T; t++) {
      const th = (2 * Math.PI * t) / P;
      for (let j = 0; j < N; j++) states[t * N + j] = 3 + R * (Math.cos(th) * e1[j] + Math.sin(th) * e2[j]);
    }
    const taps = Array.from({ length: cycles + 1 }, (_, k) => k * P);
    const pl = cyclePathLengths(states, N, taps);
    assert.equal(pl.lengths.length, cycles);
    // The sampled path is a 250-gon: 250·2R·sin(π/250) = 2πR(1 − 2.6e-5).
    for (const L of pl.lengths) assert.ok(Math.abs(L / (2 * Math.PI * R) - 1) < 1e-4, `length ${L}`);
    assert.ok(Math.abs(pl.mean / (2 * Math.PI * R) - 1) < 1e-4);
    assert.ok(pl.sd < 1e-4);
    assert.throws(() => cyclePathLengths(states, N, [0, T]), /outside/);
  });

  it('phase order: E and I units each sorted by the phase of their cycle-averaged peak', () => {
    const N = 10, nE = 8, P = 200, cycles = 6;
    const g = rng(9);
    // Unit j peaks at phase phi[j]; a shuffled assignment so the order is not the identity.
    const phi = Array.from(g.permutation(N), (p) => (p + 0.3) / N);
    const T = P * cycles + 1;
    const rates = new Float64Array(T * N);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < N; j++) {
        const d = Math.abs(((t / P - phi[j] + 1.5) % 1) - 0.5);
        rates[t * N + j] = Math.exp(-(d * d) / (2 * 0.03 * 0.03)) + 0.05 * g.normal();
      }
    }
    const taps = Array.from({ length: cycles + 1 }, (_, k) => k * P);
    const po = phaseOrder(rates, N, taps, { nBins: 50, nExcitatory: nE });
    for (let j = 0; j < N; j++) assert.ok(Math.abs(po.peakPhase[j] - phi[j]) <= 1 / 50 + 1e-12, `unit ${j}: ${po.peakPhase[j]} vs ${phi[j]}`);
    const expectE = Array.from({ length: nE }, (_, j) => j).sort((a, b) => phi[a] - phi[b]);
    const expectI = [8, 9].sort((a, b) => phi[a] - phi[b]);
    assert.deepEqual(Array.from(po.order), [...expectE, ...expectI]);
    for (let j = 0; j < N; j++) assert.ok(Math.abs(po.tapDistance[j] - Math.min(po.peakPhase[j], 1 - po.peakPhase[j])) < 1e-15);
    // Normalised profiles span [0, 1] per unit.
    let lo = Infinity, hi = -Infinity;
    for (let b = 0; b < 50; b++) {
      lo = Math.min(lo, po.normalizedProfile[b * N]);
      hi = Math.max(hi, po.normalizedProfile[b * N]);
    }
    assert.ok(lo === 0 && hi === 1);
  });
});
