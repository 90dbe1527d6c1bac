/**
 * Fixed points of a rate network at a constant input, found the FixedPointFinder way (Golub & Sussillo 2018,
 * JOSS 3:1003): many initial states, sampled from the network's own trajectories plus noise, are moved jointly
 * by Adam downhill on q(x) = ½‖F(x, u) − x‖², where F is one step of the network (the map x_{t−1} ↦ x_t).
 * Points where q reaches ~0 are fixed points; local minima with small q > 0 are "slow points".
 *
 * What happens after the optimisation, in FixedPointFinder's order: duplicates are merged (points closer than
 * `tolUnique` in every coordinate, the one with the lowest q kept), points far from the initial states are
 * dropped as outliers, and the Jacobian dF/dx at each remaining point is taken by reverse-mode autodiff and
 * eigen-decomposed. Stability is reported twice: for the continuous-time system dx/dt = (F(x) − x)/dt
 * (every Re λ < 0, `isStable`) and for the discrete map (every |λ| < 1, `isStableDiscrete`). For an Euler-
 * discretised CT-RNN with dt ≤ τ both usually agree; they differ where the step is coarse.
 *
 * The entry point takes either a `Ctrnn` (its weights are read once, when the search starts) or a plain step
 * function `(x: [B, N], u: [B, nIn]) => F(x, u): [B, N]` that treats rows independently, like every RNN step:
 *
 * ```ts
 * import * as rl from 'ratelab';
 * const run = model.forward(inputs, { states: true, noise: false });          // states [T, B, N]
 * const x0 = rl.sampleStates(run.states!, { n: 256, noise: 0.05, seed: 0 }); // Dense2D [256, N]
 * const fps = await rl.findFixedPoints(model, { input: [0, 0, 0], initialStates: x0 });
 * fps.xstar;       // Dense2D [K, N], one row per unique fixed point
 * fps.isStable;    // boolean[K]  (continuous time: every Re λ of (J − I)/dt < 0)
 * fps.eigvals[0];  // { real, imag } of dF/dx at the first point, largest |λ| first
 * // A custom system: ẋ = x − x³ in each coordinate, Euler step dt = 0.1, from 200 states around the origin.
 * const dt = 0.1;
 * const step = (x: rl.tf.Tensor2D) => rl.tf.add(x, rl.tf.mul(dt, rl.tf.sub(x, rl.tf.pow(x, 3)))) as rl.tf.Tensor2D;
 * const starts = rl.sampleStates({ data: [0, 0], shape: [1, 2] }, { n: 200, noise: 1, seed: 0 });
 * const bi = await rl.findFixedPoints(step, { initialStates: starts, dt });   // 9 points, 4 of them stable
 * ```
 *
 * Arithmetic is float32 (tfjs) with FixedPointFinder's tolerances: for large networks q can stall at the
 * float32 rounding floor above tolQ, and the search then runs to `maxIters` (see `stopReason`). Speeds are reported in continuous time, ‖F(x) − x‖/dt = ‖dx/dt‖,
 * so that they do not depend on the integration step.
 */
import { tf } from '../backend';
import { Ctrnn } from '../models/ctrnn';
import { progress as makeProgress } from '../notebook/progress';
import { rng } from '../random';
import { Adam } from '../train/adam';
import { Dense2D } from './dense';
import { eig, eigvals as eigvalsOnly } from './linalg';

/** One step of a discrete-time system, batched over rows: x [B, N], u [B, nIn] ↦ F(x, u) [B, N]. */
export type StepFunction = (x: tf.Tensor2D, u: tf.Tensor2D) => tf.Tensor2D;

/** Row-major numbers with a shape, e.g. a `Dense2D` or `{ data: Float32Array, shape: [B, N] }`. */
export interface Array2D {
  data: ArrayLike<number>;
  shape: [number, number];
}

/** The adaptive learning rate of FixedPointFinder (recurrent-whisperer's AdaptiveLearningRate, no warm-up). */
export interface AdaptiveLrOptions {
  /** Default 1. */
  initialRate?: number;
  /** Rate × decreaseFactor when the latest q is worse than every one of the previous `minStepsPerDecrease`. Default 0.95. */
  decreaseFactor?: number;
  /** Default 5. */
  minStepsPerDecrease?: number;
  /** Rate × increaseFactor after `minStepsPerIncrease` steps of monotone improvement. Default 1/0.95. */
  increaseFactor?: number;
  /** Default 5. */
  minStepsPerIncrease?: number;
}

/**
 * Options of `findFixedPoints`, with FixedPointFinder's defaults (its `_default_hps` names in brackets).
 */
export interface FixedPointOptions {
  /**
   * Initial states, row-major [B, N] (e.g. from `sampleStates`). For a `Ctrnn` these are states x (before the
   * nonlinearity), the variable the model integrates.
   */
  initialStates: Array2D;
  /**
   * The constant input u: one vector of length nIn used for every initial state, or [B, nIn] (one per initial
   * state). Default zeros (nIn from the model; 0 for a step function without input).
   */
  input?: ArrayLike<number> | Array2D;
  /** `Ctrnn` only: which input matrix (0 = `w_in`). Default 0. */
  inputSet?: number;
  /** Step of the map in time units, for continuous-time speeds and eigenvalues. Default: the model's dt, or 1. */
  dt?: number;
  /** Stop when every point has q < tolQ [tol_q]. Default 1e-12. */
  tolQ?: number;
  /** … or |Δq| < tolDq · learning rate [tol_dq]. Default 1e-20. */
  tolDq?: number;
  /** [max_iters] Default 5000. */
  maxIters?: number;
  /** Points closer than this in every coordinate (state and input) are one fixed point [tol_unique]. Default 1e-3. */
  tolUnique?: number;
  /**
   * Drop points farther from the centroid of the initial states than this many times the initial states' mean
   * distance to it [outlier_distance_scale]; `Infinity` keeps all [do_exclude_distance_outliers]. Default 10.
   */
  outlierDistanceScale?: number;
  /**
   * Keep at most this many unique points, a random subset (seeded by `seed`) [max_n_unique]. Useful when many
   * slow points survive: each Jacobian costs an N×N eigen-decomposition (seconds at N = 500). Default Infinity.
   */
  maxUnique?: number;
  /** Seed of the `maxUnique` subset [random_seed]. Default 0. */
  seed?: number;
  /** Adaptive learning rate [alr_hps]. */
  lr?: AdaptiveLrOptions;
  /** Adam's constants [adam_hps]. Default β1 0.9, β2 0.999, ε 0.01 (FixedPointFinder's large ε). */
  adam?: { beta1?: number; beta2?: number; epsilon?: number };
  /**
   * Adaptive gradient-norm clipping [agnc_hps]: clip at this percentile of the last `window` gradient norms.
   * Default { percentile: 95, window: 128 }; `false` turns clipping off.
   */
  clip?: { percentile?: number; window?: number } | false;
  /** Compute dF/dx at each fixed point [do_compute_jacobians]. Default true. */
  jacobians?: boolean;
  /** Eigenvalues of each Jacobian (needed for stability) [do_decompose_jacobians]. Default true. */
  decompose?: boolean;
  /** Also eigenvectors (`eig`, several times slower than eigenvalues alone). Default false. */
  eigenvectors?: boolean;
  /** Live progress (iteration, mean q, learning rate). Default true. */
  progress?: boolean;
  /** Label of the progress line. Default 'fixed points'. */
  label?: string;
}

/** Why the optimisation stopped. */
export type FixedPointStopReason = 'tolerance' | 'max-iters' | 'non-finite';

/** Eigenvalues, real and imaginary parts. */
export interface EigenvalueSet {
  real: Float64Array;
  imag: Float64Array;
}

/** The optimisation before duplicates and outliers were removed (FixedPointFinder's `all_fps`). */
export interface AllFixedPointCandidates {
  /** [B, N], one row per initial state. */
  xstar: Dense2D;
  qstar: Float64Array;
  initialStates: Dense2D;
  /** [B, nIn] */
  inputs: Dense2D;
  /** Index of the unique fixed point each candidate merged into, or −1 (outlier or non-finite). */
  assignment: Int32Array;
}

const DEFAULTS = {
  tolQ: 1e-12,
  tolDq: 1e-20,
  maxIters: 5000,
  tolUnique: 1e-3,
  outlierDistanceScale: 10,
  lr: { initialRate: 1, decreaseFactor: 0.95, minStepsPerDecrease: 5, increaseFactor: 1 / 0.95, minStepsPerIncrease: 5 },
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 0.01 },
  clip: { percentile: 95, window: 128 },
} as const;

/** The fields of `FixedPoints` that a search fills in. */
export type FixedPointsData = Pick<FixedPoints,
  'dt' | 'xstar' | 'inputs' | 'qstar' | 'speed' | 'n_iters' | 'counts' | 'jacobians' | 'eigvals' | 'eigvalsContinuous' |
  'eigvecs' | 'isStable' | 'isStableDiscrete' | 'stopReason' | 'message' | 'history' | 'all' | 'timing'>;

/**
 * The unique fixed points of one search, with their Jacobians and stability. Row k of every per-point field
 * belongs to the same point; points are ordered by q (best first).
 */
export class FixedPoints {
  /** Number of unique fixed points K. */
  readonly n: number;
  /** State dimension N. */
  readonly dim: number;
  /** Time step of the map (continuous-time quantities divide by it). */
  readonly dt: number;
  /** [K, N] */
  readonly xstar: Dense2D;
  /** [K, nIn], the input each point was found at. */
  readonly inputs: Dense2D;
  /** q = ½‖F(x*) − x*‖² of the map, as optimised. */
  readonly qstar: Float64Array;
  /** Continuous-time speed ‖F(x*) − x*‖/dt = ‖dx/dt‖ at each point (independent of dt for an Euler step). */
  readonly speed: Float64Array;
  /** Iterations of the joint optimisation (the same for every point, as in FixedPointFinder's joint mode). */
  readonly n_iters: number;
  /** How many initial states ended at each point (after merging duplicates). */
  readonly counts: Int32Array;
  /** dF/dx of the map at each point, [N, N] each (row i = ∂F_i/∂x); null when not computed. */
  readonly jacobians: Dense2D[] | null;
  /** Eigenvalues of each Jacobian (the map's), largest |λ| first; null when not decomposed. */
  readonly eigvals: EigenvalueSet[] | null;
  /** Continuous-time eigenvalues (λ − 1)/dt, in the same order as `eigvals`. */
  readonly eigvalsContinuous: EigenvalueSet[] | null;
  /** Eigenvectors (LAPACK packed layout, see `Eigen`), in the order of `eigvals`; only with `eigenvectors: true`. */
  readonly eigvecs: Dense2D[] | null;
  /** Continuous-time stability: every Re λ < 0 (λ of (J − I)/dt). */
  readonly isStable: boolean[] | null;
  /** Discrete-map stability: every |λ| < 1 (λ of J). */
  readonly isStableDiscrete: boolean[] | null;
  readonly stopReason: FixedPointStopReason;
  readonly message: string;
  /** Mean q and learning rate of every iteration. */
  readonly history: { q: Float64Array; lr: Float64Array };
  /** Every optimised initial state before merging, and where it went. */
  readonly all: AllFixedPointCandidates;
  /** Seconds spent optimising, on Jacobians, and on eigen-decompositions. */
  readonly timing: { optimise: number; jacobians: number; decompose: number };
  [key: symbol]: unknown;

  constructor(f: FixedPointsData) {
    this.dt = f.dt; this.xstar = f.xstar; this.inputs = f.inputs; this.qstar = f.qstar; this.speed = f.speed;
    this.n_iters = f.n_iters; this.counts = f.counts; this.jacobians = f.jacobians; this.eigvals = f.eigvals;
    this.eigvalsContinuous = f.eigvalsContinuous; this.eigvecs = f.eigvecs; this.isStable = f.isStable;
    this.isStableDiscrete = f.isStableDiscrete; this.stopReason = f.stopReason; this.message = f.message;
    this.history = f.history; this.all = f.all; this.timing = f.timing;
    this.n = f.xstar.shape[0];
    this.dim = f.xstar.shape[1];
    this[Symbol.for('Jupyter.display')] = () => ({ 'text/plain': this.toString() });
  }

  /** Number of stable points (continuous time), or NaN without eigenvalues. */
  get stableCount(): number {
    return this.isStable ? this.isStable.filter(Boolean).length : NaN;
  }

  toString(): string {
    const q = Array.from(this.qstar);
    const sp = Array.from(this.speed);
    const range = (a: number[]) => (a.length ? `${Math.min(...a).toExponential(1)}–${Math.max(...a).toExponential(1)}` : 'n/a');
    const stab = this.isStable ? `, ${this.stableCount} stable / ${this.n - this.stableCount} unstable` : '';
    return `FixedPoints: ${this.n} unique point${this.n === 1 ? '' : 's'} in N = ${this.dim}${stab} from ${this.all.xstar.shape[0]} initial states; ` +
      `q ${range(q)}, speed ‖dx/dt‖ ${range(sp)}; ${this.n_iters} iterations (${this.stopReason}: ${this.message})`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Step functions

/** A step function with the sizes and time step that go with it. */
export interface SystemStep {
  step: StepFunction;
  /** State dimension, when known. */
  n?: number;
  nIn: number;
  dt: number;
  /** Frees tensors the step keeps (weights copied at build time). */
  dispose(): void;
}

/**
 * One step of a `Ctrnn` as a batched, differentiable function of the state, without noise or perturbations:
 * F(x, u) = (1 − α)⊙x + α⊙(W_eff r(x) + W_in u + b),  r(x) = k ⊙ f(g ⊙ (x − θ) + e),  α = dt/τ.
 * The weights are read now (later training does not change this step). Its gradient is written out (not taped)
 * so that the backward pass uses only non-transposed products: transposed `matMul` is 10–30× slower on wasm.
 */
export function ctrnnStep(model: Ctrnn, opts: { inputSet?: number } = {}): SystemStep {
  const n = model.n;
  const setIdx = opts.inputSet ?? 0;
  const wInName = setIdx === 0 ? 'w_in' : `w_in${setIdx + 1}`;
  if (!model.params[wInName]) throw new Error(`ctrnnStep: inputSet ${setIdx} needs '${wInName}', which this model does not have`);
  const act = model.activation;
  const P = model.params;
  const k = tf.tidy(() => {
    const w = model.effectiveWTensor();
    const alpha = tf.div(model.dt, model.tauTensor()).reshape([1, n]);
    const gain = P.gain.reshape([1, n]);
    return {
      wAT: tf.mul(tf.transpose(w), alpha) as tf.Tensor2D,
      wA: tf.mul(w, alpha.reshape([n, 1])) as tf.Tensor2D,
      wInT: tf.transpose(P[wInName]) as tf.Tensor2D,
      b: P.b.reshape([1, n]),
      alpha,
      oneMinusAlpha: tf.sub(1, alpha),
      gain,
      shift: tf.sub(P.ext_bias, tf.mul(P.gain, P.threshold)).reshape([1, n]),
      resp: P.resp_gain.reshape([1, n]),
      respGain: tf.mul(P.resp_gain, P.gain).reshape([1, n]),
    };
  });
  const kept = Object.values(k);
  kept.forEach((t) => tf.keep(t));
  const preact = (x: tf.Tensor) => tf.add(tf.mul(x, k.gain), k.shift);
  const step: StepFunction = (x, u) => {
    if (x.shape[1] !== n) throw new Error(`ctrnnStep: states have ${x.shape[1]} columns, the model has N = ${n}`);
    if (u.shape[1] !== model.nIn) throw new Error(`ctrnnStep: inputs have ${u.shape[1]} columns, the model has nIn = ${model.nIn}`);
    const drive = tf.tidy(() => tf.mul(tf.add(tf.matMul(u, k.wInT), k.b), k.alpha));
    const f = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      const xt = xx as tf.Tensor2D;
      (save as tf.GradSaveFunc)([xt]);
      const r = tf.mul(act.f(preact(xt)), k.resp);
      const value = tf.add(tf.add(tf.mul(xt, k.oneMinusAlpha), tf.matMul(r, k.wAT)), drive) as tf.Tensor2D;
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          // dF/dx = diag(1 − α) + diag(α) W diag(k f'(a) g): dx = dy(1 − α) + (dy · (α⊙W)) ⊙ k f'(a) g.
          tf.add(tf.mul(dy, k.oneMinusAlpha), tf.mul(tf.matMul(dy as tf.Tensor2D, k.wA), tf.mul(act.df(preact(saved[0])), k.respGain))),
      };
    });
    const out = f(x) as tf.Tensor2D;
    drive.dispose();
    return out;
  };
  return { step, n, nIn: model.nIn, dt: model.dt, dispose: () => tf.dispose(kept) };
}

function isCtrnn(s: unknown): s is Ctrnn {
  return s instanceof Ctrnn;
}

/** The step of a model or a step function, as one shape. `dt` overrides the model's. */
export function systemStep(system: Ctrnn | StepFunction, opts: { inputSet?: number; dt?: number; nIn?: number } = {}): SystemStep {
  if (isCtrnn(system)) {
    const s = ctrnnStep(system, opts);
    if (opts.dt !== undefined && opts.dt !== system.dt) {
      throw new Error(`dt: a Ctrnn steps by its own dt (${system.dt}); got dt = ${opts.dt}. Leave dt out for a model`);
    }
    return s;
  }
  if (typeof system !== 'function') throw new Error('system: needs a Ctrnn or a step function (x: [B, N], u: [B, nIn]) => [B, N]');
  const dt = opts.dt ?? 1;
  if (!(dt > 0)) throw new Error(`dt must be > 0, got ${dt}`);
  return { step: system, nIn: opts.nIn ?? 0, dt, dispose: () => {} };
}

// ---------------------------------------------------------------------------------------------------------------
// Initial states

export interface SampleStatesOptions {
  /** How many states to draw (with replacement, like FixedPointFinder). */
  n: number;
  /** Std of i.i.d. Gaussian noise added to each sampled state. Default 0. */
  noise?: number;
  /** Default 0. */
  seed?: number;
  /** [T, B] mask (row-major, nonzero = may be sampled), e.g. to skip the transient at the start. Default: all. */
  valid?: ArrayLike<number | boolean>;
}

/**
 * Draw initial states for `findFixedPoints` from trajectories, time-major [T, B, N] as `Ctrnn.forward` returns
 * them (a tf.Tensor3D or `{ data, shape }`), or already flat [T·B, N]. Returns a `Dense2D` [n, N].
 */
export function sampleStates(states: tf.Tensor | { data: ArrayLike<number>; shape: number[] }, opts: SampleStatesOptions): Dense2D {
  const shape = states.shape;
  const data = states instanceof tf.Tensor ? states.dataSync() : states.data;
  if (shape.length !== 2 && shape.length !== 3) throw new Error(`sampleStates: states need shape [T, B, N] or [rows, N], got [${shape}]`);
  const N = shape[shape.length - 1];
  const rows = shape.length === 3 ? shape[0] * shape[1] : shape[0];
  if (data.length !== rows * N) throw new Error(`sampleStates: states hold ${data.length} values, shape [${shape}] needs ${rows * N}`);
  if (!(Number.isInteger(opts.n) && opts.n >= 1)) throw new Error(`sampleStates: n must be a positive integer, got ${opts.n}`);
  const noise = opts.noise ?? 0;
  if (!(noise >= 0)) throw new Error(`sampleStates: noise must be ≥ 0, got ${noise}`);
  let pool: number[] | null = null;
  if (opts.valid) {
    if (opts.valid.length !== rows) throw new Error(`sampleStates: valid needs ${rows} entries (T·B), got ${opts.valid.length}`);
    pool = [];
    for (let i = 0; i < rows; i++) if (opts.valid[i]) pool.push(i);
    if (pool.length === 0) throw new Error('sampleStates: valid marks no state as usable');
  }
  const r = rng(opts.seed ?? 0);
  const out = new Float64Array(opts.n * N);
  for (let k = 0; k < opts.n; k++) {
    const row = pool ? pool[r.int(pool.length)] : r.int(rows);
    for (let j = 0; j < N; j++) {
      const v = data[row * N + j];
      if (!Number.isFinite(v)) throw new Error(`sampleStates: state row ${row} holds a non-finite value`);
      out[k * N + j] = v + (noise > 0 ? noise * r.normal() : 0);
    }
  }
  return { data: out, shape: [opts.n, N] };
}

// ---------------------------------------------------------------------------------------------------------------
// The search

/** FixedPointFinder's AdaptiveLearningRate (decrease first, then increase; no warm-up). */
class AdaptiveRate {
  rate: number;
  private step = 0;
  private lastUpdate = -1;
  private log: number[] = [];
  constructor(private o: Required<AdaptiveLrOptions>) {
    this.rate = o.initialRate;
  }
  update(loss: number): void {
    this.log.push(loss);
    if (this.log.length > 64) this.log.shift();
    const s = this.step;
    if (s === 0) this.lastUpdate = s;
    else if (s >= this.lastUpdate + this.o.minStepsPerDecrease && this.worseThanWindow(this.o.minStepsPerDecrease)) {
      this.rate *= this.o.decreaseFactor;
      this.lastUpdate = s;
    } else if (s >= this.lastUpdate + this.o.minStepsPerIncrease && this.monotone(this.o.minStepsPerIncrease)) {
      this.rate *= this.o.increaseFactor;
      this.lastUpdate = s;
    }
    this.step = s + 1;
  }
  private worseThanWindow(n: number): boolean {
    const w = this.log.slice(-(n + 1));
    const last = w[w.length - 1];
    return w.slice(0, -1).every((v) => last > v);
  }
  private monotone(n: number): boolean {
    const w = this.log.slice(-(n + 1));
    for (let i = 1; i < w.length; i++) if (!(w[i] < w[i - 1])) return false;
    return true;
  }
}

/** recurrent-whisperer's AdaptiveGradNormClip: clip at a percentile of recent gradient norms (numpy's linear rule). */
class AdaptiveClip {
  value = 1e12;
  private norms: number[] = [];
  private step = 0;
  constructor(private percentile: number, private window: number) {}
  update(norm: number): void {
    if (this.norms.length < this.window) this.norms.push(norm);
    else this.norms[this.step % this.window] = norm;
    this.step++;
    const s = this.norms.slice().sort((a, b) => a - b);
    const pos = (this.percentile / 100) * (s.length - 1);
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    this.value = Math.min(s[lo] + (s[hi] - s[lo]) * (pos - lo), 1e12);
  }
}

function asArray2D(a: Array2D, what: string): Array2D {
  const [r, c] = a.shape ?? [];
  if (!(Number.isInteger(r) && Number.isInteger(c) && r >= 1 && c >= 0)) throw new Error(`${what}: shape must be [rows, columns], got [${a.shape}]`);
  if (a.data.length !== r * c) throw new Error(`${what}: ${a.data.length} values for shape [${r}, ${c}]`);
  return a;
}

function inputRows(input: FixedPointOptions['input'], B: number, nIn: number | null): Float32Array & { nIn?: number } {
  if (input === undefined) return Object.assign(new Float32Array(B * (nIn ?? 0)), { nIn: nIn ?? 0 });
  if ('shape' in (input as object) && 'data' in (input as object)) {
    const a = asArray2D(input as Array2D, 'findFixedPoints: input');
    const [r, c] = a.shape;
    if (nIn !== null && c !== nIn) throw new Error(`findFixedPoints: input has ${c} columns, the model has nIn = ${nIn}`);
    if (r === 1) return inputRows(Array.from(a.data), B, c);
    if (r !== B) throw new Error(`findFixedPoints: input has ${r} rows; needs 1 or one per initial state (${B})`);
    return Object.assign(Float32Array.from(a.data), { nIn: c });
  }
  const v = input as ArrayLike<number>;
  if (nIn !== null && v.length !== nIn) throw new Error(`findFixedPoints: input has ${v.length} values, the model has nIn = ${nIn}`);
  const out = new Float32Array(B * v.length);
  for (let b = 0; b < B; b++) for (let j = 0; j < v.length; j++) out[b * v.length + j] = v[j];
  return Object.assign(out, { nIn: v.length });
}

/** Merge points within `tol` (Chebyshev, over state and input), lowest q first. Returns representative indices and assignment. */
function uniqueRows(x: Float32Array, u: Float32Array, q: Float64Array, B: number, N: number, nIn: number, tol: number, usable: boolean[]): { reps: number[]; assign: Int32Array } {
  const order = Array.from({ length: B }, (_, i) => i).filter((i) => usable[i]).sort((a, b) => q[a] - q[b]);
  const reps: number[] = [];
  const assign = new Int32Array(B).fill(-1);
  for (const i of order) {
    let found = -1;
    for (let r = 0; r < reps.length && found < 0; r++) {
      const j = reps[r];
      let close = true;
      for (let d = 0; d < N && close; d++) if (Math.abs(x[i * N + d] - x[j * N + d]) > tol) close = false;
      for (let d = 0; d < nIn && close; d++) if (Math.abs(u[i * nIn + d] - u[j * nIn + d]) > tol) close = false;
      if (close) found = r;
    }
    if (found < 0) { reps.push(i); found = reps.length - 1; }
    assign[i] = found;
  }
  return { reps, assign };
}

/**
 * dF/dx at each row of `x` by reverse-mode autodiff: the state is repeated N times and the vector–Jacobian
 * product with the identity gives all N rows of J at once (exact for steps that treat rows independently).
 * Points go through in chunks of about 4 M matrix entries.
 */
export function stepJacobians(step: StepFunction, x: Array2D, u: Array2D): Dense2D[] {
  const [K, N] = x.shape;
  const nIn = u.shape[1];
  const out: Dense2D[] = [];
  const per = Math.max(1, Math.floor(4_000_000 / (N * N)));
  for (let k0 = 0; k0 < K; k0 += per) {
    const k1 = Math.min(K, k0 + per), m = k1 - k0;
    const J = tf.tidy(() => {
      const X = tf.tensor2d(Float32Array.from(x.data).subarray(k0 * N, k1 * N), [m, N]);
      const U = tf.tensor2d(Float32Array.from(u.data).subarray(k0 * nIn, k1 * nIn), [m, nIn]);
      // Row (p·N + i) holds point p; the cotangent picks output i of it.
      const Xr = tf.reshape(tf.tile(tf.reshape(X, [m, 1, N]), [1, N, 1]), [m * N, N]) as tf.Tensor2D;
      const Ur = tf.reshape(tf.tile(tf.reshape(U, [m, 1, nIn]), [1, N, 1]), [m * N, nIn]) as tf.Tensor2D;
      const eye = tf.tile(tf.eye(N), [m, 1]);
      return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(step(xx as tf.Tensor2D, Ur), eye)))(Xr);
    });
    const d = J.dataSync();
    J.dispose();
    for (let p = 0; p < m; p++) out.push({ data: Float64Array.from(d.subarray(p * N * N, (p + 1) * N * N)), shape: [N, N] });
  }
  return out;
}

/**
 * Find fixed points of `system` at a constant input (see the module comment for the method and an example).
 * `system` is a `Ctrnn` or a step function x ↦ F(x, u) on [B, N] rows.
 */
export async function findFixedPoints(system: Ctrnn | StepFunction, opts: FixedPointOptions): Promise<FixedPoints> {
  const fn = 'findFixedPoints';
  if (!opts || !opts.initialStates) throw new Error(`${fn}: options need 'initialStates' ([B, N], e.g. from sampleStates)`);
  const init = asArray2D(opts.initialStates, `${fn}: initialStates`);
  const [B, N] = init.shape;
  const model = isCtrnn(system) ? system : null;
  if (model && N !== model.n) throw new Error(`${fn}: initialStates have ${N} columns, the model has N = ${model.n}`);
  for (let i = 0; i < init.data.length; i++) {
    if (!Number.isFinite(init.data[i])) throw new Error(`${fn}: initialStates row ${Math.floor(i / N)} holds a non-finite value`);
  }
  const uRows = inputRows(opts.input, B, model ? model.nIn : null);
  const nIn = uRows.nIn!;
  const sys = systemStep(system, { inputSet: opts.inputSet, dt: opts.dt, nIn });
  const dt = sys.dt;
  const tolQ = opts.tolQ ?? DEFAULTS.tolQ, tolDq = opts.tolDq ?? DEFAULTS.tolDq;
  const maxIters = opts.maxIters ?? DEFAULTS.maxIters;
  if (!(Number.isInteger(maxIters) && maxIters >= 1)) throw new Error(`${fn}: maxIters must be a positive integer, got ${maxIters}`);
  const tolUnique = opts.tolUnique ?? DEFAULTS.tolUnique;
  const outScale = opts.outlierDistanceScale ?? DEFAULTS.outlierDistanceScale;
  const alr = new AdaptiveRate({ ...DEFAULTS.lr, ...(opts.lr ?? {}) });
  const clip = opts.clip === false ? null : new AdaptiveClip(opts.clip?.percentile ?? DEFAULTS.clip.percentile, opts.clip?.window ?? DEFAULTS.clip.window);
  const adam = new Adam({ ...DEFAULTS.adam, ...(opts.adam ?? {}) });
  const bar = opts.progress === false ? null : makeProgress({ total: maxIters, label: opts.label ?? 'fixed points', sparkline: 'q' });

  const t0 = performance.now();
  const xInit = tf.tensor2d(Float32Array.from(init.data), [B, N]);
  // tf.variable keeps its own reference to the initial value's data; the tensor itself is ours to free.
  const x = tf.variable(xInit, false);
  xInit.dispose();
  const u = tf.tensor2d(uRows, [B, nIn]);
  const qHist: number[] = [], lrHist: number[] = [];
  let qPrev: Float32Array | null = null;
  let iters = 0;
  let stopReason: FixedPointStopReason = 'max-iters';
  let message = `reached maxIters = ${maxIters}`;
  // The objective per point; its mean is what Adam minimises (FixedPointFinder's q_scalar).
  const qOf = (xx: tf.Tensor2D): tf.Tensor1D => tf.mul(0.5, tf.sum(tf.square(tf.sub(sys.step(xx, u), xx)), 1)) as tf.Tensor1D;
  try {
    for (let it = 1; it <= maxIters; it++) {
      const lr = alr.rate;
      let qKept: tf.Tensor | null = null;
      const g = tf.tidy(() =>
        tf.grad((xx: tf.Tensor) => {
          const q = qOf(xx as tf.Tensor2D);
          qKept = tf.keep(tf.clone(q));
          return tf.mean(q);
        })(x),
      );
      const q = (qKept as unknown as tf.Tensor).dataSync() as Float32Array;
      (qKept as unknown as tf.Tensor).dispose();
      const gNorm = tf.tidy(() => tf.norm(g).dataSync()[0]);
      let qMean = 0;
      for (let b = 0; b < B; b++) qMean += q[b];
      qMean /= B;
      if (!Number.isFinite(qMean) || !Number.isFinite(gNorm)) {
        g.dispose();
        stopReason = 'non-finite';
        message = `iteration ${it}: ${!Number.isFinite(qMean) ? 'q' : 'the gradient'} is not finite; the states of iteration ${it - 1} are kept`;
        break;
      }
      iters = it;
      qHist.push(qMean);
      lrHist.push(lr);
      // FixedPointFinder's test: Δq is scaled by the learning rate, so that tiny steps from a tiny rate do not
      // pass for convergence.
      if (qPrev && it > 1) {
        let all = true;
        for (let b = 0; b < B && all; b++) if (!(Math.abs(q[b] - qPrev[b]) < tolDq * lr || q[b] < tolQ)) all = false;
        if (all) {
          g.dispose();
          stopReason = 'tolerance';
          message = `every point has q < ${tolQ} or |Δq| < ${tolDq}·lr`;
          break;
        }
      }
      let gApply = g;
      if (clip) {
        if (gNorm > clip.value) { gApply = tf.mul(g, clip.value / gNorm); g.dispose(); }
        clip.update(gNorm);
      }
      adam.apply({ x }, { x: gApply }, lr);
      gApply.dispose();
      qPrev = q;
      alr.update(qMean);
      if (bar && (it % 10 === 0 || it === maxIters)) bar.update(it, { q: qMean, lr });
      // Let a notebook's event loop breathe (progress displays, interrupts).
      if (it % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    bar?.done({ q: qHist[qHist.length - 1] ?? NaN });
    const tOpt = (performance.now() - t0) / 1e3;

    // Final q, evaluated at the states as they are now (after the last update).
    const xs = x.dataSync().slice() as Float32Array;
    const qT = tf.tidy(() => qOf(x));
    const qFinal = Float64Array.from(qT.dataSync());
    qT.dispose();
    const usable = Array.from(qFinal, (v, b) => Number.isFinite(v) && xs.subarray(b * N, (b + 1) * N).every(Number.isFinite));
    const nBad = usable.filter((ok) => !ok).length;
    const { reps, assign } = uniqueRows(xs, uRows, qFinal, B, N, nIn, tolUnique, usable);

    // Distance outliers, measured from the centroid of the initial states.
    const centroid = new Float64Array(N);
    for (let b = 0; b < B; b++) for (let j = 0; j < N; j++) centroid[j] += init.data[b * N + j] / B;
    let meanDist = 0;
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += (init.data[b * N + j] - centroid[j]) ** 2;
      meanDist += Math.sqrt(s) / B;
    }
    const keepRep = reps.map((i) => {
      if (!Number.isFinite(outScale)) return true;
      let s = 0;
      for (let j = 0; j < N; j++) s += (xs[i * N + j] - centroid[j]) ** 2;
      // All initial states identical (meanDist 0): nothing to scale by, keep every point.
      return meanDist === 0 || Math.sqrt(s) / meanDist < outScale;
    });
    const maxUnique = opts.maxUnique ?? Infinity;
    if (!(maxUnique >= 1)) throw new Error(`${fn}: maxUnique must be ≥ 1, got ${maxUnique}`);
    const nFar = keepRep.filter((k) => !k).length;
    let nSub = 0;
    if (keepRep.filter(Boolean).length > maxUnique) {
      // FixedPointFinder drops points at random; the subset is drawn among the non-outliers, order (by q) kept.
      const cand = keepRep.flatMap((k, r) => (k ? [r] : []));
      const chosen = new Set(Array.from(rng(opts.seed ?? 0).permutation(cand.length).subarray(0, maxUnique), (i) => cand[i]));
      keepRep.forEach((k, r) => { if (k && !chosen.has(r)) { keepRep[r] = false; nSub++; } });
    }
    const kept = reps.filter((_, r) => keepRep[r]);
    const newIndex = new Int32Array(reps.length).fill(-1);
    let c = 0;
    keepRep.forEach((k, r) => { if (k) newIndex[r] = c++; });
    const assignment = Int32Array.from(assign, (a) => (a < 0 ? -1 : newIndex[a]));
    const K = kept.length;
    const counts = new Int32Array(K);
    for (const a of assignment) if (a >= 0) counts[a]++;

    const xstar: Dense2D = { data: new Float64Array(K * N), shape: [K, N] };
    const inputs: Dense2D = { data: new Float64Array(K * nIn), shape: [K, nIn] };
    const qstar = new Float64Array(K), speed = new Float64Array(K);
    kept.forEach((i, k) => {
      for (let j = 0; j < N; j++) xstar.data[k * N + j] = xs[i * N + j];
      for (let j = 0; j < nIn; j++) inputs.data[k * nIn + j] = uRows[i * nIn + j];
      qstar[k] = qFinal[i];
      speed[k] = Math.sqrt(2 * qFinal[i]) / dt;
    });

    const tJ = performance.now();
    const wantJ = (opts.jacobians ?? true) && K > 0;
    const jacobians = wantJ ? stepJacobians(sys.step, xstar, inputs) : (opts.jacobians ?? true) ? [] : null;
    const tJac = (performance.now() - tJ) / 1e3;
    const tE = performance.now();
    let eigs: EigenvalueSet[] | null = null, eigsCt: EigenvalueSet[] | null = null, vecs: Dense2D[] | null = null;
    let isStable: boolean[] | null = null, isStableDiscrete: boolean[] | null = null;
    if (jacobians && (opts.decompose ?? true)) {
      eigs = []; eigsCt = []; isStable = []; isStableDiscrete = [];
      if (opts.eigenvectors) vecs = [];
      for (const J of jacobians) {
        let re: Float64Array, im: Float64Array, V: Dense2D | null = null;
        if (opts.eigenvectors) { const e = eig(J); re = e.real; im = e.imag; V = e.vectors; }
        else { const e = eigvalsOnly(J); re = e.real; im = e.imag; }
        // Largest |λ| first (FixedPointFinder's order); conjugate pairs stay adjacent (equal modulus, stable sort).
        const order = Array.from(re, (_, i) => i).sort((a, b) => Math.hypot(re[b], im[b]) - Math.hypot(re[a], im[a]));
        const r2 = Float64Array.from(order, (i) => re[i]), i2 = Float64Array.from(order, (i) => im[i]);
        eigs.push({ real: r2, imag: i2 });
        eigsCt.push({ real: r2.map((v) => (v - 1) / dt), imag: i2.map((v) => v / dt) });
        isStable.push(r2.every((v) => v < 1));
        isStableDiscrete.push(r2.every((v, i) => Math.hypot(v, i2[i]) < 1));
        if (vecs && V) {
          const Vs: Dense2D = { data: new Float64Array(N * N), shape: [N, N] };
          // Keep the packed layout valid: a conjugate pair's two columns move together.
          order.forEach((src, dst) => { for (let r = 0; r < N; r++) Vs.data[r * N + dst] = V!.data[r * N + src]; });
          vecs.push(Vs);
        }
      }
    }
    const tDec = (performance.now() - tE) / 1e3;
    if (nBad > 0) message += `; ${nBad} of ${B} states ended non-finite and were dropped`;
    if (nFar > 0) message += `; ${nFar} distance outlier${nFar === 1 ? '' : 's'} dropped`;
    if (nSub > 0) message += `; ${nSub} unique points left out (maxUnique = ${maxUnique})`;
    const initD: Dense2D = { data: Float64Array.from(init.data), shape: [B, N] };
    return new FixedPoints({
      dt, xstar, inputs, qstar, speed, n_iters: iters, counts,
      jacobians, eigvals: eigs, eigvalsContinuous: eigsCt, eigvecs: vecs, isStable, isStableDiscrete,
      stopReason, message,
      history: { q: Float64Array.from(qHist), lr: Float64Array.from(lrHist) },
      all: {
        xstar: { data: Float64Array.from(xs), shape: [B, N] }, qstar: qFinal, initialStates: initD,
        inputs: { data: Float64Array.from(uRows), shape: [B, nIn] }, assignment,
      },
      timing: { optimise: tOpt, jacobians: tJac, decompose: tDec },
    });
  } finally {
    x.dispose();
    u.dispose();
    adam.dispose();
    sys.dispose();
  }
}
