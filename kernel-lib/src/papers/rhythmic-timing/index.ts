/**
 * Zemlianova, Bose & Rinzel (2024), "A Recurrent Neural Network for Rhythmic Timing": the pieces no other
 * paper needs — the reduced three-population model (Fig 3), tap detection and per-cycle path length, and the
 * phase ordering of the firing-rate heat maps. The task generator lives in tasks/rhythm.ts.
 */
export * from './reduced-model';
export { detectTaps, tapBand, cyclePathLengths } from './taps';
export type { TapDetectionOptions, TapDetection, CyclePathLength } from './taps';
export * from './phase-order';
export * from './network';
export * from './free-runs';
export * from './charts';
