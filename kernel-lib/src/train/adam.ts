/**
 * Adam with its state in named tensors, so that it can be checkpointed and resumed exactly, and with
 * parameters left out (frozen) simply by not passing their gradients. tfjs's own optimiser hides its state
 * behind variable ids, which do not survive a save/load.
 */
import { tf } from '../backend';

export interface AdamOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
}

export interface AdamState {
  /** Updates applied so far (for bias correction, per parameter). */
  t: Record<string, number>;
  m: Record<string, { data: Float32Array; shape: number[] }>;
  v: Record<string, { data: Float32Array; shape: number[] }>;
}

/** A non-trainable variable from a tensor that is then freed (tf.variable keeps its own reference). */
function newVariable(x: tf.Tensor): tf.Variable {
  const v = tf.variable(x, false);
  x.dispose();
  return v;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();
  private t = new Map<string, number>();

  constructor(opts: AdamOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
  }

  /** One update of each named parameter with its gradient (already clipped), at learning rate lr. */
  apply(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    for (const [name, g] of Object.entries(grads)) {
      const p = params[name];
      if (!this.m.has(name)) {
        this.m.set(name, newVariable(tf.zerosLike(p)));
        this.v.set(name, newVariable(tf.zerosLike(p)));
        this.t.set(name, 0);
      }
      const t = this.t.get(name)! + 1;
      this.t.set(name, t);
      const m = this.m.get(name)!, v = this.v.get(name)!;
      tf.tidy(() => {
        m.assign(tf.add(tf.mul(b1, m), tf.mul(1 - b1, g)));
        v.assign(tf.add(tf.mul(b2, v), tf.mul(1 - b2, tf.square(g))));
        const stepSize = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        p.assign(tf.sub(p, tf.mul(stepSize, tf.div(m, tf.add(tf.sqrt(v), eps * Math.sqrt(1 - b2 ** t))))));
      });
    }
  }

  getState(): AdamState {
    const dump = (mp: Map<string, tf.Variable>) =>
      Object.fromEntries([...mp].map(([k, x]) => [k, { data: (x.dataSync() as Float32Array).slice(), shape: x.shape.slice() }]));
    return { t: Object.fromEntries(this.t), m: dump(this.m), v: dump(this.v) };
  }

  setState(s: AdamState): void {
    this.dispose();
    for (const k of Object.keys(s.t)) {
      if (!s.m[k] || !s.v[k]) throw new Error(`Adam state: parameter '${k}' has a step count but no m/v moments`);
      this.t.set(k, s.t[k]);
      this.m.set(k, newVariable(tf.tensor(s.m[k].data, s.m[k].shape)));
      this.v.set(k, newVariable(tf.tensor(s.v[k].data, s.v[k].shape)));
    }
  }

  dispose(): void {
    [...this.m.values(), ...this.v.values()].forEach((x) => x.dispose());
    this.m.clear(); this.v.clear(); this.t.clear();
  }
}
