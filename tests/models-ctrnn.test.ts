/**
 * CT-RNN model: the hand-written BPTT scan against tfjs autodiff and finite differences for every trainable
 * parameter kind, analytic/numpy dynamics, Dale's law and masks, noise scalings, perturbations, seeding.
 */
import { strict as assert } from 'assert';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn, Ctrnn, CtrnnConfig, Sequence } from '../kernel-lib/src/models';
import { maxAbsDiff, py } from './helpers/python';

const seq = (T: number, B: number, w: number, f: (t: number, b: number, k: number) => number): Sequence => {
  const data = new Float32Array(T * B * w);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let k = 0; k < w; k++) data[(t * B + b) * w + k] = f(t, b, k);
  return { data, shape: [T, B, w] };
};

/** Loss used by the gradient checks: touches outputs and rates so every path is exercised. */
function lossOf(m: Ctrnn, inp: Sequence, reference: boolean, extra: { perturbations?: any[] } = {}): tf.Scalar {
  return tf.tidy(() => {
    const r = m.forward(inp, { seed: 11, reference, perturbations: extra.perturbations });
    const tgt = tf.sin(tf.linspace(0, 6, r.outputs.size)).reshape(r.outputs.shape);
    return tf.add(tf.mean(tf.square(tf.sub(r.outputs, tgt))), tf.mul(0.1, tf.mean(tf.square(r.rates)))) as tf.Scalar;
  });
}

function gradsOf(m: Ctrnn, inp: Sequence, reference: boolean, extra = {}): Record<string, Float32Array> {
  const names = [...m.trainable];
  const { value, grads } = tf.variableGrads(() => lossOf(m, inp, reference, extra), names.map((k) => m.params[k]));
  const out: Record<string, Float32Array> = {};
  for (const k of names) out[k] = grads[m.params[k].name].dataSync() as Float32Array;
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / Math.max(scale, 1e-6);
};

const FULL: CtrnnConfig = {
  n: 10, nIn: 3, nOut: 2, dt: 1, excitatory: 0.7, zeroDiagonal: true, mask: { density: 0.7, seed: 4 },
  tau: { min: 2, max: 30, theta: Array.from({ length: 10 }, (_, i) => -1 + 0.2 * i) },
  activation: 'tanh',
  gain: { value: 1.3, trainable: true }, threshold: { value: 0.05, trainable: true },
  responseGain: { value: 0.8, trainable: true }, extBias: { value: 0.1, trainable: true },
  x0: 'trainable', r0: 'trainable', noise: { rec: 0.05, scaling: 'sqrt2alpha' },
  init: { seed: 2, recGain: 1.5 },
};

describe('models: CT-RNN', function () {
  this.timeout(60000);
  before(async () => { await init(); });

  it('custom BPTT gradients equal tfjs autodiff for every parameter kind (Dale, mask, τ, activation params, x0, r0, noise)', () => {
    const m = ctrnn(FULL);
    m.setWeights({ x0: Array.from({ length: 10 }, (_, i) => 0.1 * Math.sin(i)), r0: Array.from({ length: 10 }, (_, i) => 0.05 * i) });
    const inp = seq(12, 3, 3, (t, b, k) => Math.sin(0.3 * t + b + k));
    const ours = gradsOf(m, inp, false), ref = gradsOf(m, inp, true);
    assert.deepEqual(Object.keys(ours).sort(), ['b', 'b_out', 'ext_bias', 'gain', 'r0', 'resp_gain', 'tau_theta', 'threshold', 'w', 'w_in', 'w_out', 'x0']);
    for (const k of Object.keys(ours)) {
      assert.ok(ours[k].some((v) => v !== 0), `gradient of ${k} is all zero`);
      assert.ok(relErr(ours[k], ref[k]) < 1e-4, `${k}: custom vs autodiff relative error ${relErr(ours[k], ref[k])}`);
    }
    m.dispose();
  });

  it('custom gradients also match under unit and connection perturbations, sigmoid, relu and retanh', () => {
    for (const activation of ['sigmoid', 'relu', 'retanh'] as const) {
      const m = ctrnn({ ...FULL, activation, r0: 'fromX', dale: 'columns' });
      const inp = seq(10, 2, 3, (t, b, k) => Math.cos(0.5 * t + 2 * b - k));
      const perturbations = [
        { from: 2, to: 5, units: [1, 4], mode: 'silence' as const },
        { from: 4, to: 7, units: [2], mode: 'clamp' as const, value: 0.3 },
        { from: 3, to: 8, connections: [[0, 1], [5, 2]] as Array<[number, number]>, mode: 'scale' as const, value: 0.5 },
      ];
      const ours = gradsOf(m, inp, false, { perturbations }), ref = gradsOf(m, inp, true, { perturbations });
      for (const k of Object.keys(ours)) assert.ok(relErr(ours[k], ref[k]) < 1e-4, `${activation} ${k}: rel err ${relErr(ours[k], ref[k])}`);
      m.dispose();
    }
  });

  it('custom gradients match autodiff with fixed per-unit τ (α folded into the products), noise and unit perturbations', () => {
    const m = ctrnn({ ...FULL, tau: Array.from({ length: 10 }, (_, i) => 2 + i), r0: 'fromX', noise: { rec: 0.1, input: 0.05 } });
    assert.ok(!m.trainable.has('tau_theta') && !m.trainable.has('tau'));
    const inp = seq(12, 3, 3, (t, b, k) => Math.sin(0.7 * t - b + 0.5 * k));
    const perturbations = [{ from: 3, to: 6, units: [0, 2], mode: 'scale' as const, value: [0.5, 2] }];
    const ours = gradsOf(m, inp, false, { perturbations }), ref = gradsOf(m, inp, true, { perturbations });
    for (const k of Object.keys(ours)) {
      assert.ok(ours[k].some((v) => v !== 0), `gradient of ${k} is all zero`);
      assert.ok(relErr(ours[k], ref[k]) < 1e-4, `${k}: rel err ${relErr(ours[k], ref[k])}`);
    }
    m.dispose();
  });

  for (const [label, extra] of [['trainable τ', {}], ['fixed per-unit τ (folded path)', { tau: Array.from({ length: 10 }, (_, i) => 3 + i) }]] as const) it(`directional finite differences agree with the custom gradient for each parameter kind (${label})`, () => {
    const m = ctrnn({ ...FULL, ...extra, noise: undefined });
    const inp = seq(10, 2, 3, (t, b, k) => Math.sin(0.4 * t - b + k));
    const g = gradsOf(m, inp, false);
    const eps = 1e-2;
    for (const k of Object.keys(g)) {
      const p = m.params[k];
      const base = (p.dataSync() as Float32Array).slice();
      const dir = base.map((_, i) => Math.sin(1.7 * i + 0.3));
      const at = (s: number) => { p.assign(tf.tensor(base.map((v, i) => v + s * dir[i]), p.shape)); const l = lossOf(m, inp, false); const v = l.dataSync()[0]; l.dispose(); return v; };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      p.assign(tf.tensor(base, p.shape));
      const an = g[k].reduce((a, v, i) => a + v * dir[i], 0);
      assert.ok(Math.abs(fd - an) < 2e-2 * Math.max(Math.abs(an), 1e-2), `${k}: FD ${fd} vs gradient ${an}`);
    }
    m.dispose();
  });

  it('without input or recurrence, x decays as (1 − α)^(t+1) per unit', () => {
    const taus = [2, 5, 10, 40];
    const m = ctrnn({ n: 4, nIn: 1, nOut: 1, tau: taus, dt: 1, activation: 'linear', x0: [1, -2, 0.5, 3] });
    m.setWeights({ w: new Float32Array(16) });
    const T = 30;
    const r = tf.tidy(() => m.forward(seq(T, 1, 1, () => 0), { states: true }).states!.dataSync());
    const x0 = [1, -2, 0.5, 3];
    for (let t = 0; t < T; t++) for (let i = 0; i < 4; i++) {
      const want = x0[i] * (1 - 1 / taus[i]) ** (t + 1);
      assert.ok(Math.abs(r[t * 4 + i] - want) < 1e-5 * Math.max(1, Math.abs(x0[i])), `t=${t} unit ${i}: ${r[t * 4 + i]} vs ${want}`);
    }
    m.dispose();
  });

  it('setWeights into fixed activation parameters (threshold, gain, response gain) changes the rates', () => {
    const build = (extra: Partial<CtrnnConfig>) => ctrnn({ n: 3, nIn: 1, nOut: 1, tau: 1, dt: 1, activation: 'tanh', x0: [0.2, -0.4, 0.9], ...extra });
    const th = [0.1, -0.3, 0.5], g = [2, 0.5, 1.5], k = [0.7, 1.2, 3];
    const loaded = build({});
    loaded.setWeights({ w: new Float32Array(9), threshold: th, gain: g, resp_gain: k });
    const built = build({ threshold: th, gain: g, responseGain: k });
    built.setWeights({ w: new Float32Array(9) });
    const rates = (m: Ctrnn) => tf.tidy(() => m.forward(seq(2, 1, 1, () => 0)).rates.dataSync());
    const a = rates(loaded), b = rates(built);
    // W = 0, α = 1, no input: x_t = b = 0 after the first step, so r_0 = k·tanh(g·(0 − θ)).
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i] - k[i] * Math.tanh(g[i] * (0 - th[i]))) < 1e-6, `unit ${i}: ${a[i]}`);
    assert.ok(maxAbsDiff(a, b) < 1e-7);
    loaded.dispose(); built.dispose();
  });

  it('a linear recurrent network follows numpy matrix powers of (1 − α)I + αW', () => {
    const n = 6, T = 25, alpha = 0.2;
    const m = ctrnn({ n, nIn: 1, nOut: 1, tau: 1 / alpha, activation: 'linear', x0: [1, 0, -1, 0.5, 0.2, -0.3], init: { seed: 9, recGain: 0.8 } });
    const w = Array.from(m.effectiveW());
    const ours = tf.tidy(() => Array.from(m.forward(seq(T, 1, 1, () => 0), { states: true }).states!.dataSync()));
    const ref = py<number[]>(`
import json, sys, numpy as np
d = json.load(sys.stdin); n = d['n']
A = (1 - d['a']) * np.eye(n) + d['a'] * np.array(d['w']).reshape(n, n)
x = np.array(d['x0']); out = []
for t in range(d['T']):
    x = A @ x; out += list(x)
print(json.dumps(out))`, { n, a: alpha, w, x0: [1, 0, -1, 0.5, 0.2, -0.3], T });
    assert.ok(maxAbsDiff(ours, ref) < 1e-5, `max diff ${maxAbsDiff(ours, ref)}`);
    m.dispose();
  });

  it("Dale's law: column signs of W_eff, mask, zero diagonal and ReLU inter-area blocks", () => {
    const n = 12;
    const m = ctrnn({
      n, nIn: 1, nOut: 1, excitatory: 0.75, zeroDiagonal: true, mask: { density: 0.5, seed: 1 },
      blocks: { sizes: [6, 6], rules: [{ from: 0, to: 1, rule: 'relu' }, { from: 1, to: 0, rule: 'excitatory' }] },
      init: { seed: 3 },
    });
    m.setWeights({ w: Array.from({ length: n * n }, (_, k) => Math.sin(3.1 * k)) });
    const w = m.effectiveW();
    let nonzero = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const v = w[i * n + j];
      if (i === j) assert.equal(Math.abs(v), 0, 'diagonal');
      if (v !== 0) nonzero++;
      if (j < 9) assert.ok(v >= 0, `E column ${j} has ${v}`); else assert.ok(v <= 0, `I column ${j} has ${v}`);
      if (i < 6 && j >= 9) assert.equal(Math.abs(v), 0, 'excitatory-only block keeps no inhibitory input');
    }
    // Inter-area relu on an I column yields 0 (|W|·(−1) then relu): area 0 → 1 carries excitation only.
    for (let i = 6; i < n; i++) for (let j = 0; j < 6; j++) assert.ok(w[i * n + j] >= 0);
    assert.ok(nonzero > 20 && nonzero < 100, `mask density: ${nonzero} nonzero`);
    m.dispose();
  });

  it('row-wise (AON) and column projections set the signs they promise', () => {
    const n = 8;
    const rows = ctrnn({ n, nIn: 1, nOut: 1, excitatory: 0.5, dale: 'project-rows', init: { seed: 1 } });
    rows.setWeights({ w: Array.from({ length: n * n }, (_, k) => Math.cos(k)) });
    rows.project();
    const wr = rows.params.w.dataSync();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const v = wr[i * n + j];
      if (i === j) assert.equal(v, 0); else if (i < 4) assert.ok(v >= 0); else assert.ok(v <= 0);
    }
    const cols = ctrnn({ n, nIn: 1, nOut: 1, excitatory: 0.5, dale: 'project-columns', init: { seed: 1 } });
    cols.setWeights({ w: Array.from({ length: n * n }, (_, k) => Math.cos(k)) });
    cols.project();
    const wc = cols.params.w.dataSync();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(j < 4 ? wc[i * n + j] >= 0 : wc[i * n + j] <= 0);
    rows.dispose(); cols.dispose();
  });

  it('perturbations silence/clamp units only inside their window and leave earlier steps unchanged', () => {
    const m = ctrnn({ n: 10, nIn: 2, nOut: 1, tau: 4, activation: 'relu', recBias: 0.5, init: { seed: 5 } });
    const inp = seq(30, 2, 2, (t, b, k) => 1 + Math.sin(t + b + k));
    const base = tf.tidy(() => m.forward(inp).rates.dataSync() as Float32Array);
    const pert = tf.tidy(() => m.forward(inp, { perturbations: [
      { from: 10, to: 20, units: [0, 3, 7], mode: 'silence' },
      { from: 12, to: 15, units: [5], mode: 'clamp', value: 0.25 },
    ] }).rates.dataSync() as Float32Array);
    const at = (a: Float32Array, t: number, b: number, i: number) => a[(t * 2 + b) * 10 + i];
    let changedAfter = false;
    for (let t = 0; t < 30; t++) for (let b = 0; b < 2; b++) for (let i = 0; i < 10; i++) {
      const v = at(pert, t, b, i);
      if (t < 10) assert.equal(v, at(base, t, b, i), 'before the window nothing changes');
      else if (t < 20 && [0, 3, 7].includes(i)) assert.equal(v, 0, `unit ${i} silenced at t=${t}`);
      else if (t >= 12 && t < 15 && i === 5) assert.ok(Math.abs(v - 0.25) < 1e-7);
      if (t >= 20 && Math.abs(v - at(base, t, b, i)) > 1e-4) changedAfter = true;
    }
    assert.ok(changedAfter, 'the silencing has after-effects through the recurrence');
    assert.ok(base.some((v, k) => k % 10 === 0 && v > 0), 'unit 0 is active without perturbation');
    m.dispose();
  });

  it('noise: seeded, switchable, and the three scalings relate as documented', () => {
    const mk = (scaling: 'sqrt2alpha' | 'unscaled' | 'inside-alpha', sigma = 0.1) =>
      ctrnn({ n: 8, nIn: 1, nOut: 1, tau: 4, activation: 'linear', noise: { rec: sigma, scaling }, init: { seed: 1 } });
    const inp = seq(20, 3, 1, () => 0);
    const run = (m: Ctrnn, o: object) => tf.tidy(() => m.forward(inp, { states: true, ...o }).states!.dataSync() as Float32Array);
    const a = mk('sqrt2alpha'), c = mk('inside-alpha');
    const xa = run(a, { seed: 3 }), xc = run(c, { seed: 3 });
    assert.ok(maxAbsDiff(xa, xc) < 1e-5, 'inside-alpha equals sqrt(2α)σ scaling');
    assert.deepEqual(Array.from(run(a, { seed: 3 })), Array.from(xa), 'same seed, same numbers');
    assert.ok(maxAbsDiff(run(a, { seed: 4 }), xa) > 1e-3, 'another seed differs');
    assert.ok(run(a, { noise: false }).every((v) => v === 0), 'noise off: zero input and state stay at zero');
    // Unscaled σ' = √(2α)σ reproduces the scaled run exactly (α = 1/4).
    const u = mk('unscaled', 0.1 * Math.sqrt(0.5));
    assert.ok(maxAbsDiff(run(u, { seed: 3 }), xa) < 1e-5);
    // Without a per-call seed the model's own stream advances: two calls differ.
    assert.ok(maxAbsDiff(run(a, {}), run(a, {})) > 1e-3);
    [a, c, u].forEach((m) => m.dispose());
  });

  it('the same config and seed give identical weights and outputs; paper configs build', () => {
    const cfg: CtrnnConfig = { n: 20, nIn: 2, nOut: 1, excitatory: 0.8, zeroDiagonal: true, mask: { density: 0.5 }, init: { seed: 7 } };
    const a = ctrnn(cfg), b = ctrnn(cfg);
    const inp = seq(15, 2, 2, (t) => Math.sin(t));
    const oa = tf.tidy(() => a.forward(inp).outputs.dataSync()), ob = tf.tidy(() => b.forward(inp).outputs.dataSync());
    assert.deepEqual(Array.from(oa), Array.from(ob));
    // Pursuit, rhythmic timing and AON as configs (sizes as in the papers; nothing is run).
    const pursuit = ctrnn({ n: 250, nIn: 4, nOut: 2, tau: 30, activation: 'retanh', noise: { rec: 0.01, scaling: 'unscaled' }, responseGain: { value: 1, trainable: false } });
    const rhythm = ctrnn({ n: 500, nIn: 2, nOut: 1, tau: 10, dt: 1, activation: 'relu', excitatory: 0.8, zeroDiagonal: true, mask: { density: 0.5 }, noise: { rec: 0.01, scaling: 'inside-alpha' } });
    const aon = ctrnn({
      n: 355, nIn: 6, nOut: 2, activation: 'sigmoid', extBias: 0.5, tau: { min: 1, max: 100 }, inputMatrices: 2,
      excitatory: 0.8, dale: 'project-rows',
      blocks: { sizes: [120, 120, 115], rules: [{ from: 0, to: 1, rule: 'relu' }, { from: 1, to: 2, rule: 'relu' }, { from: 1, to: 0, rule: 'relu' }, { from: 2, to: 1, rule: 'relu' }] },
    });
    assert.ok(aon.params.w_in2 && aon.trainable.has('tau_theta') && aon.tau().every((t) => Math.abs(t - 50.5) < 1e-4));
    assert.ok(String(rhythm).includes('400 E / 100 I'));
    assert.throws(() => ctrnn({ ...cfg, zeroDiag: true } as CtrnnConfig), /unknown option 'zeroDiag'/);
    assert.throws(() => ctrnn({ ...cfg, tau: [1, 2] }), /'tau': needs 20 values/);
    assert.throws(() => ctrnn({ ...cfg, excitatory: undefined, dale: 'columns' }), /dale 'columns' needs 'excitatory'/);
    [a, b, pursuit, rhythm, aon].forEach((m) => m.dispose());
  });

  it('forward without gradients leaves no tensors behind', () => {
    const m = ctrnn({ ...FULL, n: 6, tau: 3 });
    const inp = seq(8, 2, 3, () => 0.5);
    tf.tidy(() => { m.forward(inp); });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(Object.values(m.forward(inp, { perturbations: [{ from: 1, to: 3, units: [0], mode: 'silence' }] })).filter((x) => x instanceof tf.Tensor));
    assert.equal(tf.memory().numTensors, before);
    m.dispose();
  });
});
