/**
 * The WebAssembly build of the fused scan (kernel-lib/wasm/scan.wasm, built from scan.c by
 * scripts/build-wasm.sh and committed): loading, its shared memory, and the Node worker threads that run their
 * share of every job. Used where the native addon (scan-native.ts) is not built or not supported.
 *
 * Why a second WebAssembly instance next to tfjs's: tfjs-wasm runs one op per call on one thread (Node cannot
 * start its Emscripten threads), so a 300-step scan is thousands of calls; here a whole chunk of steps is one
 * call, split over threads by units. Memory is one shared `WebAssembly.Memory` (max 4 GiB) that every thread
 * instantiates the module on. Loading is synchronous (the scan runs inside tf.customGrad): `new
 * WebAssembly.Module` of ~30 KB is a few ms in Node. Workers start asynchronously; until they report ready a
 * job runs on fewer threads, with bitwise the same result (see scan.c).
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultThreads, HEAP_BASE, KernelExports, KernelMemory, MAX_PAGES, PAGE, ScanEngine } from './scan-engine';

/** The WebAssembly JS API (the project compiles without DOM typings, which is where TypeScript declares it). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const wasmApi = (): WasmApi | undefined => (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Where the committed module lives: kernel-lib/wasm/, two levels above both src/models and dist/models. */
export function scanWasmPath(): string {
  return path.join(__dirname, '..', '..', 'wasm', 'scan.wasm');
}

/** C stack per worker thread (the linker's stack size, scripts/build-wasm.sh). */
const WORKER_STACK = 65536;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('worker_threads');
const { module, memory, ctl, tid, stackTop } = workerData;
try {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  inst.exports.__stack_pointer.value = stackTop;
  parentPort.postMessage({ ok: true });
  inst.exports.worker(ctl, tid);
} catch (e) {
  parentPort.postMessage({ ok: false, error: String(e && e.message || e) });
}
`;

export class ScanWasm extends ScanEngine {
  readonly name = 'wasm-simd128' as const;
  private readonly module: object;
  private workers: { error?: string }[] = [];

  constructor(bytes: Uint8Array) {
    const api = wasmApi()!;
    const module = new api.Module(bytes);
    const memory = new api.Memory({ initial: HEAP_BASE / PAGE + 1, maximum: MAX_PAGES, shared: true });
    const inst = new api.Instance(module, { env: { memory } });
    super(memory as KernelMemory, inst.exports as unknown as KernelExports, 2000);
    this.module = module;
  }

  protected startWorker(tid: number): void {
    // Every instance starts its C stack (locals whose address is taken, arrays) at the same address, the top of
    // the linker's 64 KiB below HEAP_BASE: threads sharing it overwrite each other's locals. Each worker gets its
    // own. Never freed: the worker lives as long as the module.
    const stackTop = this.alloc(WORKER_STACK).ptr + WORKER_STACK;
    // Loaded lazily: worker_threads exists in every supported Node, but a failure must only cost threads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('worker_threads') as typeof import('worker_threads');
    const state: { error?: string } = {};
    this.workers.push(state);
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory, ctl: this.ctl, tid, stackTop } });
      w.on('message', (m: { ok: boolean; error?: string }) => { if (!m.ok) state.error = m.error; });
      w.on('error', (e) => { state.error = String(e); });
      w.unref();
    } catch (e) {
      state.error = e instanceof Error ? e.message : String(e);
    }
  }

  protected notify(word: number): void {
    Atomics.notify(this.i32(), this.ctl / 4 + word);
  }

  workerErrors(): string[] {
    return this.workers.flatMap((w) => (w.error ? [w.error] : []));
  }

  override stopThreads(): void {
    super.stopThreads();
    this.workers = [];
  }
}

let loaded: ScanWasm | null | undefined;
let loadError = '';

/** The module, loaded once per process; null (see `scanWasmError()`) when it cannot be used here. */
export function scanWasm(): ScanWasm | null {
  if (loaded !== undefined) return loaded;
  try {
    if (!wasmApi() || typeof SharedArrayBuffer !== 'function') throw new Error('no WebAssembly threads (SharedArrayBuffer) in this runtime');
    const file = scanWasmPath();
    if (!fs.existsSync(file)) throw new Error(`${file} is missing (run scripts/build-wasm.sh)`);
    const threads = defaultThreads();
    loaded = new ScanWasm(fs.readFileSync(file));
    loaded.setThreads(threads);
  } catch (e) {
    loaded = null;
    loadError = e instanceof Error ? e.message : String(e);
  }
  return loaded;
}

export function scanWasmError(): string {
  return loadError;
}
