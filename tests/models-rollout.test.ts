/**
 * The plain-JS rollout against the tfjs forward pass (same equations, float64 vs float32), its recording window
 * and continuation, and its noise scalings against the stationary variance of an uncoupled leaky unit.
 */
import { strict as assert } from 'assert';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn, CtrnnConfig } from '../kernel-lib/src/models';
import { rollout, rolloutWeights } from '../kernel-lib/src/models/rollout';
import { rng } from '../kernel-lib/src/random';

const cfg: CtrnnConfig = {
  n: 16, nIn: 3, nOut: 2, tau: Array.from({ length: 16 }, (_, i) => 4 + i), activation: 'softplus',
  excitatory: 0.75, zeroDiagonal: true, mask: { density: 0.7, seed: 4 }, gain: 1.3, threshold: 0.2, responseGain: 0.8,
  recBias: 0.05, readout: { units: 'excitatory' }, init: { seed: 9, recGain: 1.2 },
};

function inputs(T: number, B: number, nIn: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: T * B * nIn }, () => r.normal() * 0.5);
}

describe('models: plain-JS rollout', function () {
  this.timeout(60000);
  before(async () => { await init(); });

  it('matches forward() without noise (outputs, rates, states; per-trial x0)', () => {
    const m = ctrnn(cfg);
    const T = 60, B = 3, N = 16;
    const u = inputs(T, B, 3, 1);
    const x0 = Float32Array.from(rng(2).normals(B * N, 0, 0.5));
    const f = tf.tidy(() => {
      const r = m.forward({ data: u, shape: [T, B, 3] }, { noise: false, states: true, x0 });
      return { o: r.outputs.dataSync().slice(), r: r.rates.dataSync().slice(), x: r.states!.dataSync().slice() };
    });
    const g = rollout(m, { data: u, shape: [T, B, 3] }, { x0, rates: true, states: true });
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let d = 0, s = 0;
      for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
      return d / Math.max(s, 1e-12);
    };
    assert.ok(maxDiff(g.outputs, f.o) < 2e-5, `outputs ${maxDiff(g.outputs, f.o)}`);
    assert.ok(maxDiff(g.rates!, f.r) < 2e-5, `rates ${maxDiff(g.rates!, f.r)}`);
    assert.ok(maxDiff(g.states!, f.x) < 2e-5, `states ${maxDiff(g.states!, f.x)}`);
    // The readout ignores inhibitory units even if their w_out entries are non-zero.
    const wOut = m.params.w_out.dataSync().slice();
    wOut[15] = 3;
    m.setWeights({ w_out: wOut });
    const g2 = rollout(m, { data: u, shape: [T, B, 3] }, { x0 });
    assert.ok(maxDiff(g2.outputs, f.o) < 2e-5);
    m.dispose();
  });

  it('recording window and continuation from the final state', () => {
    const m = ctrnn({ ...cfg, activation: 'tanh' });
    const T = 50, B = 2, N = 16;
    const u = inputs(T, B, 3, 5);
    const full = rollout(m, { data: u, shape: [T, B, 3] }, { rates: true });
    const late = rollout(m, { data: u, shape: [T, B, 3] }, { rates: true, from: 30 });
    assert.equal(late.recorded, 20);
    assert.deepEqual(Array.from(late.rates!), Array.from(full.rates!.subarray(30 * B * N)));
    const first = rollout(m, { data: u.subarray(0, 30 * B * 3), shape: [30, B, 3] });
    const second = rollout(m, { data: u.subarray(30 * B * 3), shape: [20, B, 3] }, { x0: first.finalState });
    assert.deepEqual(Array.from(second.outputs), Array.from(full.outputs.subarray(30 * B * 2)));
    assert.throws(() => rollout(m, { data: u, shape: [T, B, 3] }, { x0: [1, 2] }), /x0 needs/);
    m.dispose();
  });

  for (const scaling of ['sqrt2alpha', 'inside-alpha', 'unscaled'] as const) {
    it(`noise '${scaling}': stationary variance of uncoupled units is s²/(1 − (1 − α)²)`, () => {
      const n = 40, tau = 5, sigma = 0.3;
      const m = ctrnn({ n, nIn: 1, nOut: 1, tau, activation: 'linear', noise: { rec: sigma, scaling }, init: { seed: 1 } });
      m.setWeights({ w: new Float32Array(n * n), w_in: new Float32Array(n) });
      const W = rolloutWeights(m);
      const T = 4000, burn = 200;
      const g = rollout(W, { data: new Float32Array(T), shape: [T, 1, 1] }, { noise: true, seed: 3, states: true, from: burn });
      let ss = 0;
      for (const v of g.states!) ss += v * v;
      const varHat = ss / g.states!.length;
      const a = 1 / tau;
      const s = scaling === 'sqrt2alpha' ? sigma * Math.sqrt(2 * a) : scaling === 'inside-alpha' ? a * sigma * Math.sqrt(2 / a) : sigma;
      const expected = (s * s) / (1 - (1 - a) ** 2);
      // 40 units × 3800 steps with correlation time ~τ: ≈ 30000/5 effective samples, relative SE ≈ 2 %.
      assert.ok(Math.abs(varHat / expected - 1) < 0.08, `variance ${varHat} vs ${expected}`);
      // Without noise the state stays at zero.
      const quiet = rollout(W, { data: new Float32Array(T), shape: [T, 1, 1] }, { states: true });
      assert.ok(quiet.states!.every((v) => v === 0));
      m.dispose();
    });
  }
});
