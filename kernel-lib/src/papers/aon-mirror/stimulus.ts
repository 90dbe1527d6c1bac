/**
 * Inputs of the AON model, as the original code builds them: 10 channels × 6 conditions over
 * `warmup + steps` steps (100 + 700). A sound cue from step warmup+120 to warmup+480 (exclusive) on channel 0
 * (conditions 0, 1) or channel 4 (conditions 3, 4), with half-amplitude copies on channels 5 / 9; an object
 * from step warmup+280 to the end on channel 1 (conditions 0, 3), 2 (1, 4) or 3 (2, 5), with half-amplitude
 * copies on channels 6 / 7 / 8 (so conditions 2 and 5, object 3 without a cue, are the same stimulus up to
 * the noise). Every channel is smoothed twice by a Gaussian of σ = 20 steps (scipy's
 * gaussian_filter1d: 'reflect' boundaries, radius 4σ), then N(0, 0.005²) noise is added once; both task groups
 * (tasks 1–6 and 7–12) see the same stimulus, through W_in and W_in2 respectively.
 *
 * Time convention: the original writes r_0 = IC_r and computes r_t (t ≥ 1) from the input of step t − 1.
 * ratelab's scan computes its k-th rate from the k-th input, so the model runs T − 1 steps on stim[0..T−2]
 * and its rate k is the original's r_{k+1}; `taskBatch` and the loss handle the shift.
 */
import { gaussianFilter1d } from '../../analysis/gaussian-smoothing';
import { rng } from '../../random';
import { Batch } from '../../train/trainer';
import { AonRates, N_CONDITIONS, N_TASKS } from './data';

export const N_CHANNELS = 10;

export interface StimulusOptions {
  /** Warm-up steps before the recorded window ('thermal'). Default 100. */
  warmup?: number;
  /** Steps of the recorded window after warm-up. Default 700 (175 bins of 4). */
  steps?: number;
  /** Cue onset / offset (offset exclusive) and object onset, in steps from 0. Defaults warmup + 120 / 480 / 280. */
  cueOn?: number;
  cueOff?: number;
  objectOn?: number;
  /** Gaussian σ in steps. Default 20. */
  sigma?: number;
  /** How many times the smoothing is applied. Default 2 (the original smooths twice). */
  smoothingPasses?: number;
  /** Amplitude of the copies on channels 5–9. Default 0.5 (`inputF5`). */
  copyGain?: number;
  /** σ of the additive noise drawn once. Default 0.005. */
  noiseStd?: number;
  /** Seed of that noise. Default 0. */
  seed?: number;
}

/** The stimulus: [condition, channel, step], row-major, and the event times used. */
export interface AonStimulus {
  T: number;
  warmup: number;
  steps: number;
  cueOn: number;
  cueOff: number;
  objectOn: number;
  /** [6, 10, T]. */
  data: Float32Array;
  /** Same before noise (what the smoothing produced). */
  clean: Float32Array;
}

/** The pulses before smoothing: 1 (or copyGain) inside each event, 0 elsewhere; [6, 10, T]. */
export function stimulusPulses(o: Required<Pick<StimulusOptions, 'cueOn' | 'cueOff' | 'objectOn' | 'copyGain'>> & { T: number }): Float64Array {
  const { T, cueOn, cueOff, objectOn, copyGain } = o;
  const raw = new Float64Array(N_CONDITIONS * N_CHANNELS * T);
  const fill = (c: number, ch: number, from: number, to: number, v: number) => {
    for (let t = Math.max(from, 0); t < Math.min(to, T); t++) raw[(c * N_CHANNELS + ch) * T + t] = v;
  };
  for (const c of [0, 1]) { fill(c, 0, cueOn, cueOff, 1); fill(c, 5, cueOn, cueOff, copyGain); }
  for (const c of [3, 4]) { fill(c, 4, cueOn, cueOff, 1); fill(c, 9, cueOn, cueOff, copyGain); }
  for (let c = 0; c < N_CONDITIONS; c++) {
    const obj = c % 3; // conditions 0/3 → object channel 1, 1/4 → 2, 2/5 → 3
    fill(c, 1 + obj, objectOn, T, 1);
    fill(c, 6 + obj, objectOn, T, copyGain);
  }
  return raw;
}

/** Build the stimulus (see the module comment for what each channel holds). */
export function buildStimulus(opts: StimulusOptions = {}): AonStimulus {
  const warmup = opts.warmup ?? 100, steps = opts.steps ?? 700;
  if (!(Number.isInteger(warmup) && warmup >= 1)) throw new Error(`buildStimulus: 'warmup' must be an integer ≥ 1, got ${warmup}`);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`buildStimulus: 'steps' must be a positive integer, got ${steps}`);
  const T = warmup + steps;
  const cueOn = opts.cueOn ?? warmup + 120, cueOff = opts.cueOff ?? warmup + 480, objectOn = opts.objectOn ?? warmup + 280;
  if (!(cueOn <= cueOff)) throw new Error(`buildStimulus: cueOn ${cueOn} is after cueOff ${cueOff}`);
  const sigma = opts.sigma ?? 20, passes = opts.smoothingPasses ?? 2;
  const raw = stimulusPulses({ T, cueOn, cueOff, objectOn, copyGain: opts.copyGain ?? 0.5 });
  const clean = new Float32Array(raw.length);
  for (let row = 0; row < N_CONDITIONS * N_CHANNELS; row++) {
    let v: Float64Array = raw.subarray(row * T, (row + 1) * T);
    for (let p = 0; p < passes; p++) v = gaussianFilter1d(v, sigma);
    clean.set(v, row * T);
  }
  const data = Float32Array.from(clean);
  const std = opts.noiseStd ?? 0.005;
  if (std > 0) {
    const r = rng(opts.seed ?? 0);
    for (let k = 0; k < data.length; k++) data[k] += std * r.normal();
  }
  return { T, warmup, steps, cueOn, cueOff, objectOn, data, clean };
}

/** Input group (0 → W_in, 1 → W_in2) and condition (0..5) of a task index 0..11. */
export function taskGroup(task: number): number {
  return task < N_CONDITIONS ? 0 : 1;
}
export function taskCondition(task: number): number {
  return task % N_CONDITIONS;
}

/**
 * The 12-task batch for training or simulation: inputs [T − 1, 12, 10] (stim[0..T−2], see the time
 * convention above), the per-trial input matrix (0 for tasks 1–6, 1 for 7–12), initial states and rates
 * from `data` (zeros without data), and targets [bins, 12, N] when data are given.
 */
export function taskBatch(stim: AonStimulus, data?: AonRates, n?: number): Batch & { T: number; n: number } {
  const units = data?.n ?? n;
  if (units === undefined) throw new Error('taskBatch: give the data or the number of units n');
  const T = stim.T - 1, B = N_TASKS;
  const inputs = new Float32Array(T * B * N_CHANNELS);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    const c = taskCondition(b);
    for (let ch = 0; ch < N_CHANNELS; ch++) inputs[(t * B + b) * N_CHANNELS + ch] = stim.data[(c * N_CHANNELS + ch) * stim.T + t];
  }
  const batch: Batch & { T: number; n: number } = {
    T, n: units,
    inputs: { data: inputs, shape: [T, B, N_CHANNELS] },
    targets: { data: new Float32Array(0), shape: [0, B, units] },
    inputSet: Array.from({ length: B }, (_, b) => taskGroup(b)),
  };
  if (data) {
    if (data.tasks !== B) throw new Error(`taskBatch: data have ${data.tasks} tasks, expected ${B}`);
    const bins = data.bins;
    const z = new Float32Array(bins * B * units);
    for (let k = 0; k < B; k++) for (let b = 0; b < bins; b++) {
      z.set(data.rates.subarray((k * bins + b) * units, (k * bins + b + 1) * units), (b * B + k) * units);
    }
    batch.targets = { data: z, shape: [bins, B, units] };
    batch.x0 = data.icStates;
    batch.r0 = data.icRates;
  } else {
    batch.x0 = new Float32Array(B * units);
    batch.r0 = new Float32Array(B * units);
  }
  return batch;
}

/** Cue on/off and object onset in bins of the recorded window (bin = `window` steps after the warm-up). */
export function stimulusEvents(stim: AonStimulus, window = 4): Array<{ t: number; label: string }> {
  const bin = (t: number) => (t - stim.warmup) / window;
  return [{ t: bin(stim.cueOn), label: 'cue' }, { t: bin(stim.objectOn), label: 'object' }, { t: bin(stim.cueOff), label: 'cue off' }];
}
