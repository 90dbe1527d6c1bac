/**
 * Plain-JavaScript (float64) simulation of a trained CT-RNN, for long evaluation runs: the same equations as
 * `Ctrnn.forward` (see ctrnn.ts) without tensors or gradients,
 *
 *   x_t = (1 − α)x_{t−1} + α(W_eff r_{t−1} + W_in u_t + b) + s ⊙ ε_t,   r_t = k ⊙ f(g ⊙ x_t + c),   o_t = W_out r_t + b_out.
 *
 * Why it exists: evaluation runs of tens of seconds at dt = 1 ms and small batches are bound by per-op overhead
 * in tfjs (tens of µs per op and step), and `forward` keeps every step's rates as tensors. Here one step costs
 * B·N² multiply-adds in a tight loop (≈ 10 µs for N = 100), states are recorded only where asked, and runs can be
 * continued from their final state. Perturbations are not supported (use `forward`).
 *
 * Noise: recurrent noise follows the model's scaling (`sqrt2alpha`, `unscaled`, `inside-alpha`), input noise
 * its `noise.input`, from a seeded stream of its own; the draws differ from `forward`'s, the statistics do not.
 */
import { Activation } from './activations';
import { Ctrnn, Sequence, sequenceData } from './ctrnn';
import { fillNormals } from './noise';
import { rng } from '../random';

export interface RolloutOptions {
  /** Initial state x_{−1}: [N] (every trial) or [B·N]; default the model's x0. */
  x0?: ArrayLike<number>;
  /** Initial rate r_{−1} [B·N]; default the model's r0, or f(x0). */
  r0?: ArrayLike<number>;
  /** Recurrent and input noise on. Default false (evaluation without noise). */
  noise: boolean;
  /** Seed of the noise. Default 0. */
  seed: number;
  /** Record rates r_t ([T', B, N]). Default false. */
  rates: boolean;
  /** Record states x_t ([T', B, N]). Default false. */
  states: boolean;
  /** Record (rates, states, outputs) from this step on; earlier steps are simulated but not stored. Default 0. */
  from: number;
}

export interface RolloutResult {
  /** Steps simulated and steps recorded (T − from). */
  T: number;
  recorded: number;
  B: number;
  N: number;
  /** Outputs [recorded, B, nOut], row-major. */
  outputs: Float32Array;
  rates?: Float32Array;
  states?: Float32Array;
  /** x after the last step, [B·N] (float64), to continue a run. */
  finalState: Float64Array;
}

/** The fixed numbers a rollout needs, read once from the model. */
export interface RolloutWeights {
  N: number;
  nIn: number;
  nOut: number;
  w: Float64Array;
  wIn: Float64Array;
  b: Float64Array;
  alpha: Float64Array;
  gain: Float64Array;
  shift: Float64Array;
  resp: Float64Array;
  wOut: Float64Array;
  bOut: Float64Array;
  recNoise: Float64Array;
  inNoise: number;
  x0: Float64Array;
  /** A configured initial rate r_{−1} (else f(x0)). */
  r0: Float64Array | null;
  f: (a: number) => number;
}

/** Read the weights of a model for `rollout` (W_eff after Dale/masks, α, the readout with its unit mask). */
export function rolloutWeights(model: Ctrnn): RolloutWeights {
  const act: Activation = model.activation;
  if (!act.fScalar) throw new Error(`rollout: activation '${act.name}' has no fScalar (plain-JS form); use model.forward`);
  const N = model.n, P = model.params;
  const d64 = (name: string) => Float64Array.from(P[name].dataSync() as Float32Array);
  const tau = model.tau();
  const alpha = Float64Array.from(tau, (t) => model.dt / t);
  const gain = d64('gain');
  const thr = d64('threshold'), ext = d64('ext_bias');
  const shift = Float64Array.from(gain, (g, i) => ext[i] - g * thr[i]);
  const wOut = d64('w_out');
  const units = model.config.readout?.units;
  if (units !== undefined && units !== 'all') {
    const keep = new Uint8Array(N);
    if (units === 'excitatory') model.excitatory!.forEach((e, i) => (keep[i] = e));
    else for (const u of Array.from(units as ArrayLike<number>)) keep[u] = 1;
    for (let k = 0; k < wOut.length; k++) if (!keep[k % N]) wOut[k] = 0;
  }
  const bOut = P.b_out ? d64('b_out') : new Float64Array(1);
  const bOutFull = bOut.length === model.nOut ? bOut : new Float64Array(model.nOut).fill(bOut[0]);
  const nz = model.config.noise ?? {};
  const sigma = nz.rec ?? 0;
  const scaling = nz.scaling ?? 'sqrt2alpha';
  const recNoise = Float64Array.from(alpha, (a) =>
    scaling === 'sqrt2alpha' ? sigma * Math.sqrt(2 * a) : scaling === 'inside-alpha' ? a * sigma * Math.sqrt(2 / a) : sigma);
  let inNoise = nz.input ?? 0;
  if (nz.inputScaling === 'sqrt2alpha') inNoise *= Math.sqrt(2 * alpha[0]);
  return {
    N, nIn: model.nIn, nOut: model.nOut, w: Float64Array.from(model.effectiveW()), wIn: d64('w_in'),
    b: d64('b'), alpha, gain, shift, resp: d64('resp_gain'), wOut, bOut: bOutFull, recNoise, inNoise, x0: d64('x0'), r0: P.r0 ? d64('r0') : null, f: act.fScalar,
  };
}

/**
 * Simulate the model on inputs [T, B, nIn] (time-major, as `forward`). Returns outputs and, when asked, rates
 * and states from step `from` on, plus the final state.
 */
export function rollout(model: Ctrnn | RolloutWeights, inputs: Sequence, options: Partial<RolloutOptions> = {}): RolloutResult {
  const o: RolloutOptions = { noise: false, seed: 0, rates: false, states: false, from: 0, ...options };
  const W = model instanceof Ctrnn ? rolloutWeights(model) : model;
  const { N, nIn, nOut } = W;
  const { T, B, data } = sequenceData(inputs, nIn, 'rollout: inputs');
  if (!(Number.isInteger(o.from) && o.from >= 0 && o.from <= T)) throw new Error(`rollout: from must be an integer in [0, ${T}], got ${o.from}`);
  const x = new Float64Array(B * N);
  if (o.x0) {
    if (o.x0.length === N) for (let b = 0; b < B; b++) for (let i = 0; i < N; i++) x[b * N + i] = o.x0[i];
    else if (o.x0.length === B * N) x.set(o.x0);
    else throw new Error(`rollout: x0 needs N = ${N} or B·N = ${B * N} values, got ${o.x0.length}`);
  } else for (let b = 0; b < B; b++) x.set(W.x0, b * N);
  const r = new Float64Array(B * N);
  const rate = (b: number) => {
    for (let i = 0; i < N; i++) r[b * N + i] = W.resp[i] * W.f(W.gain[i] * x[b * N + i] + W.shift[i]);
  };
  // r_{−1}: the given r0, else the configured one, else f(x_{−1}), as in forward().
  if (o.r0 && o.r0.length !== B * N) throw new Error(`rollout: r0 needs B·N = ${B * N} values, got ${o.r0.length}`);
  for (let b = 0; b < B; b++) {
    if (o.r0) for (let i = 0; i < N; i++) r[b * N + i] = o.r0[b * N + i];
    else if (W.r0) r.set(W.r0, b * N);
    else rate(b);
  }
  const rec = T - o.from;
  const outputs = new Float32Array(rec * B * nOut);
  const rates = o.rates ? new Float32Array(rec * B * N) : undefined;
  const states = o.states ? new Float32Array(rec * B * N) : undefined;
  const noiseOn = o.noise && (W.recNoise.some((s) => s !== 0) || W.inNoise !== 0);
  const stream = rng(o.seed);
  // Noise is drawn in blocks of steps (memory stays B·N·block floats for any T).
  const block = Math.max(1, Math.min(T, Math.floor(4_000_000 / Math.max(1, B * (N + nIn)))));
  let eps: Float32Array | null = null;
  const z = new Float64Array(N);
  const u = new Float64Array(nIn);
  for (let t = 0; t < T; t++) {
    if (noiseOn && t % block === 0) eps = fillNormals(new Float32Array(block * B * (N + nIn)), stream.seed32());
    const eBase = ((t % block) * B) * (N + nIn);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < nIn; c++) {
        u[c] = data[(t * B + b) * nIn + c];
        if (noiseOn && W.inNoise) u[c] += W.inNoise * eps![eBase + b * (N + nIn) + N + c];
      }
      const rb = b * N;
      for (let i = 0; i < N; i++) {
        let s = W.b[i];
        const wi = i * N;
        for (let j = 0; j < N; j++) s += W.w[wi + j] * r[rb + j];
        for (let c = 0; c < nIn; c++) s += W.wIn[i * nIn + c] * u[c];
        z[i] = s;
      }
      for (let i = 0; i < N; i++) {
        let xi = x[rb + i] + W.alpha[i] * (z[i] - x[rb + i]);
        if (noiseOn) xi += W.recNoise[i] * eps![eBase + b * (N + nIn) + i];
        x[rb + i] = xi;
      }
      rate(b);
      if (t >= o.from) {
        const k = (t - o.from) * B + b;
        for (let q = 0; q < nOut; q++) {
          let s = W.bOut[q];
          for (let j = 0; j < N; j++) s += W.wOut[q * N + j] * r[rb + j];
          outputs[k * nOut + q] = s;
        }
        if (rates) for (let j = 0; j < N; j++) rates[k * N + j] = r[rb + j];
        if (states) for (let j = 0; j < N; j++) states[k * N + j] = x[rb + j];
      }
    }
  }
  const res: RolloutResult = { T, recorded: rec, B, N, outputs, finalState: x };
  if (rates) res.rates = rates;
  if (states) res.states = states;
  return res;
}
