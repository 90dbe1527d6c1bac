/**
 * The one configuration object of a CT-RNN (PsychRNN style: constraints are options, not subclasses).
 * Every option and its default is documented here, once.
 */
import { Activation, ActivationName } from './activations';
import { BlockSpec, DaleMode } from './connectivity';

/** A scalar (same for every unit) or one value per unit. */
export type VecSpec = number | ArrayLike<number>;

/** A per-unit parameter with a value and whether the optimiser may change it. */
export interface ParamSpec {
  value?: VecSpec;
  trainable?: boolean;
}

/**
 * Time constant: a scalar or one per unit (fixed), or trainable with bounds through a sigmoid,
 * τ = min + (max − min)·σ(θ) (the AON model: min 1, max 100 steps with dt = 1).
 */
export type TauSpec = VecSpec | { min: number; max: number; theta?: VecSpec; trainable?: boolean };

/**
 * How recurrent noise enters x_t = (1−α)x + α(…) + noise, with ε ~ N(0, 1) per unit and step:
 * - `sqrt2alpha`: + √(2α)·σ·ε (PsychRNN);
 * - `unscaled`: + σ·ε (smooth-pursuit code: N(0,1)/100, not divided by τ);
 * - `inside-alpha`: α·(… + √(2τ/dt)·σ·ε), the Zemlianova reimplementation (equal to `sqrt2alpha` in exact arithmetic).
 */
export type NoiseScaling = 'sqrt2alpha' | 'unscaled' | 'inside-alpha';

export interface NoiseConfig {
  /** σ of recurrent noise. Default 0 (none). */
  rec?: number;
  /** σ of noise added to every input channel before W_in. Default 0. */
  input?: number;
  /** Default 'sqrt2alpha'. */
  scaling?: NoiseScaling;
  /** Input-noise scaling: 'unscaled' (default) or 'sqrt2alpha' (needs a scalar τ). */
  inputScaling?: 'unscaled' | 'sqrt2alpha';
  /** Seed of the noise stream. Default: init seed + 1. */
  seed?: number;
}

export interface ReadoutConfig {
  /** Units read out: all (default), the excitatory ones, or a list of indices. */
  units?: 'all' | 'excitatory' | ArrayLike<number>;
  /** Output bias: one per output (default), one shared scalar, or none. */
  bias?: 'per-output' | 'scalar' | 'none';
}

export interface InitConfig {
  /** Seed of all random initial weights. Default 0. */
  seed?: number;
  /** Std of W entries is recGain/√N (Dale modes: |N(0,1)|·recGain/√N, inhibitory columns ×nE/nI). Default 1. */
  recGain?: number;
  /** Std of W_in entries. Default 1/√nIn. */
  inStd?: number;
  /** Std of W_out entries. Default 1/√(units read out). */
  outStd?: number;
}

export interface CtrnnConfig {
  /** Number of units N. */
  n: number;
  /** Input channels. */
  nIn: number;
  /** Outputs. */
  nOut: number;
  /** Step (any unit, the same as τ). Default 1. */
  dt?: number;
  /** Default 10 (in dt's unit). */
  tau?: TauSpec;
  /** Default 'relu'. r = k ⊙ f(g ⊙ (x − θ) + e). */
  activation?: ActivationName | Activation;
  /** Input gain g. Default 1, fixed. */
  gain?: VecSpec | ParamSpec;
  /** Threshold θ. Default 0, fixed. */
  threshold?: VecSpec | ParamSpec;
  /** Response gain k. Default 1, fixed. */
  responseGain?: VecSpec | ParamSpec;
  /** External bias e inside the nonlinearity (AON: r = σ(x + I_ext)). Default 0, fixed. */
  extBias?: VecSpec | ParamSpec;
  /** Recurrent bias b (outside the nonlinearity). Default 0, trainable. */
  recBias?: VecSpec | ParamSpec;
  /** E/I labels (true = excitatory) or the fraction of excitatory units (taken first). Default: none. */
  excitatory?: boolean[] | ArrayLike<number> | number;
  /** Default 'columns' when `excitatory` is given, else 'none'. */
  dale?: DaleMode;
  /** Fixed sparsity mask (N·N, row-major, 1 = connection) or a random one with this density. Default none. */
  mask?: ArrayLike<number> | { density: number; seed?: number };
  /** W_ii = 0. Default false. */
  zeroDiagonal?: boolean;
  /** Areas and per-block rules. Default none. */
  blocks?: BlockSpec;
  /** Number of alternative input matrices (AON: W_in, W_in2 per task group). Default 1. */
  inputMatrices?: number;
  noise?: NoiseConfig;
  /** Initial state x_{−1}: zeros (default), trainable (from zeros) or fixed values. Per-trial values go to forward(). */
  x0?: 'zeros' | 'trainable' | VecSpec;
  /** Initial rate r_{−1}: f(x0) (default), trainable, or fixed values. */
  r0?: 'fromX' | 'trainable' | VecSpec;
  readout?: ReadoutConfig;
  init?: InitConfig;
}
