/**
 * The fused scan kernel: the CT-RNN recurrence (scan.ts) forward and backward through time in one C kernel
 * (kernel-lib/wasm/scan.c: a native AVX2 addon where `npm ci` could build it, else the committed WebAssembly
 * module; scan-engine.ts), chunks of steps per call on several threads, instead of ~10 tfjs ops per time
 * step. Same inputs, outputs and gradients as `tfjsScanKernel` (to float32 rounding:
 * tests/models-fused-scan.test.ts), so a model switches kernels without any other change. `autoScanKernel`
 * picks it on the cpu and wasm tfjs backends and falls back to the op-by-op kernel elsewhere (GPU backends,
 * native TensorFlow), for custom activations, connection perturbations, the autodiff reference, or when
 * neither build can load; `fusedScanInfo()` says which and why.
 *
 * Memory (per call, in the kernel's own memory, freed when the gradient has been taken): the tape keeps
 * r_{t−1} and x_t for every step, (T + 1)·B·N floats each (plus z − x per step when τ is trained). With
 * checkpointing (`setFusedScanOptions({ checkpoint })`) it keeps them only at segment starts and recomputes one
 * segment at a time during the backward pass (one extra forward pass, bitwise the same states).
 */
import { tf } from '../backend';
import { ACTIVATIONS } from './activations';
import {
  CompiledPerturbation, ScanData, ScanForwardOptions, ScanKernel, ScanParamName, ScanParams, ScanResult, ScanStatic,
  SCAN_PARAM_ORDER, tfjsScanKernel,
} from './scan';
import { ACT_ID, EngineName, FLAG, KIND, Region, ScanEngine } from './scan-engine';
import { NativeReadout, ScanNative, scanNative, scanNativeError } from './scan-native';
import { scanWasm, scanWasmError } from './scan-wasm';
import { OutputTensor, readView } from './tensor-heap';

export interface FusedScanOptions {
  /** Use the fused kernel where it applies (default true; false forces the op-by-op kernel everywhere). */
  enabled: boolean;
  /** Threads of the fused kernel, the calling one included (default `RATELAB_SCAN_THREADS`, else min(cores, 4)). */
  threads?: number;
  /**
   * Use one thread instead of all of them while that measures faster (default false). On a machine busy with
   * other work, threads that wait for each other at every step's barrier lose time, and this helps; on a quiet
   * one the per-job timings it goes by are noisy enough to pick one thread wrongly (measured at N = 256: 88–91
   * against 66–69 ms per training step with a fixed 2 threads). Results are the same either way.
   */
  adaptiveThreads: boolean;
  /**
   * Steps per checkpoint segment of the backward pass (rounded up to a multiple of 8), `false` for a full
   * tape, or 'auto' (default): segments of ≈ √T steps when the full tape would exceed `tapeLimitBytes`.
   */
  checkpoint: number | false | 'auto';
  /** Default 1 GiB. */
  tapeLimitBytes: number;
  /** Steps per call into the module (default 32; rounded up to a multiple of 8, as are checkpoint segments). */
  chunk: number;
  /**
   * Which build of the kernel: 'native' (the AVX2 addon compiled at install), 'wasm' (the committed
   * WebAssembly module) or 'auto' (default; native when it loads, else wasm). Default from
   * `RATELAB_SCAN_ENGINE` when set. The builds agree to float32 rounding, not bitwise (FMA).
   */
  engine: 'auto' | 'native' | 'wasm';
}

const ENGINES = ['auto', 'native', 'wasm'] as const;

function engineFromEnv(): FusedScanOptions['engine'] {
  const e = process.env.RATELAB_SCAN_ENGINE;
  if (e === undefined || e === '') return 'auto';
  if (!(ENGINES as readonly string[]).includes(e)) throw new Error(`RATELAB_SCAN_ENGINE=${e}: expected one of ${ENGINES.join(', ')}`);
  return e as FusedScanOptions['engine'];
}

const options: FusedScanOptions = {
  enabled: true, adaptiveThreads: false, checkpoint: 'auto', tapeLimitBytes: 2 ** 30, chunk: 32, engine: engineFromEnv(),
};

/** The build of the kernel that runs (see `FusedScanOptions.engine`); null when none can. */
export function scanEngine(): ScanEngine | null {
  const n = options.engine !== 'wasm' ? scanNative() : null;
  const w = n || options.engine === 'native' ? n : scanWasm();
  if (w) w.adaptive = options.adaptiveThreads;
  return w;
}

/**
 * The native build's readout routines when that build is in use on a CPU backend (models/readout.ts), else
 * null: the readout follows the scan's choice, so `engine: 'wasm'` measures and tests the tfjs readout.
 */
export function nativeReadout(): NativeReadout | null {
  if (!options.enabled || (tf.getBackend() !== 'cpu' && tf.getBackend() !== 'wasm')) return null;
  const w = scanEngine();
  return w instanceof ScanNative ? w.readout : null;
}

function scanEngineError(): string {
  if (options.engine === 'native') return scanNativeError();
  return [options.engine === 'auto' ? scanNativeError() : '', scanWasmError()].filter(Boolean).join('; ');
}

/** Change fused-scan settings for the whole process (see `FusedScanOptions` for the defaults). */
export function setFusedScanOptions(o: Partial<FusedScanOptions>): FusedScanOptions {
  if (o.checkpoint !== undefined && o.checkpoint !== false && o.checkpoint !== 'auto' && !(Number.isInteger(o.checkpoint) && o.checkpoint >= 1)) {
    throw new Error(`setFusedScanOptions: checkpoint must be a positive integer, false or 'auto', got ${o.checkpoint}`);
  }
  if (o.chunk !== undefined && !(Number.isInteger(o.chunk) && o.chunk >= 1)) throw new Error(`setFusedScanOptions: chunk must be a positive integer, got ${o.chunk}`);
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) throw new Error(`setFusedScanOptions: threads must be a positive integer, got ${o.threads}`);
  if (o.engine !== undefined && !ENGINES.includes(o.engine)) throw new Error(`setFusedScanOptions: engine must be one of ${ENGINES.join(', ')}, got ${o.engine}`);
  Object.assign(options, o);
  // Thread settings follow the process-wide options into whichever build runs next.
  const w = o.threads !== undefined || o.adaptiveThreads !== undefined || o.engine !== undefined ? scanEngine() : null;
  if (w && options.threads !== undefined) w.setThreads(options.threads);
  return { ...options };
}

export interface FusedScanInfo {
  /** The kernel loaded and may be used (backend and model permitting). */
  available: boolean;
  /** Which build runs: the native AVX2 addon or the WebAssembly module ('' when none). */
  engine: EngineName | '';
  /** Why not, when not. */
  reason: string;
  /** Threads running jobs now (workers start in the background). */
  threads: number;
  /** Bytes of the module's memory (it only grows) and the most it has held at once. */
  memoryBytes: number;
  peakBytes: number;
  options: FusedScanOptions;
}

export function fusedScanInfo(): FusedScanInfo {
  const w = options.enabled ? scanEngine() : null;
  return {
    available: w != null,
    engine: w ? w.name : '',
    reason: !options.enabled ? 'disabled by setFusedScanOptions' : w ? '' : scanEngineError(),
    threads: w ? w.threadsReady() : 0,
    memoryBytes: w ? w.memoryBytes : 0,
    peakBytes: w ? w.peakInUse : 0,
    options: { ...options },
  };
}

/** Wait (blocking, at most `ms`) until the fused kernel's worker threads are running; returns their number. */
export function fusedScanWaitThreads(ms = 2000): number {
  const w = options.enabled ? scanEngine() : null;
  return w ? w.waitThreads(ms) : 0;
}

/** Why the fused kernel cannot run this scan ('' when it can). */
export function fusedScanUnsupported(s: ScanStatic, opts: Pick<ScanForwardOptions, 'autodiff'> = {}): string {
  if (!options.enabled) return 'disabled by setFusedScanOptions';
  if (opts.autodiff) return 'the autodiff reference runs op by op';
  const be = tf.getBackend();
  if (be !== 'cpu' && be !== 'wasm') return `tfjs backend '${be}' keeps the op-by-op scan`;
  const name = s.activation.name;
  if (!(name in ACT_ID) || ACTIVATIONS[name as keyof typeof ACTIVATIONS] !== s.activation) return `custom activation '${name}'`;
  if (s.perturbations.some((p) => p.connMask)) return 'connection perturbations run op by op';
  if (!scanEngine()) return scanEngineError();
  return '';
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
/** Steps per partial sum of dW in scan.c. */
const GROUP = 8;

/** Per-step combined unit perturbation (r ← r ⊙ scale + add), composed in the order given (as scan.ts). */
function unitPerturbations(list: CompiledPerturbation[], T: number, n: number, NP: number): { idx: Int32Array; scale: Float32Array; add: Float32Array } | null {
  if (!list.some((p) => p.scale || p.add)) return null;
  const idx = new Int32Array(T).fill(-1);
  const keys = new Map<string, number>();
  const scales: Float32Array[] = [], adds: Float32Array[] = [];
  for (let t = 0; t < T; t++) {
    const active = list.map((p, i) => (t >= p.t0 && t < p.t1 && (p.scale || p.add) ? i : -1)).filter((i) => i >= 0);
    if (!active.length) continue;
    const key = active.join(',');
    let k = keys.get(key);
    if (k === undefined) {
      const sc = new Float32Array(NP).fill(1), ad = new Float32Array(NP);
      for (const i of active) {
        const p = list[i];
        for (let j = 0; j < n; j++) {
          const sj = p.scale ? p.scale[j] : 1, aj = p.add ? p.add[j] : 0;
          sc[j] *= sj;
          ad[j] = ad[j] * sj + aj;
        }
      }
      k = scales.length;
      scales.push(sc); adds.push(ad); keys.set(key, k);
    }
    idx[t] = k;
  }
  const scale = new Float32Array(scales.length * NP), add = new Float32Array(adds.length * NP);
  scales.forEach((v, k) => scale.set(v, k * NP));
  adds.forEach((v, k) => add.set(v, k * NP));
  return { idx, scale, add };
}

interface FusedTape {
  w: ScanEngine;
  p: ScanParams;
  d: ScanData;
  s: ScanStatic;
  N: number; NP: number; B: number; T: number; nIn: number;
  /** Steps per chunk (= per segment when checkpointing). */
  C: number;
  checkpoint: boolean;
  flags: number;
  act: number;
  regions: Region[];
  /** Pointers (bytes) into the module memory. */
  ptr: {
    wpf: number; wpb: number; wint: number; vec: number; U: number;
    R: number; X: number; ZMX: number; CK: number; EPS: number; stage: number; ACT: number;
    pidx: number; pscale: number; padd: number;
  };
  pert: Int32Array | null;
  freed: boolean;
}

/** Frees the module memory of tapes whose gradient was never taken (the tfjs tape dropped them). */
const tapeFinalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Region[]>((rs) => rs.forEach((r) => r.free())) : null;

const VEC = { bvec: 0, alpha: 1, oma: 2, gain: 3, shift: 4, resp: 5, ns: 6 } as const;

function freeTape(t: FusedTape): void {
  if (t.freed) return;
  t.freed = true;
  t.regions.forEach((r) => r.free());
  tapeFinalizer?.unregister(t);
}

/** Copy `rows` rows of width N from a JS array into the module at `dst` with row length NP (via `stage`). */
function putRows(w: ScanEngine, src: Float32Array, srcOffset: number, rows: number, N: number, NP: number, dst: number, stage: number): void {
  if (N === NP) {
    w.f32(dst, rows * NP).set(src.subarray(srcOffset, srcOffset + rows * N));
  } else {
    w.f32(stage, rows * N).set(src.subarray(srcOffset, srcOffset + rows * N));
    w.exports.copy_rows(dst, NP, stage, N, rows);
  }
}

/** The reverse of putRows. */
function getRows(w: ScanEngine, out: Float32Array, outOffset: number, rows: number, N: number, NP: number, src: number, stage: number): void {
  if (N === NP) {
    out.set(w.f32(src, rows * NP), outOffset);
  } else {
    w.exports.copy_rows(stage, N, src, NP, rows);
    out.set(w.f32(stage, rows * N), outOffset);
  }
}

function read(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** The fused kernel (native or WebAssembly build). Call through `autoScanKernel` (or check `fusedScanUnsupported` first). */
export const fusedScanKernel: ScanKernel = {
  name: 'fused',

  forward(p, d, s, opts) {
    const w = scanEngine();
    if (!w) throw new Error(`fused scan: ${scanEngineError()}`);
    const { T, B } = d;
    const N = s.n, nIn = s.nIn, NP = roundUp(N, 8), blk = B * NP;
    if (d.inputs.length !== T * B * nIn) throw new Error(`scan: inputs hold ${d.inputs.length} values, expected T·B·nIn = ${T}·${B}·${nIn}`);
    if (d.noise && d.noise.length !== T * B * N) throw new Error(`scan: noise holds ${d.noise.length} values, expected T·B·N = ${T}·${B}·${N}`);
    const record = opts.record;
    const g = s.grads;
    let flags = (s.useGain ? FLAG.useGain : 0) | (s.useShift ? FLAG.useShift : 0) | (s.useResp ? FLAG.useResp : 0);
    if (g.alpha) flags |= FLAG.gAlpha;
    if (g.gain) flags |= FLAG.gGain;
    if (g.shift) flags |= FLAG.gShift;
    if (g.resp) flags |= FLAG.gResp;
    if (g.noiseScale && d.noise) flags |= FLAG.gNoise;
    if (g.wIn !== false) flags |= FLAG.gWin;
    if (g.b !== false) flags |= FLAG.gB;

    // Full tape or checkpoints.
    const fullBytes = 4 * blk * (2 * (T + 1) + (g.alpha ? T : 0));
    // Chunks are whole groups of GROUP steps (scan.c sums dW per group), so that the result does not depend
    // on the chunk or checkpoint length.
    let C = roundUp(options.chunk, GROUP);
    let checkpoint = false;
    if (record) {
      const ck = options.checkpoint;
      if (typeof ck === 'number') { C = roundUp(ck, GROUP); checkpoint = C < T; }
      else if (ck === 'auto' && fullBytes > options.tapeLimitBytes) {
        checkpoint = true;
        // Segments of ~√T steps balance stored checkpoints against one segment's buffers.
        C = roundUp(Math.max(options.chunk, Math.ceil(Math.sqrt(T))), GROUP);
      }
    }
    C = Math.min(C, roundUp(T, GROUP));
    const regions: Region[] = [];
    const alloc = (floats: number): number => {
      const r = w.alloc(Math.max(1, floats) * 4);
      regions.push(r);
      return r.ptr;
    };
    let rates: OutputTensor | null = null, states: OutputTensor | null = null;
    try {
      const ptr = {} as FusedTape['ptr'];
      // Parameters.
      ptr.vec = alloc(7 * NP);
      const vec = (k: keyof typeof VEC) => ptr.vec + VEC[k] * NP * 4;
      const put = (k: keyof typeof VEC, v: ArrayLike<number>) => { const a = w.f32(vec(k), NP); a.fill(0); for (let i = 0; i < N; i++) a[i] = v[i]; };
      const alpha = read(p.alpha);
      put('bvec', read(p.b));
      put('alpha', alpha);
      put('oma', Array.from(alpha, (a) => 1 - a));
      put('gain', read(p.gain));
      put('shift', read(p.shift));
      put('resp', read(p.resp));
      put('ns', read(p.noiseScale));
      ptr.stage = alloc(Math.max(N * N, C * B * N, N * nIn));
      w.f32(ptr.stage, N * N).set(read(p.w));
      ptr.wpf = alloc(NP * NP);
      w.exports.pack_panels(ptr.stage, N, NP, ptr.wpf, 1);
      ptr.wpb = 0;
      if (record) {
        ptr.wpb = alloc(NP * NP);
        w.exports.pack_panels(ptr.stage, N, NP, ptr.wpb, 0);
      }
      const wIn = read(p.wIn);
      ptr.wint = alloc(nIn * NP);
      const wint = w.f32(ptr.wint, nIn * NP);
      wint.fill(0);
      for (let i = 0; i < N; i++) for (let q = 0; q < nIn; q++) wint[q * NP + i] = wIn[i * nIn + q];
      ptr.U = alloc(T * B * nIn);
      w.f32(ptr.U, T * B * nIn).set(d.inputs);
      // Unit perturbations.
      const pert = unitPerturbations(s.perturbations, T, N, NP);
      ptr.pidx = pert ? alloc(C) : 0;
      ptr.pscale = pert ? alloc(pert.scale.length) : 0;
      ptr.padd = pert ? alloc(pert.add.length) : 0;
      if (pert) { w.f32(ptr.pscale, pert.scale.length).set(pert.scale); w.f32(ptr.padd, pert.add.length).set(pert.add); }
      // State buffers: block 0 holds the state before the first step of the buffer.
      const full = record && !checkpoint;
      const blocks = full ? T + 1 : C + 1;
      ptr.R = alloc(blocks * blk);
      ptr.X = alloc(blocks * blk);
      ptr.ZMX = full && g.alpha ? alloc(T * blk) : 0;
      // Active-column flags of each R block (bytes; scan.c skips all-zero columns of r).
      ptr.ACT = alloc((blocks * NP) / 4);
      const nSeg = Math.ceil(T / C);
      ptr.CK = checkpoint ? alloc(2 * nSeg * blk) : 0;
      ptr.EPS = d.noise ? alloc(C * blk) : 0;
      const putInit = (t: tf.Tensor2D, dst: number) => {
        const v = read(t);
        const rowsIn = t.shape[0];
        if (rowsIn !== 1 && rowsIn !== B) throw new Error(`scan: initial state has ${rowsIn} rows, expected 1 or B = ${B}`);
        const a = w.f32(dst, blk);
        a.fill(0);
        for (let b = 0; b < B; b++) a.set(v.subarray((rowsIn === 1 ? 0 : b) * N, (rowsIn === 1 ? 1 : b + 1) * N), b * NP);
      };
      putInit(p.x0, ptr.X);
      putInit(p.r0, ptr.R);

      const act = ACT_ID[s.activation.name];
      rates = new OutputTensor(T * B, N);
      states = opts.keepStates ? new OutputTensor(T * B, N) : null;
      for (let t0 = 0, seg = 0; t0 < T; t0 += C, seg++) {
        const k = Math.min(C, T - t0);
        const R = full ? ptr.R + t0 * blk * 4 : ptr.R;
        const X = full ? ptr.X + t0 * blk * 4 : ptr.X;
        if (checkpoint) {
          // Keep the state entering each segment; the backward pass recomputes the segment from it.
          const ck = w.f32(ptr.CK + 2 * seg * blk * 4, 2 * blk);
          ck.set(w.f32(ptr.X, blk), 0);
          ck.set(w.f32(ptr.R, blk), blk);
        }
        if (d.noise) putRows(w, d.noise, t0 * B * N, k * B, N, NP, ptr.EPS, ptr.stage);
        if (pert) w.i32().set(pert.idx.subarray(t0, t0 + k), ptr.pidx / 4);
        w.run({
          kind: KIND.forward, NP, B, nIn, K: k, act, flags,
          wpf: ptr.wpf, wint: ptr.wint, bvec: vec('bvec'), alpha: vec('alpha'), oma: vec('oma'), gain: vec('gain'),
          shift: vec('shift'), resp: vec('resp'), ns: vec('ns'),
          R, X, ZMX: ptr.ZMX ? ptr.ZMX + t0 * blk * 4 : 0, U: ptr.U + t0 * B * nIn * 4, EPS: ptr.EPS,
          pidx: ptr.pidx, pscale: ptr.pscale, padd: ptr.padd, ACT: full ? ptr.ACT + t0 * NP : ptr.ACT,
        });
        getRows(w, rates.view(), t0 * B * N, k * B, N, NP, R + blk * 4, ptr.stage);
        if (states) getRows(w, states.view(), t0 * B * N, k * B, N, NP, X + blk * 4, ptr.stage);
        if (!full) {
          // Roll: the last state becomes block 0 of the next chunk.
          w.f32().copyWithin(ptr.R / 4, (ptr.R + k * blk * 4) / 4, (ptr.R + (k + 1) * blk * 4) / 4);
          w.f32().copyWithin(ptr.X / 4, (ptr.X + k * blk * 4) / 4, (ptr.X + (k + 1) * blk * 4) / 4);
        }
      }
      const out: ScanResult & { tape: unknown } = { rates: rates.tensor(), tape: null };
      if (states) out.states = states.tensor();
      if (!record) {
        regions.forEach((r) => r.free());
        return out;
      }
      const tape: FusedTape = {
        w, p, d, s, N, NP, B, T, nIn, C, checkpoint, flags, act, regions, ptr, pert: pert ? pert.idx : null, freed: false,
      };
      tapeFinalizer?.register(tape, regions, tape);
      out.tape = tape;
      return out;
    } catch (e) {
      regions.forEach((r) => r.free());
      rates?.discard();
      states?.discard();
      throw e;
    }
  },

  backward(tapeAny, dRates) {
    const tp = tapeAny as FusedTape;
    if (tp.freed) throw new Error('fused scan: this tape was already used (a scan gradient can be taken once)');
    const { w, N, NP, B, T, nIn, C, ptr, d, s, p } = tp;
    const blk = B * NP;
    // A view into tfjs's memory on the wasm backend: only our module runs until the last row is copied.
    const dR = readView(dRates);
    const regions: Region[] = [];
    const alloc = (floats: number): number => {
      const r = w.alloc(Math.max(1, floats) * 4);
      regions.push(r);
      return r.ptr;
    };
    try {
      const acc = alloc(NP * NP + nIn * NP + 6 * NP + blk + blk);
      w.exports.fill_zero(acc, NP * NP + nIn * NP + 6 * NP + blk + blk);
      const dW = acc, dWinT = dW + NP * NP * 4, sums = dWinT + nIn * NP * 4;
      const sum = (i: number) => sums + i * NP * 4;
      const DXC = sum(6), dr0 = DXC + blk * 4;
      const DRs = alloc(C * blk);
      const DZ = [alloc(C * blk), alloc(C * blk)];
      const ZMXseg = tp.checkpoint && (tp.flags & FLAG.gAlpha) ? alloc(C * blk) : 0;
      // Packing space of the dW product, per thread (scan.c dw_chunk).
      const PK = alloc(w.maxThreads * 2 * GROUP * B * (NP + 8));
      const vec = (i: number) => ptr.vec + i * NP * 4;
      const common = {
        NP, B, nIn, act: tp.act, flags: tp.flags,
        wpf: ptr.wpf, wpb: ptr.wpb, wint: ptr.wint, bvec: vec(VEC.bvec), alpha: vec(VEC.alpha), oma: vec(VEC.oma),
        gain: vec(VEC.gain), shift: vec(VEC.shift), resp: vec(VEC.resp), ns: vec(VEC.ns),
        pscale: ptr.pscale, padd: ptr.padd,
      };
      let carry = 0, cur = 0;
      const nSeg = Math.ceil(T / C);
      for (let seg = nSeg - 1; seg >= 0; seg--) {
        const t0 = seg * C, k = Math.min(C, T - t0);
        let R: number, X: number, ZMX: number, ACT: number;
        if (d.noise) putRows(w, d.noise, t0 * B * N, k * B, N, NP, ptr.EPS, ptr.stage);
        if (tp.pert) w.i32().set(tp.pert.subarray(t0, t0 + k), ptr.pidx / 4);
        if (tp.checkpoint) {
          R = ptr.R; X = ptr.X; ZMX = ZMXseg; ACT = ptr.ACT;
          const ck = w.f32(ptr.CK + 2 * seg * blk * 4, 2 * blk);
          w.f32(X, blk).set(ck.subarray(0, blk));
          w.f32(R, blk).set(ck.subarray(blk));
          w.run({ ...common, kind: KIND.forward, K: k, R, X, ZMX, ACT, U: ptr.U + t0 * B * nIn * 4, EPS: ptr.EPS, pidx: ptr.pidx });
        } else {
          R = ptr.R + t0 * blk * 4; X = ptr.X + t0 * blk * 4; ZMX = ptr.ZMX ? ptr.ZMX + t0 * blk * 4 : 0; ACT = ptr.ACT + t0 * NP;
        }
        putRows(w, dR, t0 * B * N, k * B, N, NP, DRs, ptr.stage);
        w.run({
          ...common, kind: KIND.backward, K: k, R, X, ZMX, ACT, U: ptr.U + t0 * B * nIn * 4, EPS: ptr.EPS, pidx: ptr.pidx,
          DR: DRs, DZ: DZ[cur], DZC: carry, DXC, PK,
          dW, dWinT, db: sum(0), dalpha: sum(1), dgain: sum(2), dshift: sum(3), dresp: sum(4), dns: sum(5),
        });
        carry = DZ[cur];
        cur ^= 1;
      }
      w.run({ ...common, kind: KIND.final, DZC: carry, dr0 });

      // Read the results out (unpadded) and make tensors.
      const mem = w.f32();
      const unpadSquare = (src: number) => {
        const o = new Float32Array(N * N);
        for (let i = 0; i < N; i++) o.set(mem.subarray(src / 4 + i * NP, src / 4 + i * NP + N), i * N);
        return o;
      };
      const vecOut = (src: number) => mem.slice(src / 4, src / 4 + N);
      const g = s.grads;
      const zeros = (t: tf.Tensor) => tf.zeros(t.shape);
      const vecGrad = (on: boolean | undefined, src: number, like: tf.Tensor) => (on ? tf.tensor1d(vecOut(src)) : zeros(like));
      const dWin = new Float32Array(N * nIn);
      for (let i = 0; i < N; i++) for (let q = 0; q < nIn; q++) dWin[i * nIn + q] = mem[dWinT / 4 + q * NP + i];
      const initGrad = (src: number, like: tf.Tensor) => {
        const o = new Float32Array(like.shape[0] * N);
        for (let b = 0; b < B; b++) {
          const row = mem.subarray(src / 4 + b * NP, src / 4 + b * NP + N);
          if (like.shape[0] === B) o.set(row, b * N);
          else for (let i = 0; i < N; i++) o[i] += row[i];
        }
        return tf.tensor2d(o, [like.shape[0], N]);
      };
      const grads: Record<ScanParamName, tf.Tensor> = {
        w: tf.tensor2d(unpadSquare(dW), [N, N]),
        wIn: g.wIn !== false ? tf.tensor2d(dWin, [N, nIn]) : zeros(p.wIn),
        b: vecGrad(g.b !== false, sum(0), p.b),
        alpha: vecGrad(g.alpha, sum(1), p.alpha),
        gain: vecGrad(g.gain, sum(2), p.gain),
        shift: vecGrad(g.shift, sum(3), p.shift),
        resp: vecGrad(g.resp, sum(4), p.resp),
        noiseScale: vecGrad(g.noiseScale && d.noise != null, sum(5), p.noiseScale),
        x0: initGrad(DXC, p.x0),
        r0: initGrad(dr0, p.r0),
      };
      return grads;
    } finally {
      regions.forEach((r) => r.free());
      freeTape(tp);
    }
  },

  disposeTape(tapeAny) {
    const tp = tapeAny as FusedTape;
    tf.dispose(SCAN_PARAM_ORDER.map((k) => tp.p[k]));
    freeTape(tp);
  },
};

interface AutoTape {
  kernel: ScanKernel;
  tape: unknown;
}

/**
 * The default kernel of `Ctrnn`: the fused kernel where it applies (cpu and wasm backends, built-in
 * activations, no connection perturbations), otherwise the op-by-op tfjs kernel.
 */
export const autoScanKernel: ScanKernel = {
  name: 'auto',
  forward(p, d, s, opts) {
    const kernel = fusedScanUnsupported(s, opts) ? tfjsScanKernel : fusedScanKernel;
    const res = kernel.forward(p, d, s, opts);
    const tape: AutoTape | null = res.tape ? { kernel, tape: res.tape } : null;
    return { ...res, tape };
  },
  backward(tape, dRates) {
    const t = tape as AutoTape;
    return t.kernel.backward(t.tape, dRates);
  },
  disposeTape(tape) {
    const t = tape as AutoTape;
    t.kernel.disposeTape!(t.tape);
  },
};
