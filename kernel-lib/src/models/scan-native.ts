/**
 * The native build of the fused scan: kernel-lib/native/scan-node.c (scan.c for x86-64 AVX2 + FMA), compiled
 * at `npm ci` by scripts/build-native.js into kernel-lib/native/build/scan.node. Not committed and not
 * required: when it is missing (no C compiler at install), cannot load, or the CPU lacks AVX2/FMA,
 * `scanNative()` is null, `scanNativeError()` says why, and the WebAssembly build runs instead.
 *
 * Why native next to WebAssembly: Node 20's WebAssembly has 128-bit vectors and no fused multiply-add, so the
 * scan's products ran at ≈ 28 % of this machine's sgemm peak; with 256-bit FMA and a 6×16 register tile they
 * reach 54–76 %, and a training step is 1.6–2.9× faster (bench/RESULTS.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultThreads, HEAP_BASE, KernelExports, KernelMemory, PAGE, ScanEngine } from './scan-engine';

/** The readout of a scan's rates (kernel-lib/native/readout.c); see models/readout.ts. */
export interface NativeReadout {
  /** o = r wᵀ: r [M, N], w [nOut, N], o [M, nOut]. */
  readoutForward(r: Float32Array, M: number, N: number, w: Float32Array, nOut: number, o: Float32Array): void;
  /** dW += dyᵀ r (float64), and dr = dy w unless dr is null. */
  readoutBackward(r: Float32Array, M: number, N: number, w: Float32Array, nOut: number, dy: Float32Array, dW: Float64Array, dr: Float32Array | null): void;
}

interface Addon extends KernelExports, NativeReadout {
  unsupported(): string;
  sourceHash(): string;
  buffer(bytes: number): ArrayBuffer;
  startWorker(ctl: number, tid: number): void;
  notify(offset: number): void;
}

/** Where scripts/build-native.js puts the addon: kernel-lib/native/build/, two levels above src/models and dist/models. */
export function scanNativePath(): string {
  return path.join(__dirname, '..', '..', 'native', 'build', 'scan.node');
}

/** The addon's memory: one 4 GiB reservation, seen through an ArrayBuffer that is recreated longer as it grows. */
class NativeMemory implements KernelMemory {
  buffer: ArrayBuffer;
  constructor(private readonly addon: Addon, bytes: number) {
    this.buffer = addon.buffer(bytes);
  }
  grow(pages: number): void {
    this.buffer = this.addon.buffer(this.buffer.byteLength + pages * PAGE);
  }
}

export class ScanNative extends ScanEngine {
  readonly name = 'native-avx2' as const;

  constructor(private readonly addon: Addon) {
    // ≈ 0.6 ms of spinning (pause ≈ 30 ns) before a thread sleeps at a barrier: a futex wake-up in this VM costs
    // tens of µs, as much as a whole step's share at N = 256 (measured: 2000 spins lost up to 2× at 2 threads).
    super(new NativeMemory(addon, HEAP_BASE + PAGE), addon, 20000);
  }

  protected startWorker(tid: number): void {
    this.addon.startWorker(this.ctl, tid);
  }

  protected notify(word: number): void {
    this.addon.notify(this.ctl + word * 4);
  }

  workerErrors(): string[] {
    return [];
  }

  get readout(): NativeReadout {
    return this.addon;
  }
}

/** The checkout's source hash (kernel-lib/native/sources.js, shared with the build script); '' where the sources
 * are not shipped, and then the check is skipped. */
function sourceHash(): string {
  const kernelLib = path.join(__dirname, '..', '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sources = require(path.join(kernelLib, 'native', 'sources.js')) as { sourceHash(kernelLib: string): string };
  return sources.sourceHash(kernelLib);
}

let loaded: ScanNative | null | undefined;
let loadError = '';

/** The addon, loaded once per process; null (see `scanNativeError()`) when it is not built or cannot run here. */
export function scanNative(): ScanNative | null {
  if (loaded !== undefined) return loaded;
  try {
    const file = scanNativePath();
    if (!fs.existsSync(file)) throw new Error(`${path.relative(process.cwd(), file) || file} is not built (no C compiler at install; see scripts/build-native.js)`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as Addon;
    const why = addon.unsupported();
    if (why) throw new Error(why);
    const want = sourceHash();
    if (want && addon.sourceHash() !== want) {
      throw new Error(`${file} was built from other sources than kernel-lib/wasm/scan.c here (rebuild: node scripts/build-native.js)`);
    }
    const threads = defaultThreads();
    loaded = new ScanNative(addon);
    loaded.setThreads(threads);
  } catch (e) {
    loaded = null;
    loadError = `native scan kernel: ${e instanceof Error ? e.message : String(e)}`;
  }
  return loaded;
}

export function scanNativeError(): string {
  return loadError;
}
