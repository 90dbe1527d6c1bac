/**
 * Correlation with two-sided p-values (scipy.stats.pearsonr / spearmanr), ranks with average ties
 * (scipy.stats.rankdata), and cosine-similarity matrices.
 */
import { Dense2D } from './dense';
import { incompleteBeta, studentTTwoSided } from './special-functions';

export interface Correlation {
  /** Correlation coefficient in [−1, 1]. */
  r: number;
  /** Two-sided p-value for the null hypothesis of no correlation. */
  p: number;
  /** Number of pairs. */
  n: number;
}

function checkPairs(x: ArrayLike<number>, y: ArrayLike<number>, where: string): number {
  if (x.length !== y.length) throw new Error(`${where}: x and y must have the same length, got ${x.length} and ${y.length}`);
  if (x.length < 2) throw new Error(`${where}: need at least 2 pairs, got ${x.length}`);
  return x.length;
}

/** Means and centred sums of squares and products of paired samples: what Pearson's r and a line fit share. */
export function centredMoments(x: ArrayLike<number>, y: ArrayLike<number>): { mx: number; my: number; sxx: number; sxy: number; syy: number } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return { mx, my, sxx, sxy, syy };
}

function pearsonR(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const { sxx, sxy, syy } = centredMoments(x, y);
  if (sxx === 0 || syy === 0) return NaN; // a constant input: correlation undefined (scipy warns and returns nan)
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Pearson's r; p from the exact null distribution of r for normal data (a Beta(n/2−1, n/2−1) on [−1, 1]). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const n = checkPairs(x, y, 'pearson');
  const r = pearsonR(x, y);
  if (n === 2) return { r, p: 1, n };
  if (Number.isNaN(r)) return { r, p: NaN, n };
  // P(|R| ≥ |r|) = I_{1−r²}((n−2)/2, 1/2), the same as the t-test with n − 2 degrees of freedom.
  const ab = n / 2 - 1;
  const p = Math.abs(r) === 1 ? 0 : incompleteBeta(1 - r * r, ab, 0.5);
  return { r, p, n };
}

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata, method 'average'). */
export function rankData(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]] === x[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's ρ (Pearson on average ranks); p from the t approximation with n − 2 df, like scipy. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const n = checkPairs(x, y, 'spearman');
  const r = pearsonR(rankData(x), rankData(y));
  if (Number.isNaN(r)) return { r, p: NaN, n };
  const df = n - 2;
  if (df <= 0) return { r, p: NaN, n };
  if (Math.abs(r) === 1) return { r, p: 0, n };
  const t = r * Math.sqrt(df / ((r + 1) * (1 - r)));
  return { r, p: studentTTwoSided(t, df), n };
}

/**
 * Cosine similarity between the rows of X (m×d) and the rows of Y (k×d, default X): an m×k matrix
 * (sklearn.metrics.pairwise.cosine_similarity). A zero row has similarity 0 with everything.
 */
export function cosineSimilarityMatrix(X: Dense2D, Y: Dense2D = X): Dense2D {
  const [m, d] = X.shape;
  const [k, d2] = Y.shape;
  if (d !== d2) throw new Error(`cosineSimilarityMatrix: X has ${d} columns and Y has ${d2}`);
  const norms = (A: Dense2D, rows: number) => {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A.data[i * d + j] ** 2;
      out[i] = Math.sqrt(s);
    }
    return out;
  };
  const nx = norms(X, m);
  const ny = Y === X ? nx : norms(Y, k);
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let l = 0; l < d; l++) s += X.data[i * d + l] * Y.data[j * d + l];
      const den = nx[i] * ny[j];
      out[i * k + j] = den > 0 ? s / den : 0;
    }
  }
  return { data: out, shape: [m, k] };
}
