/**
 * Reaching with stability-optimised circuits and preparatory states (Hennequin, Vogels & Gerstner 2014; Kao,
 * Sadabadi & Hennequin 2021): the SoC construction, and (reaching.ts) movement generation from preparatory
 * states through a readout that is output-null before the go cue.
 */
export { socInitialNetwork, optimiseSoc, socStep, socShift, enforceSocConstraints, socConstraints, evokedEnergy } from './soc';
export type { SocNetworkOptions, SocNetwork, SocOptions, SocResult, SocConstraintReport } from './soc';
export {
  goCue, spontaneousState, reachTask, handPaths, ReachNetwork, preparatoryModes, fitReaches, evaluateReaches,
} from './reaching';
export type { GoCueOptions, ReachSpec, ReachTaskOptions, ReachTask, ReachNetworkOptions, ReachFitOptions, ReachFit } from './reaching';
export { linearisedDynamics, preparationEnergy, optimalPreparationInput } from './anticipatory';
export type { PreparationEnergy, OptimalPreparation } from './anticipatory';
export { reachPathsChart } from './plots';
export type { ReachPathsOptions } from './plots';
