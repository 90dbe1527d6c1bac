/**
 * The reduced three-variable model of Zemlianova, Bose & Rinzel (2024), Fig 3: Tap-E (u₁), Tap-I (u₂) and
 * Int-I (u₃), the three populations the trained RNN collapses to.
 *
 *   τ_k du_k/dt = −u_k + Σ_j W_kj f_j(u_j) + I_cc·w_in,k + I_b,k,   f_k(u) = c_k·softplus(a_k·u − b_k)
 *
 * Parameters are the paper's (and the ZemlianovaRNN reimplementation's `zrnn/analysis.py` DEF_PARAMS).
 * The context cue I_cc moves the system through a saddle-node on an invariant circle (SNIC, I_cc ≈ 0.19: the
 * stable node and the saddle of the low branch merge and the period diverges) into an oscillating band that
 * ends at a Hopf bifurcation (I_cc ≈ 1.58) of the upper fixed point.
 *
 * Integration is classic RK4 at a fixed step (1 ms by default, as in the reimplementation, whose torchdiffeq
 * `rk4` is the 3/8-rule variant of the same order). Times are in seconds; periods are reported in seconds too.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface ReducedModelParams {
  /** 3×3 coupling, row-major: W[k][j] is the weight from population j onto k. */
  W: readonly (readonly number[])[];
  wIn: readonly number[];
  Ib: readonly number[];
  /** Time constants in seconds. */
  tau: readonly number[];
  a: readonly number[];
  b: readonly number[];
  c: readonly number[];
}

export const REDUCED_MODEL_PARAMS: Readonly<ReducedModelParams> = Object.freeze({
  W: [
    [8.949, -7.4, -2.952],
    [9.123, -7.386, -3.072],
    [8.935, -4, -1],
  ],
  wIn: [0.048, 0.055, 0.068],
  Ib: [0, 0, -0.1],
  tau: [0.01, 0.01, 0.05],
  a: [150.134, 62.873, 87.0],
  b: [-0.476, 0.481, -0.781],
  c: [0.007, 0.016, 0.012],
});

/** Initial condition of the paper's Fig 3 simulations. */
export const REDUCED_MODEL_Y0: readonly number[] = [0.075, 0.075, -0.01];
export const REDUCED_MODEL_VARIABLES = ['Tap-E', 'Tap-I', 'Int-I'] as const;

/** softplus(z) = log(1 + e^z), without overflow for large z and without cancellation for very negative z. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function checkParams(p: ReducedModelParams): void {
  const ok3 = (v: readonly number[]) => v.length === 3 && v.every(Number.isFinite);
  if (!(p.W.length === 3 && p.W.every(ok3))) throw new Error('reduced-model: params.W must be a finite 3×3 array');
  for (const k of ['wIn', 'Ib', 'tau', 'a', 'b', 'c'] as const) {
    if (!ok3(p[k])) throw new Error(`reduced-model: params.${k} must hold 3 finite numbers`);
  }
  if (!p.tau.every((t) => t > 0)) throw new Error('reduced-model: params.tau must be positive');
}

/**
 * G(u) = −u + W f(u) + I_cc·w_in + I_b (the RHS times τ), written into `out`. Fixed points are the zeros of G;
 * Newton works on G, which is better scaled than the RHS.
 */
function residual(u: ArrayLike<number>, Icc: number, p: ReducedModelParams, out: Float64Array): void {
  const f0 = p.c[0] * softplus(p.a[0] * u[0] - p.b[0]);
  const f1 = p.c[1] * softplus(p.a[1] * u[1] - p.b[1]);
  const f2 = p.c[2] * softplus(p.a[2] * u[2] - p.b[2]);
  for (let k = 0; k < 3; k++) {
    const Wk = p.W[k];
    out[k] = -u[k] + Wk[0] * f0 + Wk[1] * f1 + Wk[2] * f2 + Icc * p.wIn[k] + p.Ib[k];
  }
}

/** du/dt of the reduced model at state u, written into `out`. */
export function reducedRhs(
  u: ArrayLike<number>,
  Icc: number,
  params: ReducedModelParams = REDUCED_MODEL_PARAMS,
  out: Float64Array = new Float64Array(3),
): Float64Array {
  residual(u, Icc, params, out);
  for (let k = 0; k < 3; k++) out[k] /= params.tau[k];
  return out;
}

/**
 * Jacobian of du/dt (3×3, row-major in a Float64Array): diag(1/τ)·(−I + W·diag(f'(u))). The cue enters
 * additively, so it does not appear here.
 */
export function reducedJacobian(u: ArrayLike<number>, params: ReducedModelParams = REDUCED_MODEL_PARAMS): Float64Array {
  const J = residualJacobian(u, params);
  for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) J[k * 3 + j] /= params.tau[k];
  return J;
}

/** Jacobian of G (the RHS times τ). */
function residualJacobian(u: ArrayLike<number>, p: ReducedModelParams): Float64Array {
  const J = new Float64Array(9);
  for (let j = 0; j < 3; j++) {
    const df = p.c[j] * p.a[j] * sigmoid(p.a[j] * u[j] - p.b[j]);
    for (let k = 0; k < 3; k++) J[k * 3 + j] = p.W[k][j] * df - (k === j ? 1 : 0);
  }
  return J;
}

export interface ReducedSimulateOptions {
  /** Step in seconds. Default 0.001. */
  dt: number;
  /** Initial state. Default REDUCED_MODEL_Y0. */
  y0: readonly number[];
  params: ReducedModelParams;
}

export interface ReducedTrajectory {
  /** Sample times (s), n = round(duration/dt) + 1 samples from 0 to duration. */
  t: Float64Array;
  /** States, [n, 3] row-major: u[i·3 + k]. */
  u: Float64Array;
  n: number;
  dt: number;
  Icc: number;
}

/** One variable (0 Tap-E, 1 Tap-I, 2 Int-I) of a trajectory as its own array. */
export function trajectoryVariable(traj: ReducedTrajectory, k: number): Float64Array {
  if (!(k === 0 || k === 1 || k === 2)) throw new Error(`reduced-model: variable index must be 0, 1 or 2, got ${k}`);
  const out = new Float64Array(traj.n);
  for (let i = 0; i < traj.n; i++) out[i] = traj.u[i * 3 + k];
  return out;
}

/** Integrate the reduced model at constant I_cc for `duration` seconds with RK4. */
export function simulateReduced(Icc: number, duration: number, options: Partial<ReducedSimulateOptions> = {}): ReducedTrajectory {
  const o: ReducedSimulateOptions = { dt: 0.001, y0: REDUCED_MODEL_Y0, params: REDUCED_MODEL_PARAMS, ...options };
  if (!Number.isFinite(Icc)) throw new Error(`reduced-model: I_cc must be finite, got ${Icc}`);
  if (!(duration > 0 && Number.isFinite(duration))) throw new Error(`reduced-model: duration must be > 0 s, got ${duration}`);
  if (!(o.dt > 0)) throw new Error(`reduced-model: dt must be > 0 s, got ${o.dt}`);
  if (o.y0.length !== 3) throw new Error(`reduced-model: y0 must hold 3 numbers, got ${o.y0.length}`);
  checkParams(o.params);
  const steps = Math.round(duration / o.dt);
  const n = steps + 1;
  const t = new Float64Array(n);
  const u = new Float64Array(n * 3);
  const y = Float64Array.from(o.y0);
  const k1 = new Float64Array(3), k2 = new Float64Array(3), k3 = new Float64Array(3), k4 = new Float64Array(3);
  const tmp = new Float64Array(3);
  const h = o.dt;
  u.set(y, 0);
  for (let i = 1; i < n; i++) {
    reducedRhs(y, Icc, o.params, k1);
    for (let k = 0; k < 3; k++) tmp[k] = y[k] + 0.5 * h * k1[k];
    reducedRhs(tmp, Icc, o.params, k2);
    for (let k = 0; k < 3; k++) tmp[k] = y[k] + 0.5 * h * k2[k];
    reducedRhs(tmp, Icc, o.params, k3);
    for (let k = 0; k < 3; k++) tmp[k] = y[k] + h * k3[k];
    reducedRhs(tmp, Icc, o.params, k4);
    for (let k = 0; k < 3; k++) y[k] += (h / 6) * (k1[k] + 2 * k2[k] + 2 * k3[k] + k4[k]);
    t[i] = i * h;
    u.set(y, i * 3);
  }
  return { t, u, n, dt: h, Icc };
}

export interface ReducedPeriodOptions extends ReducedSimulateOptions {
  /** Total simulated time (s). Default 10 (periods near the SNIC reach seconds). */
  duration: number;
  /** Initial stretch (s) discarded as transient. Default 3. */
  transient: number;
  /** Variable whose peaks time the cycle: 0 Tap-E (default), 1 Tap-I, 2 Int-I. */
  variable: number;
  /** Peak-to-trough range below which the attractor counts as a fixed point. Default 1e-5. */
  amplitudeTol: number;
}

const PERIOD_DEFAULTS: Omit<ReducedPeriodOptions, keyof ReducedSimulateOptions> = {
  duration: 10,
  transient: 3,
  variable: 0,
  amplitudeTol: 1e-5,
};

export interface AttractorSummary {
  Icc: number;
  /** Minimum and maximum of each variable after the transient. */
  min: Float64Array;
  max: Float64Array;
  /** True when the late-time trajectory is a sustained oscillation. */
  oscillating: boolean;
  /** Mean interval (s) between late-time peaks; NaN when not oscillating. */
  period: number;
  /** Late-time peak times (s) of the timing variable, refined by parabolic interpolation. */
  peakTimes: Float64Array;
}

/**
 * Simulate and summarise the attractor reached from y0: late-time range of each variable, whether it
 * oscillates, and its period from the mean spacing of late-time maxima (each refined to sub-step precision
 * by a parabola through the three samples around it). Oscillating means: range above `amplitudeTol`, at
 * least three maxima, and the range in the last quarter of the window at least half that of the first quarter
 * (a slowly decaying spiral near the Hopf point is not a cycle).
 */
export function reducedAttractor(Icc: number, options: Partial<ReducedPeriodOptions> = {}): AttractorSummary {
  const o: ReducedPeriodOptions = { dt: 0.001, y0: REDUCED_MODEL_Y0, params: REDUCED_MODEL_PARAMS, ...PERIOD_DEFAULTS, ...options };
  if (!(o.transient >= 0 && o.transient < o.duration)) {
    throw new Error(`reduced-model: need 0 ≤ transient < duration, got transient ${o.transient} s, duration ${o.duration} s`);
  }
  if (!(o.variable === 0 || o.variable === 1 || o.variable === 2)) {
    throw new Error(`reduced-model: variable must be 0, 1 or 2, got ${o.variable}`);
  }
  const traj = simulateReduced(Icc, o.duration, o);
  const i0 = Math.round(o.transient / o.dt);
  const min = new Float64Array(3).fill(Infinity);
  const max = new Float64Array(3).fill(-Infinity);
  for (let i = i0; i < traj.n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = traj.u[i * 3 + k];
      if (v < min[k]) min[k] = v;
      if (v > max[k]) max[k] = v;
    }
  }
  const x = (i: number) => traj.u[i * 3 + o.variable];
  const range = (from: number, to: number) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = from; i < to; i++) {
      lo = Math.min(lo, x(i));
      hi = Math.max(hi, x(i));
    }
    return hi - lo;
  };
  const peaks: number[] = [];
  for (let i = Math.max(i0, 1); i < traj.n - 1; i++) {
    if (x(i) > x(i - 1) && x(i) >= x(i + 1)) {
      const ym = x(i - 1), y0 = x(i), yp = x(i + 1);
      const denom = ym - 2 * y0 + yp;
      const shift = denom < 0 ? (0.5 * (ym - yp)) / denom : 0;
      peaks.push((i + shift) * o.dt);
    }
  }
  const amp = max[o.variable] - min[o.variable];
  const q = Math.floor((traj.n - i0) / 4);
  const sustained = q > 2 && range(traj.n - q, traj.n) >= 0.5 * range(i0, i0 + q);
  const oscillating = amp > o.amplitudeTol && peaks.length >= 3 && sustained;
  const period = oscillating ? (peaks[peaks.length - 1] - peaks[0]) / (peaks.length - 1) : NaN;
  return { Icc, min, max, oscillating, period, peakTimes: Float64Array.from(peaks) };
}

/** Oscillation period (s) of the reduced model at this cue; NaN when it settles to a fixed point. */
export function reducedPeriod(Icc: number, options: Partial<ReducedPeriodOptions> = {}): number {
  return reducedAttractor(Icc, options).period;
}

export type FixedPointKind = 'stable node' | 'stable focus' | 'saddle' | 'saddle-focus' | 'unstable node' | 'unstable focus';

export interface ReducedFixedPoint {
  u: Float64Array;
  /** Eigenvalues of the RHS Jacobian (1/s), sorted by decreasing real part. */
  eigenRe: Float64Array;
  eigenIm: Float64Array;
  stable: boolean;
  kind: FixedPointKind;
}

export interface FixedPointSearchOptions {
  params: ReducedModelParams;
  /** Newton starts per dimension on a grid around the input drive h = I_cc·w_in + I_b. Default 7 (343 starts). */
  gridPoints: number;
  /** Half-width of that grid box. Default 0.3 (fixed points lie within ±0.25 of h for |I_cc| ≤ 2). */
  halfWidth: number;
  /** Extra starting points, e.g. a fixed point known at a nearby cue. */
  extraStarts: readonly (readonly number[])[];
  /** Residual ‖G‖∞ accepted as converged. Default 1e-12. */
  residualTol: number;
  /** Two roots closer than this (max-abs) are one. Default 1e-7. */
  dedupTol: number;
}

const FIXED_POINT_DEFAULTS: FixedPointSearchOptions = {
  params: REDUCED_MODEL_PARAMS,
  gridPoints: 7,
  halfWidth: 0.3,
  extraStarts: [],
  residualTol: 1e-12,
  dedupTol: 1e-7,
};

/** Solve the 3×3 system A x = r by Gaussian elimination with partial pivoting; null when singular. */
function solve3(A: Float64Array, r: Float64Array): Float64Array | null {
  const M = Float64Array.from(A);
  const x = Float64Array.from(r);
  for (let col = 0; col < 3; col++) {
    let piv = col;
    for (let row = col + 1; row < 3; row++) if (Math.abs(M[row * 3 + col]) > Math.abs(M[piv * 3 + col])) piv = row;
    if (Math.abs(M[piv * 3 + col]) < 1e-300) return null;
    if (piv !== col) {
      for (let j = 0; j < 3; j++) [M[col * 3 + j], M[piv * 3 + j]] = [M[piv * 3 + j], M[col * 3 + j]];
      [x[col], x[piv]] = [x[piv], x[col]];
    }
    for (let row = col + 1; row < 3; row++) {
      const m = M[row * 3 + col] / M[col * 3 + col];
      for (let j = col; j < 3; j++) M[row * 3 + j] -= m * M[col * 3 + j];
      x[row] -= m * x[col];
    }
  }
  for (let row = 2; row >= 0; row--) {
    let s = x[row];
    for (let j = row + 1; j < 3; j++) s -= M[row * 3 + j] * x[j];
    x[row] = s / M[row * 3 + row];
  }
  return x;
}

const normInf = (v: ArrayLike<number>) => Math.max(Math.abs(v[0]), Math.abs(v[1]), Math.abs(v[2]));

/** Damped Newton on G from `start`; the root, or null when it does not converge. */
function newton(start: ArrayLike<number>, Icc: number, p: ReducedModelParams, tol: number): Float64Array | null {
  const u = Float64Array.from(start);
  const g = new Float64Array(3);
  const trial = new Float64Array(3);
  const gTrial = new Float64Array(3);
  residual(u, Icc, p, g);
  let gn = normInf(g);
  for (let it = 0; it < 100; it++) {
    if (gn < tol) return u;
    const step = solve3(residualJacobian(u, p), g);
    if (!step) return null;
    // Backtracking keeps Newton from being thrown out of the basin by the steep softplus (a up to 150).
    let lambda = 1;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let k = 0; k < 3; k++) trial[k] = u[k] - lambda * step[k];
      residual(trial, Icc, p, gTrial);
      const tn = normInf(gTrial);
      if (Number.isFinite(tn) && tn < (1 - 1e-4 * lambda) * gn) {
        u.set(trial);
        g.set(gTrial);
        gn = tn;
        accepted = true;
        break;
      }
      lambda *= 0.5;
    }
    if (!accepted) return gn < tol ? u : null;
  }
  return gn < tol ? u : null;
}

/** Eigenvalues of the RHS Jacobian at u and the fixed-point type they imply. */
export function classifyFixedPoint(u: ArrayLike<number>, params: ReducedModelParams = REDUCED_MODEL_PARAMS): ReducedFixedPoint {
  const J = reducedJacobian(u, params);
  const evd = new EigenvalueDecomposition(new Matrix([Array.from(J.subarray(0, 3)), Array.from(J.subarray(3, 6)), Array.from(J.subarray(6, 9))]));
  const order = [0, 1, 2].sort((i, j) => evd.realEigenvalues[j] - evd.realEigenvalues[i]);
  const eigenRe = Float64Array.from(order.map((i) => evd.realEigenvalues[i]));
  const eigenIm = Float64Array.from(order.map((i) => evd.imaginaryEigenvalues[i]));
  const nUnstable = eigenRe.filter((r) => r > 0).length;
  const complex = eigenIm.some((v) => Math.abs(v) > 1e-9);
  const stable = nUnstable === 0;
  let kind: FixedPointKind;
  if (stable) kind = complex ? 'stable focus' : 'stable node';
  else if (nUnstable === 3) kind = complex ? 'unstable focus' : 'unstable node';
  else kind = complex ? 'saddle-focus' : 'saddle';
  return { u: Float64Array.from(u), eigenRe, eigenIm, stable, kind };
}

/**
 * All fixed points found by damped Newton from a grid of starts around the drive h = I_cc·w_in + I_b (plus
 * any `extraStarts`), deduplicated, each with its Jacobian eigenvalues and type; sorted by u₃ (Int-I).
 * A multistart search: it finds every fixed point of this model over |I_cc| ≤ 2 (checked against scipy in
 * the tests), but is not a proof of completeness for other parameters.
 */
export function reducedFixedPoints(Icc: number, options: Partial<FixedPointSearchOptions> = {}): ReducedFixedPoint[] {
  const o: FixedPointSearchOptions = { ...FIXED_POINT_DEFAULTS, ...options };
  checkParams(o.params);
  if (!(Number.isInteger(o.gridPoints) && o.gridPoints >= 1)) {
    throw new Error(`reduced-model: gridPoints must be a positive integer, got ${o.gridPoints}`);
  }
  const p = o.params;
  const h = [0, 1, 2].map((k) => Icc * p.wIn[k] + p.Ib[k]);
  const starts: number[][] = o.extraStarts.map((s) => Array.from(s));
  const m = o.gridPoints;
  const axis = (k: number, i: number) => (m === 1 ? h[k] : h[k] - o.halfWidth + (2 * o.halfWidth * i) / (m - 1));
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let l = 0; l < m; l++) starts.push([axis(0, i), axis(1, j), axis(2, l)]);
  const roots: Float64Array[] = [];
  for (const s of starts) {
    const r = newton(s, Icc, p, o.residualTol);
    if (r && !roots.some((q) => normInf([q[0] - r[0], q[1] - r[1], q[2] - r[2]]) < o.dedupTol)) roots.push(r);
  }
  roots.sort((x, y) => x[2] - y[2]);
  return roots.map((r) => classifyFixedPoint(r, p));
}

export interface ScanOptions extends ReducedPeriodOptions {
  /** Cue range and number of samples. Defaults −2, 2, 401. */
  from: number;
  to: number;
  steps: number;
  fixedPoints: Partial<FixedPointSearchOptions>;
}

export interface BifurcationScan {
  Icc: Float64Array;
  /** Attractor range per cue, [steps, 3] row-major. */
  min: Float64Array;
  max: Float64Array;
  oscillating: boolean[];
  /** Period (s) per cue, NaN where not oscillating. */
  period: Float64Array;
  fixedPoints: ReducedFixedPoint[][];
}

/** The bifurcation diagram over I_cc: attractor range, oscillation and period, and all fixed points. */
export function reducedBifurcationScan(options: Partial<ScanOptions> = {}): BifurcationScan {
  const o: ScanOptions = {
    dt: 0.001,
    y0: REDUCED_MODEL_Y0,
    params: REDUCED_MODEL_PARAMS,
    ...PERIOD_DEFAULTS,
    from: -2,
    to: 2,
    steps: 401,
    fixedPoints: {},
    ...options,
  };
  if (!(Number.isInteger(o.steps) && o.steps >= 2)) throw new Error(`reduced-model: steps must be an integer ≥ 2, got ${o.steps}`);
  const n = o.steps;
  const scan: BifurcationScan = {
    Icc: new Float64Array(n),
    min: new Float64Array(n * 3),
    max: new Float64Array(n * 3),
    oscillating: [],
    period: new Float64Array(n),
    fixedPoints: [],
  };
  for (let i = 0; i < n; i++) {
    const I = o.from + ((o.to - o.from) * i) / (n - 1);
    const att = reducedAttractor(I, o);
    scan.Icc[i] = I;
    scan.min.set(att.min, i * 3);
    scan.max.set(att.max, i * 3);
    scan.oscillating.push(att.oscillating);
    scan.period[i] = att.period;
    scan.fixedPoints.push(reducedFixedPoints(I, { params: o.params, ...o.fixedPoints }));
  }
  return scan;
}

export type BifurcationKind = 'saddle-node' | 'hopf';

export interface BifurcationPoint {
  Icc: number;
  kind: BifurcationKind;
  /** True when the system has a stable fixed point just above this cue. */
  stableAbove: boolean;
  /** Width of the final bisection bracket. */
  bracket: number;
}

/** The located bifurcations; shows itself in a notebook as a small table. */
export type BifurcationPoints = BifurcationPoint[] & { [key: symbol]: () => Record<string, string> };

function bifurcationBundle(points: BifurcationPoint[]): Record<string, string> {
  const rows = points.map((p) => [p.kind, p.Icc.toFixed(6), p.stableAbove ? 'yes' : 'no', p.bracket.toExponential(1)]);
  const head = ['kind', 'I_cc', 'stable fixed point above', 'bracket'];
  const text = [head, ...rows].map((r) => r.join('\t')).join('\n');
  const html =
    '<table><thead><tr>' + head.map((h) => `<th>${h}</th>`).join('') + '</tr></thead><tbody>' +
    rows.map((r) => '<tr>' + r.map((c) => `<td>${c}</td>`).join('') + '</tr>').join('') + '</tbody></table>';
  return { 'text/plain': text, 'text/html': html };
}

export interface BifurcationSearchOptions {
  params: ReducedModelParams;
  from: number;
  to: number;
  /** Coarse grid step used to bracket the changes. Default 0.02. */
  coarseStep: number;
  /** Bisection stops at this bracket width. Default 1e-7. */
  tol: number;
}

/**
 * Locate the cues where the existence of a stable fixed point changes, by a coarse scan then bisection:
 * for this model the SNIC (the stable node meets the saddle: a saddle-node, the fixed-point count drops by two)
 * and the Hopf point (the complex pair of the upper fixed point crosses the imaginary axis, the count stays).
 * Whether the saddle-node lies on the invariant circle (a SNIC, period → ∞) is a statement about the flow; the
 * period growth next to it, from `reducedPeriod`, shows it.
 */
export function reducedBifurcations(options: Partial<BifurcationSearchOptions> = {}): BifurcationPoints {
  const o: BifurcationSearchOptions = { params: REDUCED_MODEL_PARAMS, from: -2, to: 2, coarseStep: 0.02, tol: 1e-7, ...options };
  if (!(o.to > o.from && o.coarseStep > 0 && o.tol > 0)) {
    throw new Error(`reduced-model: need from < to and positive coarseStep and tol, got ${JSON.stringify({ ...o, params: undefined })}`);
  }
  const probe = (I: number) => {
    const fps = reducedFixedPoints(I, { params: o.params });
    return { stable: fps.some((f) => f.stable), count: fps.length };
  };
  const n = Math.ceil((o.to - o.from) / o.coarseStep);
  const grid = Array.from({ length: n + 1 }, (_, i) => Math.min(o.to, o.from + i * o.coarseStep));
  const states = grid.map(probe);
  const found: BifurcationPoint[] = [];
  for (let i = 0; i < n; i++) {
    if (states[i].stable === states[i + 1].stable) continue;
    let lo = grid[i], hi = grid[i + 1];
    const loStable = states[i].stable;
    while (hi - lo > o.tol) {
      const mid = 0.5 * (lo + hi);
      if (probe(mid).stable === loStable) lo = mid;
      else hi = mid;
    }
    const kind: BifurcationKind = probe(lo).count !== probe(hi).count ? 'saddle-node' : 'hopf';
    found.push({ Icc: 0.5 * (lo + hi), kind, stableAbove: !loStable, bracket: hi - lo });
  }
  return Object.assign(found, { [Symbol.for('Jupyter.display')]: () => bifurcationBundle(found) });
}
