/**
 * Continuous-time rate network (CT-RNN) built from one `CtrnnConfig`:
 *   x_t = (1 − α)x_{t−1} + α(W_eff r_{t−1} + W_in u_t + b) + noise,   r_t = k ⊙ f(g ⊙ (x_t − θ) + e),   o_t = W_out r_t + b_out
 * Parameters are tf.Variables named as in the papers' MAT files (`w`, `w_in`, `w_out`, `b_out`, `tau`, …).
 * Arrays are time-major: inputs [T, B, nIn], results [T, B, ·].
 */
import { tf } from '../backend';
import { rng, Rng } from '../random';
import { Activation, resolveActivation } from './activations';
import { CtrnnConfig, ParamSpec, VecSpec } from './config';
import {
  buildPlan, ConnectivityPlan, DaleMode, effectiveW, eiLabels, PlanTensors, planTensors, projectW, randomMask,
} from './connectivity';
import { autoScanKernel } from './fused-scan';
import { fillNormals } from './noise';
import { readoutProduct } from './readout';
import { CompiledPerturbation, readAndDispose, runScan, ScanData, ScanKernel, ScanParams, ScanStatic } from './scan';

/** A sequence batch, time-major [T, B, width]. */
export type Sequence = tf.Tensor3D | { data: Float32Array | Float64Array | number[]; shape: [number, number, number] };

/**
 * Silence, clamp or scale units (after the nonlinearity) or connections (entries of W_eff) for steps
 * from ≤ t < to, without rebuilding the model.
 */
export interface Perturbation {
  from: number;
  to: number;
  /** Units affected (indices). */
  units?: ArrayLike<number>;
  /** Connections affected, as [post, pre] index pairs. */
  connections?: Array<[number, number]>;
  /** silence: r = 0 (or W = 0); clamp: r = value; scale: r ×= value (or W ×= value). */
  mode: 'silence' | 'clamp' | 'scale';
  value?: number | ArrayLike<number>;
}

export interface ForwardOptions {
  /**
   * Which input matrix: 0 = `w_in` (default), 1 = `w_in2`, … — one for the whole batch, or one per trial
   * (length B), so that trials of different task groups (AON: tasks 1–6 use `w_in`, 7–12 `w_in2`) run in one
   * scan and share one loss.
   */
  inputSet?: number | ArrayLike<number>;
  /** Recurrent/input noise on (default true when the config has noise). */
  noise?: boolean;
  /** Noise seed for this call; default: the model's own noise stream (advances every call). */
  seed?: number;
  /** Per-trial initial state [B·N] (row-major), overriding the configured x0. */
  x0?: ArrayLike<number>;
  /** Per-trial initial rate r_{−1} [B·N] (row-major), overriding the configured r0 (AON: `IC_FR` per task). */
  r0?: ArrayLike<number>;
  perturbations?: Perturbation[];
  /** Also return the states x (only without gradients). */
  states?: boolean;
  /** Use plain tfjs autodiff through the scan (slow; the reference for gradient tests). */
  reference?: boolean;
}

export interface ForwardResult {
  T: number;
  B: number;
  /** [T, B, N] */
  rates: tf.Tensor3D;
  /** [T, B, nOut] */
  outputs: tf.Tensor3D;
  /** [T, B, N], when asked for. */
  states?: tf.Tensor3D;
}

/** Named weights as plain arrays (row-major), e.g. for checkpoints. */
export type WeightSet = Record<string, { data: Float32Array; shape: number[] }>;

function isParamSpec(v: unknown): v is ParamSpec {
  return typeof v === 'object' && v !== null && !('length' in (v as object));
}

function vec(spec: VecSpec, n: number, what: string): Float32Array {
  if (typeof spec === 'number') return new Float32Array(n).fill(spec);
  if (spec.length !== n) throw new Error(`ctrnn config '${what}': needs ${n} values (one per unit) or a scalar, got ${spec.length}`);
  const out = Float32Array.from(spec as ArrayLike<number>);
  if (!out.every(Number.isFinite)) throw new Error(`ctrnn config '${what}': contains non-finite values`);
  return out;
}

let variableCounter = 0;

/** Every option of CtrnnConfig, so that a misspelt one is an error instead of silently ignored. */
const CONFIG_KEYS = new Set<string>([
  'n', 'nIn', 'nOut', 'dt', 'tau', 'activation', 'gain', 'threshold', 'responseGain', 'extBias', 'recBias',
  'excitatory', 'dale', 'mask', 'zeroDiagonal', 'blocks', 'inputMatrices', 'noise', 'x0', 'r0', 'readout', 'init',
] satisfies (keyof CtrnnConfig)[]);

/** Logit of (τ − min)/(max − min): the θ giving a wanted τ under τ = min + (max − min)σ(θ). */
export function tauToTheta(tau: number, min: number, max: number): number {
  const p = (tau - min) / (max - min);
  if (!(p > 0 && p < 1)) throw new Error(`ctrnn config 'tau': ${tau} is not strictly inside (${min}, ${max})`);
  return Math.log(p / (1 - p));
}

export class Ctrnn {
  readonly config: Readonly<CtrnnConfig>;
  readonly n: number;
  readonly nIn: number;
  readonly nOut: number;
  readonly dt: number;
  readonly activation: Activation;
  readonly plan: ConnectivityPlan;
  /** Excitatory labels (1 = E) or null. */
  readonly excitatory: Uint8Array | null;
  /** Variables by MAT-style name. */
  readonly params: Record<string, tf.Variable>;
  /** Names the optimiser may change (the config's choice; training can freeze more). */
  readonly trainable: ReadonlySet<string>;
  /**
   * Scan implementation: by default the fused kernel (native AVX2 or WebAssembly) on the cpu/wasm backends, op
   * by op elsewhere (fused-scan.ts); set `tfjsScanKernel` to force the op-by-op one.
   */
  kernel: ScanKernel = autoScanKernel;
  private readonly planT: PlanTensors;
  private readonly readMask: tf.Tensor2D | null;
  private readonly tauBounds: { min: number; max: number } | null;
  private noiseRng: Rng;
  // The scan skips the gain, shift and response-gain products while they are at their neutral values (1, 0, 1);
  // setWeights() re-derives these, so loading non-neutral values into a fixed parameter takes effect.
  private useGain: boolean;
  private useShift: boolean;
  private useResp: boolean;

  constructor(config: CtrnnConfig) {
    this.config = config;
    const unknown = Object.keys(config).filter((k) => !CONFIG_KEYS.has(k));
    if (unknown.length) throw new Error(`ctrnn config: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${[...CONFIG_KEYS].join(', ')})`);
    const { n, nIn, nOut } = config;
    for (const [k, v] of [['n', n], ['nIn', nIn], ['nOut', nOut]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`ctrnn config '${k}' must be a positive integer, got ${v}`);
    }
    this.n = n; this.nIn = nIn; this.nOut = nOut;
    this.dt = config.dt ?? 1;
    if (!(this.dt > 0)) throw new Error(`ctrnn config 'dt' must be > 0, got ${this.dt}`);
    this.activation = resolveActivation(config.activation ?? 'relu');
    const init = config.init ?? {};
    const r = rng(init.seed ?? 0);
    this.noiseRng = rng(config.noise?.seed ?? (init.seed ?? 0) + 1);

    // Connectivity.
    this.excitatory = config.excitatory !== undefined ? eiLabels(n, config.excitatory) : null;
    const dale: DaleMode = config.dale ?? (this.excitatory ? 'columns' : 'none');
    let mask: Float32Array | null = null;
    if (config.mask) {
      mask = 'density' in config.mask ? randomMask(n, config.mask.density, config.mask.seed ?? (init.seed ?? 0) + 2)
        : Float32Array.from(config.mask as ArrayLike<number>);
    }
    this.plan = buildPlan({ n, dale, excitatory: this.excitatory, mask, zeroDiagonal: config.zeroDiagonal ?? false, blocks: config.blocks });
    this.planT = planTensors(this.plan);

    const params: Record<string, tf.Variable> = {};
    const trainable = new Set<string>();
    const add = (name: string, data: Float32Array, shape: number[], train: boolean) => {
      const init = tf.tensor(data, shape);
      // Unique tfjs names: several models live side by side. tf.variable keeps its own reference to init.
      params[name] = tf.variable(init, train, `${name}_${(variableCounter++).toString(36)}`);
      init.dispose();
      if (train) trainable.add(name);
    };

    // Recurrent weights.
    const g = init.recGain ?? 1;
    const w = new Float32Array(n * n);
    for (let k = 0; k < n * n; k++) w[k] = r.normal() * g / Math.sqrt(n);
    if (dale !== 'none') {
      const e = this.excitatory!;
      const nE = e.reduce((a, b) => a + b, 0), nI = n - nE;
      const balance = nI > 0 && nE > 0 ? nE / nI : 1;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const signUnit = dale === 'project-rows' ? i : j;
        const v = Math.abs(w[i * n + j]);
        w[i * n + j] = e[signUnit] ? v : -v * (dale === 'project-rows' ? 1 : balance);
      }
      if (dale === 'columns') for (let k = 0; k < n * n; k++) w[k] = Math.abs(w[k]);
    }
    if (this.plan.mask) for (let k = 0; k < n * n; k++) w[k] *= this.plan.mask[k];
    add('w', w, [n, n], true);

    const inStd = init.inStd ?? 1 / Math.sqrt(nIn);
    const nSets = config.inputMatrices ?? 1;
    for (let s = 0; s < nSets; s++) {
      const wi = new Float32Array(n * nIn);
      for (let k = 0; k < wi.length; k++) wi[k] = r.normal() * inStd;
      add(s === 0 ? 'w_in' : `w_in${s + 1}`, wi, [n, nIn], true);
    }

    // Readout.
    const ro = config.readout ?? {};
    let readUnits: number[] | null = null;
    if (ro.units === 'excitatory') {
      if (!this.excitatory) throw new Error(`ctrnn config 'readout.units': 'excitatory' needs 'excitatory' labels`);
      readUnits = [...this.excitatory].flatMap((e, i) => (e ? [i] : []));
    } else if (ro.units && ro.units !== 'all') readUnits = Array.from(ro.units as ArrayLike<number>);
    if (readUnits) {
      const m = new Float32Array(nOut * n);
      for (const u of readUnits) {
        if (!(Number.isInteger(u) && u >= 0 && u < n)) throw new Error(`ctrnn config 'readout.units': ${u} is not a unit index`);
        for (let o = 0; o < nOut; o++) m[o * n + u] = 1;
      }
      this.readMask = tf.keep(tf.tensor2d(m, [nOut, n]));
    } else this.readMask = null;
    const outStd = init.outStd ?? 1 / Math.sqrt(readUnits ? readUnits.length : n);
    const wo = new Float32Array(nOut * n);
    for (let k = 0; k < wo.length; k++) wo[k] = r.normal() * outStd;
    // Units not read out get zero weights (the mask keeps them at zero during training too).
    if (readUnits) { const keepUnit = new Set(readUnits); for (let k = 0; k < wo.length; k++) if (!keepUnit.has(k % n)) wo[k] = 0; }
    add('w_out', wo, [nOut, n], true);
    const biasMode = ro.bias ?? 'per-output';
    if (biasMode !== 'none') add('b_out', new Float32Array(biasMode === 'scalar' ? 1 : nOut), [biasMode === 'scalar' ? 1 : nOut], true);

    // Per-unit vectors.
    const perUnit = (name: string, what: string, spec: VecSpec | ParamSpec | undefined, dflt: number, dfltTrain: boolean) => {
      const ps: ParamSpec = spec === undefined ? {} : isParamSpec(spec) ? spec : { value: spec };
      add(name, vec(ps.value ?? dflt, n, what), [n], ps.trainable ?? dfltTrain);
      return ps.trainable ?? false;
    };
    perUnit('b', 'recBias', config.recBias, 0, true);
    const gT = perUnit('gain', 'gain', config.gain, 1, false);
    const thT = perUnit('threshold', 'threshold', config.threshold, 0, false);
    const kT = perUnit('resp_gain', 'responseGain', config.responseGain, 1, false);
    const eT = perUnit('ext_bias', 'extBias', config.extBias, 0, false);
    const differs = (name: string, v: number) => params[name].dataSync().some((x) => x !== v);
    this.useGain = gT || differs('gain', 1);
    this.useShift = thT || eT || differs('threshold', 0) || differs('ext_bias', 0);
    this.useResp = kT || differs('resp_gain', 1);

    // Time constants.
    const tau = config.tau ?? 10;
    if (typeof tau === 'object' && !('length' in tau)) {
      if (!(tau.max > tau.min && tau.min > 0)) throw new Error(`ctrnn config 'tau': needs 0 < min < max, got ${tau.min}, ${tau.max}`);
      this.tauBounds = { min: tau.min, max: tau.max };
      const theta = tau.theta !== undefined ? vec(tau.theta, n, 'tau.theta') : new Float32Array(n);
      add('tau_theta', theta, [n], tau.trainable ?? true);
    } else {
      this.tauBounds = null;
      const tv = vec(tau as VecSpec, n, 'tau');
      if (!tv.every((v) => v > 0)) throw new Error(`ctrnn config 'tau': every τ must be > 0`);
      add('tau', tv, [n], false);
    }

    // Initial state and rate.
    const x0 = config.x0 ?? 'zeros';
    add('x0', x0 === 'zeros' || x0 === 'trainable' ? new Float32Array(n) : vec(x0, n, 'x0'), [n], x0 === 'trainable');
    const r0 = config.r0 ?? 'fromX';
    if (r0 !== 'fromX') add('r0', r0 === 'trainable' ? new Float32Array(n) : vec(r0, n, 'r0'), [n], r0 === 'trainable');

    this.params = params;
    this.trainable = trainable;
    const nz = config.noise;
    if (nz?.inputScaling === 'sqrt2alpha' && typeof config.tau !== 'number' && config.tau !== undefined) {
      throw new Error(`ctrnn config 'noise.inputScaling': 'sqrt2alpha' needs a scalar tau`);
    }
  }

  /** τ per unit as a tensor (differentiable in θ when trainable). */
  tauTensor(): tf.Tensor1D {
    return tf.tidy(() => {
      if (!this.tauBounds) return tf.clone(this.params.tau) as tf.Tensor1D;
      const { min, max } = this.tauBounds;
      return tf.add(min, tf.mul(max - min, tf.sigmoid(this.params.tau_theta))) as tf.Tensor1D;
    });
  }

  /** τ per unit as numbers. */
  tau(): Float32Array {
    return readAndDispose(this.tauTensor());
  }

  /** W_eff (after Dale, masks, block rules) as a differentiable tensor. */
  effectiveWTensor(): tf.Tensor2D {
    return effectiveW(this.params.w as tf.Tensor2D, this.plan, this.planT);
  }

  /** W_eff as numbers, row-major [N, N]. */
  effectiveW(): Float32Array {
    return readAndDispose(this.effectiveWTensor());
  }

  private noiseConfig() {
    const nz = this.config.noise ?? {};
    return { rec: nz.rec ?? 0, input: nz.input ?? 0, scaling: nz.scaling ?? 'sqrt2alpha', inputScaling: nz.inputScaling ?? 'unscaled' };
  }

  private compilePerturbations(list: Perturbation[], T: number): CompiledPerturbation[] {
    const n = this.n;
    return list.map((p, idx) => {
      const where = `perturbation ${idx}`;
      if (!(Number.isInteger(p.from) && Number.isInteger(p.to) && 0 <= p.from && p.from <= p.to)) {
        throw new Error(`${where}: needs integer steps 0 ≤ from ≤ to, got from=${p.from}, to=${p.to}`);
      }
      if (p.from >= T) throw new Error(`${where}: from=${p.from} is beyond the last step ${T - 1}`);
      const count = p.units ? p.units.length : p.connections ? p.connections.length : 0;
      if ((p.units == null) === (p.connections == null)) throw new Error(`${where}: give either 'units' or 'connections'`);
      const valueAt = (k: number): number => {
        if (p.mode === 'silence') return 0;
        if (p.value === undefined) throw new Error(`${where}: mode '${p.mode}' needs a value`);
        if (typeof p.value === 'number') return p.value;
        if (p.value.length !== count) throw new Error(`${where}: ${p.value.length} values for ${count} targets`);
        return p.value[k];
      };
      const out: CompiledPerturbation = { t0: p.from, t1: Math.min(p.to, T) };
      if (p.units) {
        const scale = new Float32Array(n).fill(1), addv = new Float32Array(n);
        Array.from(p.units).forEach((u, k) => {
          if (!(Number.isInteger(u) && u >= 0 && u < n)) throw new Error(`${where}: unit ${u} is not in 0..${n - 1}`);
          if (p.mode === 'scale') scale[u] = valueAt(k);
          else { scale[u] = 0; addv[u] = valueAt(k); }
        });
        out.scale = scale; out.add = addv;
      } else {
        if (p.mode === 'clamp') throw new Error(`${where}: connections can be silenced or scaled, not clamped`);
        const m = new Float32Array(n * n).fill(1);
        p.connections!.forEach(([i, j], k) => {
          if (!(i >= 0 && i < n && j >= 0 && j < n)) throw new Error(`${where}: connection [${i}, ${j}] is out of range`);
          m[i * n + j] = valueAt(k);
        });
        out.connMask = m;
      }
      return out;
    });
  }

  /**
   * Run the network on a batch. Under `tf.variableGrads`/`tf.grads` the scan uses its own BPTT. Returned
   * tensors belong to the caller (dispose them, or call inside tf.tidy).
   */
  forward(inputs: Sequence, opts: ForwardOptions = {}): ForwardResult {
    const { T, B, data } = sequenceData(inputs, this.nIn, 'forward: inputs');
    const n = this.n;
    const nz = this.noiseConfig();
    const noiseOn = opts.noise ?? true;
    const stream = opts.seed !== undefined ? rng(opts.seed) : this.noiseRng;
    const tauNums = this.tauBounds ? null : (this.params.tau.dataSync() as Float32Array);
    let u = data, nInScan = this.nIn;
    if (noiseOn && nz.input > 0) {
      let sc = nz.input;
      if (nz.inputScaling === 'sqrt2alpha') sc *= Math.sqrt(2 * this.dt / tauNums![0]);
      u = Float32Array.from(data);
      for (let k = 0; k < u.length; k++) u[k] += sc * stream.normal();
    }
    let eps: Float32Array | null = null;
    if (noiseOn && nz.rec > 0) {
      eps = fillNormals(new Float32Array(T * B * n), stream.seed32());
    }
    const setName = (s: number) => (s === 0 ? 'w_in' : `w_in${s + 1}`);
    const checkSet = (s: number) => {
      if (!Number.isInteger(s) || !this.params[setName(s)]) {
        throw new Error(`forward: inputSet ${s} needs '${setName(s)}', but the config has ${this.config.inputMatrices ?? 1} input matrices`);
      }
    };
    const perTrial = opts.inputSet !== undefined && typeof opts.inputSet !== 'number' ? Array.from(opts.inputSet) : null;
    const setIdx = perTrial ? 0 : ((opts.inputSet as number | undefined) ?? 0);
    checkSet(setIdx);
    // Per-trial input matrices: trial b's channels go into block k of a widened input, and the scan sees
    // [W_in(s_0) | W_in(s_1) | …] (the sets used, concatenated): the same products, and exact gradients for each.
    let setsUsed: number[] = [setIdx];
    if (perTrial) {
      if (perTrial.length !== B) throw new Error(`forward: inputSet has ${perTrial.length} entries, one per trial needs ${B}`);
      perTrial.forEach(checkSet);
      setsUsed = [...new Set(perTrial)].sort((a, b) => a - b);
      const block = perTrial.map((s) => setsUsed.indexOf(s));
      const nIn = this.nIn, width = setsUsed.length * nIn;
      const wide = new Float32Array(T * B * width);
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
        wide.set(u.subarray((t * B + b) * nIn, (t * B + b + 1) * nIn), (t * B + b) * width + block[b] * nIn);
      }
      u = wide;
      nInScan = width;
    }
    const perts = this.compilePerturbations(opts.perturbations ?? [], T);
    const tauTrain = this.trainable.has('tau_theta');
    const st: ScanStatic = {
      n, nIn: nInScan, activation: this.activation,
      useGain: this.useGain, useShift: this.useShift, useResp: this.useResp,
      grads: {
        alpha: tauTrain, noiseScale: tauTrain && eps != null,
        gain: this.trainable.has('gain'), shift: this.trainable.has('threshold') || this.trainable.has('ext_bias') || this.trainable.has('gain'),
        resp: this.trainable.has('resp_gain'), x0: true, r0: true,
      },
      perturbations: perts,
    };
    const sd: ScanData = { T, B, inputs: u, noise: eps };
    return tf.tidy(() => {
      const P = this.params;
      const alpha = tf.div(this.dt, this.tauTensor()) as tf.Tensor1D;
      let noiseScale: tf.Tensor1D;
      // Without recurrent noise this call the scan never reads the scale (nor wants its gradient).
      if (!eps) noiseScale = tf.zeros([n]);
      else if (nz.scaling === 'sqrt2alpha') noiseScale = tf.mul(nz.rec, tf.sqrt(tf.mul(2, alpha)));
      else if (nz.scaling === 'inside-alpha') noiseScale = tf.mul(alpha, tf.mul(nz.rec, tf.sqrt(tf.div(2, alpha))));
      else noiseScale = tf.fill([n], nz.rec) as tf.Tensor1D;
      let x0: tf.Tensor2D;
      if (opts.x0) {
        if (opts.x0.length !== B * n) throw new Error(`forward: x0 needs B·N = ${B * n} values, got ${opts.x0.length}`);
        x0 = tf.tensor2d(Float32Array.from(opts.x0), [B, n]);
      } else x0 = P.x0.reshape([1, n]);
      const gain = P.gain as tf.Tensor1D;
      const shift = tf.sub(P.ext_bias, tf.mul(gain, P.threshold)) as tf.Tensor1D;
      if (opts.r0 && opts.r0.length !== B * n) throw new Error(`forward: r0 needs B·N = ${B * n} values, got ${opts.r0.length}`);
      const r0 = opts.r0 ? tf.tensor2d(Float32Array.from(opts.r0), [B, n])
        : P.r0
        ? (P.r0.reshape([1, n]) as tf.Tensor2D)
        : (tf.mul(this.activation.f(tf.add(tf.mul(x0, gain), shift)), P.resp_gain) as tf.Tensor2D);
      const sp: ScanParams = {
        w: this.effectiveWTensor(),
        wIn: (setsUsed.length === 1 ? P[setName(setsUsed[0])] : tf.concat(setsUsed.map((s) => P[setName(s)]), 1)) as tf.Tensor2D, b: P.b as tf.Tensor1D, alpha,
        gain, shift, resp: P.resp_gain as tf.Tensor1D, noiseScale, x0, r0,
      };
      const res = runScan(this.kernel, sp, sd, st, { keepStates: opts.states, reference: opts.reference });
      const wOut = this.readMask ? tf.mul(P.w_out, this.readMask) : P.w_out;
      let out = readoutProduct(res.rates, wOut as tf.Tensor2D);
      if (P.b_out) out = tf.add(out, P.b_out.shape[0] === 1 ? P.b_out : P.b_out.reshape([1, this.nOut]));
      const result: ForwardResult = {
        T, B,
        rates: reshapeShared(res.rates, [T, B, n]) as tf.Tensor3D,
        outputs: out.reshape([T, B, this.nOut]),
      };
      if (res.states) result.states = res.states.reshape([T, B, n]) as tf.Tensor3D;
      return result as unknown as tf.TensorContainer;
    }) as unknown as ForwardResult;
  }

  /** Apply the Dale projection of `project-*` modes (and the mask) to W in place; a no-op otherwise. */
  project(): void {
    const p = this.plan;
    if (p.dale !== 'project-columns' && p.dale !== 'project-rows') return;
    const w = (this.params.w.dataSync() as Float32Array).slice();
    projectW(w, p);
    if (p.mask) for (let k = 0; k < w.length; k++) w[k] *= p.mask[k];
    tf.tidy(() => this.params.w.assign(tf.tensor2d(w, [this.n, this.n])));
  }

  /** Copy of every parameter, by name. */
  getWeights(): WeightSet {
    const out: WeightSet = {};
    for (const [k, v] of Object.entries(this.params)) out[k] = { data: (v.dataSync() as Float32Array).slice(), shape: v.shape.slice() };
    return out;
  }

  /** Set parameters by name (shapes must match); unknown names are errors. */
  setWeights(ws: Record<string, { data: ArrayLike<number>; shape?: number[] } | ArrayLike<number>>): void {
    for (const [k, v] of Object.entries(ws)) {
      const p = this.params[k];
      if (!p) throw new Error(`setWeights: no parameter '${k}' (have ${Object.keys(this.params).join(', ')})`);
      const data = 'data' in v ? v.data : v;
      if (data.length !== p.size) throw new Error(`setWeights: '${k}' needs ${p.size} values (shape [${p.shape}]), got ${data.length}`);
      tf.tidy(() => p.assign(tf.tensor(Float32Array.from(data), p.shape)));
    }
    const differs = (name: string, v: number) => this.params[name].dataSync().some((x) => x !== v);
    const t = this.trainable;
    this.useGain = t.has('gain') || differs('gain', 1);
    this.useShift = t.has('threshold') || t.has('ext_bias') || differs('threshold', 0) || differs('ext_bias', 0);
    this.useResp = t.has('resp_gain') || differs('resp_gain', 1);
  }

  /** Noise stream state cannot be read back from xoshiro; reseed it explicitly (e.g. after loading). */
  reseedNoise(seed: number): void {
    this.noiseRng = rng(seed);
  }

  dispose(): void {
    Object.values(this.params).forEach((v) => v.dispose());
    tf.dispose([this.planT.mask, this.planT.reluMask, this.planT.colSign, this.readMask].filter((x): x is tf.Tensor2D => x != null));
  }

  toString(): string {
    const t = this.tauBounds ? `τ ∈ [${this.tauBounds.min}, ${this.tauBounds.max}] trainable` : `τ = ${this.tau()[0]}${new Set(this.tau()).size > 1 ? ' (per unit)' : ''}`;
    const nE = this.excitatory ? this.excitatory.reduce((a, b) => a + b, 0) : null;
    return `Ctrnn(N=${this.n}, in=${this.nIn}, out=${this.nOut}, ${this.activation.name}, dt=${this.dt}, ${t}` +
      `${nE !== null ? `, ${nE} E / ${this.n - nE} I, Dale '${this.plan.dale}'` : ''}; trainable: ${[...this.trainable].join(', ')})`;
  }

  [Symbol.for('Jupyter.display')](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }
}

/**
 * x reshaped, differentiably, without the copy tfjs makes otherwise: under a gradient tape a recorded Reshape
 * keeps a clone of its input for its gradient, and a clone is a full copy on the wasm backend (≈ 1 ms for the
 * [T·B, N] rates at T = 300, B = 32, N = 256, every training step). Its gradient only needs the shape.
 */
function reshapeShared(x: tf.Tensor, shape: number[]): tf.Tensor {
  if (!(tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn()) return tf.reshape(x, shape);
  const inShape = x.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.reshape(args[0] as tf.Tensor, shape),
    gradFunc: (dy: tf.Tensor) => tf.reshape(dy, inShape),
  }));
  return f(x);
}

/** Build a CT-RNN from its config (see `CtrnnConfig` for every option). */
export function ctrnn(config: CtrnnConfig): Ctrnn {
  return new Ctrnn(config);
}

/** Flatten a sequence input to Float32 [T·B·width] and check its width. */
export function sequenceData(s: Sequence, width: number, what: string): { T: number; B: number; data: Float32Array } {
  let data: Float32Array, shape: number[];
  if (s instanceof tf.Tensor) { shape = s.shape; data = s.dataSync() as Float32Array; }
  else { shape = s.shape; data = s.data instanceof Float32Array ? s.data : Float32Array.from(s.data); }
  if (shape.length !== 3) throw new Error(`${what}: needs shape [T, B, ${width}], got [${shape}]`);
  const [T, B, w] = shape;
  if (w !== width) throw new Error(`${what}: last dimension is ${w}, the model expects ${width}`);
  if (data.length !== T * B * w) throw new Error(`${what}: ${data.length} values for shape [${shape}]`);
  return { T, B, data };
}


