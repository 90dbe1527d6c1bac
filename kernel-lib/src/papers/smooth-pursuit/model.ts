/**
 * The smooth-pursuit rate network of Ahn et al. (`model.py`/`train.py` of jrahn331/pursuitRNN) on ratelab's
 * shared CT-RNN factory and trainer:
 *
 *   x_t = (1 − 1/τ)x_{t−1} + (1/τ)(W r_{t−1} + W_in u_t) + ξ_t,   ξ ~ N(0, 1)/100 (not scaled by 1/τ)
 *   r_t = clip(tanh x_t, 0, 1) = max(tanh x_t, 0),                  o_t = W_out r_t + b_out (one scalar bias)
 *
 * N = 250, τ = 30 (dt = 1 ms), no Dale's law, W ~ N(0,1)·1.5/√N, W_in ~ N(0,1)/√d_in, W_out = 0, no recurrent
 * bias, x_0 ~ N(0,1)/100 drawn afresh for every trial. Loss √(Σ‖o − z‖²) over one trial (batch of one), Adam
 * with learning rate 1e-4, no clipping.
 *
 * Stage 2 freezes the weights and trains one per-unit parameter of the nonlinearity (the three variants of the
 * original): input gain g in max(tanh(g·x), 0), threshold θ in max(tanh(x − θ), 0) (the paper's "firing
 * threshold"), or response gain k in k·max(tanh x, 0). They map to the CT-RNN's `gain`, `threshold` and
 * `resp_gain` parameters, whose general form is r = k ⊙ f(g ⊙ (x − θ)).
 */
import { rng } from '../../random';
import { Ctrnn, ctrnn } from '../../models/ctrnn';
import { CtrnnConfig } from '../../models/config';
import { Batch, train, TrainOptions, TrainResult } from '../../train/trainer';
import { loadMat, saveMat } from '../../io/matfile';
import { asArray, MatArray, MatValue } from '../../io/mat-values';
import { PursuitData, PursuitMode, PursuitTrialOptions, samplePursuitTrial, originalOffsetTargets } from './trials';

/** The per-unit nonlinearity parameter trained in stage 2, by the original's name. */
export type ActivationParam = 'input_gain' | 'threshold' | 'response_gain';
export const ACTIVATION_PARAMS: readonly ActivationParam[] = ['input_gain', 'threshold', 'response_gain'];

/** The CT-RNN parameter behind each of the original's names. */
export const ACTIVATION_PARAM_NAME: Record<ActivationParam, 'gain' | 'threshold' | 'resp_gain'> = {
  input_gain: 'gain',
  threshold: 'threshold',
  response_gain: 'resp_gain',
};

/** Initial value of each activation parameter (the original's inits). */
export const ACTIVATION_PARAM_INIT: Record<ActivationParam, number> = { input_gain: 1, threshold: 0, response_gain: 1 };

export interface PursuitModelOptions {
  /** Units. Default 250. */
  n: number;
  /** Input channels: 2 (direction) or 3 (with the prior channel). Default 2. */
  nIn: number;
  /** Time constant in steps of 1 ms. Default 30. */
  tau: number;
  /** Std of W is recGain/√N. Default 1.5. */
  recGain: number;
  /** σ of the recurrent noise ξ (unscaled). Default 0.01. */
  recNoise: number;
  /** Seed of the initial weights (the noise stream uses seed + 1). Default 0. */
  seed: number;
  /** The stage-2 parameter made trainable, or null for a stage-1 / prior-input network. Default null. */
  trainable: ActivationParam | null;
  /**
   * Per-unit values of the activation parameters (default: the inits 1, 0, 1). Given here rather than through
   * setWeights: the CT-RNN decides at construction which of g, θ, k it applies, and skips fixed ones left at
   * their identity values.
   */
  values: Partial<Record<ActivationParam, ArrayLike<number>>>;
}

export const PURSUIT_MODEL_DEFAULTS: PursuitModelOptions = {
  n: 250,
  nIn: 2,
  tau: 30,
  recGain: 1.5,
  recNoise: 0.01,
  seed: 0,
  trainable: null,
  values: {},
};

/** The CT-RNN config of the pursuit network. */
export function pursuitModelConfig(options: Partial<PursuitModelOptions> = {}): CtrnnConfig {
  const o = { ...PURSUIT_MODEL_DEFAULTS, ...options };
  if (o.nIn !== 2 && o.nIn !== 3) throw new Error(`pursuitModel: nIn must be 2 or 3 (with the prior channel), got ${o.nIn}`);
  const param = (p: ActivationParam) => ({ value: o.values[p] ?? ACTIVATION_PARAM_INIT[p], trainable: o.trainable === p });
  return {
    n: o.n,
    nIn: o.nIn,
    nOut: 2,
    dt: 1,
    tau: o.tau,
    activation: 'retanh',
    gain: param('input_gain'),
    threshold: param('threshold'),
    responseGain: param('response_gain'),
    recBias: { value: 0, trainable: false },
    noise: { rec: o.recNoise, scaling: 'unscaled', seed: o.seed + 1 },
    readout: { bias: 'scalar' },
    init: { seed: o.seed, recGain: o.recGain, inStd: 1 / Math.sqrt(o.nIn), outStd: 0 },
  };
}

/** A fresh pursuit network (stage 1 / prior input), or a stage-2 network when `trainable` names a parameter. */
export function pursuitModel(options: Partial<PursuitModelOptions> = {}): Ctrnn {
  return ctrnn(pursuitModelConfig(options));
}

/** The weights stage 1 trains (and stage 2 freezes). */
export const PURSUIT_WEIGHTS = ['w', 'w_in', 'w_out', 'b_out'] as const;

/**
 * A stage-2 network: the weights of `stage1` copied into a new network whose only trainable parameter is
 * `param` (at its initial value). The noise stream is seeded from `seed`.
 */
export function stage2Model(stage1: Ctrnn, param: ActivationParam, seed = 0): Ctrnn {
  const cfg = pursuitModelConfig({ n: stage1.n, nIn: stage1.nIn, tau: stage1.tau()[0], trainable: param, seed, recNoise: stage1.config.noise?.rec ?? 0 });
  const m = ctrnn(cfg);
  const ws = stage1.getWeights();
  m.setWeights(Object.fromEntries(PURSUIT_WEIGHTS.map((k) => [k, ws[k]])));
  return m;
}

export interface PursuitTrainOptions {
  /** Trials (= optimiser steps, one trial per batch). */
  trials: number;
  /** Which generator: stage 1, stage 2 or prior input. */
  mode: PursuitMode;
  /** Default 1e-4. */
  lr: number;
  /** Seed of trial sampling and of x_0. Default 0. */
  seed: number;
  /** Std of the per-trial initial state. Default 0.01. */
  x0Std: number;
  /** Trial options (T, jitter, noise). */
  trial: Partial<PursuitTrialOptions>;
  /** Passed through to the trainer (progress, label, onStep, checkpoint, …). */
  trainer: Partial<Omit<TrainOptions, 'steps' | 'batch' | 'loss' | 'lr' | 'train'>>;
}

export const PURSUIT_TRAIN_DEFAULTS: Omit<PursuitTrainOptions, 'trials' | 'mode'> = {
  lr: 1e-4,
  seed: 0,
  x0Std: 0.01,
  trial: {},
  trainer: {},
};

/** One training batch as the original builds it (a single trial, the original's loss alignment, fresh x_0). */
export function pursuitBatch(data: PursuitData, mode: PursuitMode, n: number, random: ReturnType<typeof rng>, x0Std = 0.01, trial: Partial<PursuitTrialOptions> = {}): Batch {
  const tr = samplePursuitTrial(data, mode, random, trial);
  const { targets, mask } = originalOffsetTargets(tr.targets, tr.T, 2);
  const x0 = new Float32Array(n);
  for (let i = 0; i < n; i++) x0[i] = x0Std * random.normal();
  return {
    inputs: { data: tr.inputs, shape: [tr.T, 1, tr.nIn] },
    targets: { data: targets, shape: [tr.T, 1, 2] },
    mask: { data: mask, shape: [tr.T, 1, 1] },
    x0,
  };
}

/**
 * Train a pursuit network in place with the original's generator for `mode`: stage 1 and prior input train
 * the weights, stage 2 only the model's one trainable activation parameter (the weights are not even handed
 * to the optimiser, as the original's `var_list`).
 */
export async function trainPursuit(model: Ctrnn, data: PursuitData, options: Partial<PursuitTrainOptions> & { trials: number; mode: PursuitMode }): Promise<TrainResult> {
  const o = { ...PURSUIT_TRAIN_DEFAULTS, ...options };
  const expectIn = o.mode === 'prior-input' ? 3 : 2;
  if (model.nIn !== expectIn) throw new Error(`trainPursuit: mode '${o.mode}' needs a network with ${expectIn} inputs, this one has ${model.nIn}`);
  let names: string[];
  if (o.mode === 'stage2') {
    const act = ACTIVATION_PARAMS.filter((p) => model.trainable.has(ACTIVATION_PARAM_NAME[p]));
    if (act.length !== 1) throw new Error(`trainPursuit: stage 2 needs a network with exactly one trainable activation parameter (build it with stage2Model), found ${act.length}`);
    names = [ACTIVATION_PARAM_NAME[act[0]]];
  } else names = [...PURSUIT_WEIGHTS];
  const random = rng(o.seed);
  return train(model, {
    progress: true,
    label: o.mode,
    ...o.trainer,
    steps: o.trials,
    lr: o.lr,
    loss: 'rss',
    train: names,
    batch: () => pursuitBatch(data, o.mode, model.n, random, o.x0Std, o.trial),
  });
}

/** The stage-2 parameter a network trains, or null. */
export function trainedActivationParam(model: Ctrnn): ActivationParam | null {
  return ACTIVATION_PARAMS.find((p) => model.trainable.has(ACTIVATION_PARAM_NAME[p])) ?? null;
}

function column(data: Float32Array): MatArray {
  return new MatArray('single', [data.length, 1], Float32Array.from(data));
}

/**
 * Save a network as the original's `scipy.io.savemat` does: `w` (N×N), `w_in` (N×d_in), `w_out` (2×N),
 * `b_out`, `N`, `losses` (trials×1), `tau`, `input_gain`, `threshold`, `response_gain` (N×1 each) and
 * `activation` (the stage-2 parameter's name; 'input_gain', the original's default, for a stage-1 network).
 * Written atomically.
 */
export function savePursuitModel(file: string, model: Ctrnn, losses: ArrayLike<number>): void {
  const ws = model.getWeights();
  const m = (k: string) => new MatArray('single', ws[k].shape.slice(), Float32Array.from(ws[k].data));
  saveMat(file, {
    w: m('w'),
    w_in: m('w_in'),
    w_out: m('w_out'),
    b_out: new MatArray('single', [1, 1], Float32Array.of(ws.b_out.data[0])),
    N: model.n,
    losses: new MatArray('double', [losses.length, 1], Float64Array.from(losses)),
    tau: model.tau()[0],
    input_gain: column(ws.gain.data),
    threshold: column(ws.threshold.data),
    response_gain: column(ws.resp_gain.data),
    activation: trainedActivationParam(model) ?? 'input_gain',
  });
}

export interface LoadedPursuitModel {
  model: Ctrnn;
  losses: Float64Array;
  activation: string;
}

/**
 * Load a network saved by `savePursuitModel` (or by the original `train.py`). The model is built with the
 * stage-2 parameter named by `trainable` (default none) trainable; all three activation parameters are loaded.
 */
export async function loadPursuitModel(file: string, trainable: ActivationParam | null = null): Promise<LoadedPursuitModel> {
  const mat = await loadMat(file);
  const need = ['w', 'w_in', 'w_out', 'b_out', 'tau'];
  const missing = need.filter((k) => !(k in mat));
  if (missing.length) throw new Error(`${file}: missing ${missing.join(', ')} (not a pursuit network file)`);
  const arr = (k: string): MatArray => asArray(mat[k] as MatValue, `${file}: ${k}`);
  const w = arr('w');
  const n = w.shape[0];
  if (w.shape.length !== 2 || w.shape[1] !== n) throw new Error(`${file}: w is ${w.shape.join('×')}, expected N×N`);
  const wIn = arr('w_in');
  if (wIn.shape[0] !== n) throw new Error(`${file}: w_in is ${wIn.shape.join('×')}, expected ${n}×d_in`);
  const nums = (a: MatArray) => Float32Array.from(a.data as ArrayLike<number | bigint>, (x) => Number(x));
  const values: Partial<Record<ActivationParam, Float32Array>> = {};
  for (const p of ACTIVATION_PARAMS) if (p in mat) values[p] = nums(arr(p));
  const model = pursuitModel({ n, nIn: wIn.shape[1], tau: Number(arr('tau').data[0]), trainable, values });
  model.setWeights({ w: nums(w), w_in: nums(wIn), w_out: nums(arr('w_out')), b_out: nums(arr('b_out')) });
  const losses = 'losses' in mat ? Float64Array.from(arr('losses').data as ArrayLike<number | bigint>, (x) => Number(x)) : new Float64Array(0);
  const activation = typeof mat.activation === 'string' ? mat.activation : '';
  return { model, losses, activation };
}
