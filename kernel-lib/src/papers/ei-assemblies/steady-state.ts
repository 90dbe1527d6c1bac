/**
 * Steady state of the E/I rate network for one stimulus, by forward Euler from the paper's fixed start
 * (r_E = h_E = ρ0, r_I = h_I = I background):
 *
 *   h_E += dt/τ_E · (I_aff − W_EI r_I + W_EE r_E − r_E)
 *   h_I += dt/τ_I · (W_IE r_E − W_II r_I − r_I + I_bg)        r = clip(h, 0, rMax)
 *
 * Both drives are evaluated from the old state (simultaneous update). The leak is −r, not −h, as in the paper's
 * simulator: a silent unit (h < 0) keeps a constant negative drive and its h drifts down for as long as the
 * integration runs, so h_E — and the plasticity error h_E − ρ0 — of silent units depends on the number of steps.
 * That is why the trajectory is integrated step by step and never replaced by a direct fixed-point solve.
 * Convergence: |drive| < maxDr on every unit whose new h lies inside [0, rMax] (all units outside count as
 * converged), checked after each step; at most maxSteps steps.
 *
 * Speed: W_EE r_E dominates (nE² per step). Silent units contribute nothing, so the products are accumulated
 * as sums of matrix columns over the active presynaptic units only (exact, not an approximation), with E and I
 * presynaptic units in one column table per postsynaptic population. The whole integration of one stimulus
 * runs in WebAssembly (euler.c, SIMD128, embedded in euler-wasm.ts): measured ≈ 6× faster than the same steps
 * in JavaScript (bench/ei-assemblies-trial.ts, bench/RESULTS.md). The JavaScript `eulerStep` below is the
 * fallback where WebAssembly is missing and the reference the tests compare the module with.
 */
import { EULER_WASM_BASE64 } from './euler-wasm';
import { EINetwork } from './network';

export interface SteadyStateResult {
  converged: boolean;
  /** Euler steps taken. */
  steps: number;
}

export interface SteadyStateOptions {
  /** Override the convergence threshold |τ dh/dt| (default: params.maxDr). */
  maxDr?: number;
  /** Override the step limit (default: params.maxSteps). */
  maxSteps?: number;
}

/** 'wasm': euler.c compiled with SIMD128 (default where WebAssembly exists); 'js': the same steps in JavaScript. */
export type EulerEngine = 'wasm' | 'js';

export interface SteadyStateSolverOptions {
  engine?: EulerEngine;
}

/** The WebAssembly JS API (the project compiles without DOM typings, which is where TypeScript declares it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number }) => { readonly buffer: ArrayBuffer };
}
type EiSolve = (
  nE: number, nI: number, nEpad: number, nIpad: number, input: number, h: number, r: number, toE: number, toI: number,
  dE: number, dI: number, active: number, kE: number, kI: number, rMax: number, bgI: number, maxDr: number,
  maxSteps: number,
) => number;

let wasmModule: object | null | undefined;
/** The compiled module, or null where WebAssembly (or SIMD128) is unavailable. Compiled once (3 KB, ~1 ms). */
function eulerModule(): object | null {
  if (wasmModule === undefined) {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      wasmModule = api ? new api.Module(Buffer.from(EULER_WASM_BASE64, 'base64')) : null;
    } catch {
      wasmModule = null;
    }
  }
  return wasmModule;
}

/** The 64 KiB C stack sits below this (built with --stack-first); the solver's arrays start here. */
const WASM_HEAP_BASE = 2 * 65536;

export class EISteadyStateSolver {
  readonly nE: number;
  readonly nI: number;
  readonly engine: EulerEngine;
  /** State after the last `solve` (owned by the solver; copy before the next call if you keep it). */
  readonly hE: Float64Array;
  readonly rE: Float64Array;
  readonly hI: Float64Array;
  readonly rI: Float64Array;
  private readonly ws: EulerWorkspace;
  private readonly wasmSolve: EiSolve | null;
  private readonly ptr: Record<'input' | 'h' | 'r' | 'toE' | 'toI' | 'dE' | 'dI' | 'active', number>;

  /** The network's plastic matrices are read at every `solve`, so weight updates need no refresh. */
  constructor(readonly net: EINetwork, opts: SteadyStateSolverOptions = {}) {
    const { nE, nI, wEE } = net;
    const n = nE + nI;
    // Columns padded to an even length: whole f64x2 lanes in the wasm kernel (the pad rows stay zero).
    const nEpad = nE + (nE % 2);
    const nIpad = nI + (nI % 2);
    this.nE = nE;
    this.nI = nI;
    const module = opts.engine === 'js' ? null : eulerModule();
    if (opts.engine === 'wasm' && !module) throw new Error('EISteadyStateSolver: engine "wasm" requested, but WebAssembly SIMD is unavailable here');
    this.engine = module ? 'wasm' : 'js';

    // One layout for both engines, in the wasm module's memory or in a plain buffer (64-byte aligned blocks).
    const sizes = { input: nEpad * 8, h: n * 8, r: n * 8, toE: n * nEpad * 8, toI: n * nIpad * 8, dE: nEpad * 8, dI: nIpad * 8, active: n * 4 };
    let off = module ? WASM_HEAP_BASE : 0;
    const ptr = {} as Record<keyof typeof sizes, number>;
    for (const k of Object.keys(sizes) as (keyof typeof sizes)[]) {
      ptr[k] = off;
      off += Math.ceil(sizes[k] / 64) * 64;
    }
    this.ptr = ptr;
    let buffer: ArrayBuffer;
    if (module) {
      const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      const pages = Math.ceil(off / 65536);
      const memory = new api.Memory({ initial: pages, maximum: pages });
      const instance = new api.Instance(module, { env: { memory } });
      this.wasmSolve = instance.exports.ei_solve as EiSolve;
      buffer = memory.buffer;
    } else {
      this.wasmSolve = null;
      buffer = new ArrayBuffer(off);
    }
    const f64 = (k: keyof typeof sizes) => new Float64Array(buffer, ptr[k], sizes[k] / 8);
    const h = f64('h');
    const r = f64('r');
    // E and I states share one vector each (E first), so one active list and one product per population cover
    // both presynaptic populations.
    this.hE = h.subarray(0, nE);
    this.hI = h.subarray(nE);
    this.rE = r.subarray(0, nE);
    this.rI = r.subarray(nE);
    this.ws = {
      nE,
      nI,
      nEpad,
      nIpad,
      input: f64('input'),
      h,
      r,
      dE: f64('dE'),
      dI: f64('dI'),
      // Column j of toE is what presynaptic unit j adds to the E drives per unit rate: W_EE[:, j] for E units,
      // −W_EI[:, k] for I unit k; toI likewise holds W_IE[:, j] and −W_II[:, k]. Columns are contiguous.
      toE: f64('toE'),
      toI: f64('toI'),
      active: new Int32Array(buffer, ptr.active, n),
    };
    // W_EE is fixed: its columns are copied once.
    const { toE } = this.ws;
    for (let i = 0; i < nE; i++) {
      const o = i * nE;
      for (let j = 0; j < nE; j++) toE[j * nEpad + i] = wEE[o + j];
    }
  }

  /** Afferent input of stimulus `s` (a view into the network's table). */
  stimulusInput(s: number): Float64Array {
    const { nE, nStim } = this.net;
    if (!Number.isInteger(s) || s < 0 || s >= nStim) throw new Error(`EISteadyStateSolver: stimulus ${s} not in [0, ${nStim})`);
    return this.net.afferents.subarray(s * nE, (s + 1) * nE);
  }

  /** Integrate to steady state for the afferent input `input` (length nE). */
  solve(input: Float64Array, opts: SteadyStateOptions = {}): SteadyStateResult {
    const { nE, nI, hE, rE, hI, rI, ws } = this;
    const { toE, toI, nEpad, nIpad } = ws;
    if (input.length !== nE) throw new Error(`EISteadyStateSolver.solve: input has length ${input.length}, expected nE = ${nE}`);
    const p = this.net.params;
    const { wEI, wIE, wII } = this.net;
    const maxDr = opts.maxDr ?? p.maxDr;
    const maxSteps = opts.maxSteps ?? p.maxSteps;
    const kE = p.dt / p.tauE;
    const kI = p.dt / p.tauI;
    const rMax = p.rMax;
    const bgI = p.bgInputI;
    ws.input.set(input);
    hE.fill(p.rho0);
    rE.fill(Math.min(Math.max(p.rho0, 0), rMax));
    hI.fill(bgI);
    rI.fill(Math.min(Math.max(bgI, 0), rMax));

    // Plastic matrices may have changed since the last call: refresh their columns (2·nE·nI copies, well under
    // 1 % of the integration's cost).
    for (let i = 0; i < nE; i++) {
      const o = i * nI;
      for (let k = 0; k < nI; k++) toE[(nE + k) * nEpad + i] = -wEI[o + k];
    }
    for (let k = 0; k < nI; k++) {
      const o = k * nE;
      for (let j = 0; j < nE; j++) toI[j * nIpad + k] = wIE[o + j];
      const oi = k * nI;
      for (let m = 0; m < nI; m++) toI[(nE + m) * nIpad + k] = -wII[oi + m];
    }

    if (this.wasmSolve) {
      const q = this.ptr;
      const code = this.wasmSolve(nE, nI, nEpad, nIpad, q.input, q.h, q.r, q.toE, q.toI, q.dE, q.dI, q.active, kE, kI, rMax, bgI, maxDr, maxSteps);
      return { converged: (code & 1) === 1, steps: code >> 1 };
    }
    let steps = 0;
    let converged = false;
    while (!converged && steps < maxSteps) {
      // One Euler step is its own function so that it can be benchmarked in isolation.
      converged = eulerStep(ws, kE, kI, rMax, bgI, maxDr);
      steps++;
    }
    return { converged, steps };
  }
}

interface EulerWorkspace {
  nE: number;
  nI: number;
  /** Column lengths of toE and toI (nE, nI rounded up to even). */
  nEpad: number;
  nIpad: number;
  input: Float64Array;
  /** [h_E; h_I] and [r_E; r_I]. */
  h: Float64Array;
  r: Float64Array;
  dE: Float64Array;
  dI: Float64Array;
  toE: Float64Array;
  toI: Float64Array;
  active: Int32Array;
}

/** One simultaneous Euler step of both populations; returns whether the convergence criterion holds after it. */
function eulerStep(ws: EulerWorkspace, kE: number, kI: number, rMax: number, bgI: number, maxDr: number): boolean {
  const { nE, nI, nEpad, nIpad, input, h, r, dE, dI, toE, toI, active } = ws;
  const n = nE + nI;
  let nAct = 0;
  for (let j = 0; j < n; j++) if (r[j] !== 0) active[nAct++] = j;

  // E drive: I_aff − r_E + W_EE r_E − W_EI r_I;  I drive: I_bg − r_I + W_IE r_E − W_II r_I
  for (let i = 0; i < nE; i++) dE[i] = input[i] - r[i];
  accumulateColumns(dE, nEpad, toE, active, nAct, r);
  for (let k = 0; k < nI; k++) dI[k] = bgI - r[nE + k];
  accumulateColumnsShort(dI, nIpad, toI, active, nAct, r);

  let gE = 0;
  for (let i = 0; i < nE; i++) {
    const d = dE[i];
    const x = h[i] + kE * d;
    h[i] = x;
    if (x < 0) r[i] = 0;
    else if (x > rMax) r[i] = rMax;
    else {
      r[i] = x;
      const g = Math.abs(d);
      if (g > gE) gE = g;
    }
  }
  let gI = 0;
  for (let k = 0; k < nI; k++) {
    const d = dI[k];
    const x = h[nE + k] + kI * d;
    h[nE + k] = x;
    if (x < 0) r[nE + k] = 0;
    else if (x > rMax) r[nE + k] = rMax;
    else {
      r[nE + k] = x;
      const g = Math.abs(d);
      if (g > gI) gI = g;
    }
  }
  return gE < maxDr && gI < maxDr;
}

/**
 * dst[i] += Σ_a coef[idx[a]] · colMajor[idx[a]·n + i] for a < count: a matrix–vector product restricted to the
 * listed (non-zero) entries of the vector, with the matrix stored column by column.
 * Used for the long (nE) columns only: sharing one function between column lengths 512 and 64 made V8
 * compile it ~2× slower (measured), so the short columns have their own copy below.
 */
function accumulateColumns(
  dst: Float64Array,
  n: number,
  colMajor: Float64Array,
  idx: Int32Array,
  count: number,
  coef: Float64Array,
): void {
  let a = 0;
  for (; a + 7 < count; a += 8) {
    const j0 = idx[a], j1 = idx[a + 1], j2 = idx[a + 2], j3 = idx[a + 3];
    const j4 = idx[a + 4], j5 = idx[a + 5], j6 = idx[a + 6], j7 = idx[a + 7];
    const c0 = coef[j0], c1 = coef[j1], c2 = coef[j2], c3 = coef[j3];
    const c4 = coef[j4], c5 = coef[j5], c6 = coef[j6], c7 = coef[j7];
    const o0 = j0 * n, o1 = j1 * n, o2 = j2 * n, o3 = j3 * n;
    const o4 = j4 * n, o5 = j5 * n, o6 = j6 * n, o7 = j7 * n;
    for (let i = 0; i < n; i++) {
      dst[i] +=
        c0 * colMajor[o0 + i] + c1 * colMajor[o1 + i] + c2 * colMajor[o2 + i] + c3 * colMajor[o3 + i] +
        c4 * colMajor[o4 + i] + c5 * colMajor[o5 + i] + c6 * colMajor[o6 + i] + c7 * colMajor[o7 + i];
    }
  }
  for (; a < count; a++) {
    const j = idx[a];
    const c = coef[j];
    const o = j * n;
    for (let i = 0; i < n; i++) dst[i] += c * colMajor[o + i];
  }
}

/** `accumulateColumns` for the short (nI) columns; a separate copy so V8 keeps separate type feedback. */
function accumulateColumnsShort(
  dst: Float64Array,
  n: number,
  colMajor: Float64Array,
  idx: Int32Array,
  count: number,
  coef: Float64Array,
): void {
  let a = 0;
  for (; a + 7 < count; a += 8) {
    const j0 = idx[a], j1 = idx[a + 1], j2 = idx[a + 2], j3 = idx[a + 3];
    const j4 = idx[a + 4], j5 = idx[a + 5], j6 = idx[a + 6], j7 = idx[a + 7];
    const c0 = coef[j0], c1 = coef[j1], c2 = coef[j2], c3 = coef[j3];
    const c4 = coef[j4], c5 = coef[j5], c6 = coef[j6], c7 = coef[j7];
    const o0 = j0 * n, o1 = j1 * n, o2 = j2 * n, o3 = j3 * n;
    const o4 = j4 * n, o5 = j5 * n, o6 = j6 * n, o7 = j7 * n;
    for (let i = 0; i < n; i++) {
      dst[i] +=
        c0 * colMajor[o0 + i] + c1 * colMajor[o1 + i] + c2 * colMajor[o2 + i] + c3 * colMajor[o3 + i] +
        c4 * colMajor[o4 + i] + c5 * colMajor[o5 + i] + c6 * colMajor[o6 + i] + c7 * colMajor[o7 + i];
    }
  }
  for (; a < count; a++) {
    const j = idx[a];
    const c = coef[j];
    const o = j * n;
    for (let i = 0; i < n; i++) dst[i] += c * colMajor[o + i];
  }
}
