/**
 * Guglielmi et al., "Selective perturbation of mirror and non-mirror neurons in an in silico model of the
 * Action Observation Network" (original code: AON_RNN, TensorFlow 2): unit labels and rate loaders, the
 * stimulus of the 12 tasks, the model on the shared CT-RNN factory, its loss and training, a surrogate data
 * generator from a seeded teacher, and the fit-quality, perturbation and decoding analyses.
 */
export * from './data';
export * from './stimulus';
export * from './model';
export * from './train';
export * from './surrogate';
export * from './analysis';
export * from './perturbation';
export * from './charts';
export * from './claims';
