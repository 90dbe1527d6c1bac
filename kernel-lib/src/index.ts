/**
 * ratelab: continuous-time rate networks for notebooks. This file is the whole public surface a notebook sees;
 * each folder's index decides what of it is public.
 */
export * from './backend';
export * from './io';
export * from './notebook';
export * from './plot';
export * from './tables';
export * from './models';
export * from './train';
export * from './tasks';
export * from './analysis';
export * from './random';

// Paper-specific pieces live under one namespace per paper, so that their names cannot collide with the
// shared vocabulary above (e.g. `ratelab.rhythmicTiming.detectTaps`).
export * as smoothPursuit from './papers/smooth-pursuit';
export * as rhythmicTiming from './papers/rhythmic-timing';
export * as eiAssemblies from './papers/ei-assemblies';
export * as aonMirror from './papers/aon-mirror';
export * as socReaching from './papers/soc-reaching';
