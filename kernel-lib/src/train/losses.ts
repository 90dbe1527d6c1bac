/**
 * Losses between outputs o and targets z, [T, B, nOut], with an optional mask broadcastable to that shape
 * ([T, 1, 1] masks time steps, [T, B, 1] steps per trial, [T, B, nOut] single entries).
 */
import { tf } from '../backend';

/**
 * - `mse`: Σ m(o − z)² / Σ m (mean over the masked entries, PsychRNN);
 * - `sse`: Σ m(o − z)² (sum of squares);
 * - `rss`: √(Σ m(o − z)²) (root of the sum of squares, the smooth-pursuit code's loss).
 */
export type LossName = 'mse' | 'sse' | 'rss';

/** A custom loss: outputs, targets and mask (or null) to a scalar. */
export type LossFn = (outputs: tf.Tensor3D, targets: tf.Tensor3D, mask: tf.Tensor | null) => tf.Scalar;

export function lossValue(name: LossName | LossFn, o: tf.Tensor3D, z: tf.Tensor3D, mask: tf.Tensor | null): tf.Scalar {
  if (typeof name === 'function') return name(o, z, mask);
  if (o.shape.join() !== z.shape.join()) throw new Error(`loss: outputs [${o.shape}] and targets [${z.shape}] differ in shape`);
  return tf.tidy(() => {
    let sq: tf.Tensor = tf.squaredDifference(o, z);
    if (mask) sq = tf.mul(sq, mask);
    const total = tf.sum(sq) as tf.Scalar;
    switch (name) {
      case 'sse':
        return total;
      case 'rss':
        return tf.sqrt(total) as tf.Scalar;
      case 'mse': {
        const count = mask ? tf.sum(tf.mul(tf.onesLike(o), mask)) : tf.scalar(o.size);
        return tf.div(total, tf.maximum(count, 1)) as tf.Scalar;
      }
      default:
        throw new Error(`loss: unknown '${name as string}' (one of mse, sse, rss, or a function)`);
    }
  });
}

/** Regularisers added to the loss. Coefficients default to 0 (off). */
export interface Regularization {
  /** coef · Σ p² per named parameter (e.g. { w: 1e-4, w_in: 1e-4 }). */
  l2?: Record<string, number>;
  /** coef · Σ |p| per named parameter. */
  l1?: Record<string, number>;
  /** coef · mean(r²) over time, trials and units (rate regulariser). */
  rateL2?: number;
}
