/**
 * Analyses of the smooth-pursuit paper: model eye velocity per condition, the prior's effect on pursuit
 * direction and speed (data and models), unit direction tuning, activation parameters against preferred
 * direction, and the spiking ring's tuning width (von Mises FWHM) and population-vector bias.
 */
import { tf } from '../../backend';
import { rng } from '../../random';
import { Ctrnn } from '../../models/ctrnn';
import { fitVonMises } from '../../analysis/tuning-curves';
import { binnedMeanSem, BinnedStats } from '../../analysis/regression';
import { pearson, Correlation } from '../../analysis/correlation';
import {
  EyeTrace, PursuitCondition, PursuitContrast, PursuitData, pursuitTrial, PursuitTrialOptions, PURSUIT_TRIAL_DEFAULTS,
} from './trials';
import { circularDiffDeg, meanRingRates, populationVector, simulateRing, SpikingRing } from './spiking-ring';

/** Mean eye (or model output) velocity over one trial window: horizontal and vertical, T samples each. */
export interface VelocityTrace {
  h: Float64Array;
  v: Float64Array;
}

/** The recorded trace of one condition over the model's window (samples stimOn..stimOn+T−1). */
export function dataWindow(data: PursuitData, day: number, contrast: PursuitContrast, condition: PursuitCondition, options: Partial<PursuitTrialOptions> = {}): VelocityTrace {
  const o = { ...PURSUIT_TRIAL_DEFAULTS, ...options };
  const tr: EyeTrace = data.days[day].traces[contrast][condition];
  return { h: tr.hvel.slice(o.stimOn, o.stimOn + o.T), v: tr.vvel.slice(o.stimOn, o.stimOn + o.T) };
}

export interface ModelResponseOptions {
  /** Trials averaged (run as one batch). Default 20. */
  trials: number;
  /** Seed of input noise and x_0. Default 0. */
  seed: number;
  /** Input noise, recurrent noise and random x_0 as in training (true, default) or none. */
  noise: boolean;
  /** Direction jitter in degrees. Default 0: the condition's nominal direction. */
  jitterDeg: number;
  /** Std of x_0. Default 0.01. */
  x0Std: number;
}

export const MODEL_RESPONSE_DEFAULTS: ModelResponseOptions = { trials: 20, seed: 0, noise: true, jitterDeg: 0, x0Std: 0.01 };

/**
 * Mean model output for one condition (day, contrast, prior condition); the prior channel is added when the
 * network has 3 inputs.
 */
export function modelResponse(
  model: Ctrnn,
  data: PursuitData,
  spec: { day: number; contrast: PursuitContrast; condition: PursuitCondition },
  options: Partial<ModelResponseOptions> = {},
): VelocityTrace {
  const o = { ...MODEL_RESPONSE_DEFAULTS, ...options };
  const random = rng(o.seed);
  const B = o.trials;
  const priorChannel = model.nIn === 3;
  const trials = Array.from({ length: B }, () =>
    pursuitTrial(data, { ...spec, priorChannel }, o.noise ? random : null, { directionJitterDeg: o.jitterDeg }),
  );
  const T = trials[0].T;
  const nIn = model.nIn;
  const inputs = new Float32Array(T * B * nIn);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let k = 0; k < nIn; k++) inputs[(t * B + b) * nIn + k] = trials[b].inputs[t * nIn + k];
  const x0 = new Float32Array(B * model.n);
  if (o.noise) for (let i = 0; i < x0.length; i++) x0[i] = o.x0Std * random.normal();
  const out = tf.tidy(() => model.forward({ data: inputs, shape: [T, B, nIn] }, { x0, noise: o.noise, seed: o.seed + 7 }).outputs.dataSync());
  const h = new Float64Array(T), v = new Float64Array(T);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    h[t] += out[(t * B + b) * 2] / B;
    v[t] += out[(t * B + b) * 2 + 1] / B;
  }
  return { h, v };
}

/** Direction (degrees, (−180, 180]) of the mean velocity over samples from..to−1 (default: all). */
export function velocityDirectionDeg(tr: VelocityTrace, from = 0, to = tr.h.length): number {
  let h = 0, v = 0;
  for (let t = from; t < to; t++) { h += tr.h[t]; v += tr.v[t]; }
  return (Math.atan2(v, h) * 180) / Math.PI;
}

/** Mean speed √(h² + v²) over samples from..to−1 (default: all). */
export function meanSpeed(tr: VelocityTrace, from = 0, to = tr.h.length): number {
  let s = 0;
  for (let t = from; t < to; t++) s += Math.hypot(tr.h[t], tr.v[t]);
  return s / (to - from);
}

/** Root-mean-square difference of two velocity traces over both components. */
export function velocityRmse(a: VelocityTrace, b: VelocityTrace): number {
  if (a.h.length !== b.h.length) throw new Error(`velocityRmse: traces of ${a.h.length} and ${b.h.length} samples`);
  let s = 0;
  for (let t = 0; t < a.h.length; t++) s += (a.h[t] - b.h[t]) ** 2 + (a.v[t] - b.v[t]) ** 2;
  return Math.sqrt(s / (2 * a.h.length));
}

/** The prior's effect in one contrast, from the four day-0 conditions. */
export interface PriorEffect {
  contrast: PursuitContrast;
  /** Pursuit direction (degrees) per condition. */
  directionDeg: Record<'wide' | 'narrow' | 'narrow_plus15' | 'narrow_minus15', number>;
  /** Mean speed per condition. */
  speed: Record<'wide' | 'narrow' | 'narrow_plus15' | 'narrow_minus15', number>;
  /**
   * Half the angle between the +15° and −15° responses: 15 when pursuit follows the target exactly, less when
   * it is pulled toward the prior's centre (0°).
   */
  rotationDeg: number;
  /** 15 − rotation: the pull toward the prior (degrees). */
  biasTowardPriorDeg: number;
}

const PRIOR_EFFECT_CONDITIONS = ['wide', 'narrow', 'narrow_plus15', 'narrow_minus15'] as const;

/** Prior effect from any source of traces (data or a model), over samples from..to−1 of each trace. */
export function priorEffect(get: (condition: PursuitCondition) => VelocityTrace, contrast: PursuitContrast, from?: number, to?: number): PriorEffect {
  const traces = Object.fromEntries(PRIOR_EFFECT_CONDITIONS.map((c) => [c, get(c)])) as Record<(typeof PRIOR_EFFECT_CONDITIONS)[number], VelocityTrace>;
  const dir = Object.fromEntries(PRIOR_EFFECT_CONDITIONS.map((c) => [c, velocityDirectionDeg(traces[c], from, to)])) as PriorEffect['directionDeg'];
  const speed = Object.fromEntries(PRIOR_EFFECT_CONDITIONS.map((c) => [c, meanSpeed(traces[c], from, to)])) as PriorEffect['speed'];
  const rotationDeg = circularDiffDeg((dir.narrow_plus15 * Math.PI) / 180, (dir.narrow_minus15 * Math.PI) / 180) / 2;
  return { contrast, directionDeg: dir, speed, rotationDeg, biasTowardPriorDeg: 15 - rotationDeg };
}

export interface UnitTuning {
  /** Stimulus directions, degrees. */
  directionsDeg: Float64Array;
  /** Mean rate of each unit per direction, row-major [directions, N]. */
  rates: Float64Array;
  /** Preferred direction of each unit (vector sum), degrees in (−180, 180]; NaN for silent units. */
  preferredDeg: Float64Array;
  /** max − min of each unit's tuning curve. */
  depth: Float64Array;
  /** 1 for units whose tuning depth exceeds `minDepth`. */
  tuned: Uint8Array;
}

export interface UnitTuningOptions {
  /** Number of evenly spaced directions. Default 24. */
  directions: number;
  /** Contrast of the stimulus. Default 'highCont'. */
  contrast: PursuitContrast;
  /** Steps averaged (from, to). Default [50, 150]: after the initial transient. */
  window: [number, number];
  /** Prior-channel value (3-input networks). Default 0. */
  prior: number;
  /** Minimum tuning depth for a unit to count as tuned. Default 1e-3. */
  minDepth: number;
  T: number;
}

export const UNIT_TUNING_DEFAULTS: UnitTuningOptions = { directions: 24, contrast: 'highCont', window: [50, 150], prior: 0, minDepth: 1e-3, T: 150 };

/**
 * Direction tuning of every unit: noise-free responses to constant inputs amp·(cos θ, sin θ) at evenly spaced θ
 * (x_0 = 0), averaged over a window. The preferred direction is that of the vector sum of the tuning curve.
 */
export function unitTuning(model: Ctrnn, options: Partial<UnitTuningOptions> = {}): UnitTuning {
  const o = { ...UNIT_TUNING_DEFAULTS, ...options };
  const D = o.directions, n = model.n, nIn = model.nIn, T = o.T;
  const [from, to] = o.window;
  if (!(0 <= from && from < to && to <= T)) throw new Error(`unitTuning: window [${from}, ${to}) must lie inside 0..${T}`);
  const amp = o.contrast === 'highCont' ? 1 : 0.1;
  const directionsDeg = Float64Array.from({ length: D }, (_, d) => (360 * d) / D);
  const inputs = new Float32Array(T * D * nIn);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) {
    const th = (directionsDeg[d] * Math.PI) / 180;
    inputs[(t * D + d) * nIn] = amp * Math.cos(th);
    inputs[(t * D + d) * nIn + 1] = amp * Math.sin(th);
    if (nIn === 3) inputs[(t * D + d) * nIn + 2] = o.prior;
  }
  const r = tf.tidy(() => model.forward({ data: inputs, shape: [T, D, nIn] }, { noise: false, x0: new Float32Array(D * n) }).rates.dataSync());
  const rates = new Float64Array(D * n);
  for (let t = from; t < to; t++) for (let d = 0; d < D; d++) for (let i = 0; i < n; i++) rates[d * n + i] += r[(t * D + d) * n + i] / (to - from);
  const preferredDeg = new Float64Array(n), depth = new Float64Array(n), tuned = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let c = 0, s = 0, lo = Infinity, hi = -Infinity;
    for (let d = 0; d < D; d++) {
      const x = rates[d * n + i];
      const th = (directionsDeg[d] * Math.PI) / 180;
      c += x * Math.cos(th); s += x * Math.sin(th);
      lo = Math.min(lo, x); hi = Math.max(hi, x);
    }
    depth[i] = hi - lo;
    tuned[i] = depth[i] > o.minDepth ? 1 : 0;
    preferredDeg[i] = hi > 0 && Math.hypot(c, s) > 0 ? (Math.atan2(s, c) * 180) / Math.PI : NaN;
  }
  return { directionsDeg, rates, preferredDeg, depth, tuned };
}

export interface ParameterByPreference {
  /** |preferred direction| (0° = the expected direction, 180° = opposite), tuned units only. */
  distanceDeg: Float64Array;
  /** Parameter change (trained − initial) of the same units. */
  change: Float64Array;
  /** Mean ± SEM of the change in bins of distance. */
  bins: BinnedStats;
  /** Pearson correlation of distance and change. */
  correlation: Correlation;
  /** Mean change of units tuned within 45° of 0° and beyond 135°. */
  nearMean: number;
  farMean: number;
}

/**
 * How a trained per-unit parameter depends on each unit's preferred direction relative to the expected one
 * (0°): the paper's claim is that thresholds rise with the distance. `initial` is the parameter's starting
 * value (0 for thresholds, 1 for gains).
 */
export function parameterByPreference(tuning: UnitTuning, values: ArrayLike<number>, initial: number, bins = 6): ParameterByPreference {
  const dist: number[] = [], change: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (!tuning.tuned[i] || !Number.isFinite(tuning.preferredDeg[i])) continue;
    dist.push(Math.abs(tuning.preferredDeg[i]));
    change.push(values[i] - initial);
  }
  if (dist.length < 3) throw new Error(`parameterByPreference: only ${dist.length} tuned units`);
  const edges = Float64Array.from({ length: bins + 1 }, (_, k) => (180 * k) / bins);
  const mean = (sel: (d: number) => boolean) => {
    let s = 0, c = 0;
    dist.forEach((d, k) => { if (sel(d)) { s += change[k]; c++; } });
    return c ? s / c : NaN;
  };
  return {
    distanceDeg: Float64Array.from(dist),
    change: Float64Array.from(change),
    bins: binnedMeanSem(dist, change, edges),
    correlation: pearson(dist, change),
    nearMean: mean((d) => d <= 45),
    farMean: mean((d) => d >= 135),
  };
}

// ---- spiking ring --------------------------------------------------------------------------------------------

export type RingCondition = 'high_no_inh' | 'high_inh' | 'low_no_inh' | 'low_inh';
export const RING_CONDITIONS: readonly { name: RingCondition; contrast: number; tunedInhibition: boolean }[] = [
  { name: 'high_no_inh', contrast: 1, tunedInhibition: false },
  { name: 'high_inh', contrast: 1, tunedInhibition: true },
  { name: 'low_no_inh', contrast: 0.1, tunedInhibition: false },
  { name: 'low_inh', contrast: 0.1, tunedInhibition: true },
];

export interface RingTuningWidths {
  /** FWHM (degrees) of the von Mises fit to each episode's mean population response, per condition. */
  fwhmDeg: Record<RingCondition, Float64Array>;
  /** Mean population response (Hz) of the first episode, per condition (for plotting). */
  exampleRates: Record<RingCondition, Float64Array>;
  /** κ of the fits, per condition and episode. */
  kappa: Record<RingCondition, Float64Array>;
}

/**
 * Population tuning width as `snn.py` measures it: per episode, the rates of `trials` noisy trials at θ are
 * averaged and a von Mises curve b + a·exp(κ(cos(φ − μ) − 1)) (b, a ≥ 0, 0 ≤ κ ≤ 50) fitted over the preferred directions φ;
 * FWHM = 2·arccos(ln 0.5/κ + 1), clipped to 360° when the curve never falls to half (as the original clips).
 */
export function ringTuningWidths(ring: SpikingRing, options: { episodes?: number; trials?: number; thetaDeg?: number; seed?: number } = {}): RingTuningWidths {
  const episodes = options.episodes ?? 100, trials = options.trials ?? 100, theta = ((options.thetaDeg ?? 0) * Math.PI) / 180;
  const random = rng(options.seed ?? 0);
  const make = () => Object.fromEntries(RING_CONDITIONS.map((c) => [c.name, new Float64Array(episodes)])) as Record<RingCondition, Float64Array>;
  const fwhmDeg = make(), kappa = make();
  const exampleRates = {} as Record<RingCondition, Float64Array>;
  for (let e = 0; e < episodes; e++) {
    for (const c of RING_CONDITIONS) {
      const rates = meanRingRates(ring, { theta, contrast: c.contrast, tunedInhibition: c.tunedInhibition }, trials, random);
      if (e === 0) exampleRates[c.name] = rates;
      // The original's bounds (A, C ≥ 0, 0 ≤ κ ≤ 50): without them a mirror solution (a < 0, κ < 0) fits the
      // bump as well and has no half width.
      const fit = fitVonMises(ring.phi, rates, 2 * Math.PI, { minValues: [0, 0, -1e6, 0], maxValues: [1e6, 1e6, 1e6, 50] });
      kappa[c.name][e] = fit.kappa;
      fwhmDeg[c.name][e] = Number.isFinite(fit.fwhm) ? (fit.fwhm * 180) / Math.PI : 360;
    }
  }
  return { fwhmDeg, exampleRates, kappa };
}

export interface RingDecodingBias {
  /** Decoded direction (degrees) per condition and trial. */
  decodedDeg: Record<RingCondition, Float64Array>;
  /** Paired difference (with − without tuned inhibition, same noise), degrees, per trial. */
  biasHighDeg: Float64Array;
  biasLowDeg: Float64Array;
  /** Mean |bias| at each contrast, as the original reports. */
  meanAbsBiasHigh: number;
  meanAbsBiasLow: number;
}

/**
 * Population-vector decoding of a θ = 15° stimulus with and without tuned inhibition (`snn.py`): each trial
 * draws one noise vector shared by all four conditions, so the bias is a paired difference.
 */
export function ringDecodingBias(ring: SpikingRing, options: { trials?: number; thetaDeg?: number; seed?: number } = {}): RingDecodingBias {
  const trials = options.trials ?? 100, theta = ((options.thetaDeg ?? 15) * Math.PI) / 180;
  const random = rng(options.seed ?? 0);
  const decodedDeg = Object.fromEntries(RING_CONDITIONS.map((c) => [c.name, new Float64Array(trials)])) as Record<RingCondition, Float64Array>;
  const decodedRad = Object.fromEntries(RING_CONDITIONS.map((c) => [c.name, new Float64Array(trials)])) as Record<RingCondition, Float64Array>;
  for (let k = 0; k < trials; k++) {
    const noise = random.normals(ring.options.n, 0, ring.options.inputNoiseStd);
    for (const c of RING_CONDITIONS) {
      const { rates } = simulateRing(ring, { theta, contrast: c.contrast, tunedInhibition: c.tunedInhibition, noise });
      const d = populationVector(rates, ring.phi);
      decodedRad[c.name][k] = d;
      decodedDeg[c.name][k] = (d * 180) / Math.PI;
    }
  }
  const bias = (a: RingCondition, b: RingCondition) => Float64Array.from({ length: trials }, (_, k) => circularDiffDeg(decodedRad[a][k], decodedRad[b][k]));
  const biasHighDeg = bias('high_inh', 'high_no_inh'), biasLowDeg = bias('low_inh', 'low_no_inh');
  const meanAbs = (v: Float64Array) => v.reduce((s, x) => s + Math.abs(x), 0) / v.length;
  return { decodedDeg, biasHighDeg, biasLowDeg, meanAbsBiasHigh: meanAbs(biasHighDeg), meanAbsBiasLow: meanAbs(biasLowDeg) };
}
