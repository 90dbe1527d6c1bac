/**
 * Plasticity of the E/I assemblies model: the paper's local rules, the full steady-state gradient (for the
 * GRADIENT rule and the angle diagnostic) and the simulator's Adam variant.
 *
 * Loss per stimulus: L = ½‖h_E − ρ0‖², error e = h_E − ρ0 (unrectified). Parameters are v with
 * w = softplus_α(v)·mask, so every update carries the factor dw/dv = logistic(α v). The vectors returned below
 * are descent directions, −∂L/∂v, as in the paper (the I→E update increases W_EI where e_i > 0).
 *
 * Local rules (η, decay λ):
 *   Δv_EI[i,j] = η (e_i r_I,j σ(α_EI v_EI[i,j]) − λ W_EI[i,j])
 *   δ_I = (W_IE e) ⊙ σ(h_I)                      ("anterograde": the error is fed forward through W_IE)
 *   Δv_IE[k,j] = η (δ_I,k r_E,j σ(α_IE v_IE[k,j]) − λ W_IE[k,j]);  then each W_IE row rescaled to totalIE
 * or, with params.localRuleIE = 'RETROGRADE', δ_I = (W_EIᵀ e) ⊙ σ(h_I) and no row rescaling (see EILocalRuleIE).
 * Every entry of v is updated (as in the simulator); the mask keeps unconnected weights at zero.
 *
 * Full gradient (linearised steady state): D_E = diag φ'(h_E), D_I = diag φ'(h_I), M = (I + W_II D_I)⁻¹,
 *   ẽᵀ = eᵀ (I − W_EE D_E + W_EI D_I M W_IE D_E)⁻¹
 *   −∂L/∂v_EI = (ẽ ⊗ r_I) ⊙ σ(α_EI v_EI),   −∂L/∂v_IE = ((ẽᵀ W_EI D_I M) ⊗ r_E) ⊙ σ(α_IE v_IE).
 * φ' choice: the rate nonlinearity clip(h, 0, rMax) has a step-function derivative; the paper's simulator
 * uses the smooth surrogate φ'(h) = logistic(h) (its `nonlinearity_derivative(h, 1)`), both in D_E/D_I and in
 * δ_I of the local rule. 'logistic' (default) reproduces that; 'step' gives the exact derivative of the
 * piecewise-linear steady state (used by the finite-difference test).
 */
import { EINetwork, logistic, softplus } from './network';
import { EILocalRuleIE } from './params';

/** Steady state the updates are computed from. */
export interface EIState {
  hE: Float64Array;
  rE: Float64Array;
  hI: Float64Array;
  rI: Float64Array;
}

export type EIDerivativeSurrogate = 'logistic' | 'step';

/** Which pathways an update touches, with their learning rates (0 = frozen). */
export interface EIUpdateRates {
  etaEI: number;
  etaIE: number;
}

/** Descent directions of the local rules before decay and η: [nE×nI] and [nI×nE]. */
export interface EIDirections {
  dirEI: Float64Array;
  dirIE: Float64Array;
}

/** The local ("approximate") update directions, before weight decay and learning rate. */
export function localDirections(net: EINetwork, st: EIState, out?: EIDirections): EIDirections {
  const { nE, nI, vEI, alphaEI } = net;
  const rho0 = net.params.rho0;
  const dirEI = out?.dirEI ?? new Float64Array(nE * nI);
  for (let i = 0; i < nE; i++) {
    const e = st.hE[i] - rho0;
    const o = i * nI;
    for (let j = 0; j < nI; j++) dirEI[o + j] = e * st.rI[j] * logistic(alphaEI * vEI[o + j]);
  }
  const dirIE = localDirectionIE(net, st, net.params.localRuleIE, out?.dirIE);
  return { dirEI, dirIE };
}

/**
 * The local E→I direction [nI×nE] for either error path (independent of params.localRuleIE, so that the angle
 * diagnostic can compare both): δ_I,k = (P e)_k σ(h_I,k) with P = W_IE (ANTEROGRADE) or W_EIᵀ (RETROGRADE),
 * then δ_I,k r_E,j σ(α_IE v_IE[k,j]).
 */
export function localDirectionIE(net: EINetwork, st: EIState, path: EILocalRuleIE, out?: Float64Array): Float64Array {
  const { nE, nI, wIE, wEI, vIE, alphaIE } = net;
  const rho0 = net.params.rho0;
  const dirIE = out ?? new Float64Array(nI * nE);
  for (let k = 0; k < nI; k++) {
    const o = k * nE;
    let fed = 0;
    if (path === 'ANTEROGRADE') for (let j = 0; j < nE; j++) fed += wIE[o + j] * (st.hE[j] - rho0);
    else for (let i = 0; i < nE; i++) fed += wEI[i * nI + k] * (st.hE[i] - rho0);
    const delta = fed * logistic(st.hI[k]);
    for (let j = 0; j < nE; j++) dirIE[o + j] = delta * st.rE[j] * logistic(alphaIE * vIE[o + j]);
  }
  return dirIE;
}

/** w = min(softplus_α(v), wMax) · mask for a whole pathway. */
export function weightsFromParams(v: Float64Array, z: Uint8Array, alpha: number, wMax: number, w: Float64Array): void {
  for (let i = 0; i < v.length; i++) w[i] = z[i] ? Math.min(softplus(v[i], alpha), wMax) : 0;
}

/** Rescale each row of W_IE (nI × nE) to sum to `total` (rows summing to 0 are left alone). */
export function normaliseRows(w: Float64Array, rows: number, cols: number, total: number): void {
  for (let k = 0; k < rows; k++) {
    const o = k * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += w[o + j];
    if (s > 0) {
      const f = total / s;
      for (let j = 0; j < cols; j++) w[o + j] *= f;
    }
  }
}

/**
 * Apply the paper's local update for one converged stimulus, in place. `dirs` are the directions from
 * `localDirections` (computed from the pre-update weights, both pathways from the same state).
 */
export function applyLocalUpdate(net: EINetwork, dirs: EIDirections, rates: EIUpdateRates): void {
  const p = net.params;
  if (rates.etaIE > 0) {
    const { vIE, wIE } = net;
    const eta = rates.etaIE;
    const lambda = p.decayIE;
    for (let i = 0; i < vIE.length; i++) vIE[i] += eta * (dirs.dirIE[i] - lambda * wIE[i]);
    weightsFromParams(vIE, net.zIE, net.alphaIE, net.wMaxIE, wIE);
    if (p.localRuleIE === 'ANTEROGRADE') normaliseRows(wIE, net.nI, net.nE, p.totalIE);
  }
  if (rates.etaEI > 0) {
    const { vEI, wEI } = net;
    const eta = rates.etaEI;
    const lambda = p.decayEI;
    for (let i = 0; i < vEI.length; i++) vEI[i] += eta * (dirs.dirEI[i] - lambda * wEI[i]);
    weightsFromParams(vEI, net.zEI, net.alphaEI, net.wMaxEI, wEI);
  }
}

/** Full-gradient descent directions −∂L/∂v_EI [nE×nI] and −∂L/∂v_IE [nI×nE], plus the back-propagated error ẽ. */
export interface EIGradient {
  gradEI: Float64Array;
  gradIE: Float64Array;
  eTilde: Float64Array;
}

/**
 * Solve A x = b in place for a dense row-major n×n matrix (LU with partial pivoting; A and b are overwritten,
 * x is returned in b). Throws on a singular matrix.
 */
export function solveDense(a: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let c = 0; c < n; c++) {
    let piv = c;
    let best = Math.abs(a[c * n + c]);
    for (let r = c + 1; r < n; r++) {
      const v = Math.abs(a[r * n + c]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > 0)) throw new Error(`solveDense: matrix is singular (column ${c} of ${n})`);
    if (piv !== c) {
      const oc = c * n;
      const op = piv * n;
      for (let k = 0; k < n; k++) {
        const t = a[oc + k];
        a[oc + k] = a[op + k];
        a[op + k] = t;
      }
      const t = b[c];
      b[c] = b[piv];
      b[piv] = t;
    }
    const oc = c * n;
    const inv = 1 / a[oc + c];
    for (let r = c + 1; r < n; r++) {
      const or = r * n;
      const f = a[or + c] * inv;
      if (f === 0) continue;
      a[or + c] = f;
      for (let k = c + 1; k < n; k++) a[or + k] -= f * a[oc + k];
      b[r] -= f * b[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    const or = r * n;
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= a[or + k] * b[k];
    b[r] = s / a[or + r];
  }
  return b;
}

function derivative(h: number, surrogate: EIDerivativeSurrogate, rMax: number): number {
  return surrogate === 'logistic' ? logistic(h) : h > 0 && h < rMax ? 1 : 0;
}

/** The full steady-state gradient (see the module comment). Costs one dense nE×nE solve. */
export function fullGradient(net: EINetwork, st: EIState, surrogate: EIDerivativeSurrogate = 'logistic'): EIGradient {
  const { nE, nI, wEE, wEI, wIE, wII, vEI, vIE, alphaEI, alphaIE } = net;
  const { rho0, rMax } = net.params;
  const dE = new Float64Array(nE);
  const dI = new Float64Array(nI);
  for (let i = 0; i < nE; i++) dE[i] = derivative(st.hE[i], surrogate, rMax);
  for (let k = 0; k < nI; k++) dI[k] = derivative(st.hI[k], surrogate, rMax);

  // B = W_EI D_I M with M = (I + W_II D_I)⁻¹ (nI×nI, small: inverted column by column).
  const minv = new Float64Array(nI * nI);
  {
    const m = new Float64Array(nI * nI);
    for (let a = 0; a < nI; a++) {
      const col = new Float64Array(nI);
      col[a] = 1;
      for (let r = 0; r < nI; r++) for (let c = 0; c < nI; c++) m[r * nI + c] = (r === c ? 1 : 0) + wII[r * nI + c] * dI[c];
      solveDense(m, nI, col);
      for (let r = 0; r < nI; r++) minv[r * nI + a] = col[r];
    }
  }
  const b = new Float64Array(nE * nI);
  for (let i = 0; i < nE; i++) {
    const o = i * nI;
    for (let c = 0; c < nI; c++) {
      const w = wEI[o + c] * dI[c];
      if (w === 0) continue;
      const om = c * nI;
      for (let k = 0; k < nI; k++) b[o + k] += w * minv[om + k];
    }
  }
  // Aᵀ with A = I − W_EE D_E + B W_IE D_E; we need ẽ = A⁻ᵀ e.
  const at = new Float64Array(nE * nE);
  for (let i = 0; i < nE; i++) {
    const oi = i * nE;
    // row i of B W_IE
    const row = new Float64Array(nE);
    for (let k = 0; k < nI; k++) {
      const bk = b[i * nI + k];
      if (bk === 0) continue;
      const ok = k * nE;
      for (let j = 0; j < nE; j++) row[j] += bk * wIE[ok + j];
    }
    for (let j = 0; j < nE; j++) {
      at[j * nE + i] = (i === j ? 1 : 0) + (row[j] - wEE[oi + j]) * dE[j];
    }
  }
  const eTilde = new Float64Array(nE);
  for (let i = 0; i < nE; i++) eTilde[i] = st.hE[i] - rho0;
  solveDense(at, nE, eTilde);

  const gradEI = new Float64Array(nE * nI);
  for (let i = 0; i < nE; i++) {
    const o = i * nI;
    for (let j = 0; j < nI; j++) gradEI[o + j] = eTilde[i] * st.rI[j] * logistic(alphaEI * vEI[o + j]);
  }
  const u = new Float64Array(nI);
  for (let i = 0; i < nE; i++) {
    const ei = eTilde[i];
    const o = i * nI;
    for (let k = 0; k < nI; k++) u[k] += ei * b[o + k];
  }
  const gradIE = new Float64Array(nI * nE);
  for (let k = 0; k < nI; k++) {
    const o = k * nE;
    for (let j = 0; j < nE; j++) gradIE[o + j] = u[k] * st.rE[j] * logistic(alphaIE * vIE[o + j]);
  }
  return { gradEI, gradIE, eTilde };
}

/** Angle (radians) between two flattened arrays; NaN if either is zero. */
export function angleBetween(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (!(aa > 0 && bb > 0)) return NaN;
  return Math.acos(Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb))));
}

/** Adam moments of one pathway. */
export interface AdamMoments {
  m: Float64Array;
  v: Float64Array;
}

/**
 * The simulator's Adam step on v, then w = softplus(v)·mask. Note its bias correction divides by the constant
 * (1 − β) rather than (1 − βᵗ): m̂ = m/(1 − β1), v̂ = v/(1 − β2). Reproduced as published.
 */
export function adamStep(
  grad: Float64Array,
  v: Float64Array,
  w: Float64Array,
  moments: AdamMoments,
  eta: number,
  decay: number,
  b1: number,
  b2: number,
  eps: number,
): void {
  const { m, v: s } = moments;
  for (let i = 0; i < v.length; i++) {
    const g = grad[i] - decay * w[i];
    m[i] = b1 * m[i] + (1 - b1) * g;
    s[i] = b2 * s[i] + (1 - b2) * g * g;
    const mHat = m[i] / (1 - b1);
    const sHat = s[i] / (1 - b2);
    v[i] += (eta / (Math.sqrt(sHat) + eps)) * mHat;
  }
}
