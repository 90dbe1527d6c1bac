/**
 * Ahn et al., smooth pursuit with trained firing thresholds: the spiking ring that turns a target direction into
 * MT-like input, and the trials built from the monkeys' eye-velocity traces.
 */
export * from './spiking-ring';
export * from './trials';
export * from './data';
export * from './model';
export * from './analyses';
export * from './charts';
