/** Training: losses, regularisers, Adam, LR schedules, the training loop and checkpoints. */
export { lossValue } from './losses';
export type { LossName, LossFn, Regularization } from './losses';
export { Adam } from './adam';
export type { AdamOptions, AdamState } from './adam';
export { learningRate } from './schedule';
export type { Schedule } from './schedule';
export { train, batchLoss, trainableNames } from './trainer';
export type { Batch, StepInfo, StopReason, TrainOptions, TrainState, TrainResult } from './trainer';
export { saveCheckpoint, loadCheckpoint, configToJson, configFromJson } from './checkpoint';
export type { CheckpointState, LoadedCheckpoint } from './checkpoint';
