/**
 * Trials of the smooth-pursuit task (Ahn et al.), built from the monkey eye-velocity data of Park, Kim, Kim &
 * Lee (2023, Science Advances 9(27):eadg4156). Each trial is one target direction held for T = 150 ms; the
 * target output is the recorded eye velocity over samples 150–299 of the 300-sample traces.
 *
 * The three training modes of the original `train.py`:
 * - stage 1 ("mode activation"): any day, either contrast, the `wide` (no prior) trace;
 * - stage 2: day 0 only, either contrast, a prior condition (`narrow`, `narrow_minus15`, `narrow_plus15`);
 * - prior input: a third input channel carries 0.1 for the narrow conditions and 0 for `wide`; day 0 draws from
 *   all four conditions, other days use `wide`.
 * Inputs are [amp·cos θ, amp·sin θ] + N(0, 0.01²) per step, amp 1 (high contrast) or 0.1 (low), and
 * θ = tgdir (+ the prior's offset) + 7°·N(0, 1) drawn once per trial.
 */
import { Rng } from '../../random';

export const PURSUIT_CONDITIONS = [
  'wide',
  'wide_plus120',
  'wide_minus120',
  'narrow',
  'narrow_plus15',
  'narrow_minus15',
] as const;
export type PursuitCondition = (typeof PURSUIT_CONDITIONS)[number];
export const PURSUIT_CONTRASTS = ['highCont', 'lowCont'] as const;
export type PursuitContrast = (typeof PURSUIT_CONTRASTS)[number];

export interface EyeTrace {
  /** Horizontal and vertical eye velocity, 300 samples at 1 ms (normalised in the published file). */
  hvel: Float64Array;
  vvel: Float64Array;
}

export interface PursuitDay {
  /** Target direction of the day's `wide`/`narrow` condition in degrees. */
  tgdir: number;
  traces: Record<PursuitContrast, Record<PursuitCondition, EyeTrace>>;
}

export interface PursuitData {
  days: PursuitDay[];
}

/**
 * Direction offset (degrees) of each condition relative to the day's tgdir. The ±120 signs are those of the
 * recorded traces, not of the names: on every day `wide_plus120` moves the eye toward tgdir − 120° and
 * `wide_minus120` toward tgdir + 120° (checked for all 28 days in tests/pursuit-data.test.ts), while
 * `narrow_plus15` moves it toward tgdir + 15°. Training never uses the ±120 conditions.
 */
export const CONDITION_OFFSET_DEG: Record<PursuitCondition, number> = {
  wide: 0,
  wide_plus120: -120,
  wide_minus120: 120,
  narrow: 0,
  narrow_plus15: 15,
  narrow_minus15: -15,
};

export interface PursuitTrialOptions {
  /** Time steps per trial. Default 150. */
  T: number;
  /** First sample of the recorded trace used as target. Default 150. */
  stimOn: number;
  /** Standard deviation of the direction jitter in degrees. Default 7. */
  directionJitterDeg: number;
  /** Standard deviation of the per-step input noise. Default 0.01. */
  inputNoise: number;
  /** Value of the prior channel for narrow conditions (prior-input mode). Default 0.1. */
  priorValue: number;
}

export const PURSUIT_TRIAL_DEFAULTS: PursuitTrialOptions = {
  T: 150,
  stimOn: 150,
  directionJitterDeg: 7,
  inputNoise: 0.01,
  priorValue: 0.1,
};

export interface PursuitTrial {
  /** Inputs, time-major [T, nIn] (nIn = 2, or 3 with the prior channel). */
  inputs: Float32Array;
  /** Target eye velocity, time-major [T, 2] (h, v). */
  targets: Float32Array;
  nIn: number;
  T: number;
  day: number;
  contrast: PursuitContrast;
  condition: PursuitCondition;
  /** The direction actually presented, degrees (with jitter). */
  directionDeg: number;
}

export type PursuitMode = 'stage1' | 'stage2' | 'prior-input';

export function contrastAmplitude(contrast: PursuitContrast): number {
  return contrast === 'highCont' ? 1.0 : 0.1;
}

/**
 * Build one trial for a given day, contrast and condition. `jitter` and `noise` switch the direction jitter and
 * input noise (both on during training; off for clean evaluation conditions).
 */
export function pursuitTrial(
  data: PursuitData,
  spec: { day: number; contrast: PursuitContrast; condition: PursuitCondition; priorChannel: boolean },
  random: Rng | null,
  options: Partial<PursuitTrialOptions> = {},
): PursuitTrial {
  const o = { ...PURSUIT_TRIAL_DEFAULTS, ...options };
  const day = data.days[spec.day];
  if (!day) throw new Error(`pursuitTrial: day ${spec.day} out of range (0..${data.days.length - 1})`);
  const trace = day.traces[spec.contrast][spec.condition];
  if (trace.hvel.length < o.stimOn + o.T) {
    throw new Error(
      `pursuitTrial: ${spec.contrast}.${spec.condition} of day ${spec.day} has ${trace.hvel.length} samples, needs ${o.stimOn + o.T}`,
    );
  }
  const jitter = random ? o.directionJitterDeg * random.normal() : 0;
  const directionDeg = day.tgdir + CONDITION_OFFSET_DEG[spec.condition] + jitter;
  const amp = contrastAmplitude(spec.contrast);
  const rad = (directionDeg * Math.PI) / 180;
  const nIn = spec.priorChannel ? 3 : 2;
  const inputs = new Float32Array(o.T * nIn);
  const prior = spec.condition.startsWith('narrow') ? o.priorValue : 0;
  for (let t = 0; t < o.T; t++) {
    inputs[t * nIn] = amp * Math.cos(rad) + (random ? o.inputNoise * random.normal() : 0);
    inputs[t * nIn + 1] = amp * Math.sin(rad) + (random ? o.inputNoise * random.normal() : 0);
    if (spec.priorChannel) inputs[t * nIn + 2] = prior;
  }
  const targets = new Float32Array(o.T * 2);
  for (let t = 0; t < o.T; t++) {
    targets[t * 2] = trace.hvel[o.stimOn + t];
    targets[t * 2 + 1] = trace.vvel[o.stimOn + t];
  }
  return { inputs, targets, nIn, T: o.T, day: spec.day, contrast: spec.contrast, condition: spec.condition, directionDeg };
}

const PRIORS: PursuitCondition[] = ['narrow', 'narrow_minus15', 'narrow_plus15'];

/** Draw a random training trial as the original's generator for `mode` does. */
export function samplePursuitTrial(
  data: PursuitData,
  mode: PursuitMode,
  random: Rng,
  options: Partial<PursuitTrialOptions> = {},
): PursuitTrial {
  const contrast = PURSUIT_CONTRASTS[random.int(2)];
  switch (mode) {
    case 'stage1':
      return pursuitTrial(data, { day: random.int(data.days.length), contrast, condition: 'wide', priorChannel: false }, random, options);
    case 'stage2':
      return pursuitTrial(data, { day: 0, contrast, condition: PRIORS[random.int(3)], priorChannel: false }, random, options);
    case 'prior-input': {
      const day = random.int(data.days.length);
      // The original offers the prior conditions on the day whose target direction is 0°, which is day 0.
      const condition: PursuitCondition =
        data.days[day].tgdir === 0 ? (['wide', ...PRIORS] as PursuitCondition[])[random.int(4)] : 'wide';
      return pursuitTrial(data, { day, contrast, condition, priorChannel: true }, random, options);
    }
  }
}

/**
 * Align targets with outputs as the original loss does. The original starts from x[0] = x_0, r[0] = f(x[0]),
 * takes T − 1 update steps, and scores o[i] = readout(r[i+1]) against z[i] for i = 0..T−2: the output after
 * i + 1 updates against target sample i (a one-step offset between state and target), and the last target
 * sample is never scored. ratelab's scan starts from x_{−1} = x_0, so its output at step t already is the
 * readout after t + 1 updates, i.e. the original's o[t]: the targets stay where they are and only the last
 * step is masked out. Returns the targets (a copy) and a [T] mask (1 for t < T − 1, 0 at t = T − 1).
 */
export function originalOffsetTargets(targets: Float32Array, T: number, nOut: number): { targets: Float32Array; mask: Float32Array } {
  if (targets.length !== T * nOut) throw new Error(`originalOffsetTargets: ${targets.length} values, expected T·nOut = ${T * nOut}`);
  const mask = new Float32Array(T).fill(1);
  mask[T - 1] = 0;
  return { targets: Float32Array.from(targets), mask };
}

/** Direction (degrees) of the mean eye velocity over a window of samples. */
export function traceDirectionDeg(trace: EyeTrace, from: number, to: number): number {
  let h = 0;
  let v = 0;
  for (let t = from; t < to; t++) {
    h += trace.hvel[t];
    v += trace.vvel[t];
  }
  return (Math.atan2(v, h) * 180) / Math.PI;
}
