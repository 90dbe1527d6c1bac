/**
 * Rate nonlinearities r = f(a) with their derivatives, written in tfjs ops. The fused scan (scan.ts) needs f'
 * explicitly because it runs its own backward pass through time; generic autodiff only sees the whole scan.
 */
import { tf } from '../backend';

export type ActivationName = 'relu' | 'tanh' | 'retanh' | 'sigmoid' | 'softplus' | 'linear';

/** A nonlinearity: `f` and its elementwise derivative `df` (both take the pre-activation a). */
export interface Activation {
  name: string;
  f(a: tf.Tensor): tf.Tensor;
  df(a: tf.Tensor): tf.Tensor;
  /** Same f in plain float64 JS, used by references and analyses (optional for custom ones). */
  fScalar?: (a: number) => number;
}

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

/** Built-in nonlinearities. `retanh` is max(tanh a, 0), the smooth-pursuit network's rate function. */
export const ACTIVATIONS: Record<ActivationName, Activation> = {
  relu: { name: 'relu', f: (a) => tf.relu(a), df: (a) => tf.step(a), fScalar: (a) => Math.max(a, 0) },
  tanh: {
    name: 'tanh',
    f: (a) => tf.tanh(a),
    df: (a) => tf.tidy(() => { const t = tf.tanh(a); return tf.sub(1, tf.mul(t, t)); }),
    fScalar: Math.tanh,
  },
  retanh: {
    name: 'retanh',
    f: (a) => tf.relu(tf.tanh(a)),
    df: (a) => tf.tidy(() => { const t = tf.tanh(a); return tf.mul(tf.sub(1, tf.mul(t, t)), tf.step(a)); }),
    fScalar: (a) => Math.max(Math.tanh(a), 0),
  },
  sigmoid: {
    name: 'sigmoid',
    f: (a) => tf.sigmoid(a),
    df: (a) => tf.tidy(() => { const s = tf.sigmoid(a); return tf.mul(s, tf.sub(1, s)); }),
    fScalar: sigmoid,
  },
  softplus: { name: 'softplus', f: (a) => tf.softplus(a), df: (a) => tf.sigmoid(a), fScalar: (a) => Math.log1p(Math.exp(a)) },
  linear: { name: 'linear', f: (a) => tf.clone(a), df: (a) => tf.onesLike(a), fScalar: (a) => a },
};

/** Look up a built-in by name, or accept a custom `{name, f, df}`. */
export function resolveActivation(a: ActivationName | Activation): Activation {
  if (typeof a !== 'string') {
    if (typeof a.f !== 'function' || typeof a.df !== 'function') {
      throw new Error(`activation '${a.name}': a custom activation needs both f and df (its derivative)`);
    }
    return a;
  }
  const act = ACTIVATIONS[a];
  if (!act) throw new Error(`activation: unknown '${a}' (one of ${Object.keys(ACTIVATIONS).join(', ')}, or {name, f, df})`);
  return act;
}
