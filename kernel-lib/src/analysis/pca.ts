/**
 * Principal component analysis of activity arrays shaped time × units (row-major, `shape = [T, N]`), matching
 * sklearn.decomposition.PCA (full SVD solver) up to the sign of each component.
 *
 * Components come from the eigen-decomposition of the N×N covariance (cheap when T ≫ N, the usual case for
 * rate-network trajectories; for T < N the null directions are arbitrary but carry zero variance); explained variances use the unbiased (T − 1) normalisation like sklearn.
 * With `zscore`, each unit is also divided by its standard deviation (ddof = 0, like sklearn's StandardScaler);
 * constant units are left unscaled rather than divided by zero.
 */
import { Dense2D, matmulNT } from './dense';
import { eigSymmetric } from './linalg';

export interface PcaOptions {
  /** Number of components kept (default: min(T, N)). */
  nComponents?: number;
  /** Divide each unit by its standard deviation before the fit (default false). */
  zscore?: boolean;
}

export interface PcaModel {
  nComponents: number;
  /** Per-unit mean subtracted before projection, length N. */
  mean: Float64Array;
  /** Per-unit scale divided after centring (all ones without z-scoring), length N. */
  scale: Float64Array;
  /** k×N, row c is component c (unit norm; sign: largest-magnitude loading positive). */
  components: Dense2D;
  /** Variance along each component (T − 1 normalisation), length k. */
  explainedVariance: Float64Array;
  /** Fraction of the total variance, length k. */
  explainedVarianceRatio: Float64Array;
}

function checkShape(X: Dense2D, where: string): [number, number] {
  const [T, N] = X.shape;
  if (X.data.length !== T * N) throw new Error(`${where}: data has ${X.data.length} elements, shape [${T}, ${N}] needs ${T * N}`);
  return [T, N];
}

export function pcaFit(X: Dense2D, options: PcaOptions = {}): PcaModel {
  const [T, N] = checkShape(X, 'pcaFit: X');
  if (T < 2) throw new Error(`pcaFit: X needs at least 2 time points (rows), got ${T}`);
  const kMax = Math.min(T, N);
  const k = options.nComponents ?? kMax;
  if (!Number.isInteger(k) || k < 1 || k > kMax) throw new Error(`pcaFit: nComponents must be an integer in 1..${kMax}, got ${k}`);
  const mean = new Float64Array(N);
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) mean[j] += X.data[t * N + j];
  for (let j = 0; j < N; j++) mean[j] /= T;
  const scale = new Float64Array(N).fill(1);
  if (options.zscore) {
    const v = new Float64Array(N);
    for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) v[j] += (X.data[t * N + j] - mean[j]) ** 2;
    for (let j = 0; j < N; j++) {
      const sd = Math.sqrt(v[j] / T);
      scale[j] = sd > 0 ? sd : 1;
    }
  }
  // Covariance Zᵀ Z / (T − 1) of the centred (scaled) data: Z is transposed (units × time) so the product runs on
  // the register-blocked row-dot kernel, computing only the upper triangle.
  const Zt = new Float64Array(N * T);
  for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) Zt[j * T + t] = (X.data[t * N + j] - mean[j]) / scale[j];
  const cov = matmulNT(Zt, Zt, N, T, N, undefined, true);
  for (let i = 0; i < N * N; i++) cov[i] /= T - 1;
  const e = eigSymmetric({ data: cov, shape: [N, N] });
  let total = 0;
  for (let i = 0; i < N; i++) total += cov[i * N + i];
  const components = new Float64Array(k * N);
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const src = N - 1 - c;
    // Rounding can make a null direction's eigenvalue slightly negative.
    explainedVariance[c] = Math.max(0, e.values[src]);
    explainedVarianceRatio[c] = total > 0 ? explainedVariance[c] / total : 0;
    let big = 0;
    for (let i = 0; i < N; i++) if (Math.abs(e.vectors.data[i * N + src]) > Math.abs(big)) big = e.vectors.data[i * N + src];
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < N; i++) components[c * N + i] = sign * e.vectors.data[i * N + src];
  }
  return { nComponents: k, mean, scale, components: { data: components, shape: [k, N] }, explainedVariance, explainedVarianceRatio };
}

/** Scores of X (T×N) on the model's components: T×k. */
export function pcaTransform(model: PcaModel, X: Dense2D): Dense2D {
  const [T, N] = checkShape(X, 'pcaTransform: X');
  if (N !== model.mean.length) throw new Error(`pcaTransform: X has ${N} units (columns), the model was fit on ${model.mean.length}`);
  const k = model.nComponents;
  const out = new Float64Array(T * k);
  const z = new Float64Array(N);
  const W = model.components.data;
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < N; j++) z[j] = (X.data[t * N + j] - model.mean[j]) / model.scale[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      const row = c * N;
      for (let j = 0; j < N; j++) s += W[row + j] * z[j];
      out[t * k + c] = s;
    }
  }
  return { data: out, shape: [T, k] };
}

/** Back to unit space: scores (T×k) → T×N (exact only when k = N). */
export function pcaInverseTransform(model: PcaModel, scores: Dense2D): Dense2D {
  const [T, k] = checkShape(scores, 'pcaInverseTransform: scores');
  if (k !== model.nComponents) throw new Error(`pcaInverseTransform: scores have ${k} columns, the model has ${model.nComponents} components`);
  const N = model.mean.length;
  const out = new Float64Array(T * N);
  const W = model.components.data;
  for (let t = 0; t < T; t++) {
    const o = t * N;
    for (let c = 0; c < k; c++) {
      const s = scores.data[t * k + c];
      const row = c * N;
      for (let j = 0; j < N; j++) out[o + j] += s * W[row + j];
    }
    for (let j = 0; j < N; j++) out[o + j] = out[o + j] * model.scale[j] + model.mean[j];
  }
  return { data: out, shape: [T, N] };
}

/** Stacks several time × units arrays (one per condition) along time; all must have the same unit count. */
export function concatTime(conditions: Dense2D[]): Dense2D {
  if (conditions.length === 0) throw new Error('concatTime: no conditions given');
  const N = conditions[0].shape[1];
  let T = 0;
  conditions.forEach((c, i) => {
    checkShape(c, `concatTime: conditions[${i}]`);
    if (c.shape[1] !== N) throw new Error(`concatTime: conditions[${i}] has ${c.shape[1]} units, conditions[0] has ${N}`);
    T += c.shape[0];
  });
  const data = new Float64Array(T * N);
  let off = 0;
  for (const c of conditions) {
    data.set(c.data, off);
    off += c.data.length;
  }
  return { data, shape: [T, N] };
}

/** Fits one PCA on all conditions concatenated in time and returns each condition's scores (T_c × k). */
export function pcaFitConditions(conditions: Dense2D[], options: PcaOptions = {}): { model: PcaModel; scores: Dense2D[] } {
  const model = pcaFit(concatTime(conditions), options);
  return { model, scores: conditions.map((c) => pcaTransform(model, c)) };
}
