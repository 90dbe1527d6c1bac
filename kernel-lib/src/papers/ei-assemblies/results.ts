/**
 * The run's results as the simulator's HDF5 layout: groups `/raw_data`, `/computed`, `/sim_state` with the
 * simulator's dataset names. Leaves are `{ data, shape }` (row-major typed arrays with an explicit shape), ready
 * for an HDF5 writer. Response arrays have shape [nStimuli, …, nStimuli, nUnits] as in the original.
 */
import {
  currentCoTuning,
  EIResponses,
  estimateResponses,
  PerturbationResult,
  reciprocity,
  responseCorrelationsEE,
  responseSimilarity,
  selectivityOSI,
  weightVsSimilarity,
} from './analyses';
import { buildEINetwork, EINetwork } from './network';
import { EIAssembliesParams } from './params';
import { EITrainingRecord, EITrainOptions, trainEIAssemblies } from './train';

export interface NdArray {
  data: Float64Array | Float32Array | Int32Array | Uint8Array;
  shape: number[];
}

export interface EIResultTree {
  [name: string]: EIResultTree | NdArray;
}

const ndArray = (data: NdArray['data'], shape: number[]): NdArray => {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`eiAssembliesResults: dataset of length ${data.length} does not fit shape [${shape}]`);
  return { data, shape };
};

/** Everything a figure needs, computed from the final network and its responses. */
export interface EIAnalysis {
  responses: EIResponses;
  responseSim: Float64Array;
  responseSimEE: Float64Array;
  correlationsEE: Float64Array;
  osiE: Float64Array;
  osiI: Float64Array;
  coTuning: Float64Array;
  reciprocity: Float64Array;
}

export function analyseEINetwork(net: EINetwork, responses?: EIResponses): EIAnalysis {
  const resp = responses ?? estimateResponses(net);
  // Cosine similarity among E units (the simulator's response_sim_ee, diagonal set to 0 there for plotting).
  const simEE = new Float64Array(net.nE * net.nE);
  {
    const { nStim, nE, responsesExc: re } = resp;
    const t = new Float64Array(nE * nStim);
    for (let s = 0; s < nStim; s++) for (let i = 0; i < nE; i++) t[i * nStim + s] = re[s * nE + i];
    const norm = new Float64Array(nE);
    for (let i = 0; i < nE; i++) {
      let q = 0;
      for (let s = 0; s < nStim; s++) q += t[i * nStim + s] ** 2;
      norm[i] = Math.sqrt(q);
    }
    for (let i = 0; i < nE; i++) {
      for (let j = i; j < nE; j++) {
        let q = 0;
        for (let s = 0; s < nStim; s++) q += t[i * nStim + s] * t[j * nStim + s];
        const v = norm[i] > 0 && norm[j] > 0 ? q / (norm[i] * norm[j]) : NaN;
        simEE[i * nE + j] = v;
        simEE[j * nE + i] = v;
      }
    }
  }
  return {
    responses: resp,
    responseSim: responseSimilarity(resp),
    responseSimEE: simEE,
    correlationsEE: responseCorrelationsEE(resp),
    osiE: selectivityOSI(resp.responsesExc, net.nE, net),
    osiI: selectivityOSI(resp.responsesInh, net.nI, net),
    coTuning: currentCoTuning(resp),
    reciprocity: reciprocity(net),
  };
}

/**
 * The results tree of one run (`training` may be null for an untrained network). With `perturbation` (Fig 4),
 * `/computed` also holds perturbed_units and the binned influence (influence_bin_edges, influence_mean,
 * influence_sem, influence_counts); these names are ours (the simulator's perturbation script is not public).
 * `opts.float32` stores the float datasets as float32, as the simulator does (half the file size).
 */
export function eiAssembliesResults(
  net: EINetwork,
  training: EITrainingRecord | null,
  analysis: EIAnalysis,
  perturbation?: PerturbationResult,
  opts: { float32?: boolean } = {},
): EIResultTree {
  const { nE, nI, nStim } = net;
  // The simulator stores float32 (its SimParams.float_type); `float32: true` does the same for the float datasets.
  const nd = (data: NdArray['data'], shape: number[]): NdArray =>
    ndArray(opts.float32 && data instanceof Float64Array ? Float32Array.from(data) : data, shape);
  const p = net.params;
  const grid = new Array<number>(p.nDims).fill(p.nStimuli);
  const r = analysis.responses;
  const nT = training?.trials ?? 0;
  return {
    raw_data: {
      converged: nd(Uint8Array.of(training ? (training.notConverged === 0 ? 1 : 0) : 1), [1]),
      steps_to_converge: nd(training ? training.stepsToConverge : new Int32Array(0), [nT, nStim]),
      stimulus_order: nd(training ? training.stimulusOrder : new Int32Array(0), [nT, nStim]),
      angles_ei: nd(training ? training.anglesEI : new Float64Array(0), [training?.anglesEI.length ?? 0]),
      angles_ie: nd(training ? training.anglesIE : new Float64Array(0), [training?.anglesIE.length ?? 0]),
      angles_ie_other_rule: nd(training ? training.anglesIEOtherRule : new Float64Array(0), [training?.anglesIEOtherRule.length ?? 0]),
      angle_update_index: nd(training ? training.angleUpdateIndex : new Int32Array(0), [training?.angleUpdateIndex.length ?? 0]),
      trial_seconds: nd(training ? training.trialSeconds : new Float64Array(0), [nT]),
    },
    computed: {
      responses_exc: nd(r.responsesExc, [...grid, nE]),
      responses_inh: nd(r.responsesInh, [...grid, nI]),
      exc_in: nd(r.excIn, [...grid, nE]),
      inh_in: nd(r.inhIn, [...grid, nE]),
      response_sim: nd(analysis.responseSim, [nE, nI]),
      response_sim_ee: nd(analysis.responseSimEE, [nE, nE]),
      correlations_ee: nd(analysis.correlationsEE, [nE, nE]),
      cc: nd(analysis.coTuning, [nE]),
      osi_e: nd(analysis.osiE, [nE]),
      osi_i: nd(analysis.osiI, [nI]),
      reciprocity: nd(analysis.reciprocity, [nI]),
      ...(perturbation
        ? {
            perturbed_units: nd(perturbation.perturbed, [perturbation.perturbed.length]),
            influence_bin_edges: nd(perturbation.edges, [perturbation.edges.length]),
            influence_mean: nd(perturbation.mean, [perturbation.mean.length]),
            influence_sem: nd(perturbation.sem, [perturbation.sem.length]),
            influence_counts: nd(perturbation.counts, [perturbation.counts.length]),
          }
        : {}),
    },
    sim_state: {
      wee: nd(net.wEE, [nE, nE]),
      wei: nd(net.wEI, [nE, nI]),
      wie: nd(net.wIE, [nI, nE]),
      wii: nd(net.wII, [nI, nI]),
      wei_init: nd(net.wEIInit, [nE, nI]),
      wie_init: nd(net.wIEInit, [nI, nE]),
      zei: nd(net.zEI, [nE, nI]),
      zie: nd(net.zIE, [nI, nE]),
      stimulus_pref: nd(net.stimulusPref, [nE, p.nDims]),
      afferents: nd(net.afferents, [...grid, nE]),
    },
  };
}

/**
 * Presets. FULL is the paper (512 E, 64 I, 1728 stimuli, 500 trials; ≈ 6–8 CPU-hours per condition here, see
 * index.ts). QUICK keeps the qualitative results in minutes: 4 preferred values per axis (64 E, 8 I; the
 * simulator's own small variant), 8 stimulus values per axis (512 stimuli), learning rates 3e-5 and 40 trials.
 * Measured (seed 1): BOTH gives r(weight, similarity) −0.32 → 0.52 (I→E) and 0.30 → 0.64 (E→I); EXC leaves them
 * unstructured (−0.34, 0.21). At 1e-4 the EXC condition stops converging (the simulator's authors note the same
 * for E→I rates above 1e-5 with E→E connections present).
 */
export function eiAssembliesPreset(name: 'QUICK' | 'FULL'): { params: Partial<EIAssembliesParams>; train: Partial<EITrainOptions> } {
  if (name === 'FULL') return { params: {}, train: { trials: 500, angleEvery: 1728 } };
  if (name === 'QUICK') {
    return { params: { nPerAxis: 4, nStimuli: 8, etaEI: 3e-5, etaIE: 3e-5 }, train: { trials: 40, angleEvery: 64 } };
  }
  throw new Error(`eiAssembliesPreset: unknown preset ${String(name)} (QUICK or FULL)`);
}

/** The headline numbers of one analysed network (Figs 1–3), for a table or a quick look. */
export interface EISummary {
  /** Pearson r of weight vs E–I response similarity over connected pairs: I→E (W_EI) and E→I (W_IE). */
  rWeightSimilarityEI: number;
  rWeightSimilarityIE: number;
  meanReciprocity: number;
  meanCoTuning: number;
  meanOsiE: number;
  meanOsiI: number;
}

const nanMean = (a: ArrayLike<number>): number => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i])) {
      s += a[i];
      n++;
    }
  }
  return n ? s / n : NaN;
};

export function summariseEIAnalysis(net: EINetwork, analysis: EIAnalysis): EISummary {
  const w = weightVsSimilarity(net, analysis.responseSim);
  return {
    rWeightSimilarityEI: w.ei.fit.r,
    rWeightSimilarityIE: w.ie.fit.r,
    meanReciprocity: nanMean(analysis.reciprocity),
    meanCoTuning: nanMean(analysis.coTuning),
    meanOsiE: nanMean(analysis.osiE),
    meanOsiI: nanMean(analysis.osiI),
  };
}

export interface EIRun {
  net: EINetwork;
  before: EIAnalysis;
  training: EITrainingRecord;
  after: EIAnalysis;
  summaryBefore: EISummary;
  summaryAfter: EISummary;
  results: EIResultTree;
}

/** Build, analyse, train and analyse again: one condition of the paper's Figs 1–3. */
export function runEIAssemblies(params: Partial<EIAssembliesParams> = {}, train: Partial<EITrainOptions> = {}): EIRun {
  const net = buildEINetwork(params);
  const before = analyseEINetwork(net);
  const summaryBefore = summariseEIAnalysis(net, before);
  const training = trainEIAssemblies(net, train);
  const after = analyseEINetwork(net);
  const run: EIRun = {
    net,
    before,
    training,
    after,
    summaryBefore,
    summaryAfter: summariseEIAnalysis(net, after),
    results: eiAssembliesResults(net, training, after),
  };
  Object.defineProperty(run, Symbol.for('Jupyter.display'), {
    enumerable: false,
    value: () => ({ 'text/plain': formatEIRun(run) }),
  });
  return run;
}

/** A short text table of a run: condition, trials, time per trial, and the summary before → after. */
export function formatEIRun(run: EIRun): string {
  const t = run.training;
  const perTrial = t.trials ? nanMean(t.trialSeconds) : NaN;
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  const rows = (Object.keys(run.summaryBefore) as (keyof EISummary)[]).map(
    (k) => `  ${k.padEnd(22)} ${f(run.summaryBefore[k]).padStart(7)} → ${f(run.summaryAfter[k])}`,
  );
  return [
    `E/I assemblies: ${run.net.nE} E, ${run.net.nI} I, ${run.net.nStim} stimuli; ${t.condition} (${t.rule}), ` +
      `${t.trials} trials, ${f(perTrial)} s/trial, ${t.notConverged} not converged`,
    ...rows,
  ].join('\n');
}
