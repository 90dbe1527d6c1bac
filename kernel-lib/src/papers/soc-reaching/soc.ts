/**
 * Stability-optimised circuits (SoC; Hennequin, Vogels & Gerstner 2014, Neuron 82:1394): an E/I network with
 * strong, dense-ish inhibition whose spectral abscissa α = max Re λ(W) is lowered by gradient descent on the
 * smoothed spectral abscissa, so that the network becomes stable but stays strongly non-normal (large transient
 * amplification).
 *
 * One iteration (the recipe of the public ports — Stroud's MATLAB code and its Python port in
 * soychae93/LIF-RNN-fitting-on-Neuronal-Data):
 *   α = max Re λ(W);  s = max(1.5α, α + 0.2);  A = W − sI;
 *   Aᵀ Q + Q A = −2I,  A P + P Aᵀ = −2I;  G = QP / tr(QP);  W[:, inh] −= η G[:, inh];
 *   then the constraints: inhibitory weights ≤ 0 (and no self-connections); only the 40 % strongest inhibitory
 *   entries (of all N·N_I) kept; per postsynaptic population X, mean(W[X, I]) = −γ·mean(W[X, E]) with block
 *   means over all entries, zeros included; zero diagonal.
 * The constraint order is the one the project's issue states (signs, sparsify, balance, diagonal). The seed port
 * balances before sparsifying, which leaves the balance broken after each step. Self-connections are removed
 * together with the sign step, so they never occupy one of the 40 % slots and the final diagonal step cannot
 * undo the balance: every constraint then holds exactly on the returned matrix.
 *
 * Speed (see bench/RESULTS.md): the ports call an eigenvalue routine and two Lyapunov solvers, i.e. three
 * Schur decompositions and four n×n basis changes per step. Here W = U T Uᵀ is decomposed once: α is read off
 * T, A = U (T − sI) Uᵀ has the same Schur vectors, and in that basis the right-hand side −2I stays −2I (U is
 * orthogonal), so both Lyapunov equations are solved on the quasi-triangular factor with no basis change at all:
 *   (T−sI) Ŷ + Ŷ (T−sI)ᵀ = −2I (P = U Ŷ Uᵀ),   (T−sI)ᵀ Ỹ + Ỹ (T−sI) = −2I (Q = U Ỹ Uᵀ),
 * and the gradient's inhibitory columns are U (Ỹ Ŷ) U[inh, :]ᵀ with tr(QP) = Σ Ỹ ∘ Ŷ — three products with
 * the register-blocked kernel instead of about a dozen. Work arrays are allocated once per run.
 */
import { Dense2D, MatrixInput, matmulNT, toDense } from '../../analysis/dense';
import { solveSmall } from '../../analysis/lyapunov';
import { realSchur, RealSchur } from '../../analysis/schur';
import { rng as makeRng } from '../../random';
import { socWasm } from './soc-wasm';

export interface SocNetworkOptions {
  /** Number of units; the first ⌊n/2⌋ columns are excitatory, the rest inhibitory. Default 200. */
  n?: number;
  /** Connection probability p (exactly round(p·n(n−1)) off-diagonal connections). Default 0.1. */
  p?: number;
  /** Spectral radius of the initial network R. Default 10. */
  R?: number;
  /** Inhibition/excitation ratio γ. Default 3. */
  gamma?: number;
  /** Seed of the connection pattern. Default 0. */
  seed?: number;
}

export interface SocNetwork {
  /** n×n row-major weights, W[i, j] = weight from unit j (column) onto unit i (row). */
  W: Dense2D;
  n: number;
  /** Units 0..nE−1 are excitatory, nE..n−1 inhibitory. */
  nE: number;
  gamma: number;
  /** w0 = √2·R / √(p(1−p)(1+γ²)); excitatory weights are w0/√n, inhibitory −γ·w0/√n. */
  w0: number;
  connections: number;
}

const DEFAULT_NETWORK = { n: 200, p: 0.1, R: 10, gamma: 3, seed: 0 };

function checkPositive(name: string, v: number, integer = false): void {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`socInitialNetwork: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  }
}

/**
 * The initial, strongly unstable balanced network of Hennequin et al. (2014): exactly round(p·n(n−1)) random
 * off-diagonal connections, excitatory weights w0/√n and inhibitory −γ·w0/√n, which puts the eigenvalues in a
 * disc of radius ≈ R (spectral abscissa ≈ R).
 */
export function socInitialNetwork(options: SocNetworkOptions = {}): SocNetwork {
  const o = { ...DEFAULT_NETWORK, ...options };
  checkPositive('n', o.n, true);
  if (o.n < 2) throw new Error(`socInitialNetwork: n must be at least 2, got ${o.n}`);
  if (!(o.p > 0 && o.p < 1)) throw new Error(`socInitialNetwork: p must be in (0, 1), got ${o.p}`);
  checkPositive('R', o.R);
  checkPositive('gamma', o.gamma);
  const n = o.n;
  const nE = Math.floor(n / 2);
  const offDiagonal = n * (n - 1);
  const connections = Math.round(o.p * offDiagonal);
  const w0 = (Math.SQRT2 * o.R) / Math.sqrt(o.p * (1 - o.p) * (1 + o.gamma * o.gamma));
  const wE = w0 / Math.sqrt(n);
  const W = new Float64Array(n * n);
  const perm = makeRng(o.seed).permutation(offDiagonal);
  for (let c = 0; c < connections; c++) {
    // Off-diagonal slot m ↦ (row i, column j), skipping the diagonal.
    const m = perm[c];
    const i = Math.floor(m / (n - 1));
    const jj = m % (n - 1);
    const j = jj < i ? jj : jj + 1;
    W[i * n + j] = j < nE ? wE : -o.gamma * wE;
  }
  return { W: { data: W, shape: [n, n] }, n, nE, gamma: o.gamma, w0, connections };
}

export interface SocOptions {
  /** Index of the first inhibitory unit (columns nE..n−1 are optimised). Default ⌊n/2⌋. */
  nE?: number;
  /** Inhibition/excitation ratio γ of the balance constraint. Default 3. */
  gamma?: number;
  /** Learning rate η. Default 10. */
  rate?: number;
  /** Stop when α ≤ this. Default 0.15. */
  targetAbscissa?: number;
  /** Fraction of the n·n_I inhibitory entries kept (the strongest). Default 0.4. */
  inhibitoryDensity?: number;
  /** Give up after this many iterations (the result then has `converged: false`). Default 5000. */
  maxIterations?: number;
  /** Called after each iteration with the iteration number (1-based) and the α measured at its start. */
  onIteration?: (iteration: number, alpha: number) => void;
  /**
   * 'wasm': the kernels of kernel-lib/wasm/soc.wasm (error if it cannot be loaded); 'js': plain JavaScript;
   * 'auto' (default): wasm when it loads. Both run the same algorithm (results agree to rounding).
   */
  engine?: 'auto' | 'wasm' | 'js';
}

const DEFAULT_SOC = { gamma: 3, rate: 10, targetAbscissa: 0.15, inhibitoryDensity: 0.4, maxIterations: 5000, engine: 'auto' as 'auto' | 'wasm' | 'js' };

export interface SocResult {
  /** The optimised weights (α ≤ targetAbscissa when converged). */
  W: Dense2D;
  /** α at the start of every iteration, then the final α (length iterations + 1). */
  alphas: Float64Array;
  iterations: number;
  converged: boolean;
  /** Wall-clock seconds of the whole optimisation. */
  seconds: number;
  /** Eigenvalues of the returned W (from the last Schur decomposition). */
  eigenvalues: { real: Float64Array; imag: Float64Array };
}

/** Work arrays of one optimisation run, allocated once. */
class SocWorkspace {
  readonly S: Float64Array;
  readonly Z: Float64Array;
  readonly Yp: Float64Array;
  readonly Yq: Float64Array;
  readonly M1: Float64Array;
  readonly M2t: Float64Array;
  readonly G: Float64Array;
  readonly values: Float64Array;
  constructor(readonly n: number, readonly nI: number) {
    this.S = new Float64Array(n * n);
    this.Z = new Float64Array(n * n);
    this.Yp = new Float64Array(n * n);
    this.Yq = new Float64Array(n * n);
    this.M1 = new Float64Array(n * n);
    this.M2t = new Float64Array(nI * n);
    this.G = new Float64Array(n * nI);
    this.values = new Float64Array(n * nI);
  }
}

function resolveSoc(n: number, options: SocOptions) {
  const o = { ...DEFAULT_SOC, nE: Math.floor(n / 2), ...options };
  if (!Number.isInteger(o.nE) || o.nE < 1 || o.nE >= n) throw new Error(`optimiseSoc: nE must be an integer in 1..${n - 1}, got ${o.nE}`);
  if (!(o.gamma > 0)) throw new Error(`optimiseSoc: gamma must be positive, got ${o.gamma}`);
  if (!(o.rate > 0)) throw new Error(`optimiseSoc: rate must be positive, got ${o.rate}`);
  if (!(o.inhibitoryDensity > 0 && o.inhibitoryDensity <= 1)) {
    throw new Error(`optimiseSoc: inhibitoryDensity must be in (0, 1], got ${o.inhibitoryDensity}`);
  }
  if (!Number.isFinite(o.targetAbscissa)) throw new Error(`optimiseSoc: targetAbscissa must be finite, got ${o.targetAbscissa}`);
  return o;
}

function kernelsFor(engine: 'auto' | 'wasm' | 'js') {
  if (engine === 'js') return null;
  const k = socWasm();
  if (!k && engine === 'wasm') throw new Error('optimiseSoc: engine "wasm" requested but kernel-lib/wasm/soc.wasm could not be loaded');
  return k;
}

/** The shift s of the smoothed spectral abscissa used by the recipe. */
export function socShift(alpha: number): number {
  return Math.max(1.5 * alpha, alpha + 0.2);
}

/** Largest real part among the Schur form's eigenvalues. */
function abscissaOf(s: RealSchur): number {
  let a = -Infinity;
  for (let i = 0; i < s.n; i++) a = Math.max(a, s.real[i]);
  return a;
}

/**
 * Gradient of the smoothed spectral abscissa with respect to the inhibitory columns, G[:, nE:] with
 * G = QP / tr(QP) (n × n_I, row-major), from the Schur form of W and the shift s. Writes into `ws.G`.
 */
function gradientFromSchur(schur: RealSchur, shift: number, nE: number, ws: SocWorkspace): Float64Array {
  const { n, T, U, blockStart, blockSize } = schur;
  const nI = n - nE;
  // Ŷ: (T − sI) Ŷ + Ŷ (T − sI)ᵀ = −2I.
  quasiTriangularLyapunovIdentity(T, n, blockStart, blockSize, shift, -2, ws.Yp, false, ws.Z);
  // Ỹ: (T − sI)ᵀ Ỹ + Ỹ (T − sI) = −2I.
  quasiTriangularLyapunovIdentity(T, n, blockStart, blockSize, shift, -2, ws.Yq, true, ws.Z);
  let trace = 0;
  for (let i = 0; i < n * n; i++) trace += ws.Yq[i] * ws.Yp[i];
  // M1 = Ỹ Ŷ (Ŷ symmetric, so Ŷ = Ŷᵀ as the kernel's right factor); M2ᵀ = U[inh,:] M1ᵀ; G_inh = U M2.
  matmulNT(ws.Yq, ws.Yp, n, n, n, ws.M1);
  matmulNT(U.subarray(nE * n), ws.M1, nI, n, n, ws.M2t);
  matmulNT(U, ws.M2t, n, n, nI, ws.G);
  const inv = 1 / trace;
  for (let i = 0; i < n * nI; i++) ws.G[i] *= inv;
  return ws.G;
}

/**
 * Y with (T − sI) Y + Y (T − sI)ᵀ = c·I (or, with `transposed`, (T − sI)ᵀ Y + Y (T − sI) = c·I) for upper
 * quasi-triangular T. The transposed equation is mapped to the plain one through the order-reversing
 * permutation Π: S = Π (T − sI)ᵀ Π is upper quasi-triangular and Y = Π Z Π with S Z + Z Sᵀ = c·I (Π I Π = I).
 * Y is symmetric; only the upper block triangle is solved for (columns from the last, rows upwards), each block
 * from a 1–4 unknown system, every right-hand-side term being a contiguous dot product with known rows of Y.
 */
function quasiTriangularLyapunovIdentity(
  T: Float64Array,
  n: number,
  blockStart: Int32Array,
  blockSize: Int32Array,
  shift: number,
  c: number,
  Y: Float64Array,
  transposed: boolean,
  scratch: Float64Array,
): void {
  const nb = blockStart.length;
  let S: Float64Array;
  let starts: Int32Array;
  let sizes: Int32Array;
  if (transposed) {
    S = scratch;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) S[row + j] = T[(n - 1 - j) * n + (n - 1 - i)];
    }
    starts = new Int32Array(nb);
    sizes = new Int32Array(nb);
    for (let b = 0; b < nb; b++) {
      const src = nb - 1 - b;
      sizes[b] = blockSize[src];
      starts[b] = n - blockStart[src] - blockSize[src];
    }
  } else {
    S = T;
    starts = blockStart;
    sizes = blockSize;
  }
  // Solved in place; in the transposed case Y holds Z until it is un-permuted at the end.
  const Z = Y;
  Z.fill(0);
  const M = new Float64Array(16);
  const rhs = new Float64Array(4);
  for (let bj = nb - 1; bj >= 0; bj--) {
    const j0 = starts[bj];
    const q = sizes[bj];
    const jEnd = j0 + q;
    for (let bi = bj; bi >= 0; bi--) {
      const i0 = starts[bi];
      const p = sizes[bi];
      const iEnd = i0 + p;
      for (let cc = 0; cc < q; cc++) {
        const jr = (j0 + cc) * n;
        for (let r = 0; r < p; r++) {
          const ir = (i0 + r) * n;
          let s = i0 + r === j0 + cc ? c : 0;
          // Σ_{k ≥ iEnd} S_ik Z_kj (Z_kj = Z_jk, row j) and Σ_{l ≥ jEnd} Z_il S_jl (row i).
          for (let k = iEnd; k < n; k++) s -= S[ir + k] * Z[jr + k];
          for (let l = jEnd; l < n; l++) s -= Z[ir + l] * S[jr + l];
          rhs[cc * p + r] = s;
        }
      }
      const m = p * q;
      M.fill(0, 0, m * m);
      for (let cc = 0; cc < q; cc++) {
        for (let r = 0; r < p; r++) {
          const row = cc * p + r;
          for (let r2 = 0; r2 < p; r2++) M[row * m + cc * p + r2] += S[(i0 + r) * n + i0 + r2];
          for (let c2 = 0; c2 < q; c2++) M[row * m + c2 * p + r] += S[(j0 + cc) * n + j0 + c2];
          M[row * m + row] -= 2 * shift;
        }
      }
      solveSmall(M, rhs, m);
      for (let cc = 0; cc < q; cc++) {
        for (let r = 0; r < p; r++) {
          const v = rhs[cc * p + r];
          Z[(i0 + r) * n + j0 + cc] = v;
          Z[(j0 + cc) * n + i0 + r] = v;
        }
      }
    }
  }
  if (transposed) {
    // Y = Π Z Π: Y[i][j] = Z[n−1−i][n−1−j], i.e. the flat array reversed.
    Z.reverse();
  }
}

/** The k-th smallest (0-based) of `a[0..len)` by quickselect (reorders `a`). */
function kthSmallest(a: Float64Array, len: number, k: number): number {
  let lo = 0;
  let hi = len - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Applies the SoC constraints to W in place (signs and self-connections, 40 % sparsity, E/I balance, diagonal).
 * Exported for tests and for users who modify W by hand.
 */
export function enforceSocConstraints(
  W: Float64Array,
  n: number,
  options: { nE?: number; gamma?: number; inhibitoryDensity?: number } = {},
  scratch = new Float64Array(n * (n - (options.nE ?? Math.floor(n / 2)))),
): void {
  const nE = options.nE ?? Math.floor(n / 2);
  const gamma = options.gamma ?? DEFAULT_SOC.gamma;
  const density = options.inhibitoryDensity ?? DEFAULT_SOC.inhibitoryDensity;
  const nI = n - nE;
  // 1. Inhibitory weights ≤ 0, no self-connections.
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = nE; j < n; j++) if (W[row + j] > 0 || i === j) W[row + j] = 0;
  }
  // 2. Keep the `keep` most negative inhibitory entries (of all n·nI slots, zeros included).
  const keep = Math.floor(density * n * nI);
  let count = 0;
  for (let i = 0; i < n; i++) for (let j = nE; j < n; j++) if (W[i * n + j] < 0) scratch[count++] = W[i * n + j];
  if (count > keep) {
    const threshold = kthSmallest(scratch, count, keep - 1);
    // Entries strictly below the threshold are kept, then ties at the threshold until `keep` are kept.
    let below = 0;
    for (let i = 0; i < n; i++) for (let j = nE; j < n; j++) if (W[i * n + j] < threshold) below++;
    let ties = keep - below;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = nE; j < n; j++) {
        const v = W[row + j];
        if (v < threshold) continue;
        if (v === threshold && ties > 0) {
          ties--;
          continue;
        }
        W[row + j] = 0;
      }
    }
  }
  // 3. Balance: for each postsynaptic population X, mean(W[X, I]) = −γ mean(W[X, E]) (block means, zeros included).
  for (const [r0, r1, name] of [[0, nE, 'E'], [nE, n, 'I']] as const) {
    let sumE = 0;
    let sumI = 0;
    for (let i = r0; i < r1; i++) {
      const row = i * n;
      for (let j = 0; j < nE; j++) sumE += W[row + j];
      for (let j = nE; j < n; j++) sumI += W[row + j];
    }
    const meanE = sumE / ((r1 - r0) * nE);
    const meanI = sumI / ((r1 - r0) * nI);
    if (!(meanI < 0) || !(meanE > 0)) {
      throw new Error(
        `optimiseSoc: cannot balance inputs onto the ${name} population (mean excitatory weight ${meanE}, mean inhibitory ${meanI}); ` +
          'the learning rate is probably too large',
      );
    }
    const factor = (-gamma * meanE) / meanI;
    for (let i = r0; i < r1; i++) {
      const row = i * n;
      for (let j = nE; j < n; j++) W[row + j] *= factor;
    }
  }
  // 4. Zero diagonal (the excitatory one is never touched; the inhibitory one was cleared in step 1).
  for (let i = 0; i < n; i++) W[i * n + i] = 0;
}

/**
 * One SoC iteration on W (n×n, row-major, modified in place). Returns α of W before the step and the Schur form
 * it was computed from. Exported for tests; `optimiseSoc` runs the loop.
 */
export function socStep(W: Float64Array, n: number, options: SocOptions = {}): { alpha: number; shift: number } {
  const o = resolveSoc(n, options);
  const ws = new SocWorkspace(n, n - o.nE);
  const kernels = kernelsFor(o.engine);
  if (kernels) {
    const r = kernels.step(W, n, o.nE, socShift, ws.G);
    applyStep(W, n, ws.G, o, ws);
    return { alpha: r.alpha, shift: socShift(r.alpha) };
  }
  const schur = realSchur({ data: Float64Array.from(W), shape: [n, n] });
  const alpha = abscissaOf(schur);
  const shift = socShift(alpha);
  applyStep(W, n, gradientFromSchur(schur, shift, o.nE, ws), o, ws);
  return { alpha, shift };
}

function applyStep(W: Float64Array, n: number, G: Float64Array, o: ReturnType<typeof resolveSoc>, ws: SocWorkspace): void {
  const nE = o.nE;
  const nI = n - nE;
  for (let i = 0; i < n; i++) {
    const row = i * n + nE;
    const g = i * nI;
    for (let c = 0; c < nI; c++) W[row + c] -= o.rate * G[g + c];
  }
  enforceSocConstraints(W, n, o, ws.values);
}

/**
 * Runs SoC iterations from W until α ≤ targetAbscissa (checked before each step, so the returned W satisfies
 * it) or maxIterations. A step that produces a non-finite weight stops the run with an error that says at which
 * iteration; W is never returned half-updated.
 */
export function optimiseSoc(W0: MatrixInput, options: SocOptions = {}): SocResult {
  const w = toDense(W0, 'optimiseSoc: W');
  const n = w.shape[0];
  if (w.shape[1] !== n) throw new Error(`optimiseSoc: W must be square, got [${w.shape.join(', ')}]`);
  const o = resolveSoc(n, options);
  const ws = new SocWorkspace(n, n - o.nE);
  const W = w.data;
  const before = new Float64Array(n * n);
  const alphas: number[] = [];
  const t0 = performance.now();
  let converged = false;
  const kernels = kernelsFor(o.engine);
  let eigenvalues = { real: new Float64Array(0), imag: new Float64Array(0) };
  for (let it = 0; ; it++) {
    let alpha: number;
    let G: Float64Array | null = null;
    const stop = (a: number) => a <= o.targetAbscissa || it >= o.maxIterations;
    if (kernels) {
      const r = kernels.step(W, n, o.nE, (a) => (stop(a) ? null : socShift(a)), ws.G);
      alpha = r.alpha;
      eigenvalues = { real: r.real, imag: r.imag };
      if (r.gradient) G = ws.G;
    } else {
      const schur = realSchur(w); // copies W
      alpha = abscissaOf(schur);
      eigenvalues = { real: Float64Array.from(schur.real), imag: Float64Array.from(schur.imag) };
      if (!stop(alpha)) G = gradientFromSchur(schur, socShift(alpha), o.nE, ws);
    }
    alphas.push(alpha);
    if (alpha <= o.targetAbscissa) {
      converged = true;
      break;
    }
    if (!G) break;
    before.set(W);
    applyStep(W, n, G, o, ws);
    for (let i = 0; i < n * n; i++) {
      if (!Number.isFinite(W[i])) {
        W.set(before);
        throw new Error(`optimiseSoc: iteration ${it + 1} produced a non-finite weight (α was ${alpha}); W is left at the last good iterate`);
      }
    }
    o.onIteration?.(it + 1, alpha);
  }
  return {
    W: { data: W, shape: [n, n] },
    alphas: Float64Array.from(alphas),
    iterations: alphas.length - 1,
    converged,
    seconds: (performance.now() - t0) / 1000,
    eigenvalues,
  };
}

export interface SocConstraintReport {
  /** Largest inhibitory weight (must be ≤ 0) and smallest excitatory weight (must be ≥ 0). */
  maxInhibitory: number;
  minExcitatory: number;
  /** Fraction of the n·n_I inhibitory slots that are non-zero. */
  inhibitoryDensity: number;
  /** mean(W[X, I]) / (−γ mean(W[X, E])) for X = E and X = I (1 when balanced). */
  balanceE: number;
  balanceI: number;
  /** Largest |W_ii|. */
  maxDiagonal: number;
}

/** Measures how well W satisfies the SoC constraints (signs, density, balance, diagonal). */
export function socConstraints(W: MatrixInput, nE?: number, gamma = DEFAULT_SOC.gamma): SocConstraintReport {
  const w = toDense(W, 'socConstraints: W');
  const n = w.shape[0];
  const e = nE ?? Math.floor(n / 2);
  const d = w.data;
  let maxI = -Infinity;
  let minE = Infinity;
  let nnzI = 0;
  let maxDiag = 0;
  const sums = [0, 0, 0, 0]; // EE, EI (rows E, cols I), IE (rows I, cols E), II
  for (let i = 0; i < n; i++) {
    maxDiag = Math.max(maxDiag, Math.abs(d[i * n + i]));
    for (let j = 0; j < n; j++) {
      const v = d[i * n + j];
      if (j < e) minE = Math.min(minE, v);
      else {
        maxI = Math.max(maxI, v);
        if (v !== 0) nnzI++;
      }
      sums[(i < e ? 0 : 2) + (j < e ? 0 : 1)] += v;
    }
  }
  const nI = n - e;
  const mean = (k: number, rows: number, cols: number) => sums[k] / (rows * cols);
  return {
    maxInhibitory: maxI,
    minExcitatory: minE,
    inhibitoryDensity: nnzI / (n * nI),
    balanceE: mean(1, e, nI) / (-gamma * mean(0, e, e)),
    balanceI: mean(3, nI, nI) / (-gamma * mean(2, nI, e)),
    maxDiagonal: maxDiag,
  };
}

/**
 * Activity energy ‖x(t)‖² of the linear dynamics τẋ = (W − I)x from each initial state (rows of `x0`, [K, N]),
 * sampled every `dt` for `duration` seconds (Euler). For non-normal W the energy can grow far above ‖x(0)‖²
 * before it decays: the transient amplification that SoCs are built for.
 */
export function evokedEnergy(
  W: MatrixInput,
  x0: ArrayLike<number>,
  options: { tau?: number; dt?: number; duration?: number } = {},
): { t: Float64Array; energy: Float64Array; K: number; T: number } {
  const w = toDense(W, 'evokedEnergy: W');
  const n = w.shape[0];
  if (x0.length % n !== 0) throw new Error(`evokedEnergy: x0 has ${x0.length} values, not a multiple of N = ${n}`);
  const K = x0.length / n;
  const tau = options.tau ?? 0.2;
  const dt = options.dt ?? 0.001;
  const T = Math.round((options.duration ?? 1) / dt) + 1;
  const h = dt / tau;
  const energy = new Float64Array(K * T);
  let x = new Float64Array(n);
  let next = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) x[i] = x0[k * n + i];
    for (let t = 0; t < T; t++) {
      let e = 0;
      for (let i = 0; i < n; i++) e += x[i] * x[i];
      energy[k * T + t] = e;
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) s += w.data[row + j] * x[j];
        next[i] = x[i] + h * (s - x[i]);
      }
      const tmp = x;
      x = next;
      next = tmp;
    }
  }
  return { t: Float64Array.from({ length: T }, (_, i) => i * dt), energy, K, T };
}
