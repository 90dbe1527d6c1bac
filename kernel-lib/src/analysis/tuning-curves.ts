/**
 * Tuning-curve statistics: orientation / direction selectivity indices and von Mises / Gaussian fits with their
 * full width at half maximum. Angles are in radians.
 *
 * Selectivity definitions (state which one a figure uses):
 *  - 'vector' (default): OSI = |Σ r_k e^{2iθ_k}| / Σ r_k = 1 − circular variance on the doubled angle;
 *    DSI = |Σ r_k e^{iθ_k}| / Σ r_k. This is the OSI over stimulus angles used for the EI-assemblies paper's
 *    orientation tuning. Responses should be non-negative (rates); 0 for a flat curve, 1 for a single angle.
 *  - 'prefOrth': OSI = (R_pref − R_orth)/(R_pref + R_orth) with R_orth the response at the angle closest to
 *    θ_pref + π/2; DSI likewise with θ_pref + π. Uses the sampled angles only.
 *
 * Fits use ml-levenberg-marquardt with analytic Jacobians. Models:
 *   von Mises  f(θ) = b + a·exp(κ(cos(2π(θ − μ)/P) − 1)), period P (2π for direction, π for orientation)
 *   Gaussian   f(x) = b + a·exp(−(x − μ)²/(2σ²))
 */
/** The subset of ml-levenberg-marquardt's options used here (its own .d.ts resolves only under node16). */
interface LmOptions {
  initialValues: number[];
  jacobianFunction?: (p: number[]) => (x: number) => number[];
  maxIterations?: number;
  damping?: number;
  errorTolerance?: number;
  improvementThreshold?: number;
  minValues?: number[];
  maxValues?: number[];
}
type Lm = (
  data: { x: ArrayLike<number>; y: ArrayLike<number> },
  fn: (p: number[]) => (x: number) => number,
  options: LmOptions,
) => { parameterValues: number[]; parameterError: number; iterations: number };

let lmCache: Lm | undefined;
/**
 * ml-levenberg-marquardt 5 is ESM-only with an `exports` map; Node ≥ 20.19 can `require` it synchronously, which
 * keeps the fits synchronous. Its types resolve only under the node16 resolver, hence the local function type.
 */
function lm(): Lm {
  if (!lmCache) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      lmCache = (require('ml-levenberg-marquardt') as { levenbergMarquardt: Lm }).levenbergMarquardt;
    } catch (e) {
      throw new Error(`tuning-curves: cannot load ml-levenberg-marquardt (needs Node ≥ 20.19 for require of ESM): ${(e as Error).message}`);
    }
  }
  return lmCache;
}

export type SelectivityMethod = 'vector' | 'prefOrth';

function checkCurve(angles: ArrayLike<number>, r: ArrayLike<number>, where: string): void {
  if (angles.length !== r.length) throw new Error(`${where}: angles and responses must have the same length, got ${angles.length} and ${r.length}`);
  if (angles.length < 2) throw new Error(`${where}: need at least 2 angles`);
}

function vectorIndex(angles: ArrayLike<number>, r: ArrayLike<number>, harmonic: number): number {
  let c = 0;
  let s = 0;
  let tot = 0;
  for (let i = 0; i < r.length; i++) {
    c += r[i] * Math.cos(harmonic * angles[i]);
    s += r[i] * Math.sin(harmonic * angles[i]);
    tot += r[i];
  }
  return tot === 0 ? 0 : Math.hypot(c, s) / tot;
}

function prefOppositeIndex(angles: ArrayLike<number>, r: ArrayLike<number>, offset: number): number {
  let iPref = 0;
  for (let i = 1; i < r.length; i++) if (r[i] > r[iPref]) iPref = i;
  const target = angles[iPref] + offset;
  let iOpp = 0;
  let best = Infinity;
  for (let i = 0; i < r.length; i++) {
    const d = Math.abs(Math.atan2(Math.sin(angles[i] - target), Math.cos(angles[i] - target)));
    if (d < best) {
      best = d;
      iOpp = i;
    }
  }
  const den = r[iPref] + r[iOpp];
  return den === 0 ? 0 : (r[iPref] - r[iOpp]) / den;
}

/** Orientation selectivity index of responses r at stimulus angles θ (radians); see the module comment. */
export function orientationSelectivity(angles: ArrayLike<number>, responses: ArrayLike<number>, method: SelectivityMethod = 'vector'): number {
  checkCurve(angles, responses, 'orientationSelectivity');
  return method === 'vector' ? vectorIndex(angles, responses, 2) : prefOppositeIndex(angles, responses, Math.PI / 2);
}

/** Direction selectivity index; see the module comment. */
export function directionSelectivity(angles: ArrayLike<number>, responses: ArrayLike<number>, method: SelectivityMethod = 'vector'): number {
  checkCurve(angles, responses, 'directionSelectivity');
  return method === 'vector' ? vectorIndex(angles, responses, 1) : prefOppositeIndex(angles, responses, Math.PI);
}

/** Preferred angle from the vector sum, in [0, P) for period P (π for orientation, 2π for direction). */
export function preferredAngle(angles: ArrayLike<number>, responses: ArrayLike<number>, period = 2 * Math.PI): number {
  checkCurve(angles, responses, 'preferredAngle');
  const h = (2 * Math.PI) / period;
  let c = 0;
  let s = 0;
  for (let i = 0; i < responses.length; i++) {
    c += responses[i] * Math.cos(h * angles[i]);
    s += responses[i] * Math.sin(h * angles[i]);
  }
  const a = Math.atan2(s, c) / h;
  return ((a % period) + period) % period;
}

export interface CurveFitOptions {
  /** Initial parameter values (defaults estimated from the data). */
  initial?: number[];
  /** Iteration cap (default 500). */
  maxIterations?: number;
  /**
   * Lower / upper bounds per parameter, in the fit's parameter order (von Mises: b, a, μ, κ), e.g. a ≥ 0,
   * κ ≥ 0 to exclude the mirror solution a < 0, κ < 0 that fits a bump equally well. Default: unbounded.
   * fitVonMises solves bounded fits by profiling (exact within the box); fitGaussian clamps LM's steps into the
   * box (ml-levenberg-marquardt's minValues/maxValues), which can stall at an active bound.
   */
  minValues?: number[];
  maxValues?: number[];
}

export interface VonMisesFit {
  /** Baseline b, amplitude a, preferred angle μ (in [0, period)), concentration κ. */
  baseline: number;
  amplitude: number;
  mu: number;
  kappa: number;
  period: number;
  /** Full width at half maximum (above baseline), radians; NaN if the curve never falls to half (κ too small). */
  fwhm: number;
  /** R² of the fit on the data. */
  r2: number;
  /** The fitted function. */
  evaluate: (theta: number) => number;
}

function runLm(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  fn: (p: number[]) => (x: number) => number,
  jac: (p: number[]) => (x: number) => number[],
  initial: number[],
  maxIterations: number,
  bounds: { minValues?: number[]; maxValues?: number[] } = {},
): number[] {
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += y[i] * y[i];
  const res = lm()({ x, y }, fn, {
    initialValues: initial,
    jacobianFunction: jac,
    maxIterations,
    damping: 1e-3,
    // The library stops when the SSE itself falls below errorTolerance and only records improvements larger than
    // it, so a tolerance relative to the data scale is needed to reach the least-squares optimum.
    errorTolerance: 1e-20 * Math.max(ss, 1e-300),
    improvementThreshold: 1e-3,
    ...(bounds.minValues ? { minValues: bounds.minValues } : {}),
    ...(bounds.maxValues ? { maxValues: bounds.maxValues } : {}),
  });
  return res.parameterValues;
}

function r2Of(x: ArrayLike<number>, y: ArrayLike<number>, f: (v: number) => number): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m += y[i];
  m /= y.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    res += (y[i] - f(x[i])) ** 2;
    tot += (y[i] - m) ** 2;
  }
  return tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
}

/** Least-squares von Mises tuning curve; `period` 2π (direction, default) or π (orientation). */
export function fitVonMises(angles: ArrayLike<number>, responses: ArrayLike<number>, period = 2 * Math.PI, options: CurveFitOptions = {}): VonMisesFit {
  checkCurve(angles, responses, 'fitVonMises');
  if (angles.length < 4) throw new Error(`fitVonMises: need at least 4 points for 4 parameters, got ${angles.length}`);
  const h = (2 * Math.PI) / period;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < responses.length; i++) {
    lo = Math.min(lo, responses[i]);
    hi = Math.max(hi, responses[i]);
  }
  const init = options.initial ?? [lo, Math.max(hi - lo, 1e-6), preferredAngle(angles, shift(responses, lo), period), 2];
  const fn = ([b, a, mu, k]: number[]) => (t: number) => b + a * Math.exp(k * (Math.cos(h * (t - mu)) - 1));
  const jac = ([, a, mu, k]: number[]) => (t: number) => {
    const c = Math.cos(h * (t - mu));
    const e = Math.exp(k * (c - 1));
    return [1, e, a * e * k * h * Math.sin(h * (t - mu)), a * e * (c - 1)];
  };
  let b: number, a: number, mu: number, k: number;
  if (options.minValues || options.maxValues) {
    // LM with parameters clamped at the bounds stalls as soon as a bound is active (every proposed step leaves
    // the box and is rejected), so bounded fits are solved by profiling instead: for fixed μ and κ the model is
    // linear in (b, a), solved exactly within their bounds; μ and κ come from a grid and a pattern search.
    [b, a, mu, k] = boundedVonMises(angles, responses, h, period, options.minValues, options.maxValues, options.initial);
  } else {
    [b, a, mu, k] = runLm(angles, responses, fn, jac, init, options.maxIterations ?? 500, options);
  }
  mu = ((mu % period) + period) % period;
  const evaluate = fn([b, a, mu, k]);
  const cosHalf = 1 - Math.LN2 / k; // exp(κ(cos Δ − 1)) = 1/2
  const fwhm = k > 0 && cosHalf >= -1 ? (2 * Math.acos(cosHalf)) / h : NaN;
  return { baseline: b, amplitude: a, mu, kappa: k, period, fwhm, r2: r2Of(angles, responses, evaluate), evaluate };
}

/** Best (b, a) for fixed basis e (model b + a·e) within bounds, and its sum of squared errors. */
function boundedLinear2(y: ArrayLike<number>, e: Float64Array, bLo: number, bHi: number, aLo: number, aHi: number): [number, number, number] {
  const n = y.length;
  let se = 0, see = 0, sy = 0, sey = 0, syy = 0;
  for (let i = 0; i < n; i++) { se += e[i]; see += e[i] * e[i]; sy += y[i]; sey += e[i] * y[i]; syy += y[i] * y[i]; }
  const sse = (b: number, a: number) => syy - 2 * b * sy - 2 * a * sey + n * b * b + 2 * b * a * se + a * a * see;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const cands: [number, number][] = [];
  const det = n * see - se * se;
  if (det > 1e-12 * n * see) {
    const a = (n * sey - se * sy) / det, b = (sy - a * se) / n;
    if (a >= aLo && a <= aHi && b >= bLo && b <= bHi) cands.push([b, a]);
  }
  // On an active bound of one variable, the other's optimum given it (clamped); plus the corners.
  for (const bb of [bLo, bHi]) if (Number.isFinite(bb)) cands.push([bb, clamp(see > 0 ? (sey - bb * se) / see : 0, aLo, aHi)]);
  for (const aa of [aLo, aHi]) if (Number.isFinite(aa)) cands.push([clamp((sy - aa * se) / n, bLo, bHi), aa]);
  if (cands.length === 0) cands.push([clamp(sy / n, bLo, bHi), clamp(0, aLo, aHi)]);
  let best: [number, number, number] = [NaN, NaN, Infinity];
  for (const [b, a] of cands) { const v = sse(b, a); if (v < best[2]) best = [b, a, v]; }
  return best;
}

function boundedVonMises(x: ArrayLike<number>, y: ArrayLike<number>, h: number, period: number, minV: number[] = [], maxV: number[] = [], initial?: number[]): number[] {
  const lo = [0, 1, 2, 3].map((i) => minV[i] ?? -Infinity), hi = [0, 1, 2, 3].map((i) => maxV[i] ?? Infinity);
  const n = x.length;
  const e = new Float64Array(n);
  const profile = (mu: number, k: number): [number, number, number] => {
    for (let i = 0; i < n; i++) e[i] = Math.exp(k * (Math.cos(h * (x[i] - mu)) - 1));
    return boundedLinear2(y, e, lo[0], hi[0], lo[1], hi[1]);
  };
  const muLo = Math.max(lo[2], -1e9), muHi = Math.min(hi[2], 1e9);
  const kLo = Math.max(lo[3], -50), kHi = Math.min(hi[3], 200);
  const muGrid = Array.from({ length: 72 }, (_, i) => (period * i) / 72).filter((m) => m >= muLo && m <= muHi);
  if (muGrid.length === 0) muGrid.push(Math.min(Math.max(0, muLo), muHi));
  const kGrid = [kLo, kHi];
  for (let i = 0; i <= 40; i++) kGrid.push(0.01 * Math.pow(2e4, i / 40));
  let best = { mu: muGrid[0], k: Math.max(kLo, Math.min(kHi, 1)), sse: Infinity, b: 0, a: 0 };
  const consider = (mu: number, k: number) => {
    if (mu < muLo || mu > muHi || k < kLo || k > kHi) return;
    const [b, a, v] = profile(mu, k);
    if (v < best.sse) best = { mu, k, sse: v, b, a };
  };
  if (initial) consider(initial[2], initial[3]);
  for (const mu of muGrid) for (const k of kGrid) consider(mu, k);
  // Pattern search on (μ, log-ish κ): shrink the steps when no neighbour improves.
  let dMu = period / 72, dK = Math.max(best.k, 0.05) * 0.5;
  for (let it = 0; it < 400 && (dMu > 1e-10 || dK > 1e-10); it++) {
    const before = best.sse;
    for (const [m, k] of [[best.mu + dMu, best.k], [best.mu - dMu, best.k], [best.mu, best.k + dK], [best.mu, best.k - dK]]) consider(m, k);
    if (!(best.sse < before)) { dMu /= 2; dK /= 2; }
  }
  return [best.b, best.a, best.mu, best.k];
}

function shift(v: ArrayLike<number>, by: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] - by;
  return out;
}

export interface GaussianFit {
  baseline: number;
  amplitude: number;
  mu: number;
  /** Standard deviation σ (positive). */
  sigma: number;
  /** 2√(2 ln 2)·σ. */
  fwhm: number;
  r2: number;
  evaluate: (x: number) => number;
}

/** Least-squares Gaussian bump with baseline. */
export function fitGaussian(x: ArrayLike<number>, y: ArrayLike<number>, options: CurveFitOptions = {}): GaussianFit {
  checkCurve(x, y, 'fitGaussian');
  if (x.length < 4) throw new Error(`fitGaussian: need at least 4 points for 4 parameters, got ${x.length}`);
  let lo = Infinity;
  let iMax = 0;
  for (let i = 0; i < y.length; i++) {
    lo = Math.min(lo, y[i]);
    if (y[i] > y[iMax]) iMax = i;
  }
  // Initial width from the spread of the baseline-subtracted curve.
  let w = 0;
  let m1 = 0;
  let m2 = 0;
  for (let i = 0; i < y.length; i++) {
    const v = Math.max(y[i] - lo, 0);
    w += v;
    m1 += v * x[i];
    m2 += v * x[i] * x[i];
  }
  const sd0 = w > 0 ? Math.sqrt(Math.max(m2 / w - (m1 / w) ** 2, 1e-12)) : 1;
  const init = options.initial ?? [lo, y[iMax] - lo, x[iMax], sd0];
  const fn = ([b, a, mu, s]: number[]) => (t: number) => b + a * Math.exp(-((t - mu) ** 2) / (2 * s * s));
  const jac = ([, a, mu, s]: number[]) => (t: number) => {
    const e = Math.exp(-((t - mu) ** 2) / (2 * s * s));
    return [1, e, (a * e * (t - mu)) / (s * s), (a * e * (t - mu) ** 2) / (s * s * s)];
  };
  const [b, a, mu, s0] = runLm(x, y, fn, jac, init, options.maxIterations ?? 500, options);
  const sigma = Math.abs(s0);
  const evaluate = fn([b, a, mu, sigma]);
  return { baseline: b, amplitude: a, mu, sigma, fwhm: 2 * Math.sqrt(2 * Math.LN2) * sigma, r2: r2Of(x, y, evaluate), evaluate };
}
