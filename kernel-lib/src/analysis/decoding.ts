/**
 * Linear decoding of population activity: shrinkage LDA (the same estimator as scikit-learn's
 * `LinearDiscriminantAnalysis(solver='lsqr', shrinkage=λ)`) and cross-validated accuracy over given folds.
 *
 * LDA here: class means μ_k, priors π_k = class frequencies, a pooled covariance Σ = Σ_k π_k S_k with S_k the
 * biased (÷ n_k) covariance of class k, shrunk as (1 − λ)Σ + λ·(tr Σ / p)·I; then w_k = Σ⁻¹μ_k,
 * b_k = −½ μ_kᵀ w_k + log π_k, and a sample goes to argmax_k (w_kᵀx + b_k). Samples are rows of a Dense2D.
 */
import { Dense2D, matmulNT } from './dense';

export interface LdaOptions {
  /** λ in [0, 1]. Default 0.1 (0 needs a full-rank covariance). */
  shrinkage?: number;
}

export interface LdaModel {
  /** Class labels, sorted. */
  classes: number[];
  /** One row w_k per class, [K, p]. */
  coef: Dense2D;
  intercept: Float64Array;
}

/** Solve S X = B for symmetric positive definite S (p×p) and k right-hand sides (B is p×k, row-major). */
function choleskySolve(S: Float64Array, B: Float64Array, p: number, k: number): Float64Array {
  const L = Float64Array.from(S);
  for (let j = 0; j < p; j++) {
    let d = L[j * p + j];
    for (let l = 0; l < j; l++) d -= L[j * p + l] * L[j * p + l];
    if (!(d > 0)) throw new Error(`ldaFit: the covariance is not positive definite (pivot ${j} = ${d}); use a shrinkage > 0`);
    const djj = Math.sqrt(d);
    L[j * p + j] = djj;
    for (let i = j + 1; i < p; i++) {
      let s = L[i * p + j];
      for (let l = 0; l < j; l++) s -= L[i * p + l] * L[j * p + l];
      L[i * p + j] = s / djj;
    }
  }
  const X = Float64Array.from(B);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < p; i++) {
      let s = X[i * k + c];
      for (let l = 0; l < i; l++) s -= L[i * p + l] * X[l * k + c];
      X[i * k + c] = s / L[i * p + i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = X[i * k + c];
      for (let l = i + 1; l < p; l++) s -= L[l * p + i] * X[l * k + c];
      X[i * k + c] = s / L[i * p + i];
    }
  }
  return X;
}

/** Fit shrinkage LDA to samples X [n, p] with integer labels y. */
export function ldaFit(X: Dense2D, y: ArrayLike<number>, opts: LdaOptions = {}): LdaModel {
  const [n, p] = X.shape;
  if (y.length !== n) throw new Error(`ldaFit: ${n} samples but ${y.length} labels`);
  const lam = opts.shrinkage ?? 0.1;
  if (!(lam >= 0 && lam <= 1)) throw new Error(`ldaFit: shrinkage must be in [0, 1], got ${lam}`);
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  if (classes.length < 2) throw new Error(`ldaFit: needs at least two classes, got ${classes.length}`);
  const K = classes.length;
  const idx = new Map(classes.map((c, k) => [c, k]));
  const counts = new Float64Array(K);
  const means = new Float64Array(K * p);
  for (let i = 0; i < n; i++) {
    const k = idx.get(y[i])!;
    counts[k]++;
    for (let j = 0; j < p; j++) means[k * p + j] += X.data[i * p + j];
  }
  for (let k = 0; k < K; k++) for (let j = 0; j < p; j++) means[k * p + j] /= counts[k];
  // Σ_k π_k S_k = (1/n) Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ: one product of the centred samples (transposed).
  const Ct = new Float64Array(p * n);
  for (let i = 0; i < n; i++) {
    const k = idx.get(y[i])!;
    for (let j = 0; j < p; j++) Ct[j * n + i] = X.data[i * p + j] - means[k * p + j];
  }
  const S = matmulNT(Ct, Ct, p, n, p, new Float64Array(p * p), true);
  let tr = 0;
  for (let j = 0; j < p; j++) tr += S[j * p + j] / n;
  const mu = tr / p;
  for (let a = 0; a < p * p; a++) S[a] = ((1 - lam) * S[a]) / n;
  for (let j = 0; j < p; j++) S[j * p + j] += lam * mu;
  const B = new Float64Array(p * K);
  for (let k = 0; k < K; k++) for (let j = 0; j < p; j++) B[j * K + k] = means[k * p + j];
  const W = choleskySolve(S, B, p, K);
  const coef = new Float64Array(K * p);
  const intercept = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let q = 0;
    for (let j = 0; j < p; j++) { coef[k * p + j] = W[j * K + k]; q += means[k * p + j] * W[j * K + k]; }
    intercept[k] = -0.5 * q + Math.log(counts[k] / n);
  }
  return { classes, coef: { data: coef, shape: [K, p] }, intercept };
}

/** Predicted class label of each row of X. */
export function ldaPredict(model: LdaModel, X: Dense2D): Float64Array {
  const [n, p] = X.shape;
  const [K, pc] = model.coef.shape;
  if (p !== pc) throw new Error(`ldaPredict: samples have ${p} features, the model ${pc}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity, arg = 0;
    for (let k = 0; k < K; k++) {
      let s = model.intercept[k];
      for (let j = 0; j < p; j++) s += model.coef.data[k * p + j] * X.data[i * p + j];
      if (s > best) { best = s; arg = k; }
    }
    out[i] = model.classes[arg];
  }
  return out;
}

export interface CrossValidation {
  /** Fraction of held-out samples classified correctly, over all folds. */
  accuracy: number;
  /** Accuracy per fold, in fold-id order. */
  foldAccuracy: number[];
  /** Held-out prediction of every sample. */
  predictions: Float64Array;
  /** Chance level: the largest class fraction. */
  chance: number;
}

function rowsOf(X: Dense2D, rows: number[]): Dense2D {
  const p = X.shape[1];
  const data = new Float64Array(rows.length * p);
  rows.forEach((r, i) => data.set(X.data.subarray(r * p, (r + 1) * p), i * p));
  return { data, shape: [rows.length, p] };
}

/**
 * Cross-validated LDA accuracy: for each distinct fold id, fit on the other folds and predict this one.
 * Folds decide what generalisation is measured (e.g. leave-one-condition-out, or blocks of time bins).
 */
export function crossValidatedAccuracy(X: Dense2D, y: ArrayLike<number>, folds: ArrayLike<number>, opts: LdaOptions = {}): CrossValidation {
  const n = X.shape[0];
  if (y.length !== n || folds.length !== n) throw new Error(`crossValidatedAccuracy: ${n} samples, ${y.length} labels, ${folds.length} fold ids`);
  const ids = [...new Set(Array.from(folds))].sort((a, b) => a - b);
  if (ids.length < 2) throw new Error('crossValidatedAccuracy: needs at least two folds');
  const predictions = new Float64Array(n);
  const foldAccuracy: number[] = [];
  let correct = 0;
  for (const f of ids) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < n; i++) (folds[i] === f ? test : train).push(i);
    const m = ldaFit(rowsOf(X, train), train.map((i) => y[i]), opts);
    const pred = ldaPredict(m, rowsOf(X, test));
    let c = 0;
    test.forEach((i, k) => { predictions[i] = pred[k]; if (pred[k] === y[i]) c++; });
    foldAccuracy.push(c / test.length);
    correct += c;
  }
  const freq = new Map<number, number>();
  for (let i = 0; i < n; i++) freq.set(y[i], (freq.get(y[i]) ?? 0) + 1);
  return { accuracy: correct / n, foldAccuracy, predictions, chance: Math.max(...freq.values()) / n };
}
