/**
 * What the two builds of the fused scan kernel (kernel-lib/wasm/scan.c) share on the JavaScript side: the job
 * descriptor, a first-fit allocator over the kernel's memory, the thread count chosen per job, and the choice
 * of build. The builds differ only in where the memory is and how threads start:
 *   - native (scan-native.ts): a Node addon compiled at install for x86-64 AVX2 + FMA, POSIX threads;
 *   - wasm (scan-wasm.ts): the committed WebAssembly module (SIMD128), Node worker threads.
 * `scanEngine()` takes the native build when it loaded and the WebAssembly one otherwise;
 * `RATELAB_SCAN_ENGINE=wasm|native` forces one.
 */
import * as os from 'os';

/** Field order of the C `Job` struct (JOB_LAYOUT in scan.c); every field is 4 bytes. */
export const JOB_FIELDS = [
  'kind', 'nt', 'NP', 'B', 'nIn', 'K', 'act', 'flags',
  'wpf', 'wpb', 'wint', 'bvec', 'alpha', 'oma', 'gain', 'shift', 'resp', 'ns',
  'R', 'X', 'ZMX', 'U', 'EPS',
  'pidx', 'pscale', 'padd',
  'DR', 'DZ', 'DZC', 'DXC',
  'dW', 'dWinT', 'db', 'dalpha', 'dgain', 'dshift', 'dresp', 'dns', 'dr0',
  'A', 'C', 'M', 'KK',
  'ACT', 'IDX', 'PK',
] as const;
export type JobField = (typeof JOB_FIELDS)[number];
export type Job = Partial<Record<JobField, number>>;

export const KIND = { forward: 1, backward: 2, final: 3, gemm: 4 } as const;
/** Scan jobs between two tries of the thread count not in use (see ScanEngine.adaptive). */
const EXPLORE = 16;
export const FLAG = {
  useGain: 1, useShift: 2, useResp: 4, gAlpha: 8, gGain: 16, gShift: 32, gResp: 64, gNoise: 128, gWin: 256, gB: 512,
} as const;
export const ACT_ID: Record<string, number> = { relu: 0, tanh: 1, retanh: 2, sigmoid: 3, softplus: 4, linear: 5 };

/** Control block words (scan.c). */
export const C_JOB_GEN = 0, C_SHUTDOWN = 32, C_SPIN = 33, C_READY = 48;
const CTL_WORDS = 64;
/** Worker threads at most (ready flags in the control block; also the per-thread scratch of a job). */
export const MAX_WORKERS = CTL_WORDS - C_READY - 1;
export const PAGE = 65536;
/** Below this the WebAssembly linker put the (unused) C stack; allocations start above it in both builds. */
export const HEAP_BASE = 2 * PAGE;
/** 4 GiB: the WebAssembly limit, and what 32-bit offsets in the job words reach. */
export const MAX_PAGES = 65536;

/** The kernel's memory as the allocator sees it: offsets from 0, growing in 64 KiB pages. */
export interface KernelMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): void;
}

/** Entry points of either build (pointers are byte offsets into the kernel's memory). */
export interface KernelExports {
  run(ctl: number, job: number): void;
  pack_panels(w: number, n: number, np: number, dst: number, transpose: number): void;
  copy_rows(dst: number, ldd: number, src: number, lds: number, rows: number): void;
  fill_zero(dst: number, n: number): void;
  vector_fn(which: number, x: number, y: number, n: number): void;
}

/** A block of the kernel's memory; `free()` returns it. Offsets are bytes, 64-byte aligned. */
export interface Region {
  readonly ptr: number;
  readonly bytes: number;
  free(): void;
}

export type EngineName = 'native-avx2' | 'wasm-simd128';

/** Sleep on this thread without spinning (a wait that nobody notifies). */
let sleeper: Int32Array | undefined;
const sleepMs = (ms: number): void => {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
};

export abstract class ScanEngine {
  abstract readonly name: EngineName;
  /** Free list of [start, end) byte ranges above HEAP_BASE, sorted. */
  private free: Array<[number, number]> = [];
  private top = HEAP_BASE;
  protected readonly ctl: number;
  private readonly job: number;
  private wantThreads = 1;
  /** Bytes currently allocated and the most ever allocated at once (for the memory report). */
  inUse = 0;
  peakInUse = 0;

  readonly exports: KernelExports;

  /** `spin`: see setSpin (the builds wait at different speeds: a native spin iteration pauses ≈ 30 ns). */
  constructor(readonly memory: KernelMemory, entryPoints: KernelExports, spin: number) {
    this.exports = entryPoints;
    this.ctl = this.alloc(CTL_WORDS * 4).ptr;
    this.job = this.alloc(JOB_FIELDS.length * 4).ptr;
    this.i32().fill(0, this.ctl / 4, this.ctl / 4 + CTL_WORDS);
    this.setSpin(spin);
  }

  /** Start worker `tid` (≥ 1); it marks itself ready in the control block when it waits for jobs. */
  protected abstract startWorker(tid: number): void;
  /** Wake threads sleeping on control word `word` (after JavaScript changed it). */
  protected abstract notify(word: number): void;
  abstract workerErrors(): string[];

  /** Views are recreated on every use: growing the memory replaces its buffer. */
  f32(ptr = 0, len?: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len ?? (this.memory.buffer.byteLength - ptr) / 4);
  }

  i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** Busy-wait iterations before a thread sleeps at a barrier (0: sleep at once). */
  setSpin(n: number): void {
    Atomics.store(this.i32(), this.ctl / 4 + C_SPIN, n);
  }

  alloc(bytes: number): Region {
    const size = Math.max(64, Math.ceil(bytes / 64) * 64);
    let ptr = -1;
    for (let i = 0; i < this.free.length; i++) {
      const [s, e] = this.free[i];
      if (e - s >= size) {
        ptr = s;
        if (e - s === size) this.free.splice(i, 1);
        else this.free[i] = [s + size, e];
        break;
      }
    }
    if (ptr < 0) {
      // Extend the top, first reclaiming a free block that ends there.
      const last = this.free[this.free.length - 1];
      if (last && last[1] === this.top) { this.top = last[0]; this.free.pop(); }
      ptr = this.top;
      const end = ptr + size;
      const have = this.memory.buffer.byteLength;
      if (end > have) {
        const pages = Math.ceil((end - have) / PAGE);
        if (have / PAGE + pages > MAX_PAGES) {
          throw new Error(`fused scan: needs ${(end / 2 ** 30).toFixed(2)} GiB of kernel memory, above its 4 GiB limit ` +
            `(use checkpointing: setFusedScanOptions({ checkpoint: … }), or a smaller batch)`);
        }
        this.memory.grow(pages);
      }
      this.top = end;
    }
    this.inUse += size;
    this.peakInUse = Math.max(this.peakInUse, this.inUse);
    let freed = false;
    return {
      ptr, bytes: size,
      free: () => {
        if (freed) return;
        freed = true;
        this.inUse -= size;
        this.release(ptr, ptr + size);
      },
    };
  }

  private release(s: number, e: number): void {
    const f = this.free;
    let i = 0;
    while (i < f.length && f[i][0] < s) i++;
    f.splice(i, 0, [s, e]);
    // Coalesce with neighbours.
    if (i + 1 < f.length && f[i][1] === f[i + 1][0]) { f[i][1] = f[i + 1][1]; f.splice(i + 1, 1); }
    if (i > 0 && f[i - 1][1] === f[i][0]) { f[i - 1][1] = f[i][1]; f.splice(i, 1); }
    if (f.length && f[f.length - 1][1] === this.top) { this.top = f[f.length - 1][0]; f.pop(); }
  }

  /** Bytes of the memory (it never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private started = 0;

  /**
   * Ask for `n` threads in all (the caller's included). Workers may start in the background and take part
   * once ready; `threadsReady()` tells how many do now.
   */
  setThreads(n: number): void {
    this.wantThreads = Math.max(1, Math.min(Math.floor(n), MAX_WORKERS + 1));
    while (this.started < this.wantThreads - 1) this.startWorker(++this.started);
  }

  /** Threads a job may use at most (those asked for with setThreads). */
  get maxThreads(): number {
    return this.wantThreads;
  }

  /** Threads that would run a job now: 1 + the workers 1..k that are all ready (in the C loop). */
  threadsReady(): number {
    const v = this.i32();
    let n = 1;
    while (n < this.wantThreads && Atomics.load(v, this.ctl / 4 + C_READY + n) === 1) n++;
    return n;
  }

  /** Wait (blocking, up to `ms`) until all requested workers are ready; returns the thread count. */
  waitThreads(ms = 2000): number {
    const t0 = Date.now();
    while (this.threadsReady() < this.wantThreads && Date.now() - t0 < ms) {
      if (this.workerErrors().length) break;
      // The workers start on their own threads; sleeping here does not hold them up.
      sleepMs(2);
    }
    return this.threadsReady();
  }

  private scratch: Region | null = null;
  private scratchNP = -1;

  /** Per-thread scratch of a job (scan.c SCRATCH/IDXLIST): NP + SCRATCH_TILE (128) ints per thread. */
  private scratchFor(np: number): number {
    if (np > this.scratchNP) {
      this.scratch?.free();
      this.scratch = this.alloc((MAX_WORKERS + 1) * (np + 128) * 4);
      this.scratchNP = np;
    }
    return this.scratch!.ptr;
  }

  /**
   * Adapt the thread count of scan jobs to what the machine gives (FusedScanOptions.adaptiveThreads). Each step of a scan ends at a
   * barrier, so when other programs keep a core busy, a thread that waits for its descheduled partner makes two
   * threads slower than one (measured on the shared 2-core VM: 262 against 171 ms per training step at N = 256).
   * The time per unit of work is tracked for 1 thread and for all of them, the faster is used, and the other is
   * tried again every EXPLORE jobs. Results do not depend on the thread count (scan.c), so this changes speed only.
   */
  adaptive = false;
  /** Per kind of job (forward and backward differ in work per multiply-add), per choice. */
  private rate: Record<'forward' | 'backward', Record<'one' | 'all', number>> = {
    forward: { one: NaN, all: NaN }, backward: { one: NaN, all: NaN },
  };
  private jobsRun = { forward: 0, backward: 0 };

  private static kindName(job: Job): 'forward' | 'backward' | null {
    return job.kind === KIND.forward ? 'forward' : job.kind === KIND.backward ? 'backward' : null;
  }

  private chooseThreads(job: Job, ready: number): number {
    const kind = ScanEngine.kindName(job);
    if (!this.adaptive || ready <= 1 || !kind) return ready;
    const { one, all } = this.rate[kind];
    const explore = this.jobsRun[kind] % EXPLORE === 0;
    if (Number.isNaN(all)) return ready;
    if (Number.isNaN(one)) return 1;
    const best = one <= all ? 1 : ready;
    return explore ? (best === 1 ? ready : 1) : best;
  }

  /** Run one job on the threads that are ready (at most `threads`); returns the thread count used. */
  run(job: Job, threads?: number): number {
    const ready = Math.min(threads ?? this.wantThreads, this.threadsReady());
    const nt = threads === undefined ? this.chooseThreads(job, ready) : ready;
    if (job.IDX === undefined) job = { ...job, IDX: this.scratchFor(job.NP ?? 0) };
    const v = this.i32();
    const base = this.job / 4;
    v.fill(0, base, base + JOB_FIELDS.length);
    JOB_FIELDS.forEach((k, i) => { const x = job[k]; if (x !== undefined) v[base + i] = x; });
    v[base + 1] = nt;
    const t0 = performance.now();
    this.exports.run(this.ctl, this.job);
    const kind = ScanEngine.kindName(job);
    if (threads === undefined && ready > 1 && kind) {
      // Milliseconds per 10⁹ multiply-adds of the step products; an exponential average per kind and choice.
      const work = (job.K ?? 1) * (job.B ?? 1) * (job.NP ?? 1) * (job.NP ?? 1) * (kind === 'backward' ? 2 : 1);
      const r = ((performance.now() - t0) / work) * 1e9;
      const key = nt === 1 ? 'one' : 'all';
      const rk = this.rate[kind];
      rk[key] = Number.isNaN(rk[key]) ? r : 0.7 * rk[key] + 0.3 * r;
      this.jobsRun[kind]++;
    }
    return nt;
  }

  /** Stop the workers (they exit their loop); the kernel stays usable on one thread. */
  stopThreads(): void {
    const v = this.i32();
    Atomics.store(v, this.ctl / 4 + C_SHUTDOWN, 1);
    Atomics.add(v, this.ctl / 4 + C_JOB_GEN, 1);
    this.notify(C_JOB_GEN);
    this.wantThreads = 1;
    this.started = 0;
  }
}

/** Threads of a newly loaded build: `RATELAB_SCAN_THREADS`, else min(cores, 4). */
export function defaultThreads(): number {
  const env = process.env.RATELAB_SCAN_THREADS;
  const n = env !== undefined && env !== '' ? Number(env) : Math.min(availableCores(), 4);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`RATELAB_SCAN_THREADS=${env} is not a positive integer`);
  return n;
}

function availableCores(): number {
  const osAny = os as unknown as { availableParallelism?: () => number };
  return osAny.availableParallelism ? osAny.availableParallelism() : os.cpus().length;
}
