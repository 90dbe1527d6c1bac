/**
 * Free runs of the trained network, the way the ZemlianovaRNN reimplementation evaluates it
 * (`drive_model_and_save_outputs.py`, `plot_fig1.py`): the context cue alone from 50 ms on (no clicks), 52 s at
 * dt = 1 ms, the first 2 s discarded, recurrent noise on; taps from the output (see taps.ts), inter-tap intervals
 * per cue, and firing rates normalised per unit (min–max over the run, after ReLU) for heat maps, PCA and path
 * lengths. Runs use the plain-JS rollout (models/rollout.ts), all cues of a call in one batch.
 */
import { Ctrnn } from '../../models/ctrnn';
import { rollout, rolloutWeights, RolloutWeights } from '../../models/rollout';
import { rng } from '../../random';
import { rhythmFreeRunTrial } from '../../tasks/rhythm';
import { detectTaps, TapDetection } from './taps';

export interface FreeRunOptions {
  /** Simulated time in seconds. Default 52. */
  duration: number;
  /** Leading seconds not recorded (and not searched for taps). Default 2. */
  discard: number;
  /** Cue onset in seconds. Default 0.05. */
  onset: number;
  /** Recurrent noise on (the reimplementation keeps it on when evaluating). Default true. */
  noise: boolean;
  /** Noise seed. Default 0. */
  seed: number;
  /** Keep the rates [T, N] of every cue. Default false (outputs only). */
  rates: boolean;
  /** The cue gain of the task: period = cueGain / cue. Default 0.1. */
  cueGain: number;
  /** Step of the model in seconds (ratelab's rhythm network runs in ms: dt 1 → 0.001). Default model.dt / 1000. */
  dtSeconds?: number;
  /**
   * Peak-to-trough output range (over the recorded run) below which a run counts as not oscillating: no taps
   * are looked for. Default 0.05 (the target spans 0–1).
   */
  minAmplitude: number;
  /**
   * Autocorrelation of the output at a lag of one mean inter-tap interval below which the run counts as not
   * oscillating (irregular taps picked out of noise by the band-pass filter). Default 0.5.
   */
  minPeriodicity: number;
}

export const FREE_RUN_DEFAULTS: Readonly<FreeRunOptions> = Object.freeze({
  duration: 52,
  discard: 2,
  onset: 0.05,
  noise: true,
  seed: 0,
  rates: false,
  cueGain: 0.1,
  minAmplitude: 0.05,
  minPeriodicity: 0.5,
});

export interface FreeRun {
  cue: number;
  /** cueGain / cue (s); NaN for cue ≤ 0. */
  period: number;
  /** Recorded output (after `discard`), length T. */
  output: Float32Array;
  /** Recorded rates [T, N] when asked for. */
  rates?: Float32Array;
  /** Output range max − min over the recorded run. */
  amplitude: number;
  /** Autocorrelation of the output at a lag of one mean inter-tap interval (NaN without taps). */
  periodicity: number;
  /** amplitude ≥ minAmplitude, at least three taps and periodicity ≥ minPeriodicity. */
  oscillating: boolean;
  /** Taps (indices into the recorded run) when oscillating, else null. */
  taps: TapDetection | null;
  /** Mean inter-tap interval (s); NaN when not oscillating or fewer than two taps. */
  meanIti: number;
  /** SD of the inter-tap intervals (s). */
  sdIti: number;
}

export interface FreeRuns {
  runs: FreeRun[];
  /** Recorded steps per run. */
  T: number;
  N: number;
  dt: number;
  /** Wall time of the simulation, ms. */
  ms: number;
}

/** Free-run the network at each cue (one batch), find taps and inter-tap intervals. */
export function freeRuns(model: Ctrnn | RolloutWeights, cues: readonly number[], options: Partial<FreeRunOptions> = {}): FreeRuns {
  const o: FreeRunOptions = { ...FREE_RUN_DEFAULTS, ...options };
  if (cues.length === 0) throw new Error('freeRuns: cues must not be empty');
  const W = model instanceof Ctrnn ? rolloutWeights(model) : model;
  const dt = o.dtSeconds ?? (model instanceof Ctrnn ? model.dt / 1000 : 0.001);
  if (!(o.duration > o.discard && o.discard >= 0)) throw new Error(`freeRuns: need 0 ≤ discard < duration, got ${o.discard} and ${o.duration} s`);
  const B = cues.length;
  const trials = cues.map((c) => rhythmFreeRunTrial(c, { duration: o.duration, dt, onset: o.onset, cueGain: o.cueGain }));
  const T = trials[0].T;
  const inputs = new Float32Array(T * B * 2);
  trials.forEach((tr, b) => {
    for (let t = 0; t < T; t++) {
      inputs[(t * B + b) * 2] = tr.inputs[t * 2];
      inputs[(t * B + b) * 2 + 1] = tr.inputs[t * 2 + 1];
    }
  });
  const from = Math.round(o.discard / dt);
  const t0 = Date.now();
  const res = rollout(W, { data: inputs, shape: [T, B, 2] }, { noise: o.noise, seed: o.seed, rates: o.rates, from });
  const ms = Date.now() - t0;
  const R = res.recorded, N = W.N;
  const runs = cues.map((cue, b): FreeRun => {
    const output = new Float32Array(R);
    for (let t = 0; t < R; t++) output[t] = res.outputs[t * B + b];
    let lo = Infinity, hi = -Infinity;
    for (const v of output) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const amplitude = hi - lo;
    const period = cue > 0 ? o.cueGain / cue : NaN;
    let taps: TapDetection | null = null;
    let meanIti = NaN, sdIti = NaN, periodicity = NaN;
    // Taps are only looked for where the cue names a period (cue > 0) and the output moves at all.
    if (amplitude >= o.minAmplitude && cue > 0 && R > 2 * Math.ceil(period / dt)) {
      const found = detectTaps(output, { period, dt });
      const it = found.itis;
      if (it.length >= 2) {
        meanIti = it.reduce((s, v) => s + v, 0) / it.length;
        sdIti = Math.sqrt(it.reduce((s, v) => s + (v - meanIti) ** 2, 0) / it.length);
        periodicity = autocorrelation(output, Math.round(meanIti / dt));
      }
      if (periodicity >= o.minPeriodicity) taps = found;
      else meanIti = sdIti = NaN;
    }
    const oscillating = taps !== null;
    const run: FreeRun = { cue, period, output, amplitude, periodicity, oscillating, taps, meanIti, sdIti };
    if (res.rates) {
      const r = new Float32Array(R * N);
      for (let t = 0; t < R; t++) r.set(res.rates.subarray((t * B + b) * N, (t * B + b + 1) * N), t * N);
      run.rates = r;
    }
    return run;
  });
  return { runs, T: R, N, dt, ms };
}

/** Pearson correlation of x[t] and x[t + lag] over the trace (the normalised autocorrelation at one lag). */
export function autocorrelation(x: ArrayLike<number>, lag: number): number {
  const n = x.length - lag;
  if (!(Number.isInteger(lag) && lag >= 0 && n >= 2)) return NaN;
  let ma = 0, mb = 0;
  for (let t = 0; t < n; t++) { ma += x[t]; mb += x[t + lag]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let t = 0; t < n; t++) {
    const a = x[t] - ma, b = x[t + lag] - mb;
    sab += a * b; saa += a * a; sbb += b * b;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Rates normalised per unit to [0, 1] over time (min–max, constant units → 0): the reimplementation's
 * `normalize(relu(h))`. `rates` is [T, N] row-major; returns float64 [T, N].
 */
export function normalizeRates(rates: ArrayLike<number>, N: number): Float64Array {
  if (rates.length % N !== 0) throw new Error(`normalizeRates: ${rates.length} values are not a multiple of N = ${N}`);
  const T = rates.length / N;
  const lo = new Float64Array(N).fill(Infinity), hi = new Float64Array(N).fill(-Infinity);
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) {
    const v = Math.max(0, rates[t * N + j]);
    if (v < lo[j]) lo[j] = v;
    if (v > hi[j]) hi[j] = v;
  }
  const out = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) {
    const range = hi[j] - lo[j];
    out[t * N + j] = range > 0 ? (Math.max(0, rates[t * N + j]) - lo[j]) / range : 0;
  }
  return out;
}

/**
 * The reimplementation's untrained periods: 0.1 + exp(−λ(1 − u)) with u ~ U(0, 1), λ = 5, rounded to ms — skewed
 * towards short periods, between ≈ 0.107 and 1.1 s. Seeded.
 */
export function untrainedPeriods(count = 100, seed = 0, lambda = 5): number[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Math.round((0.1 + Math.exp(-lambda * (1 - r.uniform()))) * 1000) / 1000);
}

/** Rows t0 … t1 − 1 of a [T, N] array as [N, t1 − t0] (units × time), the layout of `rateHeatmap`. */
export function unitsByTime(x: ArrayLike<number>, N: number, t0: number, t1: number): Float64Array {
  const T = x.length / N;
  if (!(Number.isInteger(t0) && Number.isInteger(t1) && 0 <= t0 && t0 < t1 && t1 <= T)) {
    throw new Error(`unitsByTime: need integers 0 ≤ t0 < t1 ≤ ${T}, got ${t0}, ${t1}`);
  }
  const L = t1 - t0;
  const out = new Float64Array(N * L);
  for (let t = 0; t < L; t++) for (let j = 0; j < N; j++) out[j * L + t] = x[(t0 + t) * N + j];
  return out;
}
