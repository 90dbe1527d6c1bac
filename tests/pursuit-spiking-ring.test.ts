import { strict as assert } from 'assert';
import { spikingRing, simulateRing, populationVector, circularDiffDeg } from '../kernel-lib/src/papers/smooth-pursuit/spiking-ring';
import { rng } from '../kernel-lib/src/random';
import { py } from './helpers/python';

// An independent numpy simulation of the same equations in their dense form (W @ s every step), so that the
// incremental recurrent current used by ratelab is checked against the formulation written in the paper.
const NUMPY_RING = `
import json, sys, numpy as np
a = json.load(sys.stdin)
N, steps = a['n'], a['steps']
phi = -np.pi + 2*np.pi*np.arange(N)/N
D = np.angle(np.exp(1j*(phi[:, None] - phi[None, :])))
W = (np.exp(-0.5*(D/0.5)**2) - 2*np.exp(-0.5*(D/2.0)**2))/np.sqrt(N)
vrest = np.full(N, -70.0)
if a['inh']:
    vrest = vrest - 0.5*np.abs(np.angle(np.exp(1j*phi)))/np.pi
iext = 25 + 20*a['contrast']*(np.cos(phi - a['theta']) + 1)/2 + np.array(a['noise'])
V = vrest.copy(); s = np.zeros(N); prev = np.zeros(N); counts = np.zeros(N)
alpha = np.exp(-1/30)
for t in range(steps):
    if t > 0:
        s = alpha*s + prev
    dV = (-(V - vrest) + iext + W @ s)/30
    V = V + dV
    fired = V >= -50
    prev = fired.astype(float)
    counts += prev
    V[fired] = vrest[fired]
print(json.dumps(counts.tolist()))
`;

describe('smooth pursuit: spiking ring model', () => {
  const ring = spikingRing({ n: 200 });

  it('Mexican-hat weights: excitatory near, inhibitory far, scaled by 1/sqrt(N)', () => {
    const n = 200;
    // w(d=0) = (1 - 2)/sqrt(N)
    assert.ok(Math.abs(ring.w[0] - -1 / Math.sqrt(n)) < 1e-12);
    // symmetric
    assert.ok(Math.abs(ring.w[3 * n + 17] - ring.w[17 * n + 3]) < 1e-15);
    // tuned inhibition lowers the resting potential by 0.5 mV at 180° and not at 0°
    const i0 = n / 2; // phi = 0
    assert.ok(Math.abs(ring.vRestTuned[i0] - -70) < 1e-12);
    assert.ok(Math.abs(ring.vRestTuned[0] - -70.5) < 1e-12);
  });

  for (const [contrast, inh] of [
    [1, false],
    [0.1, true],
  ] as const) {
    it(`spike counts match a dense numpy simulation (contrast ${contrast}, tuned inhibition ${inh})`, () => {
      const r = rng(7);
      const noise = r.normals(200, 0, 1);
      const ours = simulateRing(ring, { theta: 0.3, contrast, tunedInhibition: inh, noise });
      const ref = py<number[]>(NUMPY_RING, {
        n: 200, steps: 150, inh, contrast, theta: 0.3, noise: Array.from(noise),
      });
      const total = ref.reduce((a, b) => a + b, 0);
      assert.ok(total > 100, `reference fired only ${total} spikes: the test would not discriminate`);
      let diff = 0;
      for (let i = 0; i < 200; i++) diff += Math.abs(ours.counts[i] - ref[i]);
      // Summation order differs (incremental vs dense); allow a threshold crossing to flip in rare cases.
      assert.ok(diff <= 2, `spike counts differ by ${diff} of ${total}`);
    });
  }

  it('population vector recovers the stimulus direction without tuned inhibition', () => {
    const big = spikingRing();
    const { rates } = simulateRing(big, { theta: (15 * Math.PI) / 180, contrast: 1, tunedInhibition: false });
    const err = circularDiffDeg(populationVector(rates, big.phi), (15 * Math.PI) / 180);
    assert.ok(Math.abs(err) < 3, `decoded direction off by ${err.toFixed(2)}°`);
  });
});
