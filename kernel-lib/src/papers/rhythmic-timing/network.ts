/**
 * The trained network of Zemlianova, Bose & Rinzel (2024), configured like the ZemlianovaRNN reimplementation
 * (`zrnn/models.py`, CC BY 4.0), on ratelab's CT-RNN factory and trainer:
 *
 *   x ← x + α(−x + W_in u + W_eff relu(x) + b + ξ),   α = dt/τ = 0.1,   o = W_out relu(x) + b_out,
 *
 * W_eff = |W| ⊙ mask ⊙ sign(presynaptic), first ⌊0.8·N⌋ units excitatory, zero diagonal.
 *
 * Facts of the reimplementation reproduced here, and why:
 * - W starts as xavier-normal with gain 0.1 (σ = 0.1·√(2/(N+N)) = 0.1/√N) passed through ReLU. About half the
 *   entries are then exactly 0, and |·| has zero gradient at 0, so Adam never moves them: in effect a fixed
 *   random mask of density ½. Here the mask is explicit (`mask: {density: 0.5}`) and the kept entries start
 *   at |N(0, σ²)| — the same distribution. (ratelab's own Dale initialisation scales inhibitory columns by
 *   nE/nI; the reimplementation does not, so `rhythmNetwork` sets W itself.)
 * - W_in and W_out are xavier-normal (σ = √(2/(N + 2)) and √(2/(N + 1))); biases start at 0. The
 *   reimplementation's `b_ih` is never used in its forward pass, so it is left out.
 * - Recurrent noise enters inside the α bracket scaled √(2τ/dt)·σ_rec (the usual scaling is √(2dt/τ)·σ; the
 *   code inverts it). That is ratelab's `inside-alpha` scaling, and it stays on at evaluation as in the code.
 * - Input noise N(0, 2(dt/τ)σ_in²), rectified, in training only: generated with the trial (`rhythmBatch`'s
 *   `inputNoiseSigma`), not in the model.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../backend';
import { CtrnnConfig } from '../../models/config';
import { Ctrnn, ctrnn } from '../../models/ctrnn';
import { rng } from '../../random';
import { loadCheckpoint, saveCheckpoint } from '../../train/checkpoint';
import { Adam } from '../../train/adam';
import { Batch, StepInfo, TrainResult, train } from '../../train/trainer';
import { rhythmBatch, RhythmTaskOptions } from '../../tasks/rhythm';

export interface RhythmNetworkOptions {
  /** Units. Default 500 (the paper and the reimplementation). */
  n: number;
  /** Fraction of excitatory units, taken first (⌊fraction·N⌋ of them, the code's int(0.8·N)). Default 0.8. */
  excitatoryFraction: number;
  /** Time constant τ in ms. Default 10. */
  tau: number;
  /** Step in ms. Default 1. */
  dt: number;
  /** σ_rec of the recurrent noise. Default 0.01. */
  sigmaRec: number;
  /** Xavier gain of the initial W. Default 0.1. */
  recGain: number;
  /** Density of the fixed mask of W (the entries ReLU kept at initialisation). Default 0.5. */
  density: number;
  /** Seed of the initial weights, the mask and the noise stream. Default 0. */
  seed: number;
}

export const RHYTHM_NETWORK_DEFAULTS: Readonly<RhythmNetworkOptions> = Object.freeze({
  n: 500,
  excitatoryFraction: 0.8,
  tau: 10,
  dt: 1,
  sigmaRec: 0.01,
  recGain: 0.1,
  density: 0.5,
  seed: 0,
});

function resolveNetworkOptions(options: Partial<RhythmNetworkOptions>): RhythmNetworkOptions {
  const o = { ...RHYTHM_NETWORK_DEFAULTS, ...options };
  if (!(Number.isInteger(o.n) && o.n >= 2)) throw new Error(`rhythmNetwork: n must be an integer ≥ 2, got ${o.n}`);
  if (!(o.excitatoryFraction > 0 && o.excitatoryFraction < 1)) {
    throw new Error(`rhythmNetwork: excitatoryFraction must be in (0, 1), got ${o.excitatoryFraction}`);
  }
  if (!(o.tau > 0 && o.dt > 0 && o.dt <= o.tau)) throw new Error(`rhythmNetwork: need 0 < dt ≤ tau, got dt ${o.dt}, tau ${o.tau}`);
  if (!(o.sigmaRec >= 0)) throw new Error(`rhythmNetwork: sigmaRec must be ≥ 0, got ${o.sigmaRec}`);
  if (!(o.recGain > 0)) throw new Error(`rhythmNetwork: recGain must be > 0, got ${o.recGain}`);
  if (!(o.density > 0 && o.density <= 1)) throw new Error(`rhythmNetwork: density must be in (0, 1], got ${o.density}`);
  return o;
}

/** The CT-RNN config of the reimplementation's network (see the module comment). */
export function rhythmNetworkConfig(options: Partial<RhythmNetworkOptions> = {}): CtrnnConfig {
  const o = resolveNetworkOptions(options);
  const nE = Math.floor(o.excitatoryFraction * o.n);
  return {
    n: o.n,
    nIn: 2,
    nOut: 1,
    dt: o.dt,
    tau: o.tau,
    activation: 'relu',
    excitatory: Array.from({ length: o.n }, (_, i) => i < nE),
    dale: 'columns',
    mask: { density: o.density, seed: o.seed + 2 },
    zeroDiagonal: true,
    noise: { rec: o.sigmaRec, scaling: 'inside-alpha', seed: o.seed + 1 },
    readout: { units: 'all', bias: 'per-output' },
    init: { seed: o.seed, recGain: o.recGain, inStd: Math.sqrt(2 / (o.n + 2)), outStd: Math.sqrt(2 / (o.n + 1)) },
  };
}

/**
 * A new, untrained network initialised as the reimplementation does: W = |N(0, (recGain/√N)²)| on the mask's
 * entries (zero elsewhere), W_in and W_out xavier-normal, biases zero.
 */
export function rhythmNetwork(options: Partial<RhythmNetworkOptions> = {}): Ctrnn {
  const o = resolveNetworkOptions(options);
  const model = ctrnn(rhythmNetworkConfig(o));
  const n = o.n;
  const mask = model.plan.mask!;
  const r = rng(o.seed + 3);
  const sd = o.recGain * Math.sqrt(2 / (n + n));
  const w = new Float32Array(n * n);
  for (let k = 0; k < n * n; k++) {
    const v = Math.abs(r.normal()) * sd;
    w[k] = mask[k] ? v : 0;
  }
  model.setWeights({ w });
  return model;
}

export interface RhythmTrainingOptions {
  /** Trials per batch (one batch of fresh trials per step, the reimplementation's "epoch"). Default 512. */
  batchSize: number;
  /** σ_in of the input noise (training only). Default 0.01. */
  inputNoiseSigma: number;
  /** Seed of the trials and noise: step k always gets the same batch and recurrent noise. Default 0. */
  seed: number;
  /** Further task options (periods, onsets, …). */
  task: Partial<RhythmTaskOptions>;
}

export const RHYTHM_TRAINING_DEFAULTS: Readonly<RhythmTrainingOptions> = Object.freeze({
  batchSize: 512,
  inputNoiseSigma: 0.01,
  seed: 0,
  task: {},
});

/** Seed of step k's trials (and, +1, of its recurrent noise): independent of how the run was split up. */
function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
}

/**
 * The training batch of step `step`: fresh noisy trials, time-major, as the trainer takes them. The model's
 * noise stream is reseeded for the step too, so a run resumed from a checkpoint sees exactly the trials and
 * noise an uninterrupted run would have seen.
 */
export function rhythmTrainingBatch(model: Ctrnn | null, step: number, options: Partial<RhythmTrainingOptions> = {}): Batch {
  const o = { ...RHYTHM_TRAINING_DEFAULTS, ...options };
  const s = stepSeed(o.seed, step);
  // The input-noise scaling uses the network's τ (seconds in the task, ms in the model).
  const tauMs = model && typeof model.config.tau === 'number' ? model.config.tau : RHYTHM_NETWORK_DEFAULTS.tau;
  const b = rhythmBatch(o.batchSize, s, { inputNoiseSigma: o.inputNoiseSigma, noiseTau: tauMs * 1e-3, ...o.task });
  if (model) model.reseedNoise(s + 1);
  return {
    inputs: { data: b.inputs, shape: [b.T, b.B, 2] },
    targets: { data: b.targets, shape: [b.T, b.B, 1] },
  };
}

export interface RhythmTrainOptions extends RhythmTrainingOptions {
  /** Total optimiser steps of the run, counting those already in the checkpoint. Default 10000. */
  steps: number;
  /** Stop when a step's loss is ≤ this (the reimplementation's early stop). Default 0.017. */
  threshold: number;
  /** Adam learning rate. Default 1e-3. */
  lr: number;
  /**
   * Checkpoint file (.h5 or .mat). When it exists, training resumes from it (weights, Adam moments, loss
   * history); it is rewritten atomically every `checkpointEvery` steps and at the end. Default none.
   */
  checkpoint?: string;
  /** Default 25. */
  checkpointEvery: number;
  /** Network options for a fresh start (ignored when resuming). */
  network: Partial<RhythmNetworkOptions>;
  /** Live progress line. Default true. */
  progress: boolean;
  onStep?: (info: StepInfo) => void | 'stop';
}

/** Where to start training from: a model with, optionally, its Adam state and loss history (e.g. a loaded checkpoint). */
export interface RhythmTrainStart {
  model: Ctrnn;
  optimizer?: Adam;
  losses?: number[];
}

export interface RhythmTrainRun {
  model: Ctrnn;
  result: TrainResult;
  /** Steps already in the checkpoint when this call started (0 for a fresh start). */
  resumedAt: number;
  /** Wall time per step of this call, ms. */
  msPerStep: number;
}

/**
 * Train (or keep training) the network on the rhythm task with ratelab's trainer: Adam, MSE over every time
 * step, a fresh batch per step, stop at `threshold` or after `steps`. Starts from, in this order: the
 * `checkpoint` file when it exists (resuming), `start` (a model, or a loaded checkpoint's model, Adam state and
 * losses), or a new `rhythmNetwork(network)`. A non-finite loss stops training before the update; the checkpoint
 * then holds the last good weights.
 */
export async function trainRhythmNetwork(options: Partial<RhythmTrainOptions> = {}, start?: Ctrnn | RhythmTrainStart): Promise<RhythmTrainRun> {
  const o: RhythmTrainOptions = {
    ...RHYTHM_TRAINING_DEFAULTS, steps: 10000, threshold: 0.017, lr: 1e-3, checkpointEvery: 25, network: {}, progress: true, ...options,
  };
  if (!(Number.isInteger(o.steps) && o.steps >= 0)) throw new Error(`trainRhythmNetwork: steps must be a non-negative integer, got ${o.steps}`);
  let model: Ctrnn;
  let optimizer: Adam | undefined;
  let history: number[] = [];
  const given = start instanceof Ctrnn ? { model: start } : start;
  if (o.checkpoint && fs.existsSync(o.checkpoint)) {
    const ck = await loadCheckpoint(o.checkpoint);
    if (given) given.model.dispose();
    model = ck.model;
    optimizer = ck.optimizer;
    history = ck.losses;
  } else if (given) {
    model = given.model;
    optimizer = given.optimizer;
    history = given.losses ? given.losses.slice() : [];
  } else model = rhythmNetwork(o.network);
  const resumedAt = history.length;
  const remaining = Math.max(0, o.steps - resumedAt);
  const done = history.length > 0 && history[history.length - 1] <= o.threshold;
  if (o.checkpoint) fs.mkdirSync(path.dirname(path.resolve(o.checkpoint)), { recursive: true });
  const save = o.checkpoint
    ? async (s: { model: Ctrnn; optimizer: Adam; losses: number[] }) =>
        saveCheckpoint(o.checkpoint!, { model: s.model, optimizer: s.optimizer, losses: s.losses })
    : undefined;
  const result = await train(model, {
    steps: done ? 0 : remaining,
    batch: (step) => rhythmTrainingBatch(model, step, o),
    loss: 'mse',
    lr: o.lr,
    optimizer,
    history,
    // The trainer stops on loss < threshold; the reimplementation on ≤. The difference is one float.
    threshold: o.threshold + Number.EPSILON,
    checkpoint: save,
    checkpointEvery: o.checkpointEvery,
    progress: o.progress,
    label: `rhythm N=${model.n}`,
    onStep: o.onStep,
  });
  return { model, result, resumedAt, msPerStep: result.msPerStep };
}

/** Loss of the model on a fixed noiseless evaluation batch (mean over trials and steps). */
export function rhythmEvalLoss(model: Ctrnn, batchSize = 64, seed = 12345): number {
  const b = rhythmBatch(batchSize, seed, { inputNoiseSigma: 0 });
  return tf.tidy(() => {
    const r = model.forward({ data: b.inputs, shape: [b.T, b.B, 2] }, { noise: false });
    const z = tf.tensor3d(b.targets, [b.T, b.B, 1]);
    return tf.mean(tf.squaredDifference(r.outputs, z)).dataSync()[0];
  });
}
