/**
 * Analyses behind the paper's Figs 1–4: steady-state responses to every stimulus, E/I response similarity vs
 * E↔I weights, reciprocity of each I unit's input and output weights, selectivity (OSI), co-tuning of the E and
 * I currents onto each E unit, and the single-unit perturbation experiment.
 *
 * Arrays are row-major; responses are [nStim × nUnits] with stimulus s in C order over the axes.
 */
// The shared statistics (scipy-checked in tests/analysis-stats.test.ts), imported from their files so that this
// module does not load the whole analysis toolkit.
import { pearson, spearman } from '../../analysis/correlation';
import { LinearFit, linearRegression } from '../../analysis/regression';
import { directionSelectivity } from '../../analysis/tuning-curves';
import { rng } from '../../random';
import { EINetwork, unitCorrelations } from './network';
import { EISteadyStateSolver } from './steady-state';

export interface EIResponses {
  nStim: number;
  nE: number;
  nI: number;
  /** Steady-state rates [nStim × nE] and [nStim × nI]. */
  responsesExc: Float64Array;
  responsesInh: Float64Array;
  /** Excitatory input W_EE r_E + afferent, and inhibitory input W_EI r_I, onto each E unit [nStim × nE]. */
  excIn: Float64Array;
  inhIn: Float64Array;
  /** 1 where the stimulus converged. */
  converged: Uint8Array;
  steps: Int32Array;
}

/** Steady-state responses of all units to all stimuli (the simulator's `estimate_responses`). */
export function estimateResponses(net: EINetwork, opts: { maxDr?: number } = {}): EIResponses {
  const { nE, nI, nStim, wEE, wEI } = net;
  const solver = new EISteadyStateSolver(net);
  const out: EIResponses = {
    nStim,
    nE,
    nI,
    responsesExc: new Float64Array(nStim * nE),
    responsesInh: new Float64Array(nStim * nI),
    excIn: new Float64Array(nStim * nE),
    inhIn: new Float64Array(nStim * nE),
    converged: new Uint8Array(nStim),
    steps: new Int32Array(nStim),
  };
  for (let s = 0; s < nStim; s++) {
    const input = solver.stimulusInput(s);
    const res = solver.solve(input, { maxDr: opts.maxDr });
    out.converged[s] = res.converged ? 1 : 0;
    out.steps[s] = res.steps;
    const { rE, rI } = solver;
    out.responsesExc.set(rE, s * nE);
    out.responsesInh.set(rI, s * nI);
    for (let i = 0; i < nE; i++) {
      let ex = input[i];
      const oe = i * nE;
      for (let j = 0; j < nE; j++) ex += wEE[oe + j] * rE[j];
      let inh = 0;
      const oi = i * nI;
      for (let k = 0; k < nI; k++) inh += wEI[oi + k] * rI[k];
      out.excIn[s * nE + i] = ex;
      out.inhIn[s * nE + i] = inh;
    }
  }
  return out;
}

/**
 * Cosine similarity of each E unit's and each I unit's response vectors over all stimuli: [nE × nI]. Not
 * analysis' cosineSimilarityMatrix: a silent unit gets NaN here (the simulator's 0/0, dropped from the scatter
 * plots), not 0, and this loop skips silent (stimulus, unit) entries.
 */
export function responseSimilarity(resp: EIResponses): Float64Array {
  const { nStim, nE, nI, responsesExc: re, responsesInh: ri } = resp;
  const sim = new Float64Array(nE * nI);
  const ne = new Float64Array(nE);
  const ni = new Float64Array(nI);
  for (let s = 0; s < nStim; s++) {
    for (let i = 0; i < nE; i++) ne[i] += re[s * nE + i] ** 2;
    for (let k = 0; k < nI; k++) ni[k] += ri[s * nI + k] ** 2;
  }
  for (let s = 0; s < nStim; s++) {
    for (let i = 0; i < nE; i++) {
      const a = re[s * nE + i];
      if (a === 0) continue;
      const o = i * nI;
      for (let k = 0; k < nI; k++) sim[o + k] += a * ri[s * nI + k];
    }
  }
  for (let i = 0; i < nE; i++) {
    for (let k = 0; k < nI; k++) {
      const d = Math.sqrt(ne[i] * ni[k]);
      sim[i * nI + k] = d > 0 ? sim[i * nI + k] / d : NaN;
    }
  }
  return sim;
}

/** Pearson correlation of the E units' responses over stimuli: [nE × nE] (the simulator's `correlations_ee`). */
export function responseCorrelationsEE(resp: EIResponses): Float64Array {
  return unitCorrelations(resp.responsesExc, resp.nStim, resp.nE);
}

export interface WeightSimilarityPairs {
  similarity: Float64Array;
  weight: Float64Array;
  /** Least-squares line weight ≈ slope · similarity + intercept, with Pearson r and its p-value (scipy linregress). */
  fit: LinearFit;
}

/**
 * Response similarity vs weight for every connected E↔I pair: I→E weights W_EI[i,k] and E→I weights W_IE[k,i]
 * against the cosine similarity of E unit i and I unit k (Fig 1/2 scatter plots), each with a line fit.
 */
export function weightVsSimilarity(net: EINetwork, sim: Float64Array): { ei: WeightSimilarityPairs; ie: WeightSimilarityPairs } {
  const { nE, nI } = net;
  const collect = (get: (i: number, k: number) => number, connected: (i: number, k: number) => boolean): WeightSimilarityPairs => {
    const s: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < nE; i++) {
      for (let k = 0; k < nI; k++) {
        if (!connected(i, k) || !Number.isFinite(sim[i * nI + k])) continue;
        s.push(sim[i * nI + k]);
        w.push(get(i, k));
      }
    }
    const similarity = Float64Array.from(s);
    const weight = Float64Array.from(w);
    return { similarity, weight, fit: linearRegression(similarity, weight) };
  };
  return {
    ei: collect((i, k) => net.wEI[i * nI + k], (i, k) => net.zEI[i * nI + k] === 1),
    ie: collect((i, k) => net.wIE[k * nE + i], (i, k) => net.zIE[k * nE + i] === 1),
  };
}

/**
 * Per I unit k: Pearson correlation between its input weights W_IE[k, i] and output weights W_EI[i, k] over E
 * units i. `pairs: 'reciprocal'` (default) uses only the E units connected both ways (the masks are independent,
 * so including unconnected zeros mostly measures mask overlap); 'all' uses every E unit.
 */
export function reciprocity(net: EINetwork, pairs: 'reciprocal' | 'all' = 'reciprocal'): Float64Array {
  const { nE, nI } = net;
  const out = new Float64Array(nI);
  for (let k = 0; k < nI; k++) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < nE; i++) {
      if (pairs === 'reciprocal' && !(net.zIE[k * nE + i] && net.zEI[i * nI + k])) continue;
      a.push(net.wIE[k * nE + i]);
      b.push(net.wEI[i * nI + k]);
    }
    out[k] = a.length > 1 ? pearson(a, b).r : NaN;
  }
  return out;
}

/**
 * Orientation selectivity as in the simulator: average the responses over the last stimulus axis, take the
 * values of the other axes where that average is largest, and compute |Σ r e^{iθ}| / Σ r over the last axis'
 * tuning curve there (θ the stimulus values, not doubled). [nUnits]; NaN for a unit silent on that curve.
 */
export function selectivityOSI(resp: Float64Array, nUnits: number, net: EINetwork): Float64Array {
  const S = net.params.nStimuli;
  const nOuter = net.nStim / S;
  const osi = new Float64Array(nUnits);
  const curve = new Float64Array(S);
  for (let n = 0; n < nUnits; n++) {
    let best = -Infinity;
    let bestOuter = 0;
    for (let o = 0; o < nOuter; o++) {
      let m = 0;
      for (let q = 0; q < S; q++) m += resp[(o * S + q) * nUnits + n];
      if (m > best) {
        best = m;
        bestOuter = o;
      }
    }
    let tot = 0;
    for (let q = 0; q < S; q++) {
      curve[q] = resp[(bestOuter * S + q) * nUnits + n];
      tot += curve[q];
    }
    // The stimulus values cover one full period [−π, π), so the simulator's "OSI" is the first-harmonic vector
    // index, i.e. analysis' directionSelectivity ('vector'); a silent curve is NaN here (the simulator's 0/0).
    osi[n] = tot > 0 ? directionSelectivity(net.locations, curve) : NaN;
  }
  return osi;
}

/** Spearman correlation per E unit between its excitatory and inhibitory input across stimuli (co-tuning). */
export function currentCoTuning(resp: EIResponses): Float64Array {
  const { nStim, nE } = resp;
  const cc = new Float64Array(nE);
  const ex = new Float64Array(nStim);
  const inh = new Float64Array(nStim);
  for (let i = 0; i < nE; i++) {
    for (let s = 0; s < nStim; s++) {
      ex[s] = resp.excIn[s * nE + i];
      inh[s] = resp.inhIn[s * nE + i];
    }
    cc[i] = spearman(ex, inh).r;
  }
  return cc;
}

export interface PerturbationOptions {
  /** Number of perturbed E units (90 in the paper). */
  nPerturbed: number;
  /** Extra input to the perturbed unit (10). */
  amplitude: number;
  /** Tighter convergence threshold used by the perturbation experiment (0.05). */
  maxDr: number;
  /** Number of bin edges over the correlation range (10 edges → 9 bins). */
  nEdges: number;
  /** Use only these stimuli (default: all); a subset makes the experiment affordable in a notebook. */
  stimuli?: Int32Array | number[];
  seed: number;
}

export interface PerturbationResult {
  perturbed: Int32Array;
  edges: Float64Array;
  binCenters: Float64Array;
  mean: Float64Array;
  sem: Float64Array;
  counts: Float64Array;
}

/**
 * Fig 4: for each perturbed E unit p and stimulus, the steady state with input +amplitude on p; the influence
 * (Δr_E / amplitude) on every other E unit is binned by that unit's response correlation with p (`corrEE`, the
 * [nE × nE] response correlations after learning). Bins span [min − 1e-3, max + 1e-3] of the correlations with
 * the perturbed units, as in the paper's analysis; mean and SEM (ddof 1) per bin, accumulated on the fly
 * (Welford) rather than with analysis' binnedMeanSem, which needs every sample at once: at full size that is
 * 90 × 1728 × 511 ≈ 8·10⁷ influences.
 */
export function perturbationExperiment(
  net: EINetwork,
  corrEE: Float64Array,
  opts: Partial<PerturbationOptions> = {},
): PerturbationResult {
  const o: PerturbationOptions = { nPerturbed: 90, amplitude: 10, maxDr: 0.05, nEdges: 10, seed: net.params.seed + 2, ...opts };
  const { nE, nStim } = net;
  if (o.nPerturbed > nE) throw new Error(`perturbationExperiment: nPerturbed ${o.nPerturbed} exceeds nE ${nE}`);
  const perturbed = net.nE === 0 ? new Int32Array(0) : rng(o.seed).permutation(nE).slice(0, o.nPerturbed);
  const stimuli = o.stimuli ? Int32Array.from(o.stimuli) : Int32Array.from({ length: nStim }, (_, s) => s);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of perturbed) {
    for (let j = 0; j < nE; j++) {
      if (j === p) continue;
      const c = corrEE[p * nE + j];
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
  }
  const nb = o.nEdges - 1;
  const edges = new Float64Array(o.nEdges);
  for (let b = 0; b < o.nEdges; b++) edges[b] = lo - 1e-3 + ((hi - lo + 2e-3) * b) / nb;
  // Welford accumulators per bin.
  const count = new Float64Array(nb);
  const mean = new Float64Array(nb);
  const m2 = new Float64Array(nb);
  const solver = new EISteadyStateSolver(net);
  const base = new Float64Array(nE);
  const input = new Float64Array(nE);
  const binOf = (c: number): number => Math.min(nb - 1, Math.max(0, Math.floor(((c - edges[0]) / (edges[nb] - edges[0])) * nb)));
  for (const s of stimuli) {
    const aff = solver.stimulusInput(s);
    solver.solve(aff, { maxDr: o.maxDr });
    base.set(solver.rE);
    for (const p of perturbed) {
      input.set(aff);
      input[p] += o.amplitude;
      solver.solve(input, { maxDr: o.maxDr });
      for (let j = 0; j < nE; j++) {
        if (j === p) continue;
        const x = (solver.rE[j] - base[j]) / o.amplitude;
        const b = binOf(corrEE[p * nE + j]);
        count[b] += 1;
        const d = x - mean[b];
        mean[b] += d / count[b];
        m2[b] += d * (x - mean[b]);
      }
    }
  }
  const sem = new Float64Array(nb);
  const binCenters = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    binCenters[b] = (edges[b] + edges[b + 1]) / 2;
    if (count[b] === 0) mean[b] = NaN;
    sem[b] = count[b] > 1 ? Math.sqrt(m2[b] / (count[b] - 1)) / Math.sqrt(count[b]) : NaN;
  }
  return { perturbed, edges, binCenters, mean, sem, counts: count };
}
