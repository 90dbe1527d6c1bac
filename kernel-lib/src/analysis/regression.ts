/**
 * Simple linear regression (scipy.stats.linregress), the coefficient of determination (sklearn r2_score), and
 * binned mean ± SEM.
 */
import { centredMoments } from './correlation';
import { studentTTwoSided } from './special-functions';

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Pearson correlation of x and y. */
  r: number;
  /** Two-sided p-value for slope = 0 (t-test, n − 2 df). */
  p: number;
  /** Standard error of the slope and of the intercept. */
  slopeStderr: number;
  interceptStderr: number;
}

/** Least-squares line y ≈ slope·x + intercept. */
export function linearRegression(x: ArrayLike<number>, y: ArrayLike<number>): LinearFit {
  const n = x.length;
  if (n !== y.length) throw new Error(`linearRegression: x and y must have the same length, got ${n} and ${y.length}`);
  if (n < 2) throw new Error(`linearRegression: need at least 2 points, got ${n}`);
  const { mx, my, sxx, sxy, syy } = centredMoments(x, y);
  if (sxx === 0) throw new Error('linearRegression: all x values are identical, the slope is undefined');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r = syy === 0 ? 0 : Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  const df = n - 2;
  let p = NaN;
  let slopeStderr = NaN;
  if (df > 0) {
    // scipy's formulas: t = r √(df / ((1 − r)(1 + r))), stderr = √((1 − r²) syy / sxx / df).
    slopeStderr = Math.sqrt(((1 - r * r) * syy) / sxx / df);
    p = Math.abs(r) === 1 ? 0 : studentTTwoSided(r * Math.sqrt(df / ((1 - r) * (1 + r))), df);
  } else {
    p = 1;
    slopeStderr = 0;
  }
  let sx2 = 0;
  for (let i = 0; i < n; i++) sx2 += x[i] * x[i];
  const interceptStderr = slopeStderr * Math.sqrt(sx2 / n);
  return { slope, intercept, r, p, slopeStderr, interceptStderr };
}

/** Coefficient of determination 1 − SS_res / SS_tot (sklearn.metrics.r2_score; 1 for a perfect fit of constant data, 0 otherwise). */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = yTrue.length;
  if (n !== yPred.length) throw new Error(`r2Score: yTrue and yPred must have the same length, got ${n} and ${yPred.length}`);
  if (n < 2) throw new Error(`r2Score: need at least 2 samples, got ${n}`);
  let m = 0;
  for (let i = 0; i < n; i++) m += yTrue[i];
  m /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (yTrue[i] - yPred[i]) ** 2;
    ssTot += (yTrue[i] - m) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

export interface BinnedStats {
  /** Bin edges, length nBins + 1. */
  edges: Float64Array;
  centers: Float64Array;
  /** Mean of y in each bin (NaN when empty). */
  mean: Float64Array;
  /** Standard error of the mean, std(ddof = 1)/√n (NaN with fewer than 2 samples), like scipy.stats.sem. */
  sem: Float64Array;
  count: Int32Array;
}

/**
 * Mean ± SEM of y within bins of x. `bins` is a bin count (equal widths over [min x, max x]) or explicit ascending
 * edges. Bins are half-open [e_i, e_{i+1}) except the last, which includes its right edge (numpy.histogram).
 * Points outside the edges are ignored.
 */
export function binnedMeanSem(x: ArrayLike<number>, y: ArrayLike<number>, bins: number | ArrayLike<number>): BinnedStats {
  if (x.length !== y.length) throw new Error(`binnedMeanSem: x and y must have the same length, got ${x.length} and ${y.length}`);
  let edges: Float64Array;
  if (typeof bins === 'number') {
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`binnedMeanSem: bins must be a positive integer, got ${bins}`);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    if (!Number.isFinite(lo)) throw new Error('binnedMeanSem: x is empty');
    if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    edges = new Float64Array(bins + 1);
    for (let i = 0; i <= bins; i++) edges[i] = lo + ((hi - lo) * i) / bins;
  } else {
    edges = Float64Array.from(bins);
    for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw new Error(`binnedMeanSem: edges must increase, edges[${i}] = ${edges[i]}`);
    if (edges.length < 2) throw new Error('binnedMeanSem: need at least 2 edges');
  }
  const nb = edges.length - 1;
  const sum = new Float64Array(nb);
  const count = new Int32Array(nb);
  const which = new Int32Array(x.length).fill(-1);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= edges[0] && v <= edges[nb])) continue;
    // Binary search for the last edge ≤ v.
    let lo = 0;
    let hi = nb;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid;
    }
    which[i] = lo;
    sum[lo] += y[i];
    count[lo]++;
  }
  const mean = new Float64Array(nb);
  for (let b = 0; b < nb; b++) mean[b] = count[b] > 0 ? sum[b] / count[b] : NaN;
  const ss = new Float64Array(nb);
  for (let i = 0; i < x.length; i++) if (which[i] >= 0) ss[which[i]] += (y[i] - mean[which[i]]) ** 2;
  const sem = new Float64Array(nb);
  for (let b = 0; b < nb; b++) sem[b] = count[b] > 1 ? Math.sqrt(ss[b] / (count[b] - 1)) / Math.sqrt(count[b]) : NaN;
  const centers = new Float64Array(nb);
  for (let b = 0; b < nb; b++) centers[b] = 0.5 * (edges[b] + edges[b + 1]);
  return { edges, centers, mean, sem, count };
}
