/**
 * Construction of the E/I assemblies network: afferent tuning, the fixed E→E matrix built from afferent
 * correlations, the random lognormal E↔I and I→I pathways, and the softplus parametrisation of the plastic
 * weights. All matrices are row-major Float64Array, rows = postsynaptic units:
 *   wEE [nE×nE] (E←E), wEI [nE×nI] (E←I, the "I→E" pathway), wIE [nI×nE] (I←E, "E→I"), wII [nI×nI].
 *
 * Conventions taken from the paper's Methods / public simulator (facts, not code):
 * - afferent tuning per axis g = exp(κ(cos(loc − pref) − 1)), min–max normalised over the whole
 *   (unit × stimulus value) grid of that axis; input = peak · Π_d g_d + background;
 * - E unit order follows numpy's `meshgrid` ('xy' indexing: the first two axes swapped), so unit n has
 *   preferred values (pref[digit 1], pref[digit 0], pref[digit 2], …) of its base-nPerAxis digits;
 * - lognormal weights with mean total/k (log-mean log(j) − σ²/2), exactly k = round(p·nPre) partners;
 * - plastic weights w = softplus_α(v) = log(1 + e^{αv})/α with α = 0.05 / mean weight, v initialised to the
 *   inverse softplus of the initial weights (0 where unconnected); the mask keeps unconnected weights at 0.
 */
import { rng, Rng } from '../../random';
import { EIAssembliesParams, eiAssembliesParams, eiSizes } from './params';

export interface EINetwork {
  params: EIAssembliesParams;
  nE: number;
  nI: number;
  nStim: number;
  /** Stimulus values per axis, [nStimuli]. */
  locations: Float64Array;
  /** Preferred value of each E unit on each axis, [nE × nDims]. */
  stimulusPref: Float64Array;
  /** Afferent input to each E unit for each stimulus, [nStim × nE]; stimulus s has axis digits of s (C order). */
  afferents: Float64Array;
  wEE: Float64Array;
  wEI: Float64Array;
  wIE: Float64Array;
  wII: Float64Array;
  /** Softplus parameters of the plastic pathways (updated for every entry, as in the simulator). */
  vEI: Float64Array;
  vIE: Float64Array;
  /** Connection masks (1 = synapse exists), fixed forever. */
  zEI: Uint8Array;
  zIE: Uint8Array;
  zII: Uint8Array;
  alphaEI: number;
  alphaIE: number;
  /** Weight caps (wMaxFactor · mean weight). */
  wMaxEI: number;
  wMaxIE: number;
  /** Copies of the initial plastic weights. */
  wEIInit: Float64Array;
  wIEInit: Float64Array;
}

/** numpy's round (half to even), so partner counts match `np.round(p * n)`. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** softplus_α(v) = log(1 + e^{αv}) / α, evaluated without overflow. */
export function softplus(v: number, alpha: number): number {
  const x = alpha * v;
  return (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))) / alpha;
}

/** Inverse of `softplus` for w > 0. */
export function softplusInverse(w: number, alpha: number): number {
  const x = alpha * w;
  return (x > 30 ? x + Math.log1p(-Math.exp(-x)) : Math.log(Math.expm1(x))) / alpha;
}

/** Logistic function, the derivative of softplus_α at v is logistic(α v). */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x); // one exp: V8 does not merge repeated Math.exp calls
  return e / (1 + e);
}

/** Afferent input [nStim × nE] and the E units' preferred values, for a given concentration κ. */
export function makeAfferents(
  p: EIAssembliesParams,
  kappa: number,
): { afferents: Float64Array; stimulusPref: Float64Array; locations: Float64Array } {
  const { nE, nStim } = eiSizes(p);
  const A = p.nPerAxis;
  const S = p.nStimuli;
  const D = p.nDims;
  const locations = new Float64Array(S);
  for (let q = 0; q < S; q++) locations[q] = -Math.PI + (2 * Math.PI * q) / S;
  const prefValues = new Float64Array(A);
  for (let a = 0; a < A; a++) prefValues[a] = -Math.PI + (2 * Math.PI * a) / A;

  const stimulusPref = new Float64Array(nE * D);
  const digits = new Int32Array(D);
  for (let n = 0; n < nE; n++) {
    let m = n;
    for (let d = D - 1; d >= 0; d--) {
      digits[d] = m % A;
      m = Math.floor(m / A);
    }
    for (let d = 0; d < D; d++) {
      // numpy meshgrid 'xy' indexing swaps the first two axes of the grid.
      const src = D >= 2 && d < 2 ? 1 - d : d;
      stimulusPref[n * D + d] = prefValues[digits[src]];
    }
  }

  // Per-axis tuning g_d[n, q], min–max normalised over the whole (unit, value) grid of that axis.
  const g: Float64Array[] = [];
  for (let d = 0; d < D; d++) {
    const gd = new Float64Array(nE * S);
    let lo = Infinity;
    let hi = -Infinity;
    for (let n = 0; n < nE; n++) {
      const pref = stimulusPref[n * D + d];
      for (let q = 0; q < S; q++) {
        const v = Math.exp(kappa * (Math.cos(locations[q] - pref) - 1));
        gd[n * S + q] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const range = hi - lo;
    for (let i = 0; i < gd.length; i++) gd[i] = range > 0 ? (gd[i] - lo) / range : 0;
    g.push(gd);
  }

  const afferents = new Float64Array(nStim * nE);
  const sDigits = new Int32Array(D);
  for (let s = 0; s < nStim; s++) {
    let m = s;
    for (let d = D - 1; d >= 0; d--) {
      sDigits[d] = m % S;
      m = Math.floor(m / S);
    }
    const row = s * nE;
    for (let n = 0; n < nE; n++) {
      let prod = 1;
      for (let d = 0; d < D; d++) prod *= g[d][n * S + sDigits[d]];
      afferents[row + n] = p.peakStimulus * prod + p.bgInputE;
    }
  }
  return { afferents, stimulusPref, locations };
}

/** Pearson correlation between the units' afferent vectors: [nE × nE] from [nStim × nE]. */
export function unitCorrelations(x: Float64Array, nRows: number, nUnits: number): Float64Array {
  // Work on the transposed, centred and unit-normalised copy so the inner loop is contiguous.
  const t = new Float64Array(nUnits * nRows);
  for (let n = 0; n < nUnits; n++) {
    let mean = 0;
    for (let s = 0; s < nRows; s++) mean += x[s * nUnits + n];
    mean /= nRows;
    let ss = 0;
    for (let s = 0; s < nRows; s++) {
      const v = x[s * nUnits + n] - mean;
      t[n * nRows + s] = v;
      ss += v * v;
    }
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let s = 0; s < nRows; s++) t[n * nRows + s] *= inv;
  }
  const c = new Float64Array(nUnits * nUnits);
  for (let a = 0; a < nUnits; a++) {
    const oa = a * nRows;
    for (let b = a; b < nUnits; b++) {
      const ob = b * nRows;
      let acc = 0;
      for (let s = 0; s < nRows; s++) acc += t[oa + s] * t[ob + s];
      c[a * nUnits + b] = acc;
      c[b * nUnits + a] = acc;
    }
  }
  return c;
}

/**
 * Fixed E→E weights from target correlations: diagonal 0, the lowest (1 − pEE) fraction of all entries set to
 * 0 (global rank order; ties broken by entry index), the rest shifted by −min, diagonal 0, rows scaled to sum
 * to totalEE.
 */
export function makeWEE(corr: Float64Array, nE: number, pEE: number, totalEE: number): Float64Array {
  const size = nE * nE;
  const f = Float64Array.from(corr);
  for (let i = 0; i < nE; i++) f[i * nE + i] = 0;
  const order = Array.from({ length: size }, (_, i) => i);
  order.sort((a, b) => f[a] - f[b] || a - b);
  const toZero = Math.floor((1 - pEE) * size);
  let min = Infinity;
  for (let i = 0; i < size; i++) if (f[i] < min) min = f[i];
  for (let i = 0; i < size; i++) f[i] -= min;
  for (let k = 0; k < toZero; k++) f[order[k]] = 0;
  for (let i = 0; i < nE; i++) f[i * nE + i] = 0;
  for (let i = 0; i < nE; i++) {
    let sum = 0;
    for (let j = 0; j < nE; j++) sum += f[i * nE + j];
    if (!(sum > 0)) throw new Error(`makeWEE: row ${i} of W_EE has no positive entry (pEE ${pEE} too small?)`);
    const scale = totalEE / sum;
    for (let j = 0; j < nE; j++) f[i * nE + j] *= scale;
  }
  return f;
}

/**
 * Random lognormal pathway [nPost × nPre]: each row gets exactly k = round(p·nPre) partners drawn without
 * replacement, weights lognormal with mean total/k and log-std sigma.
 */
export function makeLognormalPathway(
  r: Rng,
  nPost: number,
  nPre: number,
  p: number,
  total: number,
  sigma: number,
): { w: Float64Array; z: Uint8Array; k: number; meanWeight: number } {
  const k = roundHalfEven(p * nPre);
  if (k < 1) throw new Error(`makeLognormalPathway: p = ${p} of ${nPre} presynaptic units gives no partner`);
  const j = total / k;
  const mu = Math.log(j) - (sigma * sigma) / 2;
  const w = new Float64Array(nPost * nPre);
  const z = new Uint8Array(nPost * nPre);
  for (let i = 0; i < nPost; i++) {
    const perm = r.permutation(nPre);
    for (let a = 0; a < k; a++) {
      const idx = i * nPre + perm[a];
      w[idx] = Math.exp(mu + sigma * r.normal());
      z[idx] = 1;
    }
  }
  return { w, z, k, meanWeight: j };
}

/** Build the whole network from parameters (seeded by `params.seed`). */
export function buildEINetwork(opts: Partial<EIAssembliesParams> = {}): EINetwork {
  const params = eiAssembliesParams(opts);
  const { nE, nI, nStim } = eiSizes(params);
  const { afferents, stimulusPref, locations } = makeAfferents(params, params.kappa);
  let wEE: Float64Array;
  if (params.totalEE > 0) {
    const corrInput = makeAfferents(params, params.kappa * params.eeKappaFactor).afferents;
    wEE = makeWEE(unitCorrelations(corrInput, nStim, nE), nE, params.pEE, params.totalEE);
  } else {
    wEE = new Float64Array(nE * nE);
  }
  const r = rng(params.seed);
  // Same draw order as the simulator's setup (E←I rows, I←I rows, I←E rows).
  const ei = makeLognormalPathway(r, nE, nI, params.pEI, params.totalEI, params.lognormSigma);
  const ii = makeLognormalPathway(r, nI, nI, params.pII, params.totalII, params.lognormSigma);
  const ie = makeLognormalPathway(r, nI, nE, params.pIE, params.totalIE, params.lognormSigma);
  const alphaEI = params.softplusScale / ei.meanWeight;
  const alphaIE = params.softplusScale / ie.meanWeight;
  const vEI = new Float64Array(ei.w.length);
  const vIE = new Float64Array(ie.w.length);
  for (let i = 0; i < vEI.length; i++) if (ei.z[i]) vEI[i] = softplusInverse(ei.w[i], alphaEI);
  for (let i = 0; i < vIE.length; i++) if (ie.z[i]) vIE[i] = softplusInverse(ie.w[i], alphaIE);
  return {
    params,
    nE,
    nI,
    nStim,
    locations,
    stimulusPref,
    afferents,
    wEE,
    wEI: ei.w,
    wIE: ie.w,
    wII: ii.w,
    vEI,
    vIE,
    zEI: ei.z,
    zIE: ie.z,
    zII: ii.z,
    alphaEI,
    alphaIE,
    wMaxEI: params.wMaxFactor * ei.meanWeight,
    wMaxIE: params.wMaxFactor * ie.meanWeight,
    wEIInit: Float64Array.from(ei.w),
    wIEInit: Float64Array.from(ie.w),
  };
}

/** A deep copy (weights, parameters, masks), e.g. to train several conditions from one initial network. */
export function cloneEINetwork(net: EINetwork): EINetwork {
  return {
    ...net,
    params: { ...net.params },
    wEI: Float64Array.from(net.wEI),
    wIE: Float64Array.from(net.wIE),
    vEI: Float64Array.from(net.vEI),
    vIE: Float64Array.from(net.vIE),
  };
}
