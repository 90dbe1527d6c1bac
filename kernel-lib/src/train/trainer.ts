/**
 * The training loop: loss + regularisers through the model's BPTT scan, global-norm clipping, Adam, the
 * Dale projection of `project-*` models, LR schedules, early stopping, frozen parameter groups, callbacks,
 * live progress and periodic checkpoints. Every step runs in tf.tidy, so the tensor count stays flat.
 */
import { tf } from '../backend';
import { Ctrnn, Sequence } from '../models/ctrnn';
import { progress as makeProgress, Progress } from '../notebook/progress';
import { Adam, AdamOptions } from './adam';
import { LossFn, LossName, lossValue, Regularization } from './losses';
import { learningRate, Schedule } from './schedule';

/** One training batch: time-major inputs [T, B, nIn], targets [T, B, nOut], optional mask (see losses.ts). */
export interface Batch {
  inputs: Sequence;
  targets: Sequence;
  mask?: Sequence | { data: ArrayLike<number>; shape: number[] };
  /** Which input matrix (AON task groups), for the batch or per trial. Default 0. */
  inputSet?: number | ArrayLike<number>;
  /** Per-trial initial states [B·N]. */
  x0?: ArrayLike<number>;
  /** Per-trial initial rates [B·N]. */
  r0?: ArrayLike<number>;
}

/** What a callback sees after each step. */
export interface StepInfo {
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
  msPerStep: number;
  model: Ctrnn;
}

export type StopReason = 'steps' | 'threshold' | 'patience' | 'non-finite' | 'callback' | 'interrupted';

export interface TrainOptions {
  /** Number of optimiser steps. */
  steps: number;
  /** A fixed batch, or a function of the step (0-based) giving a fresh one. */
  batch: Batch | ((step: number) => Batch);
  /** Default 'mse'. */
  loss?: LossName | LossFn;
  /**
   * What the loss compares with the targets: the readout `outputs` (default) or the `rates` themselves
   * (data-fitting models whose targets are recorded firing rates, e.g. AON; the readout is then unused).
   */
  fit?: 'outputs' | 'rates';
  /** Default 1e-3. */
  lr?: number;
  schedule?: Schedule;
  adam?: AdamOptions;
  /** Clip gradients by their global norm to this value. Default: no clipping. */
  clipNorm?: number;
  /** Train only these parameters (default: the model's trainable set). */
  train?: string[];
  /** Freeze these (e.g. ['w', 'w_in', 'w_out'] to train activation parameters only, pursuit stage 2). */
  freeze?: string[];
  regularization?: Regularization;
  /** Stop when the loss falls below this value. */
  threshold?: number;
  /** Stop when the best loss has not improved by `minDelta` for this many steps. */
  patience?: number;
  /** Default 0. */
  minDelta?: number;
  /** Called after every step; return 'stop' to end training. */
  onStep?: (info: StepInfo) => void | 'stop';
  /** Live progress (step, loss, time per step, ETA). Default true; false for none, or your own reporter. */
  progress?: boolean | { update(step: number, fields: Record<string, number | string>): void; done(): void };
  /** Label of the progress line. Default 'train'. */
  label?: string;
  /** Report progress every this many steps. Default 1 (the display throttles itself). */
  progressEvery?: number;
  /** Continue with this optimiser (e.g. from a checkpoint); default: a new Adam. */
  optimizer?: Adam;
  /** Loss history to continue (from a checkpoint); new losses are appended. */
  history?: number[];
  /** Called every `checkpointEvery` steps and at the end (e.g. to save a checkpoint). */
  checkpoint?: (state: TrainState) => void | Promise<void>;
  checkpointEvery?: number;
  /**
   * Stops training between steps when aborted. Default: the running notebook cell's signal (the ratelab kernel
   * aborts it on Interrupt), so "Interrupt" ends a long run with the weights of the last completed step.
   */
  signal?: AbortSignal;
}

/** The ratelab kernel publishes the running cell's AbortSignal here (kernel/src/interrupt.ts). */
function cellAbortSignal(): AbortSignal | undefined {
  const s = (globalThis as Record<symbol, unknown>)[Symbol.for('ratelab.kernel.abortSignal')];
  return s instanceof AbortSignal ? s : undefined;
}

/** The state a checkpoint needs. */
export interface TrainState {
  model: Ctrnn;
  optimizer: Adam;
  losses: number[];
  step: number;
}

export interface TrainResult {
  /** Loss of every step taken (including earlier history when resumed). */
  losses: number[];
  /** Steps taken in this call. */
  steps: number;
  stopReason: StopReason;
  /** Human-readable reason, e.g. which gradient was non-finite. */
  message: string;
  msPerStep: number;
  optimizer: Adam;
  [key: symbol]: unknown;
}

function toTensor3(s: Sequence, what: string): tf.Tensor3D {
  if (s instanceof tf.Tensor) {
    if (s.rank !== 3) throw new Error(`${what}: needs shape [T, B, ·], got [${s.shape}]`);
    return s;
  }
  if (s.shape.length !== 3) throw new Error(`${what}: needs shape [T, B, ·], got [${s.shape}]`);
  return tf.tensor3d(s.data instanceof Float32Array ? s.data : Float32Array.from(s.data), s.shape);
}

/** Resolve which parameters are optimised. */
export function trainableNames(model: Ctrnn, opts: { train?: string[]; freeze?: string[] }): string[] {
  const base = opts.train ?? [...model.trainable];
  for (const k of [...base, ...(opts.freeze ?? [])]) {
    if (!model.params[k]) throw new Error(`train: no parameter '${k}' (have ${Object.keys(model.params).join(', ')})`);
  }
  const frozen = new Set(opts.freeze ?? []);
  const names = base.filter((k) => !frozen.has(k));
  if (names.length === 0) throw new Error('train: every parameter is frozen; nothing to train');
  return names;
}

/** Loss of the model on one batch (with regularisers), as a scalar tensor. */
export function batchLoss(
  model: Ctrnn, b: Batch, loss: LossName | LossFn = 'mse', reg: Regularization = {},
  fwd: { noise?: boolean; reference?: boolean; fit?: 'outputs' | 'rates' } = {},
): tf.Scalar {
  return tf.tidy(() => {
    const r = model.forward(b.inputs, { inputSet: b.inputSet, x0: b.x0, r0: b.r0, noise: fwd.noise, reference: fwd.reference });
    const z = toTensor3(b.targets, 'batch.targets');
    const mask = b.mask ? tf.tensor(Float32Array.from(b.mask.data as ArrayLike<number>), b.mask.shape) : null;
    let l: tf.Scalar = lossValue(loss, fwd.fit === 'rates' ? r.rates : r.outputs, z, mask);
    for (const [k, c] of Object.entries(reg.l2 ?? {})) if (c) l = tf.add(l, tf.mul(c, tf.sum(tf.square(model.params[k])))) as tf.Scalar;
    for (const [k, c] of Object.entries(reg.l1 ?? {})) if (c) l = tf.add(l, tf.mul(c, tf.sum(tf.abs(model.params[k])))) as tf.Scalar;
    if (reg.rateL2) l = tf.add(l, tf.mul(reg.rateL2, tf.mean(tf.square(r.rates)))) as tf.Scalar;
    return l;
  });
}

/**
 * Train the model in place. A non-finite loss or gradient stops training before the update, so the last
 * good weights stay in the model; the result says which parameter went bad.
 */
export async function train(model: Ctrnn, opts: TrainOptions): Promise<TrainResult> {
  if (!(Number.isInteger(opts.steps) && opts.steps >= 0)) throw new Error(`train: 'steps' must be a non-negative integer, got ${opts.steps}`);
  const names = trainableNames(model, opts);
  const vars = names.map((k) => model.params[k]);
  const byVarName = new Map(names.map((k) => [model.params[k].name, k]));
  const optimizer = opts.optimizer ?? new Adam(opts.adam);
  const lr0 = opts.lr ?? 1e-3;
  const losses = opts.history ? opts.history.slice() : [];
  const startStep = losses.length;
  let bar: { update(step: number, fields: Record<string, number | string>): void; done(): void } | null = null;
  if (opts.progress === undefined || opts.progress === true) {
    const p: Progress = makeProgress({ total: opts.steps, label: opts.label ?? 'train' });
    bar = { update: (s, f) => p.update(s, f), done: () => p.done() };
  } else if (opts.progress) bar = opts.progress;
  const every = opts.progressEvery ?? 1;

  let best = Infinity, sinceBest = 0;
  let stopReason: StopReason = 'steps', message = `finished ${opts.steps} steps`;
  const t0 = performance.now();
  let taken = 0;
  const signal = opts.signal ?? cellAbortSignal();
  for (let i = 0; i < opts.steps; i++) {
    const step = startStep + i;
    // One event-loop turn per step lets progress updates go out and an interrupt be seen while training runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) {
      stopReason = 'interrupted';
      message = `interrupted before step ${step}; the weights are those of the last completed step`;
      break;
    }
    const batch = typeof opts.batch === 'function' ? opts.batch(step) : opts.batch;
    const lr = learningRate(opts.schedule, step, lr0);
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => batchLoss(model, batch, opts.loss, opts.regularization, { fit: opts.fit }), vars);
      // A parameter the loss does not reach this step (e.g. `w_in2` when the batch uses `w_in`) has no
      // gradient: it is left out of this update, including Adam's moments and step count.
      const named: Record<string, tf.Tensor> = {};
      for (const [vn, g] of Object.entries(grads)) if (g) named[byVarName.get(vn)!] = g;
      const used = names.filter((k) => named[k]);
      // Squared norm per parameter in one readback: it serves clipping and the non-finite check.
      const sq = tf.stack(used.map((k) => tf.sum(tf.square(named[k])))).dataSync();
      return { value: tf.keep(value), named: Object.fromEntries(Object.entries(named).map(([k, g]) => [k, tf.keep(g)])), sq: Array.from(sq), used };
    });
    const loss = out.value.dataSync()[0];
    const gradNorm = Math.sqrt(out.sq.reduce((a, b) => a + b, 0));
    const bad = out.used.filter((_, j) => !Number.isFinite(out.sq[j]));
    if (!Number.isFinite(loss) || bad.length > 0) {
      tf.dispose([out.value, ...Object.values(out.named)]);
      stopReason = 'non-finite';
      message = `step ${step}: ${!Number.isFinite(loss) ? `loss is ${loss}` : `gradient of ${bad.join(', ')} is not finite`}; ` +
        'stopped before the update, the weights are those of the last good step';
      break;
    }
    if (opts.clipNorm !== undefined && gradNorm > opts.clipNorm) {
      const scale = opts.clipNorm / gradNorm;
      for (const k of out.used) { const g = out.named[k]; out.named[k] = tf.mul(g, scale); g.dispose(); }
    }
    optimizer.apply(model.params, out.named, lr);
    model.project();
    tf.dispose([out.value, ...Object.values(out.named)]);
    losses.push(loss);
    taken++;
    const msPerStep = (performance.now() - t0) / taken;
    if (bar && (taken % every === 0 || i === opts.steps - 1)) bar.update(taken, { loss, 'ms/step': Math.round(msPerStep), lr });
    if (opts.checkpoint && opts.checkpointEvery && taken % opts.checkpointEvery === 0) {
      await opts.checkpoint({ model, optimizer, losses, step: step + 1 });
    }
    if (opts.onStep?.({ step, loss, gradNorm, lr, msPerStep, model }) === 'stop') {
      stopReason = 'callback'; message = `stopped by onStep at step ${step}`; break;
    }
    if (opts.threshold !== undefined && loss < opts.threshold) {
      stopReason = 'threshold'; message = `loss ${loss.toPrecision(4)} < threshold ${opts.threshold} at step ${step}`; break;
    }
    if (loss < best - (opts.minDelta ?? 0)) { best = loss; sinceBest = 0; } else sinceBest++;
    if (opts.patience !== undefined && sinceBest >= opts.patience) {
      stopReason = 'patience'; message = `no improvement for ${opts.patience} steps (best ${best.toPrecision(4)}) at step ${step}`; break;
    }
  }
  bar?.done();
  if (opts.checkpoint) await opts.checkpoint({ model, optimizer, losses, step: startStep + taken });
  const result: TrainResult = {
    losses, steps: taken, stopReason, message, optimizer,
    msPerStep: taken ? (performance.now() - t0) / taken : NaN,
  };
  result[Symbol.for('Jupyter.display')] = () => ({
    'text/plain': `trained ${taken} steps (${stopReason}: ${message}); final loss ${losses.length ? losses[losses.length - 1].toPrecision(4) : 'n/a'}; ${result.msPerStep.toFixed(0)} ms/step`,
  });
  return result;
}
