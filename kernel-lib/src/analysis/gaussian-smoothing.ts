/**
 * Gaussian smoothing matching scipy.ndimage.gaussian_filter1d (order 0): a normalised kernel of radius
 * round(truncate·σ) (default truncate 4), correlated with the signal extended by the boundary mode
 * (default 'reflect': d c b a | a b c d | d c b a, i.e. half-sample symmetric).
 */
import { Dense2D } from './dense';
import { applyAlongAxis } from './iir-filter';

export type BoundaryMode = 'reflect' | 'mirror' | 'nearest' | 'wrap' | 'constant';

export interface GaussianOptions {
  /** Boundary extension (default 'reflect', like scipy). */
  mode?: BoundaryMode;
  /** Value outside the signal for mode 'constant' (default 0). */
  cval?: number;
  /** Kernel radius in standard deviations (default 4). */
  truncate?: number;
}

/** The normalised sampled Gaussian of width σ and radius `radius` (length 2·radius + 1). */
export function gaussianKernel(sigma: number, radius: number): Float64Array {
  const w = new Float64Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) {
    w[i + radius] = Math.exp((-0.5 / (sigma * sigma)) * i * i);
    s += w[i + radius];
  }
  for (let i = 0; i < w.length; i++) w[i] /= s;
  return w;
}

/** Maps an out-of-range index into 0..n−1 (or −1 for 'constant'). */
function boundaryIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': {
      const p = 2 * n;
      let k = ((i % p) + p) % p;
      if (k >= n) k = p - 1 - k;
      return k;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      let k = ((i % p) + p) % p;
      if (k >= n) k = p - k;
      return k;
    }
  }
}

export function gaussianFilter1d(x: ArrayLike<number>, sigma: number, options: GaussianOptions = {}): Float64Array {
  if (!(sigma > 0)) throw new Error(`gaussianFilter1d: sigma must be > 0, got ${sigma}`);
  const mode = options.mode ?? 'reflect';
  const cval = options.cval ?? 0;
  const radius = Math.floor((options.truncate ?? 4) * sigma + 0.5);
  const w = gaussianKernel(sigma, radius);
  const n = x.length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    if (t - radius >= 0 && t + radius < n) {
      for (let k = -radius; k <= radius; k++) s += w[k + radius] * x[t + k];
    } else {
      for (let k = -radius; k <= radius; k++) {
        const j = boundaryIndex(t + k, n, mode);
        s += w[k + radius] * (j < 0 ? cval : x[j]);
      }
    }
    out[t] = s;
  }
  return out;
}

/** gaussianFilter1d along an axis of a 2-D array (axis 0: smooth each unit over time for time × units data). */
export function gaussianFilterAlong(X: Dense2D, sigma: number, axis: 0 | 1 = 0, options: GaussianOptions = {}): Dense2D {
  return applyAlongAxis(X, axis, (v) => gaussianFilter1d(v, sigma, options));
}
