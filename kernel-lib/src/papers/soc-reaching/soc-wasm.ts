/**
 * The SoC step on the WebAssembly kernels of kernel-lib/wasm/soc.wasm (built from soc.c by
 * scripts/build-soc-wasm.sh): the same algorithm as the plain-JS path in soc.ts (Schur form of W once per step,
 * both Lyapunov equations on the quasi-triangular factor, three products for the gradient), with the O(n³) loops
 * compiled by clang with SIMD128 — about 2–3× faster than V8 on the same loops at N = 200 (bench/RESULTS.md).
 * Loading is synchronous (a 20 KB module); when the file or WebAssembly is missing, `socWasm()` returns null and
 * soc.ts uses the JS path.
 */
import * as fs from 'fs';
import * as path from 'path';

interface WasmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { value: number };
  soc_schur(H: number, Ut: number, work: number, n: number): number;
  soc_lyap(S: number, n: number, starts: number, sizes: number, nb: number, shift: number, c: number, Y: number): number;
  soc_matmul_nt(a: number, b: number, m: number, k: number, p: number, out: number): void;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

let cached: SocKernels | null | undefined;

/** The module's location: kernel-lib/wasm/, two levels above both src/papers/soc-reaching and dist/papers/soc-reaching. */
export function socWasmPath(): string {
  return path.join(__dirname, '..', '..', '..', 'wasm', 'soc.wasm');
}

/** The loaded kernels, or null when the module cannot be loaded (then soc.ts computes in plain JS). */
export function socWasm(): SocKernels | null {
  if (cached !== undefined) return cached;
  cached = null;
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  const file = socWasmPath();
  if (!api || !fs.existsSync(file)) return null;
  const module = new api.Module(fs.readFileSync(file));
  const instance = new api.Instance(module, {});
  cached = new SocKernels(instance.exports as WasmExports);
  return cached;
}

/** Result of one step's linear algebra. */
export interface SocStepKernels {
  /** Real parts of the eigenvalues of W (diagonal order of T) and imaginary parts. */
  real: Float64Array;
  imag: Float64Array;
  /** α = max real. */
  alpha: number;
}

export class SocKernels {
  private n = 0;
  private nE = 0;
  private offs = { H: 0, Ut: 0, U: 0, work: 0, S: 0, Yp: 0, Yq: 0, M1: 0, M2t: 0, G: 0, starts: 0, sizes: 0 };

  constructor(private readonly x: WasmExports) {}

  private f64(off: number, len: number): Float64Array {
    return new Float64Array(this.x.memory.buffer, off, len);
  }

  private i32(off: number, len: number): Int32Array {
    return new Int32Array(this.x.memory.buffer, off, len);
  }

  private layout(n: number, nE: number): void {
    if (n === this.n && nE === this.nE) return;
    const nI = n - nE;
    let off = (this.x.__heap_base.value + 15) & ~15;
    const take = (doubles: number) => {
      const at = off;
      off += ((doubles * 8 + 15) & ~15);
      return at;
    };
    this.offs = {
      H: take(n * n), Ut: take(n * n), U: take(n * n), work: take(2 * n), S: take(n * n), Yp: take(n * n), Yq: take(n * n),
      M1: take(n * n), M2t: take(nI * n), G: take(n * nI), starts: take(n), sizes: take(n),
    };
    const need = off - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / 65536));
    this.n = n;
    this.nE = nE;
  }

  /**
   * Schur form of W, α, and (when `shift` is given by `shiftOf(α)`) the gradient G[:, nE:] = (QP/tr QP)[:, nE:]
   * written to `G` (n × n_I, row-major). Returns null for G when `shiftOf` returns null (e.g. α already small).
   */
  step(W: Float64Array, n: number, nE: number, shiftOf: (alpha: number) => number | null, G: Float64Array): SocStepKernels & { gradient: boolean } {
    this.layout(n, nE);
    const o = this.offs;
    const nI = n - nE;
    this.f64(o.H, n * n).set(W);
    if (this.x.soc_schur(o.H, o.Ut, o.work, n) !== 0) {
      throw new Error('optimiseSoc: the QR iteration of the Schur decomposition did not converge');
    }
    const T = this.f64(o.H, n * n);
    // Blocks and eigenvalues from the quasi-triangular T (exact zeros below the block diagonal).
    const starts = this.i32(o.starts, n);
    const sizes = this.i32(o.sizes, n);
    const real = new Float64Array(n);
    const imag = new Float64Array(n);
    let nb = 0;
    for (let i = 0; i < n; ) {
      starts[nb] = i;
      if (i + 1 < n && T[(i + 1) * n + i] !== 0) {
        sizes[nb++] = 2;
        const a = T[i * n + i], b = T[i * n + i + 1], c = T[(i + 1) * n + i], d = T[(i + 1) * n + i + 1];
        const p = 0.5 * (a - d);
        const disc = p * p + b * c;
        if (disc < 0) {
          real[i] = real[i + 1] = 0.5 * (a + d);
          imag[i] = Math.sqrt(-disc);
          imag[i + 1] = -imag[i];
        } else {
          const z = Math.sqrt(disc);
          real[i] = 0.5 * (a + d) + z;
          real[i + 1] = 0.5 * (a + d) - z;
        }
        i += 2;
      } else {
        sizes[nb++] = 1;
        real[i] = T[i * n + i];
        i += 1;
      }
    }
    let alpha = -Infinity;
    for (let i = 0; i < n; i++) alpha = Math.max(alpha, real[i]);
    const shift = shiftOf(alpha);
    if (shift === null) return { real, imag, alpha, gradient: false };
    // Ŷ: (T − sI) Ŷ + Ŷ (T − sI)ᵀ = −2I.
    if (this.x.soc_lyap(o.H, n, o.starts, o.sizes, nb, shift, -2, o.Yp) !== 0) throw singular();
    // Ỹ = Π Z Π with S Z + Z Sᵀ = −2I, S = Π (T − sI)ᵀ Π (blocks in reverse order).
    const S = this.f64(o.S, n * n);
    const Tv = this.f64(o.H, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = Tv[(n - 1 - j) * n + (n - 1 - i)];
    const st = this.i32(o.starts, n);
    const sz = this.i32(o.sizes, n);
    const fwdStarts = Int32Array.from(st.subarray(0, nb));
    const fwdSizes = Int32Array.from(sz.subarray(0, nb));
    for (let b = 0; b < nb; b++) {
      const src = nb - 1 - b;
      sz[b] = fwdSizes[src];
      st[b] = n - fwdStarts[src] - fwdSizes[src];
    }
    if (this.x.soc_lyap(o.S, n, o.starts, o.sizes, nb, shift, -2, o.Yq) !== 0) throw singular();
    const Yq = this.f64(o.Yq, n * n);
    Yq.reverse();
    const Yp = this.f64(o.Yp, n * n);
    let trace = 0;
    for (let i = 0; i < n * n; i++) trace += Yq[i] * Yp[i];
    // U from Uᵀ; M1 = Ỹ Ŷ; M2ᵀ = U[inh,:] M1ᵀ; G = U M2.
    const Ut = this.f64(o.Ut, n * n);
    const U = this.f64(o.U, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) U[j * n + i] = Ut[i * n + j];
    this.x.soc_matmul_nt(o.Yq, o.Yp, n, n, n, o.M1);
    this.x.soc_matmul_nt(o.U + nE * n * 8, o.M1, nI, n, n, o.M2t);
    this.x.soc_matmul_nt(o.U, o.M2t, n, n, nI, o.G);
    const g = this.f64(o.G, n * nI);
    const inv = 1 / trace;
    for (let i = 0; i < n * nI; i++) G[i] = g[i] * inv;
    return { real, imag, alpha, gradient: true };
  }
}

function singular(): Error {
  return new Error('optimiseSoc: singular Lyapunov block (W − sI has eigenvalues λi + λj = 0)');
}
