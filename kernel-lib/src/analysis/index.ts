/**
 * ratelab analysis toolkit (model-independent parts): dense linear algebra, real Schur / Lyapunov / Gramians,
 * PCA, IIR filtering and peak finding, Gaussian smoothing, correlation and regression statistics, tuning curves.
 * Arrays are row-major Float64 `Dense2D` ({ data, shape }) unless a routine says otherwise.
 */
export type { Dense2D, MatrixInput } from './dense';
export { toDense, toMatrix, toRows } from './dense';
export type { Eigen, SymmetricEigen, Svd } from './linalg';
export { eig, eigvals, eigSymmetric, svd, luSolve, inverse, spectralAbscissa, spectralRadius } from './linalg';
export type { RealSchur } from './schur';
export { realSchur, schurEigenvalues, schurFactors } from './schur';
export { LyapunovSolver, solveLyapunov, lyapunovResidual } from './lyapunov';
export { expm } from './expm';
export type { GramianOptions, Gramians, TopDirections } from './gramians';
export { gramians, controllabilityGramian, observabilityGramian, topEigenDirections } from './gramians';
export type { PcaOptions, PcaModel } from './pca';
export { pcaFit, pcaTransform, pcaInverseTransform, concatTime, pcaFitConditions } from './pca';
export type { FilterType, ButterOptions, Zpk, BaFilter, SosFilter } from './butterworth';
export { butterZpk, butterBa, butterSos, zpkToBa, zpkToSos } from './butterworth';
export type { PadType, FiltfiltOptions } from './iir-filter';
export { lfilter, lfilterZi, sosfilt, sosfiltZi, filtfilt, sosfiltfilt, extendSignal, applyAlongAxis } from './iir-filter';
export type { Range, FindPeaksOptions, Peaks } from './peaks';
export { findPeaks, interEventIntervals } from './peaks';
export type { BoundaryMode, GaussianOptions } from './gaussian-smoothing';
export { gaussianKernel, gaussianFilter1d, gaussianFilterAlong } from './gaussian-smoothing';
export { logGamma, incompleteBeta, studentTTwoSided, studentTCdf } from './special-functions';
export type { Correlation } from './correlation';
export { pearson, spearman, rankData, cosineSimilarityMatrix } from './correlation';
export type { LinearFit, BinnedStats } from './regression';
export { linearRegression, r2Score, binnedMeanSem } from './regression';
export type { SelectivityMethod, CurveFitOptions, VonMisesFit, GaussianFit } from './tuning-curves';
export {
  orientationSelectivity,
  directionSelectivity,
  preferredAngle,
  fitVonMises,
  fitGaussian,
} from './tuning-curves';
export type {
  StepFunction, Array2D, AdaptiveLrOptions, FixedPointOptions, FixedPointStopReason, EigenvalueSet, AllFixedPointCandidates,
  FixedPointsData, SystemStep, SampleStatesOptions,
} from './fixed-points';
export { FixedPoints, findFixedPoints, sampleStates, ctrnnStep, systemStep, stepJacobians } from './fixed-points';
export type { FlowFieldOptions, FlowField } from './flow-field';
export { flowField } from './flow-field';
export type { LdaOptions, LdaModel, CrossValidation } from './decoding';
export { ldaFit, ldaPredict, crossValidatedAccuracy } from './decoding';
