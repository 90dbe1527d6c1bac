/**
 * Movement generation from preparatory states in a stability-optimised circuit (Hennequin et al. 2014), with the
 * conventions of the seed port soychae93/LIF-RNN-fitting-on-Neuronal-Data (LearnXstars_C.py):
 *
 *   τ ẋ = −x + W [x]₊ + g(t)·1 + c,      y(t) = C [x(t)]₊,E   (hand velocity, x and y),
 *
 * g a double-exponential go cue (rise 50 ms, decay 0.5 s, peak 5) given to every unit at t = 0, c the constant
 * input that makes the spontaneous state x_sp = μ + 0.15·v/std(v) a fixed point, and the movement the network's
 * transient from a preparatory state x(0) = x_sp + x*. The x* are combinations of the leading eigenvectors of the
 * observability Gramian of W − I (Aᵀ Q + Q A = −I: the states that evoke the most activity), scaled so that
 * ‖X*‖²_F = N·K·0.2² over the K conditions, i.e. every state has per-unit r.m.s. 0.2. The seed scales each column
 * to N·K·0.2², which makes the size of a state depend on how many conditions are trained together; this module
 * keeps the per-state size fixed so that states learnt later are comparable.
 *
 * The readout C (2 × N_E, excitatory rates) is output-null at the preparatory and spontaneous rates,
 * C M = 0 with M = [r*_1 … r*_K, r_sp] (the seed's C ← C − C M (MᵀM)⁻¹ Mᵀ), so nothing moves before the go cue.
 * Cost = mean over conditions and time of (y_x − v_x)² + (3(y_y − v_y))² + λ‖C‖²_F (the seed weights the y
 * error by 3; it penalises ‖C_x‖ + ‖C_y‖, here the squared norm so that C has a closed form).
 *
 * Training. For fixed preparatory states the best output-null readout is a ridge regression on the projected
 * rates (its solution lies in the row space of P⊥R, so it is output-null automatically). The states are
 * parametrised by coefficients a_k on the leading Gramian modes, x*_k = β·û_k with u_k = Π V a_k, and learnt by
 * Adam; their gradient is exact: adjoint (backpropagation through time) of the Euler-discretised dynamics, plus
 * the term from the output-null projection (the readout is re-solved each step, so by the envelope theorem only
 * the projection's dependence on the states remains: ∂L/∂M = −Cᵀ (∂L/∂C) M (MᵀM)⁻¹). With a fixed readout
 * (new movements on a trained network) Π projects out the readout's row space, which keeps C x* = 0 and hence the
 * output before the go cue at zero.
 *
 * Time is in seconds; the dynamics are integrated with forward Euler at `dt` (default 2 ms, dt/τ = 0.01).
 */
import { Dense2D, MatrixInput, toDense } from '../../analysis/dense';
import { luSolve } from '../../analysis/linalg';
import { LyapunovSolver } from '../../analysis/lyapunov';
import { topEigenDirections } from '../../analysis/gramians';
import { rng } from '../../random';

// ---------------------------------------------------------------------------------------------------------------
// Inputs and targets

export interface GoCueOptions {
  /** Rise time constant (s). Default 0.05. */
  rise?: number;
  /** Decay time constant (s). Default 0.5. */
  decay?: number;
  /** Peak value. Default 5. */
  peak?: number;
}

/** The go cue g(t) = peak·(e^{−t/τd} − e^{−t/τr}) / max, zero for t < 0; its maximum is at ln(τd/τr)·τdτr/(τd−τr). */
export function goCue(t: number, options: GoCueOptions = {}): number {
  const rise = options.rise ?? 0.05;
  const decay = options.decay ?? 0.5;
  const peak = options.peak ?? 5;
  if (!(rise > 0 && decay > rise)) throw new Error(`goCue: need 0 < rise < decay, got rise ${rise}, decay ${decay}`);
  if (t < 0) return 0;
  const tmax = (Math.log(decay / rise) * decay * rise) / (decay - rise);
  const amax = Math.exp(-tmax / decay) - Math.exp(-tmax / rise);
  return (peak * (Math.exp(-t / decay) - Math.exp(-t / rise))) / amax;
}

/** x_sp = μ + spread·v/std(v), v standard normal (std with divisor n, like numpy's default). */
export function spontaneousState(n: number, options: { mu?: number; spread?: number; seed?: number } = {}): Float64Array {
  const mu = options.mu ?? 1;
  const spread = options.spread ?? 0.15;
  const v = rng(options.seed ?? 1).normals(n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i] / n;
  let varSum = 0;
  for (let i = 0; i < n; i++) varSum += (v[i] - mean) ** 2;
  const sd = Math.sqrt(varSum / n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mu + (spread * v[i]) / sd;
  return out;
}

export interface ReachSpec {
  /** Direction in degrees (0 = +x, 90 = +y). */
  direction: number;
  /** Movement onset after the go cue (s). Default 0.1. */
  onset?: number;
  /** Movement duration (s). Default 0.5. */
  duration?: number;
}

export interface ReachTaskOptions {
  /** One entry per condition: a single reach, or a sequence of reaches (one after the other). */
  conditions: Array<ReachSpec | ReachSpec[]>;
  /** Condition names (default from the directions, e.g. `0°`, `45°→135°`). */
  names?: string[];
  /** Simulated window after the go cue (s). Default 0.8. */
  window?: number;
  /** Time step (s). Default 0.002. */
  dt?: number;
  /** Peak hand speed of each reach. Default 1. */
  peakSpeed?: number;
}

export interface ReachTask {
  /** Sample times (s), t[0] = 0 is the go cue. */
  t: Float64Array;
  dt: number;
  /** Target hand velocity, row-major [K, T, 2] (v_x, v_y). */
  velocity: Float64Array;
  K: number;
  T: number;
  names: string[];
}

/**
 * Minimum-jerk reaches (Flash & Hogan 1985): position d·(10s³ − 15s⁴ + 6s⁵), s = (t − onset)/duration, a
 * bell-shaped speed profile with peak 1.875·d/duration. (The seed cites the time-base generator of Kittaka et
 * al. 2020, which also gives a bell-shaped profile; minimum jerk has a closed form and needs no fitted shape.)
 */
export function reachTask(options: ReachTaskOptions): ReachTask {
  const dt = options.dt ?? 0.002;
  const window = options.window ?? 0.8;
  const peak = options.peakSpeed ?? 1;
  if (!(dt > 0) || !(window > dt)) throw new Error(`reachTask: need 0 < dt < window, got dt ${dt}, window ${window}`);
  const T = Math.round(window / dt) + 1;
  const K = options.conditions.length;
  if (K === 0) throw new Error('reachTask: conditions is empty');
  const t = Float64Array.from({ length: T }, (_, i) => i * dt);
  const velocity = new Float64Array(K * T * 2);
  const names: string[] = [];
  options.conditions.forEach((cond, k) => {
    const reaches = Array.isArray(cond) ? cond : [cond];
    let start = reaches[0]?.onset ?? 0.1;
    for (const r of reaches) {
      const onset = r.onset ?? start;
      const D = r.duration ?? 0.5;
      if (!(D > 0)) throw new Error(`reachTask: condition ${k}: duration must be positive, got ${D}`);
      const dist = (peak * D) / 1.875;
      const ang = (r.direction * Math.PI) / 180;
      for (let i = 0; i < T; i++) {
        const s = (t[i] - onset) / D;
        if (s <= 0 || s >= 1) continue;
        const v = (dist / D) * (30 * s * s - 60 * s * s * s + 30 * s ** 4);
        velocity[(k * T + i) * 2] += v * Math.cos(ang);
        velocity[(k * T + i) * 2 + 1] += v * Math.sin(ang);
      }
      start = onset + D;
    }
    names.push(options.names?.[k] ?? reaches.map((r) => `${r.direction}°`).join('→'));
  });
  return { t, dt, velocity, K, T, names };
}

/** Hand positions from velocities [K, T, 2] (trapezoidal integration from the origin). */
export function handPaths(velocity: ArrayLike<number>, K: number, T: number, dt: number): Float64Array {
  const out = new Float64Array(K * T * 2);
  for (let k = 0; k < K; k++) {
    for (let i = 1; i < T; i++) {
      for (let d = 0; d < 2; d++) {
        const o = (k * T + i) * 2 + d;
        out[o] = out[o - 2] + 0.5 * dt * (velocity[o] + velocity[o - 2]);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The network

export interface ReachNetworkOptions {
  /** Index of the first inhibitory unit. Default ⌊n/2⌋. */
  nE?: number;
  /** Membrane time constant τ (s). Default 0.2 (Hennequin et al. 2014). */
  tau?: number;
  /** Euler time step (s). Default 0.002. */
  dt?: number;
  /** Spontaneous state (default `spontaneousState(n)`, μ = 1). */
  xsp?: ArrayLike<number>;
  /** Number of leading observability-Gramian modes the preparatory states are built from. Default 20. */
  modes?: number;
  /** Per-unit r.m.s. of a preparatory state x*. Default 0.2. */
  prepStd?: number;
  goCue?: GoCueOptions;
}

/** One condition's simulated trajectory. */
export interface Trajectory {
  /** States x_t, row-major [T, N]. */
  x: Float64Array;
}

/**
 * W, τ, the go cue, the spontaneous state and its holding input c, and the Gramian modes: everything the
 * movement simulations and the learning of preparatory states and readouts share.
 */
export class ReachNetwork {
  readonly n: number;
  readonly nE: number;
  readonly tau: number;
  readonly dt: number;
  readonly W: Float64Array;
  /** Wᵀ, row-major, for the adjoint. */
  private readonly Wt: Float64Array;
  readonly xsp: Float64Array;
  /** c = x_sp − W[x_sp]₊. */
  readonly c: Float64Array;
  /** Observability-Gramian modes, [N, modes] row-major, descending eigenvalues in `modeValues`. */
  readonly modes: Float64Array;
  readonly modeValues: Float64Array;
  readonly nModes: number;
  /** β = prepStd·√N, the norm of every preparatory state. */
  readonly prepNorm: number;
  readonly goCueOptions: GoCueOptions;

  constructor(W: MatrixInput, options: ReachNetworkOptions = {}) {
    const w = toDense(W, 'ReachNetwork: W');
    const n = w.shape[0];
    if (w.shape[1] !== n) throw new Error(`ReachNetwork: W must be square, got [${w.shape.join(', ')}]`);
    this.n = n;
    this.nE = options.nE ?? Math.floor(n / 2);
    this.tau = options.tau ?? 0.2;
    this.dt = options.dt ?? 0.002;
    if (!(this.tau > 0) || !(this.dt > 0)) throw new Error(`ReachNetwork: tau and dt must be positive, got ${this.tau}, ${this.dt}`);
    this.W = w.data;
    this.Wt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) this.Wt[j * n + i] = w.data[i * n + j];
    this.xsp = options.xsp ? Float64Array.from(options.xsp) : spontaneousState(n);
    if (this.xsp.length !== n) throw new Error(`ReachNetwork: xsp has ${this.xsp.length} entries, W has ${n} units`);
    this.c = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += w.data[i * n + j] * Math.max(this.xsp[j], 0);
      this.c[i] = this.xsp[i] - s;
    }
    this.nModes = options.modes ?? Math.min(20, n);
    const top = preparatoryModes(w, this.nModes);
    this.modes = top.vectors.data;
    this.modeValues = top.values;
    this.prepNorm = (options.prepStd ?? 0.2) * Math.sqrt(n);
    this.goCueOptions = options.goCue ?? {};
  }

  /**
   * x_t for t = 0..T−1 from x_0 = x0, with the go cue at `goTime` (default 0; Infinity for none) and an optional
   * extra input u(t), row-major [T, N] (e.g. the preparatory input of `optimalPreparationInput`).
   */
  simulate(x0: ArrayLike<number>, T: number, options: { input?: Float64Array; goTime?: number } = {}): Float64Array {
    const n = this.n;
    const extraInput = options.input;
    const goTime = options.goTime ?? 0;
    if (extraInput && extraInput.length < (T - 1) * n) {
      throw new Error(`ReachNetwork.simulate: input has ${extraInput.length} values, needs at least (T − 1)·N = ${(T - 1) * n}`);
    }
    const h = this.dt / this.tau;
    const x = new Float64Array(T * n);
    for (let i = 0; i < n; i++) x[i] = x0[i];
    const r = new Float64Array(n);
    const W = this.W;
    const c = this.c;
    for (let t = 0; t + 1 < T; t++) {
      const cur = t * n;
      const nxt = cur + n;
      for (let j = 0; j < n; j++) r[j] = x[cur + j] > 0 ? x[cur + j] : 0;
      const g = goCue(t * this.dt - goTime, this.goCueOptions);
      for (let i = 0; i < n; i++) {
        const row = i * n;
        // Two accumulators: shorter dependency chains for V8's scalar code.
        let s0 = 0;
        let s1 = 0;
        let j = 0;
        for (; j + 1 < n; j += 2) {
          s0 += W[row + j] * r[j];
          s1 += W[row + j + 1] * r[j + 1];
        }
        if (j < n) s0 += W[row + j] * r[j];
        let drive = s0 + s1 + g + c[i];
        if (extraInput) drive += extraInput[cur + i];
        x[nxt + i] = x[cur + i] + h * (drive - x[cur + i]);
      }
    }
    return x;
  }

  /** Readout of a trajectory: y_t = C [x_t]₊,E, row-major [T, 2]. */
  readout(C: Float64Array, x: Float64Array, T: number): Float64Array {
    const n = this.n;
    const nE = this.nE;
    const y = new Float64Array(T * 2);
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < 2; o++) {
        let s = 0;
        for (let j = 0; j < nE; j++) {
          const v = x[t * n + j];
          if (v > 0) s += C[o * nE + j] * v;
        }
        y[t * 2 + o] = s;
      }
    }
    return y;
  }

  /**
   * Adjoint of the Euler dynamics: given ∂L/∂y_t ([T, 2]) and readout C, returns ∂L/∂x_0 (length N) for the
   * trajectory x ([T, N]) that `simulate` produced.
   */
  backprop(x: Float64Array, T: number, C: Float64Array, dLdy: Float64Array): Float64Array {
    const n = this.n;
    const nE = this.nE;
    const h = this.dt / this.tau;
    let lam = new Float64Array(n);
    let next = new Float64Array(n);
    const tmp = new Float64Array(n);
    const Wt = this.Wt;
    for (let t = T - 1; t >= 0; t--) {
      const cur = t * n;
      // Recurrent part: (1 − h) λ_{t+1} + h·step(x_t)⊙(Wᵀ λ_{t+1}) (absent at the last step).
      if (t < T - 1) {
        for (let j = 0; j < n; j++) {
          let s0 = 0;
          let s1 = 0;
          if (x[cur + j] > 0) {
            const row = j * n;
            let i = 0;
            for (; i + 1 < n; i += 2) {
              s0 += Wt[row + i] * lam[i];
              s1 += Wt[row + i + 1] * lam[i + 1];
            }
            if (i < n) s0 += Wt[row + i] * lam[i];
          }
          tmp[j] = s0 + s1;
        }
        for (let j = 0; j < n; j++) next[j] = (1 - h) * lam[j] + h * tmp[j];
      } else {
        next.fill(0);
      }
      // Output part at time t: step(x_t)⊙Cᵀ ∂L/∂y_t on the excitatory units.
      const gx = dLdy[t * 2];
      const gy = dLdy[t * 2 + 1];
      if (gx !== 0 || gy !== 0) {
        for (let j = 0; j < nE; j++) if (x[cur + j] > 0) next[j] += C[j] * gx + C[nE + j] * gy;
      }
      const swap = lam;
      lam = next;
      next = swap;
    }
    return lam;
  }

  /** x* = β·Π V a/‖Π V a‖ (Π = `project`, or none), and the unit vector û used for its gradient. */
  prepState(a: ArrayLike<number>, project?: (u: Float64Array) => void): { xStar: Float64Array; uHat: Float64Array; uNorm: number } {
    const n = this.n;
    const m = this.nModes;
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += this.modes[i * m + k] * a[k];
      u[i] = s;
    }
    project?.(u);
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += u[i] * u[i];
    nrm = Math.sqrt(nrm);
    if (!(nrm > 0)) throw new Error('ReachNetwork.prepState: the preparatory direction is zero (coefficients all zero, or removed by the projection)');
    const uHat = new Float64Array(n);
    const xStar = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      uHat[i] = u[i] / nrm;
      xStar[i] = this.prepNorm * uHat[i];
    }
    return { xStar, uHat, uNorm: nrm };
  }
}

/**
 * The `count` leading eigenvectors (descending eigenvalues) of the observability Gramian of W − I
 * ((W−I)ᵀ Q + Q (W−I) = −I): the initial conditions that evoke the most activity energy ∫‖x‖² in the linear
 * dynamics ẋ = (W − I)x. Needs W − I stable (α(W) < 1).
 */
export function preparatoryModes(W: MatrixInput, count: number): { values: Float64Array; vectors: Dense2D; gramian: Dense2D } {
  const w = toDense(W, 'preparatoryModes: W');
  const n = w.shape[0];
  for (let i = 0; i < n; i++) w.data[i * n + i] -= 1;
  const solver = new LyapunovSolver(w);
  let alpha = -Infinity;
  for (let i = 0; i < n; i++) alpha = Math.max(alpha, solver.schur.real[i]);
  if (!(alpha < 0)) throw new Error(`preparatoryModes: W − I is not stable (spectral abscissa ${alpha + 1} of W is ≥ 1)`);
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  const Q = solver.solveTransposed({ data: I, shape: [n, n] });
  const top = topEigenDirections(Q, count);
  return { values: top.values, vectors: top.vectors, gramian: Q };
}

// ---------------------------------------------------------------------------------------------------------------
// Learning preparatory states and the readout

export interface ReachFitOptions {
  /** Adam iterations. Default 300. */
  iterations?: number;
  /** Adam step size on the mode coefficients. Default 0.05. */
  learningRate?: number;
  /** λ of the readout penalty λ‖C‖²_F. Default 1e-3. */
  ridge?: number;
  /** Weight of the y error before squaring (the seed's 3). Default 3. */
  yWeight?: number;
  /** A fixed readout (2 × N_E, row-major): only the preparatory states are learnt. Default: learn C too. */
  readout?: Float64Array;
  /** Starting coefficients [K, modes] (default: seeded standard normals). */
  init?: Float64Array;
  seed?: number;
  /** Called every iteration with the iteration number (1-based) and the cost. */
  onIteration?: (iteration: number, loss: number) => void;
}

export interface ReachFit {
  /** Readout, 2 × N_E row-major. */
  C: Float64Array;
  /** Mode coefficients [K, modes]. */
  coefficients: Float64Array;
  /** Preparatory states x* (without x_sp), [K, N]. */
  xStars: Float64Array;
  /** Network output [K, T, 2] at the final parameters. */
  outputs: Float64Array;
  /** Cost per iteration (before each update), then the final cost. */
  loss: Float64Array;
  /** Σ_t‖y − v‖² / Σ_t‖v‖² per condition at the end. */
  relativeError: Float64Array;
  /** Largest |y(0)| over conditions (the output at the preparatory state, before the go cue acts). */
  preGoOutput: number;
}

interface Evaluation {
  loss: number;
  C: Float64Array;
  outputs: Float64Array;
  grad: Float64Array;
  xStars: Float64Array;
}

/** Learns preparatory states (and, unless `readout` is given, the output-null readout) for the task's targets. */
export function fitReaches(net: ReachNetwork, task: ReachTask, options: ReachFitOptions = {}): ReachFit {
  const K = task.K;
  const m = net.nModes;
  if (Math.abs(task.dt - net.dt) > 1e-12) throw new Error(`fitReaches: task dt ${task.dt} differs from the network's dt ${net.dt}`);
  if (options.readout && options.readout.length !== 2 * net.nE) {
    throw new Error(`fitReaches: readout must have 2 × ${net.nE} entries, got ${options.readout.length}`);
  }
  const iterations = options.iterations ?? 300;
  const lr = options.learningRate ?? 0.05;
  const a = options.init ? Float64Array.from(options.init) : rng(options.seed ?? 0).normals(K * m);
  if (a.length !== K * m) throw new Error(`fitReaches: init must have K × modes = ${K * m} entries, got ${a.length}`);
  const mom = new Float64Array(K * m);
  const vel = new Float64Array(K * m);
  const b1 = 0.9;
  const b2 = 0.999;
  const losses: number[] = [];
  let ev = evaluateReaches(net, task, a, options);
  for (let it = 1; it <= iterations; it++) {
    losses.push(ev.loss);
    if (!Number.isFinite(ev.loss)) throw new Error(`fitReaches: the cost became ${ev.loss} at iteration ${it}; lower learningRate`);
    for (let i = 0; i < K * m; i++) {
      const g = ev.grad[i];
      mom[i] = b1 * mom[i] + (1 - b1) * g;
      vel[i] = b2 * vel[i] + (1 - b2) * g * g;
      const mh = mom[i] / (1 - b1 ** it);
      const vh = vel[i] / (1 - b2 ** it);
      a[i] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
    ev = evaluateReaches(net, task, a, options);
    options.onIteration?.(it, ev.loss);
  }
  losses.push(ev.loss);
  const T = task.T;
  const relativeError = new Float64Array(K);
  let preGo = 0;
  for (let k = 0; k < K; k++) {
    let num = 0;
    let den = 0;
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < 2; o++) {
        const i = (k * T + t) * 2 + o;
        num += (ev.outputs[i] - task.velocity[i]) ** 2;
        den += task.velocity[i] ** 2;
      }
    }
    relativeError[k] = num / den;
    preGo = Math.max(preGo, Math.abs(ev.outputs[k * T * 2]), Math.abs(ev.outputs[k * T * 2 + 1]));
  }
  return {
    C: ev.C,
    coefficients: a,
    xStars: ev.xStars,
    outputs: ev.outputs,
    loss: Float64Array.from(losses),
    relativeError,
    preGoOutput: preGo,
  };
}

/**
 * Cost and its gradient with respect to the mode coefficients `a` [K, modes] (exported for the finite-difference
 * test). With no fixed readout, C is the ridge solution for the current states.
 */
export function evaluateReaches(
  net: ReachNetwork,
  task: ReachTask,
  a: Float64Array,
  options: Pick<ReachFitOptions, 'readout' | 'ridge' | 'yWeight'> = {},
): Evaluation {
  const { n, nE, nModes: m } = net;
  const K = task.K;
  const T = task.T;
  const ridge = options.ridge ?? 1e-3;
  const wy = (options.yWeight ?? 3) ** 2;
  const weights = [1, wy];
  const norm = 1 / (K * T);
  // A fixed readout: project its row space out of the preparatory directions.
  const fixedC = options.readout;
  let project: ((u: Float64Array) => void) | undefined;
  if (fixedC) project = readoutNullProjector(fixedC, nE);
  const preps = Array.from({ length: K }, (_, k) => net.prepState(a.subarray(k * m, (k + 1) * m), project));
  const trajectories: Float64Array[] = [];
  const x0s: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const x0 = new Float64Array(n);
    for (let i = 0; i < n; i++) x0[i] = net.xsp[i] + preps[k].xStar[i];
    x0s.push(x0);
    trajectories.push(net.simulate(x0, T));
  }
  // M = [r*_1..r*_K, r_sp] on the excitatory units (rates at the preparatory and spontaneous states).
  const nM = fixedC ? 0 : K + 1;
  const M = new Float64Array(nE * nM);
  if (!fixedC) {
    for (let j = 0; j < nE; j++) {
      for (let k = 0; k < K; k++) M[j * nM + k] = Math.max(x0s[k][j], 0);
      M[j * nM + K] = Math.max(net.xsp[j], 0);
    }
  }
  let C: Float64Array;
  let MtMinv: Float64Array | undefined;
  if (fixedC) {
    C = fixedC;
  } else {
    MtMinv = gramInverse(M, nE, nM);
    C = ridgeReadout(net, task, trajectories, M, MtMinv, nM, ridge, weights, norm);
  }
  // Cost, ∂L/∂y and ∂L/∂C (the latter only for the projection term).
  let loss = 0;
  const outputs = new Float64Array(K * T * 2);
  const dLdC = new Float64Array(2 * nE);
  const dLdys: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const x = trajectories[k];
    const y = net.readout(C, x, T);
    outputs.set(y, k * T * 2);
    const dLdy = new Float64Array(T * 2);
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < 2; o++) {
        const e = y[t * 2 + o] - task.velocity[(k * T + t) * 2 + o];
        loss += norm * weights[o] * e * e;
        dLdy[t * 2 + o] = 2 * norm * weights[o] * e;
      }
    }
    dLdys.push(dLdy);
    if (!fixedC) {
      for (let t = 0; t < T; t++) {
        const gx = dLdy[t * 2];
        const gy = dLdy[t * 2 + 1];
        for (let j = 0; j < nE; j++) {
          const v = x[t * n + j];
          if (v > 0) {
            dLdC[j] += gx * v;
            dLdC[nE + j] += gy * v;
          }
        }
      }
    }
  }
  let cNorm = 0;
  for (let i = 0; i < 2 * nE; i++) cNorm += C[i] * C[i];
  if (!fixedC) {
    loss += ridge * cNorm;
    for (let i = 0; i < 2 * nE; i++) dLdC[i] += 2 * ridge * C[i];
  }
  // ∂L/∂M = −Cᵀ (∂L/∂C) M (MᵀM)⁻¹ (only the columns of the preparatory states depend on a).
  let dLdM: Float64Array | undefined;
  if (!fixedC && MtMinv) {
    // (∂L/∂C) M (2 × nM), then times (MᵀM)⁻¹.
    const GM = new Float64Array(2 * nM);
    for (let o = 0; o < 2; o++) for (let q = 0; q < nM; q++) {
      let s = 0;
      for (let j = 0; j < nE; j++) s += dLdC[o * nE + j] * M[j * nM + q];
      GM[o * nM + q] = s;
    }
    const GMinv = new Float64Array(2 * nM);
    for (let o = 0; o < 2; o++) for (let q = 0; q < nM; q++) {
      let s = 0;
      for (let p = 0; p < nM; p++) s += GM[o * nM + p] * MtMinv[p * nM + q];
      GMinv[o * nM + q] = s;
    }
    dLdM = new Float64Array(nE * nM);
    for (let j = 0; j < nE; j++) for (let q = 0; q < nM; q++) {
      dLdM[j * nM + q] = -(C[j] * GMinv[q] + C[nE + j] * GMinv[nM + q]);
    }
  }
  // Gradient with respect to a, condition by condition.
  const grad = new Float64Array(K * m);
  const xStars = new Float64Array(K * n);
  for (let k = 0; k < K; k++) {
    xStars.set(preps[k].xStar, k * n);
    const g0 = net.backprop(trajectories[k], T, C, dLdys[k]);
    if (dLdM) {
      for (let j = 0; j < nE; j++) if (x0s[k][j] > 0) g0[j] += dLdM[j * nM + k];
    }
    // x* = β û, û = u/‖u‖: ∂L/∂u = (β/‖u‖)(I − û ûᵀ) ∂L/∂x*; u = Π V a: ∂L/∂a = Vᵀ Π ∂L/∂u (Π symmetric).
    const { uHat, uNorm } = preps[k];
    let dot = 0;
    for (let i = 0; i < n; i++) dot += uHat[i] * g0[i];
    const gu = new Float64Array(n);
    for (let i = 0; i < n; i++) gu[i] = (net.prepNorm / uNorm) * (g0[i] - dot * uHat[i]);
    project?.(gu);
    for (let q = 0; q < m; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += net.modes[i * m + q] * gu[i];
      grad[k * m + q] = s;
    }
  }
  return { loss, C, outputs, grad, xStars };
}

/** (MᵀM)⁻¹ for an nE × nM matrix M (row-major). */
function gramInverse(M: Float64Array, nE: number, nM: number): Float64Array {
  const G = new Float64Array(nM * nM);
  for (let p = 0; p < nM; p++) for (let q = 0; q < nM; q++) {
    let s = 0;
    for (let j = 0; j < nE; j++) s += M[j * nM + p] * M[j * nM + q];
    G[p * nM + q] = s;
  }
  const I = new Float64Array(nM * nM);
  for (let p = 0; p < nM; p++) I[p * nM + p] = 1;
  return luSolve({ data: G, shape: [nM, nM] }, { data: I, shape: [nM, nM] }).data;
}

/**
 * Ridge readout on the output-null projection of the excitatory rates: for output o,
 * c_o = argmin norm·w_o Σ (c·P⊥r_t − v_t)² + λ‖c‖², i.e. (R̃R̃ᵀ + λ/(norm·w_o) I) c = R̃ v.
 */
function ridgeReadout(
  net: ReachNetwork,
  task: ReachTask,
  trajectories: Float64Array[],
  M: Float64Array,
  MtMinv: Float64Array,
  nM: number,
  ridge: number,
  weights: number[],
  norm: number,
): Float64Array {
  const { n, nE } = net;
  const T = task.T;
  const K = task.K;
  const G = new Float64Array(nE * nE);
  const b = [new Float64Array(nE), new Float64Array(nE)];
  const r = new Float64Array(nE);
  const coef = new Float64Array(nM);
  const tmp = new Float64Array(nM);
  for (let k = 0; k < K; k++) {
    const x = trajectories[k];
    for (let t = 0; t < T; t++) {
      // r̃ = P⊥ r = r − M (MᵀM)⁻¹ Mᵀ r.
      for (let j = 0; j < nE; j++) r[j] = Math.max(x[t * n + j], 0);
      tmp.fill(0);
      for (let j = 0; j < nE; j++) for (let q = 0; q < nM; q++) tmp[q] += M[j * nM + q] * r[j];
      for (let p = 0; p < nM; p++) {
        let s = 0;
        for (let q = 0; q < nM; q++) s += MtMinv[p * nM + q] * tmp[q];
        coef[p] = s;
      }
      for (let j = 0; j < nE; j++) {
        let s = 0;
        for (let q = 0; q < nM; q++) s += M[j * nM + q] * coef[q];
        r[j] -= s;
      }
      for (let i = 0; i < nE; i++) {
        const ri = r[i];
        if (ri === 0) continue;
        const row = i * nE;
        for (let j = i; j < nE; j++) G[row + j] += ri * r[j];
      }
      const vx = task.velocity[(k * T + t) * 2];
      const vy = task.velocity[(k * T + t) * 2 + 1];
      for (let j = 0; j < nE; j++) {
        b[0][j] += r[j] * vx;
        b[1][j] += r[j] * vy;
      }
    }
  }
  for (let i = 0; i < nE; i++) for (let j = 0; j < i; j++) G[i * nE + j] = G[j * nE + i];
  const C = new Float64Array(2 * nE);
  for (let o = 0; o < 2; o++) {
    const A = Float64Array.from(G);
    const lam = ridge / (norm * weights[o]);
    for (let i = 0; i < nE; i++) A[i * nE + i] += lam;
    const c = luSolve({ data: A, shape: [nE, nE] }, b[o]);
    C.set(c, o * nE);
  }
  return C;
}

/** Π = I − Ĉᵀ(ĈĈᵀ)⁻¹Ĉ with Ĉ = [C, 0] (2 × N): removes the readout's row space (acts in place). */
function readoutNullProjector(C: Float64Array, nE: number): (u: Float64Array) => void {
  const g00 = dotRange(C, 0, C, 0, nE);
  const g01 = dotRange(C, 0, C, nE, nE);
  const g11 = dotRange(C, nE, C, nE, nE);
  const det = g00 * g11 - g01 * g01;
  if (!(Math.abs(det) > 0)) throw new Error('fitReaches: the fixed readout has linearly dependent rows');
  const i00 = g11 / det;
  const i01 = -g01 / det;
  const i11 = g00 / det;
  return (u: Float64Array) => {
    const p0 = dotRange(C, 0, u, 0, nE);
    const p1 = dotRange(C, nE, u, 0, nE);
    const c0 = i00 * p0 + i01 * p1;
    const c1 = i01 * p0 + i11 * p1;
    for (let j = 0; j < nE; j++) u[j] -= C[j] * c0 + C[nE + j] * c1;
  };
}

function dotRange(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[ao + i] * b[bo + i];
  return s;
}
