/**
 * Loss and training of the AON model with the shared trainer. The loss is the original's:
 *   L = √(Σ_tasks Σ_bins Σ_units (r̄ − FR)²) + 1e-3·√(‖W‖² + ‖W_in‖² + ‖W_in2‖²)
 * where r̄ are the model rates after the warm-up averaged in blocks of 4 steps (700 → 175 bins). Training:
 * Adam (lr 1e-3), global-norm clipping at 1.0 over the five trained parameters, the row-wise sign projection
 * after each step, stop at loss ≤ 1.0 or after 200 steps without improvement by more than 1e-6.
 */
import { tf } from '../../backend';
import { Ctrnn } from '../../models/ctrnn';
import { LossFn } from '../../train/losses';
import { Batch, train, TrainOptions, TrainResult } from '../../train/trainer';
import { AON_TRAINED } from './model';

export interface AonLossOptions {
  /** Warm-up steps (the original's `thermal`). Default 100. */
  warmup?: number;
  /** Steps averaged per bin. Default 4. */
  window?: number;
  /** Coefficient of the weight-norm term. Default 1e-3. */
  regularization?: number;
}

/**
 * Mean of model rates [T−1, B, N] over blocks of `window` steps after the warm-up → [bins, B, N]. The model's
 * rate k is the original's r_{k+1} (see stimulus.ts), so the original's r[warmup:] starts at k = warmup − 1.
 */
export function binRates(rates: tf.Tensor3D, bins: number, warmup = 100, window = 4): tf.Tensor3D {
  return tf.tidy(() => {
    const [T, B, N] = rates.shape;
    const start = warmup - 1;
    if (start + bins * window > T) {
      throw new Error(`binRates: ${bins} bins of ${window} steps after warm-up ${warmup} need ${start + bins * window} model steps, have ${T}`);
    }
    const kept = tf.slice(rates, [start, 0, 0], [bins * window, B, N]);
    return tf.mean(tf.reshape(kept, [bins, window, B, N]), 1) as tf.Tensor3D;
  });
}

/** The original loss as a trainer loss function on rates (use with `fit: 'rates'`). */
export function aonLoss(model: Ctrnn, opts: AonLossOptions = {}): LossFn {
  const warmup = opts.warmup ?? 100, window = opts.window ?? 4, reg = opts.regularization ?? 1e-3;
  return (rates, targets) => tf.tidy(() => {
    const bins = targets.shape[0];
    const binned = binRates(rates, bins, warmup, window);
    if (binned.shape.join() !== targets.shape.join()) {
      throw new Error(`aonLoss: binned rates [${binned.shape}] and targets [${targets.shape}] differ in shape`);
    }
    const data = tf.sqrt(tf.sum(tf.squaredDifference(binned, targets)));
    const P = model.params;
    const norm = tf.sqrt(tf.addN([tf.sum(tf.square(P.w)), tf.sum(tf.square(P.w_in)), tf.sum(tf.square(P.w_in2))]));
    return tf.add(data, tf.mul(reg, norm)) as tf.Scalar;
  });
}

export interface AonTrainOptions extends AonLossOptions {
  /** Optimiser steps at most. */
  steps: number;
  /** Default 1e-3. */
  lr?: number;
  /** Learning-rate schedule (default constant, as the original). */
  schedule?: TrainOptions['schedule'];
  /** Global-norm clip. Default 1.0. */
  clipNorm?: number;
  /** Stop when the loss falls to this value. Default 1.0. */
  threshold?: number;
  /** Stop after this many steps without improvement. Default 200. */
  patience?: number;
  /** Passed through to the trainer. */
  progress?: TrainOptions['progress'];
  onStep?: TrainOptions['onStep'];
  checkpoint?: TrainOptions['checkpoint'];
  checkpointEvery?: number;
  optimizer?: TrainOptions['optimizer'];
  history?: number[];
  label?: string;
}

/**
 * Train in place on a `taskBatch` with targets. Adam's ε is Keras's default 1e-7 (the original uses
 * tf.keras.optimizers.Adam); ratelab's Adam adds ε·√(1 − β₂ᵗ) rather than ε to √v̂-scaled moments, a
 * difference far below the gradient noise of a 355-unit fit.
 */
export function trainAon(model: Ctrnn, batch: Batch, opts: AonTrainOptions): Promise<TrainResult> {
  return train(model, {
    steps: opts.steps,
    batch,
    loss: aonLoss(model, opts),
    fit: 'rates',
    train: AON_TRAINED,
    lr: opts.lr ?? 1e-3,
    schedule: opts.schedule,
    adam: { epsilon: 1e-7 },
    clipNorm: opts.clipNorm ?? 1.0,
    // The original stops at loss ≤ 1.0; the trainer's test is strict (<): equal only at exactly 1.0.
    threshold: opts.threshold ?? 1.0,
    patience: opts.patience ?? 200,
    minDelta: 1e-6,
    progress: opts.progress,
    onStep: opts.onStep,
    checkpoint: opts.checkpoint,
    checkpointEvery: opts.checkpointEvery,
    optimizer: opts.optimizer,
    history: opts.history,
    label: opts.label ?? 'AON fit',
  });
}

/** Loss of the model on the batch without training (same definition). */
export function evaluateAonLoss(model: Ctrnn, batch: Batch, opts: AonLossOptions = {}): number {
  const l = tf.tidy(() => {
    const r = model.forward(batch.inputs, { inputSet: batch.inputSet, x0: batch.x0, r0: batch.r0 });
    const z = batch.targets instanceof tf.Tensor ? batch.targets : tf.tensor3d(batch.targets.data as Float32Array, batch.targets.shape);
    return aonLoss(model, opts)(r.rates, z as tf.Tensor3D, null);
  });
  const v = l.dataSync()[0];
  l.dispose();
  return v;
}
