/**
 * The AON network built with the shared CT-RNN factory, which expresses it exactly:
 *   x_t = (1 − 1/τ)⊙x_{t−1} + (1/τ)⊙(W_eff r_{t−1} + W_in u_{t−1}),   r_t = σ(x_t + I_ext),   τ = 1 + 99·σ(θ)
 * (dt = 1; `tau: {min 1, max 100}` trains θ; `extBias` is I_ext inside the sigmoid; no recurrent bias, no
 * noise). W_eff keeps the within-area blocks and passes the six inter-area blocks through ReLU (`blocks`
 * rules). Two input matrices (`inputMatrices: 2`) serve the two task groups. After each Adam step the
 * original projects W row-wise — inhibitory *rows* ← −|W|, excitatory rows ← +|W|, diagonal ← 0 — which is the
 * factory's `dale: 'project-rows'`. It is not Dale's law (a sign per presynaptic unit, i.e. per column), and
 * together with the inter-area ReLU it leaves inhibitory units with no inter-area input at all (their rows
 * are ≤ 0, and ReLU zeroes them). `signRule: 'columns'` gives Dale's law proper (`project-columns`).
 */
import { Ctrnn, ctrnn } from '../../models/ctrnn';
import { CtrnnConfig } from '../../models/config';
import { BlockRule } from '../../models/connectivity';
import { rng } from '../../random';
import { AonMasks, AonRates } from './data';
import { N_CHANNELS } from './stimulus';

export interface AonModelOptions {
  /** 'rows' (default): the original code's row-wise sign projection; 'columns': Dale's law (sign per presynaptic unit). */
  signRule?: 'rows' | 'columns';
  /** Seed of W, W_in, W_in2 and θ. Default 0. */
  seed?: number;
  /** W entries |N(0, 1)|·gain/√N. Default 1. */
  gain?: number;
  /** σ of W_in and W_in2 entries. Default 0.05. */
  inStd?: number;
  /** σ of the initial θ (τ = 1 + 99σ(θ)). Default 0.1. */
  thetaStd?: number;
}

/** Inter-area blocks pass through ReLU; within-area blocks are used as they are. */
export function interAreaRelu(nAreas: number): BlockRule[] {
  const rules: BlockRule[] = [];
  for (let to = 0; to < nAreas; to++) for (let from = 0; from < nAreas; from++) if (to !== from) rules.push({ from, to, rule: 'relu' });
  return rules;
}

/** The factory config of the AON model (θ drawn from the seed). */
export function aonModelConfig(masks: AonMasks, opts: AonModelOptions = {}): CtrnnConfig {
  const seed = opts.seed ?? 0;
  const n = masks.n;
  const theta = rng(seed + 7919).normals(n, 0, opts.thetaStd ?? 0.1);
  const rows = (opts.signRule ?? 'rows') === 'rows';
  if (opts.signRule && opts.signRule !== 'rows' && opts.signRule !== 'columns') {
    throw new Error(`aonModel: signRule must be 'rows' or 'columns', got '${opts.signRule}'`);
  }
  return {
    n, nIn: N_CHANNELS, nOut: 1, dt: 1,
    activation: 'sigmoid',
    tau: { min: 1, max: 100, theta: Array.from(theta), trainable: true },
    extBias: { value: 0, trainable: true },
    recBias: { value: 0, trainable: false },
    excitatory: Array.from(masks.excitatory),
    dale: rows ? 'project-rows' : 'project-columns',
    // The row rule zeroes the diagonal in its projection (and the gradient of W_ii still counts in the
    // clipping norm, as in the original); the column rule has no such step, so a mask keeps W_ii = 0.
    zeroDiagonal: !rows,
    blocks: { sizes: masks.areaSizes.slice(), rules: interAreaRelu(masks.areaSizes.length) },
    inputMatrices: 2,
    x0: 'zeros',
    r0: 0,
    // The readout is not part of the model (the loss compares rates); a 1-unit readout without bias is kept
    // only because the factory always has one.
    readout: { bias: 'none' },
    init: { seed, recGain: opts.gain ?? 1, inStd: opts.inStd ?? 0.05 },
  };
}

/** The parameters the original trains: W, W_in, W_in2, I_ext and θ. */
export const AON_TRAINED = ['w', 'w_in', 'w_in2', 'ext_bias', 'tau_theta'];

/**
 * Build the AON model. The factory draws W = N(0,1)·gain/√N; the sign projection applied right away gives
 * the original's start, |N(0,1)|·gain/√N with inhibitory rows negative and a zero diagonal (for 'columns':
 * inhibitory columns negative, scaled by nE/nI as the factory does for Dale's law).
 */
export function aonModel(masks: AonMasks, opts: AonModelOptions = {}): Ctrnn {
  const m = ctrnn(aonModelConfig(masks, opts));
  m.project();
  return m;
}

/**
 * Warm start (not in the original, which starts from I_ext = 0): set I_ext so that each unit's mean recorded
 * rate r̄ would be a fixed point of the initial network, I_ext = logit(r̄) − W_eff r̄. With the original init
 * the excitatory units start saturated (their rows are all positive: Σ_j W_ij r_j ≈ 0.4√N ≈ 7.5), and the
 * first tens of Adam steps only undo that; QUICK runs use this to spend their few steps on the fit itself.
 */
export function warmStartExtBias(model: Ctrnn, data: AonRates): void {
  const n = model.n;
  if (data.n !== n) throw new Error(`warmStartExtBias: data have ${data.n} units, the model ${n}`);
  const rbar = new Float64Array(n);
  const count = data.tasks * data.bins;
  for (let k = 0; k < count; k++) for (let i = 0; i < n; i++) rbar[i] += data.rates[k * n + i] / count;
  const w = model.effectiveW();
  const ext = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.min(Math.max(rbar[i], 1e-3), 1 - 1e-3);
    let x = 0;
    for (let j = 0; j < n; j++) x += w[i * n + j] * Math.min(Math.max(rbar[j], 1e-3), 1 - 1e-3);
    ext[i] = Math.log(r / (1 - r)) - x;
  }
  model.setWeights({ ext_bias: ext });
}
