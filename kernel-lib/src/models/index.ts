/** Rate-network models: the configurable CT-RNN, its nonlinearities, connectivity rules and the BPTT scan. */
export { Ctrnn, ctrnn, tauToTheta, sequenceData } from './ctrnn';
export type { Sequence, Perturbation, ForwardOptions, ForwardResult, WeightSet } from './ctrnn';
export type { CtrnnConfig, VecSpec, ParamSpec, TauSpec, NoiseConfig, NoiseScaling, ReadoutConfig, InitConfig } from './config';
export { ACTIVATIONS, resolveActivation } from './activations';
export type { Activation, ActivationName } from './activations';
export { eiLabels, randomMask, areaOf, projectW } from './connectivity';
export type { DaleMode, BlockRule, BlockSpec, ConnectivityPlan } from './connectivity';
export { tfjsScanKernel, runScan, SCAN_PARAM_ORDER } from './scan';
export type { ScanKernel, ScanForwardOptions, ScanParams, ScanData, ScanStatic, ScanResult, CompiledPerturbation, ScanParamName } from './scan';
export { fillNormals } from './noise';
export { autoScanKernel, fusedScanKernel, setFusedScanOptions, fusedScanInfo, fusedScanWaitThreads, fusedScanUnsupported } from './fused-scan';
export type { FusedScanOptions, FusedScanInfo } from './fused-scan';
export { rollout, rolloutWeights } from './rollout';
export type { RolloutOptions, RolloutResult, RolloutWeights } from './rollout';
