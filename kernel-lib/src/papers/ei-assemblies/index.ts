/**
 * Mackwood, Naumann & Sprekeler (2021), eLife 10:e59715, "Learning excitatory-inhibitory neuronal assemblies
 * in recurrent networks": network construction, steady-state solver, local and gradient plasticity, training,
 * and the analyses of Figs 1–4.
 *
 * Cost (measured on the project's shared 2-core machine, Node 20; bench/ei-assemblies-trial.ts): at full size a
 * stimulus takes ~300 Euler steps. The steady state runs in WebAssembly (euler.c, SIMD128): ≈ 25–35 CPU-ms per
 * presentation including the ≈ 6 ms JavaScript plasticity update, so one trial (1728 stimuli) ≈ 45–60 CPU-s and
 * the paper's 500 trials ≈ 6–8 CPU-hours per condition (the same steps in JavaScript: ≈ 167 CPU-s per trial,
 * ≈ 23 CPU-hours). The exact dynamics leave no shortcut (h of silent units drifts, so the Euler path itself sets
 * the error). The full gradient costs ≈ 0.3 s per evaluation (dense 512 × 512 solve in JavaScript):
 * `angleEvery` subsamples the angle diagnostic, and the GRADIENT rule needs one per update (≈ 85 CPU-hours for
 * 500 trials). Use the QUICK preset in notebooks.
 */
export { EI_ASSEMBLIES_DEFAULTS, eiAssembliesParams, eiSizes } from './params';
export type { EIAssembliesParams, EIPlasticCondition, EIPlasticityRule, EILocalRuleIE } from './params';
export {
  buildEINetwork,
  cloneEINetwork,
  makeAfferents,
  makeLognormalPathway,
  makeWEE,
  unitCorrelations,
  softplus,
  softplusInverse,
  logistic,
} from './network';
export type { EINetwork } from './network';
export { EISteadyStateSolver } from './steady-state';
export type { SteadyStateOptions, SteadyStateResult, SteadyStateSolverOptions, EulerEngine } from './steady-state';
export {
  localDirections,
  localDirectionIE,
  applyLocalUpdate,
  fullGradient,
  angleBetween,
  adamStep,
  normaliseRows,
  solveDense,
  weightsFromParams,
} from './plasticity';
export type { EIState, EIDirections, EIGradient, EIUpdateRates, EIDerivativeSurrogate, AdamMoments } from './plasticity';
export { trainEIAssemblies, conditionRates, nestedShuffleOrder } from './train';
export type { EITrainOptions, EITrainingRecord, EITrialInfo } from './train';
export {
  estimateResponses,
  responseSimilarity,
  responseCorrelationsEE,
  weightVsSimilarity,
  reciprocity,
  selectivityOSI,
  currentCoTuning,
  perturbationExperiment,
} from './analyses';
export type { EIResponses, WeightSimilarityPairs, PerturbationOptions, PerturbationResult } from './analyses';
export {
  analyseEINetwork,
  eiAssembliesResults,
  eiAssembliesPreset,
  runEIAssemblies,
  summariseEIAnalysis,
  formatEIRun,
} from './results';
export type { EIAnalysis, EIResultTree, EIRun, EISummary, NdArray } from './results';
