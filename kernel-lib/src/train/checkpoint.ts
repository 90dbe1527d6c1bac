/**
 * Checkpoints: model config + weights + Adam state + loss history, as HDF5 (`.h5`/`.hdf5`) or MAT v5 (`.mat`).
 * Weights keep the papers' variable names (`w`, `w_in`, `w_out`, `b_out`, `tau`, `losses`, …), so a MAT
 * checkpoint opens in MATLAB/scipy like the original code's files; `w_eff` (after Dale, masks, blocks) and
 * `tau` (values, even when trained through `tau_theta`) are added for readers that do not know the config.
 * Writes are atomic (the io module writes a temporary file and renames it).
 *
 * Layouts. MAT: one variable per parameter, `losses` (1×L double), `step`, `config_json` (char), and structs
 * `adam_m`, `adam_v`, `adam_t` (field per parameter). HDF5: `/params/<name>`, `/adam/m/<name>`,
 * `/adam/v/<name>`, `/adam/t/<name>`, `/losses`, `/w_eff`, `/tau`, and attributes `config_json`, `step` on `/`.
 *
 * The model's noise stream position is not stored (xoshiro state is not exposed): after loading, noise starts
 * from the config's seed unless `reseedNoise` is called.
 */
import * as path from 'path';
import { loadMat, saveMat } from '../io/matfile';
import { MatArray, MatValue, isMatStruct } from '../io/mat-values';
import { H5Array, H5Tree, readH5, writeH5 } from '../io/hdf5';
import { ACTIVATIONS, Activation, ActivationName } from '../models/activations';
import { CtrnnConfig } from '../models/config';
import { Ctrnn, WeightSet } from '../models/ctrnn';
import { Adam, AdamOptions, AdamState } from './adam';

export interface CheckpointState {
  model: Ctrnn;
  optimizer?: Adam;
  losses?: number[];
  step?: number;
}

export interface LoadedCheckpoint {
  model: Ctrnn;
  /** Adam with the saved moments (a fresh one if none were saved). */
  optimizer: Adam;
  losses: number[];
  step: number;
  config: CtrnnConfig;
}

type Format = 'h5' | 'mat';

function formatOf(file: string): Format {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5') return 'h5';
  if (ext === '.mat') return 'mat';
  throw new Error(`checkpoint ${path.basename(file)}: unknown extension '${ext}' (use .h5, .hdf5 or .mat)`);
}

/** Config as JSON: typed arrays become plain arrays, a custom activation is stored by name. */
export function configToJson(c: CtrnnConfig): string {
  return JSON.stringify(c, (k, v) => {
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (k === 'activation' && typeof v === 'object') return { custom: (v as Activation).name };
    return v;
  });
}

export function configFromJson(s: string, custom?: Activation): CtrnnConfig {
  const c = JSON.parse(s) as CtrnnConfig & { activation?: ActivationName | { custom: string } };
  if (c.activation && typeof c.activation === 'object') {
    const name = (c.activation as { custom: string }).custom;
    if (!custom) throw new Error(`checkpoint: the model uses the custom activation '${name}'; pass it as { activation } to loadCheckpoint`);
    (c as CtrnnConfig).activation = custom;
  } else if (custom) (c as CtrnnConfig).activation = custom;
  else if (c.activation && !(c.activation in ACTIVATIONS)) throw new Error(`checkpoint: unknown activation '${c.activation}'`);
  return c as CtrnnConfig;
}

/** Save a checkpoint; the format follows the extension. */
export async function saveCheckpoint(file: string, s: CheckpointState): Promise<void> {
  const fmt = formatOf(file);
  const weights = s.model.getWeights();
  const adam: AdamState | null = s.optimizer ? s.optimizer.getState() : null;
  const losses = Float64Array.from(s.losses ?? []);
  const wEff = s.model.effectiveW(), tau = s.model.tau();
  const config = configToJson(s.model.config);
  const step = s.step ?? losses.length;
  if (fmt === 'mat') {
    const vars: Record<string, Parameters<typeof saveMat>[1][string]> = {};
    for (const [k, v] of Object.entries(weights)) vars[k] = MatArray.from(v.data, matShape(v.shape));
    vars.w_eff = MatArray.from(wEff, [s.model.n, s.model.n]);
    if (!weights.tau) vars.tau = MatArray.from(tau, [s.model.n, 1]);
    vars.losses = MatArray.from(losses, [1, losses.length]);
    vars.step = step;
    vars.config_json = config;
    if (adam) {
      vars.adam_hyper = { beta1: s.optimizer!.beta1, beta2: s.optimizer!.beta2, epsilon: s.optimizer!.epsilon };
      vars.adam_t = Object.fromEntries(Object.entries(adam.t).map(([k, t]) => [k, t]));
      vars.adam_m = Object.fromEntries(Object.entries(adam.m).map(([k, v]) => [k, MatArray.from(v.data, matShape(v.shape))]));
      vars.adam_v = Object.fromEntries(Object.entries(adam.v).map(([k, v]) => [k, MatArray.from(v.data, matShape(v.shape))]));
    }
    saveMat(file, vars);
    return;
  }
  const tree: H5Tree = {
    '@attrs': { config_json: config, step },
    params: Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, new H5Array(v.data, v.shape)])),
    w_eff: new H5Array(wEff, [s.model.n, s.model.n]),
    tau: new H5Array(tau, [s.model.n]),
    losses: new H5Array(losses, [losses.length]),
  };
  if (adam) {
    tree.adam = {
      '@attrs': { beta1: s.optimizer!.beta1, beta2: s.optimizer!.beta2, epsilon: s.optimizer!.epsilon },
      t: Object.fromEntries(Object.entries(adam.t).map(([k, t]) => [k, t])),
      m: Object.fromEntries(Object.entries(adam.m).map(([k, v]) => [k, new H5Array(v.data, v.shape)])),
      v: Object.fromEntries(Object.entries(adam.v).map(([k, v]) => [k, new H5Array(v.data, v.shape)])),
    };
  }
  await writeH5(file, tree);
}

/** MATLAB has no 1-d arrays: vectors are stored as columns (N×1), matrices as they are. */
function matShape(shape: number[]): number[] {
  return shape.length === 1 ? [shape[0], 1] : shape;
}

function f32(v: unknown, where: string): Float32Array {
  if (v instanceof MatArray) return Float32Array.from(v.toFloat64());
  if (v instanceof H5Array) return Float32Array.from(v.data as ArrayLike<number>);
  throw new Error(`${where}: expected a numeric array`);
}

/** Load a checkpoint written by `saveCheckpoint`: a new model with the saved weights, Adam state and losses. */
export async function loadCheckpoint(file: string, opts: { activation?: Activation } = {}): Promise<LoadedCheckpoint> {
  const fmt = formatOf(file), base = path.basename(file);
  let configJson: string, step: number, losses: number[];
  const weights: Record<string, Float32Array> = {};
  const adam: AdamState = { t: {}, m: {}, v: {} };
  const hyper: AdamOptions = {};
  if (fmt === 'mat') {
    const vars = await loadMat(file);
    const cj = vars.config_json;
    if (typeof cj !== 'string') throw new Error(`checkpoint ${base}: no 'config_json' variable; not a ratelab checkpoint`);
    configJson = cj;
    step = Number((vars.step as MatArray).scalar());
    losses = Array.from((vars.losses as MatArray).toFloat64());
    const reserved = new Set(['config_json', 'step', 'losses', 'w_eff', 'adam_m', 'adam_v', 'adam_t', 'adam_hyper']);
    for (const [k, v] of Object.entries(vars)) if (!reserved.has(k)) weights[k] = f32(v, `checkpoint ${base}: '${k}'`);
    const struct = (name: string): Record<string, MatValue> => (isMatStruct(vars[name]) ? (vars[name] as Record<string, MatValue>) : {});
    for (const [k, v] of Object.entries(struct('adam_hyper'))) (hyper as Record<string, number>)[k] = Number((v as MatArray).scalar());
    for (const [k, t] of Object.entries(struct('adam_t'))) {
      adam.t[k] = Number((t as MatArray).scalar());
      adam.m[k] = { data: f32(struct('adam_m')[k], `checkpoint ${base}: adam_m.${k}`), shape: [] };
      adam.v[k] = { data: f32(struct('adam_v')[k], `checkpoint ${base}: adam_v.${k}`), shape: [] };
    }
  } else {
    const tree = await readH5(file);
    const attrs = (tree['@attrs'] ?? {}) as Record<string, unknown>;
    if (typeof attrs.config_json !== 'string') throw new Error(`checkpoint ${base}: no 'config_json' attribute; not a ratelab checkpoint`);
    configJson = attrs.config_json;
    step = Number(attrs.step);
    losses = tree.losses instanceof H5Array ? Array.from(tree.losses.data as ArrayLike<number>) : [];
    for (const [k, v] of Object.entries((tree.params ?? {}) as H5Tree)) weights[k] = f32(v, `checkpoint ${base}: params/${k}`);
    const g = (tree.adam ?? {}) as Record<string, H5Tree>;
    const ha = (g['@attrs'] ?? {}) as Record<string, unknown>;
    for (const k of ['beta1', 'beta2', 'epsilon'] as const) if (ha[k] !== undefined) hyper[k] = Number(ha[k]);
    for (const [k, t] of Object.entries(g.t ?? {})) {
      if (k === '@attrs') continue;
      adam.t[k] = Number(t instanceof H5Array ? t.data[0] : t);
      adam.m[k] = { data: f32(g.m[k], `checkpoint ${base}: adam/m/${k}`), shape: [] };
      adam.v[k] = { data: f32(g.v[k], `checkpoint ${base}: adam/v/${k}`), shape: [] };
    }
  }
  const config = configFromJson(configJson, opts.activation);
  const model = new Ctrnn(config);
  const missing = Object.keys(model.params).filter((k) => !(k in weights));
  if (missing.length) throw new Error(`checkpoint ${base}: missing parameters ${missing.join(', ')}`);
  const set: WeightSet = {};
  for (const k of Object.keys(model.params)) set[k] = { data: weights[k], shape: model.params[k].shape.slice() };
  model.setWeights(set);
  // Moments have their parameter's shape (MAT flattens vectors to columns; the data order is the same).
  for (const k of Object.keys(adam.t)) {
    if (!model.params[k]) throw new Error(`checkpoint ${base}: Adam state for unknown parameter '${k}'`);
    adam.m[k].shape = model.params[k].shape.slice();
    adam.v[k].shape = model.params[k].shape.slice();
  }
  const optimizer = new Adam(hyper);
  if (Object.keys(adam.t).length) optimizer.setState(adam);
  return { model, optimizer, losses, step, config };
}
