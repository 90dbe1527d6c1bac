/**
 * The recurrent scan of a CT-RNN over time with its own backward pass through time.
 *
 *   z_t = r_{t−1} W_effᵀ + u_t W_inᵀ + b
 *   x_t = x_{t−1} + α ⊙ (z_t − x_{t−1}) + s ⊙ ε_t          (α = dt/τ per unit, s = noise scale, ε ~ N(0, 1))
 *   r_t = P_t(k ⊙ f(g ⊙ x_t + c))                          (P_t: perturbation, identity outside its windows)
 *
 * Why a hand-written backward: tfjs autodiff of this loop on wasm is ~15× slower than PyTorch (every matMul
 * gradient is a transposed product, which wasm runs as a scalar loop; see shared/notes/toolchain.md). Here
 * every per-step product is non-transposed (a transposed copy of W is made once per call), per-step tensors
 * are built from flat Float32Arrays instead of slicing, and the weight gradient is one large product
 * dZᵀ·R_prev at the end. Generic autodiff stays for everything around the scan (W_eff from W, τ from θ,
 * losses), and the same forward run under plain autodiff is the reference the tests compare against.
 *
 * The kernel is replaceable (`ScanKernel`): a WASM SIMD kernel can implement the same forward/backward.
 */
import { tf } from '../backend';
import { Activation } from './activations';

/** Differentiable inputs of the scan, all float32. Vectors are per unit, shape [N]. */
export interface ScanParams {
  /** Effective recurrent matrix [N, N], W[i, j] from j to i. */
  w: tf.Tensor2D;
  /** Input matrix [N, nIn]. */
  wIn: tf.Tensor2D;
  b: tf.Tensor1D;
  alpha: tf.Tensor1D;
  gain: tf.Tensor1D;
  shift: tf.Tensor1D;
  resp: tf.Tensor1D;
  noiseScale: tf.Tensor1D;
  /** Initial state x_{−1} and rate r_{−1}, [B, N] or [1, N] (shared by all trials). */
  x0: tf.Tensor2D;
  r0: tf.Tensor2D;
}

export const SCAN_PARAM_ORDER = ['w', 'wIn', 'b', 'alpha', 'gain', 'shift', 'resp', 'noiseScale', 'x0', 'r0'] as const;
export type ScanParamName = (typeof SCAN_PARAM_ORDER)[number];

/** Per-call data (not differentiated): inputs [T, B, nIn] and standard normals [T, B, N] (or null). */
export interface ScanData {
  T: number;
  B: number;
  inputs: Float32Array;
  noise: Float32Array | null;
}

/** Perturbation of one time window, already compiled to per-unit vectors / a connection mask. */
export interface CompiledPerturbation {
  /** Steps t0 ≤ t < t1. */
  t0: number;
  t1: number;
  /** r ← r ⊙ scale + add (per unit) after the nonlinearity. */
  scale?: Float32Array;
  add?: Float32Array;
  /** W_eff ⊙ connMask while active, [N, N] row-major. */
  connMask?: Float32Array;
}

/** Settings fixed for one model (which terms are used, which gradients are wanted). */
export interface ScanStatic {
  n: number;
  nIn: number;
  activation: Activation;
  /** Terms that differ from identity (skipped otherwise, for speed). */
  useGain: boolean;
  useShift: boolean;
  useResp: boolean;
  /** Gradients wanted for these inputs (others get zeros). W is always differentiated. */
  grads: Partial<Record<ScanParamName, boolean>>;
  perturbations: CompiledPerturbation[];
}

export interface ScanResult {
  /** Rates r_0..r_{T−1}, [T·B, N] (row t·B + b). */
  rates: tf.Tensor2D;
  /** States x_0..x_{T−1}, [T·B, N], when asked for. */
  states?: tf.Tensor2D;
}

export interface ScanForwardOptions {
  /** Keep what the backward pass needs (a tape), to be passed to `backward`. */
  record: boolean;
  /** Also return the states x. */
  keepStates: boolean;
  /** Only use ops that tfjs autodiff can differentiate (the reference path). */
  autodiff?: boolean;
}

/** A replaceable scan implementation: forward (optionally recording a tape) and backward from dRates. */
export interface ScanKernel {
  readonly name: string;
  forward(p: ScanParams, d: ScanData, s: ScanStatic, opts: ScanForwardOptions): ScanResult & { tape: unknown };
  backward(tape: unknown, dRates: tf.Tensor2D): Record<ScanParamName, tf.Tensor>;
  /** Free a tape after (or instead of) `backward`; without it runScan assumes the tfjs kernel's tape. */
  disposeTape?(tape: unknown): void;
}

interface StepPert {
  scale: tf.Tensor2D | null;
  add: tf.Tensor2D | null;
  wT: tf.Tensor2D | null;
  connMask: tf.Tensor2D | null;
}

/** Combine the perturbations active at each step; returns a per-step lookup of kept tensors. */
function compilePerturbations(s: ScanStatic, T: number, w: tf.Tensor2D): { at: (t: number) => StepPert | null; dispose: () => void } {
  if (s.perturbations.length === 0) return { at: () => null, dispose: () => {} };
  const n = s.n;
  const byKey = new Map<string, StepPert>();
  const perStep: (StepPert | null)[] = new Array(T).fill(null);
  for (let t = 0; t < T; t++) {
    const active = s.perturbations.map((p, i) => (t >= p.t0 && t < p.t1 ? i : -1)).filter((i) => i >= 0);
    if (active.length === 0) continue;
    const key = active.join(',');
    let sp = byKey.get(key);
    if (!sp) {
      let scale: Float32Array | null = null, add: Float32Array | null = null, mask: Float32Array | null = null;
      for (const i of active) {
        const p = s.perturbations[i];
        if (p.scale || p.add) {
          // Composition of r ← r⊙s + a in the order given: (r⊙s1 + a1)⊙s2 + a2.
          scale ??= new Float32Array(n).fill(1);
          add ??= new Float32Array(n);
          for (let j = 0; j < n; j++) {
            const sj = p.scale ? p.scale[j] : 1, aj = p.add ? p.add[j] : 0;
            scale[j] *= sj;
            add[j] = add[j] * sj + aj;
          }
        }
        if (p.connMask) {
          mask ??= new Float32Array(n * n).fill(1);
          for (let k = 0; k < n * n; k++) mask[k] *= p.connMask[k];
        }
      }
      sp = ((): StepPert => {
        const connMask = mask ? tf.keep(tf.tensor2d(mask, [n, n])) : null;
        return {
          scale: scale ? tf.keep(tf.tensor2d(scale, [1, n])) : null,
          add: add ? tf.keep(tf.tensor2d(add, [1, n])) : null,
          connMask,
          wT: connMask ? tf.keep(tf.transpose(tf.mul(w, connMask)) as tf.Tensor2D) : null,
        };
      })();
      byKey.set(key, sp);
    }
    perStep[t] = sp!;
  }
  return {
    at: (t) => perStep[t],
    dispose: () => byKey.forEach((sp) => tf.dispose([sp.scale, sp.add, sp.wT, sp.connMask].filter((x): x is tf.Tensor2D => x != null))),
  };
}

interface Tape {
  p: ScanParams;
  d: ScanData;
  s: ScanStatic;
  /** Per step: pre-activation a_t, rate before its last use as r_prev, and optional saved terms. */
  a: tf.Tensor[];
  x: tf.Tensor[];
  fa: tf.Tensor[];
  zmx: tf.Tensor[];
  rPrev: tf.Tensor[];
  /** α folded into W and the input drive (see forward). */
  fold: boolean;
  pert: { at: (t: number) => StepPert | null; dispose: () => void };
}

/**
 * Read a tensor back and free it. Never return a large typed array from `tf.tidy`: tidy walks its result
 * looking for tensors, element by element (measured: 3 s for 2.4 M floats).
 */
export function readAndDispose(t: tf.Tensor): Float32Array {
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

function stepTensor(data: Float32Array, t: number, B: number, width: number): tf.Tensor2D {
  return tf.tensor2d(data.subarray(t * B * width, (t + 1) * B * width), [B, width]);
}

/** The tfjs-ops kernel (fused per step, explicit BPTT). */
export const tfjsScanKernel: ScanKernel = {
  name: 'tfjs-bptt',

  forward(p, d, s, opts) {
    const { T, B } = d;
    const n = s.n, nIn = s.nIn, act = s.activation;
    if (d.inputs.length !== T * B * nIn) throw new Error(`scan: inputs hold ${d.inputs.length} values, expected T·B·nIn = ${T}·${B}·${nIn}`);
    if (d.noise && d.noise.length !== T * B * n) throw new Error(`scan: noise holds ${d.noise.length} values, expected T·B·N = ${T}·${B}·${n}`);
    const rec = opts.record;
    // Fold α into the products when α is not trained: x ← (1−α)⊙x + r·(W_effᵀ⊙α) + α⊙(u·W_inᵀ + b), with the
    // input drive of all steps computed by one product up front. Saves three ops per step forward and one
    // backward; per-op overhead (20–100 µs on wasm) dominates small networks.
    const fold = !opts.autodiff && !s.grads.alpha && !s.perturbations.some((q) => q.connMask);
    const tape: Tape | null = rec ? { p, d, s, a: [], x: [], fa: [], zmx: [], rPrev: [], pert: null as never, fold } : null;
    const keep = <X extends tf.Tensor>(x: X): X => (rec ? tf.keep(x) : x);
    const pert = compilePerturbations(s, T, p.w);
    if (tape) tape.pert = pert;
    const rates: tf.Tensor[] = [];
    const states: tf.Tensor[] = [];
    const wT = tf.transpose(p.w);
    const wInT = tf.transpose(p.wIn);
    const bRow = p.b.reshape([1, n]);
    const alphaRow = p.alpha.reshape([1, n]);
    const gainRow = s.useGain ? p.gain.reshape([1, n]) : null;
    const shiftRow = s.useShift ? p.shift.reshape([1, n]) : null;
    const respRow = s.useResp ? p.resp.reshape([1, n]) : null;
    const noiseRow = d.noise ? p.noiseScale.reshape([1, n]) : null;
    let x: tf.Tensor = p.x0.shape[0] === B ? p.x0 : tf.tile(p.x0, [B, 1]);
    let r: tf.Tensor = p.r0.shape[0] === B ? p.r0 : tf.tile(p.r0, [B, 1]);
    let drive: Float32Array | null = null, wAT: tf.Tensor | null = null, oneMinusAlpha: tf.Tensor | null = null;
    if (fold) {
      drive = readAndDispose(tf.tidy(() => tf.mul(tf.add(tf.matMul(tf.tensor2d(d.inputs, [T * B, nIn]), wInT), bRow), alphaRow)));
      wAT = tf.mul(wT, alphaRow);
      oneMinusAlpha = tf.sub(1, alphaRow);
    }
    // Each step runs in its own tidy (only x_t, r_t and the tape's kept tensors survive it), so memory grows
    // by two [B, N] tensors a step instead of every intermediate: long evaluation runs stay small.
    const step = (t: number, x: tf.Tensor, r: tf.Tensor): { x: tf.Tensor; r: tf.Tensor } => {
      const sp = pert.at(t);
      // r_{−1} may be an input of the customGrad: keep a clone, so that freeing the tape leaves the input alone.
      if (tape) tape.rPrev.push(keep(t === 0 ? tf.clone(r) : r));
      let xNew: tf.Tensor;
      if (fold) {
        xNew = tf.add(tf.add(tf.mul(x, oneMinusAlpha!), tf.matMul(r, wAT!)), stepTensor(drive!, t, B, n));
      } else {
        const u = stepTensor(d.inputs, t, B, nIn);
        const z = tf.add(tf.add(tf.matMul(r, sp?.wT ?? wT), tf.matMul(u, wInT)), bRow);
        const zmx = tf.sub(z, x);
        if (tape && s.grads.alpha) tape.zmx.push(keep(zmx));
        xNew = tf.add(x, tf.mul(alphaRow, zmx));
      }
      if (noiseRow) xNew = tf.add(xNew, tf.mul(noiseRow, stepTensor(d.noise!, t, B, n)));
      if (tape && s.grads.gain) tape.x.push(keep(xNew));
      let a: tf.Tensor = xNew;
      if (gainRow) a = tf.mul(a, gainRow);
      if (shiftRow) a = tf.add(a, shiftRow);
      if (tape) tape.a.push(keep(a));
      let fa = act.f(a) as tf.Tensor;
      if (tape && s.grads.resp) tape.fa.push(keep(fa));
      if (respRow) fa = tf.mul(fa, respRow);
      const rNew = sp?.scale ? tf.add(tf.mul(fa, sp.scale), sp.add!) : fa;
      return { x: xNew, r: rNew };
    };
    for (let t = 0; t < T; t++) {
      const o = tf.tidy(() => step(t, x, r));
      x = o.x;
      r = o.r;
      rates.push(r);
      if (opts.keepStates) states.push(x);
    }
    const out: ScanResult & { tape: unknown } = { rates: tf.concat(rates, 0) as tf.Tensor2D, tape };
    if (opts.keepStates) out.states = tf.concat(states, 0) as tf.Tensor2D;
    if (!rec) pert.dispose();
    return out;
  },

  backward(tapeAny, dRates) {
    const tape = tapeAny as Tape;
    const { p, d, s } = tape;
    const { T, B } = d;
    const n = s.n, act = s.activation;
    const dR = dRates.dataSync() as Float32Array;
    const alphaRow = p.alpha.reshape([1, n]);
    const oneMinusAlpha = tf.sub(1, alphaRow);
    const gainRow = s.useGain ? p.gain.reshape([1, n]) : null;
    const respRow = s.useResp ? p.resp.reshape([1, n]) : null;
    const noiseOn = d.noise != null;
    const alphaCol = p.alpha.reshape([n, 1]);
    const wAlpha = tape.fold ? tf.mul(p.w, alphaCol) : null;
    let dxCarry: tf.Tensor | null = null;
    let drCarry: tf.Tensor | null = null;
    let accAlpha: tf.Tensor | null = null, accNoise: tf.Tensor | null = null;
    let accGain: tf.Tensor | null = null, accShift: tf.Tensor | null = null, accResp: tf.Tensor | null = null;
    const acc = (prev: tf.Tensor | null, v: tf.Tensor) => (prev ? tf.add(prev, v) : v);
    const dzFree: tf.Tensor[] = [], rFree: tf.Tensor[] = [];
    const dzPert: tf.Tensor[] = [], rPert: tf.Tensor[] = [];
    let pertMask: tf.Tensor | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const sp = tape.pert.at(t);
      let dr: tf.Tensor = stepTensor(dR, t, B, n);
      if (drCarry) dr = tf.add(dr, drCarry);
      if (sp?.scale) dr = tf.mul(dr, sp.scale);
      if (s.grads.resp) accResp = acc(accResp, tf.mul(dr, tape.fa[t]));
      if (respRow) dr = tf.mul(dr, respRow);
      const da = tf.mul(dr, act.df(tape.a[t])) as tf.Tensor;
      if (s.grads.shift) accShift = acc(accShift, da);
      if (s.grads.gain) accGain = acc(accGain, tf.mul(da, tape.x[t]));
      let dx: tf.Tensor = gainRow ? tf.mul(da, gainRow) : da;
      if (dxCarry) dx = tf.add(dx, dxCarry);
      if (s.grads.alpha) accAlpha = acc(accAlpha, tf.mul(dx, tape.zmx[t]));
      if (noiseOn && s.grads.noiseScale) accNoise = acc(accNoise, tf.mul(dx, stepTensor(d.noise!, t, B, n)));
      // Folded: collect dx and scale by α once at the end (dz = α⊙dx); W⊙α carries it through time.
      const dz = tape.fold ? dx : tf.mul(dx, alphaRow);
      dxCarry = tf.mul(dx, oneMinusAlpha);
      if (tape.fold) {
        dzFree.push(dz); rFree.push(tape.rPrev[t]);
        drCarry = tf.matMul(dz, wAlpha!);
      } else if (sp?.connMask) {
        dzPert.push(dz); rPert.push(tape.rPrev[t]);
        pertMask = sp.connMask;
        drCarry = tf.matMul(dz, tf.mul(p.w, sp.connMask));
      } else {
        dzFree.push(dz); rFree.push(tape.rPrev[t]);
        drCarry = tf.matMul(dz, p.w);
      }
    }
    // One large product per group instead of T small transposed ones (transposed matMul is slow on wasm).
    const dZ = tf.concat([...dzFree, ...dzPert], 0);
    const dZT = tf.transpose(dZ);
    let dW: tf.Tensor;
    if (tape.fold) dW = tf.mul(tf.matMul(dZT, tf.concat(rFree, 0)), alphaCol);
    else if (dzPert.length === 0) dW = tf.matMul(dZT, tf.concat(rFree, 0));
    else {
      const pertPart = tf.mul(tf.matMul(tf.transpose(tf.concat(dzPert, 0)), tf.concat(rPert, 0)), pertMask!) as tf.Tensor;
      dW = dzFree.length ? tf.add(tf.matMul(tf.transpose(tf.concat(dzFree, 0)), tf.concat(rFree, 0)), pertPart) : pertPart;
    }
    const zeros = (x: tf.Tensor) => tf.zerosLike(x);
    const vec = (a: tf.Tensor | null, like: tf.Tensor) => (a ? tf.sum(a, 0) : zeros(like));
    // The tape's rows follow dzFree/dzPert order (reverse time, grouped); U must follow the same order.
    const order: number[] = [];
    for (let t = T - 1; t >= 0; t--) if (!tape.pert.at(t)?.connMask) order.push(t);
    for (let t = T - 1; t >= 0; t--) if (tape.pert.at(t)?.connMask) order.push(t);
    let dWin: tf.Tensor;
    if (s.grads.wIn !== false) {
      const nIn = s.nIn;
      const U = new Float32Array(T * B * nIn);
      order.forEach((t, k) => U.set(d.inputs.subarray(t * B * nIn, (t + 1) * B * nIn), k * B * nIn));
      dWin = tf.matMul(dZT, tf.tensor2d(U, [T * B, nIn]));
      if (tape.fold) dWin = tf.mul(dWin, alphaCol);
    } else dWin = zeros(p.wIn);
    const red0 = (g: tf.Tensor | null, like: tf.Tensor) => (g == null ? zeros(like) : like.shape[0] === g.shape[0] ? g : tf.sum(g, 0, true));
    const grads: Record<ScanParamName, tf.Tensor> = {
      w: dW,
      wIn: dWin,
      b: s.grads.b !== false ? (tape.fold ? tf.mul(tf.sum(dZ, 0), p.alpha) : tf.sum(dZ, 0)) : zeros(p.b),
      alpha: vec(accAlpha, p.alpha),
      gain: vec(accGain, p.gain),
      shift: vec(accShift, p.shift),
      resp: vec(accResp, p.resp),
      noiseScale: vec(accNoise, p.noiseScale),
      x0: red0(dxCarry, p.x0),
      r0: red0(drCarry, p.r0),
    };
    return grads;
  },

  disposeTape(t) {
    disposeTape(t as Tape);
  },
};

function disposeTape(t: Tape): void {
  tf.dispose(SCAN_PARAM_ORDER.map((k) => t.p[k]));
  tf.dispose([...t.a, ...t.x, ...t.fa, ...t.zmx, ...t.rPrev]);
  t.pert.dispose();
}

/** True while tfjs records a gradient tape (engine internals; no public API says so). */
function recordingGradients(): boolean {
  const eng = tf.engine() as unknown as { isTapeOn(): boolean };
  return eng.isTapeOn();
}

/**
 * Run the scan. Under a gradient tape (tf.grads / variableGrads) the kernel's own backward is used through
 * `tf.customGrad`; otherwise the forward runs without recording anything. `reference: true` runs the same
 * forward under plain tfjs autodiff (slow; used by the tests as the gradient reference).
 * A scan run under a tape keeps its tape until its gradient is taken; compute gradients of something that
 * depends on the rates (as every loss does), or the tape's tensors stay allocated.
 */
export function runScan(
  kernel: ScanKernel, p: ScanParams, d: ScanData, s: ScanStatic,
  opts: { keepStates?: boolean; reference?: boolean } = {},
): ScanResult {
  const keepStates = opts.keepStates ?? false;
  if (opts.reference || !recordingGradients()) {
    const { rates, states } = kernel.forward(p, d, s, { record: false, keepStates, autodiff: opts.reference });
    return states ? { rates, states } : { rates };
  }
  if (keepStates) throw new Error('scan: keepStates is only available without gradients (evaluate the model separately)');
  const inputs = SCAN_PARAM_ORDER.map((k) => p[k]) as tf.Tensor[];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const q = {} as Record<ScanParamName, tf.Tensor>;
    // Inputs may be intermediates of the caller's tidy (α from τ, W_eff from W), disposed before the backward
    // runs: the tape holds kept clones (a clone shares the data buffer; no copy).
    SCAN_PARAM_ORDER.forEach((k, i) => (q[k] = tf.keep(tf.clone(args[i] as tf.Tensor))));
    const res = kernel.forward(q as unknown as ScanParams, d, s, { record: true, keepStates: false });
    const tape = res.tape as Tape;
    // The tape holds tf.keep()'d tensors (customGrad's save() would clone each one); freed in gradFunc.
    return {
      value: res.rates,
      gradFunc: (dy: tf.Tensor) => {
        try {
          const g = kernel.backward(tape, dy as tf.Tensor2D);
          return SCAN_PARAM_ORDER.map((k) => g[k]);
        } finally {
          if (kernel.disposeTape) kernel.disposeTape(tape);
          else disposeTape(tape);
        }
      },
    };
  });
  return { rates: f(...inputs) as tf.Tensor2D };
}
