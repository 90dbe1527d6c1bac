/**
 * Connectivity constraints of the recurrent matrix: Dale's law from an E/I label per neuron, fixed sparsity
 * masks, zero diagonal, and area blocks with their own rules. Convention throughout: W[i, j] is the weight
 * from presynaptic unit j to postsynaptic unit i (row-major [N, N]), so Dale's law acts on columns.
 */
import { tf } from '../backend';
import { Rng, rng } from '../random';

/**
 * How Dale's law is enforced.
 * - `none`: W is used as is.
 * - `columns`: reparametrised, W_eff = |W| ⊙ sign(presynaptic); the optimiser sees the free W (PsychRNN, the
 *   rhythmic-timing network).
 * - `project-columns`: W_eff = W, and after each optimiser step W[:, j] ← sign_j |W[:, j]|.
 * - `project-rows`: the AON code as written: after each step rows of inhibitory units ← −|W|, rows of
 *   excitatory units ← +|W| (a sign per *postsynaptic* unit), diagonal zeroed. Kept to reproduce that paper
 *   and compare with the column rule.
 */
export type DaleMode = 'none' | 'columns' | 'project-columns' | 'project-rows';

/** Rule for one block (area) of W: rows are the `to` area, columns the `from` area. */
export interface BlockRule {
  from: number;
  to: number;
  /** `relu`: W_eff = max(W, 0) (AON inter-area); `excitatory`: only columns of excitatory units kept; `zero`: cut. */
  rule: 'relu' | 'excitatory' | 'zero';
}

export interface BlockSpec {
  /** Units per area, in order; must sum to N. */
  sizes: number[];
  rules: BlockRule[];
}

/** E/I labels: `true` = excitatory. A number is the fraction of excitatory units, taken first (0..nE−1). */
export function eiLabels(n: number, spec: boolean[] | ArrayLike<number> | number): Uint8Array {
  const out = new Uint8Array(n);
  if (typeof spec === 'number') {
    if (!(spec >= 0 && spec <= 1)) throw new Error(`ctrnn config 'excitatory': fraction must be in [0, 1], got ${spec}`);
    const nE = Math.round(spec * n);
    for (let i = 0; i < nE; i++) out[i] = 1;
    return out;
  }
  if (spec.length !== n) throw new Error(`ctrnn config 'excitatory': needs ${n} labels, got ${spec.length}`);
  for (let i = 0; i < n; i++) out[i] = (spec as ArrayLike<number | boolean>)[i] ? 1 : 0;
  return out;
}

/** Random fixed mask with the given connection probability (diagonal kept unless zeroed elsewhere). */
export function randomMask(n: number, density: number, seed: number): Float32Array {
  if (!(density > 0 && density <= 1)) throw new Error(`ctrnn config 'mask.density' must be in (0, 1], got ${density}`);
  const r: Rng = rng(seed);
  const m = new Float32Array(n * n);
  for (let k = 0; k < n * n; k++) m[k] = r.uniform() < density ? 1 : 0;
  return m;
}

/** Area index of each unit from block sizes. */
export function areaOf(sizes: number[], n: number): Int32Array {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== n) throw new Error(`ctrnn config 'blocks.sizes' sum to ${total}, but n = ${n}`);
  const out = new Int32Array(n);
  let k = 0;
  sizes.forEach((s, a) => { for (let i = 0; i < s; i++) out[k++] = a; });
  return out;
}

/**
 * Fixed matrices that turn the free W into W_eff, computed once per model: `mask` (sparsity, diagonal,
 * zero blocks, excitatory-only blocks), `reluMask` (entries that pass through ReLU) and the column signs.
 */
export interface ConnectivityPlan {
  n: number;
  dale: DaleMode;
  /** 1 = excitatory, per unit. */
  excitatory: Uint8Array | null;
  mask: Float32Array | null;
  reluMask: Float32Array | null;
  zeroDiagonal: boolean;
}

export function buildPlan(opts: {
  n: number; dale: DaleMode; excitatory: Uint8Array | null; mask: Float32Array | null; zeroDiagonal: boolean;
  blocks?: BlockSpec;
}): ConnectivityPlan {
  const { n, dale, excitatory } = opts;
  if (dale !== 'none' && !excitatory) throw new Error(`ctrnn config: dale '${dale}' needs 'excitatory' labels`);
  let mask = opts.mask ? Float32Array.from(opts.mask) : null;
  if (mask && mask.length !== n * n) throw new Error(`ctrnn config 'mask': needs ${n * n} entries, got ${mask.length}`);
  const ensureMask = () => (mask ??= new Float32Array(n * n).fill(1));
  if (opts.zeroDiagonal) { const m = ensureMask(); for (let i = 0; i < n; i++) m[i * n + i] = 0; }
  let reluMask: Float32Array | null = null;
  if (opts.blocks) {
    const area = areaOf(opts.blocks.sizes, n);
    for (const br of opts.blocks.rules) {
      const nAreas = opts.blocks.sizes.length;
      if (br.from < 0 || br.from >= nAreas || br.to < 0 || br.to >= nAreas) {
        throw new Error(`ctrnn config 'blocks.rules': area index out of range in ${JSON.stringify(br)} (${nAreas} areas)`);
      }
      if (br.rule === 'excitatory' && !excitatory) throw new Error(`ctrnn config 'blocks.rules': 'excitatory' rule needs 'excitatory' labels`);
      for (let i = 0; i < n; i++) {
        if (area[i] !== br.to) continue;
        for (let j = 0; j < n; j++) {
          if (area[j] !== br.from) continue;
          if (br.rule === 'zero' || (br.rule === 'excitatory' && !excitatory![j])) ensureMask()[i * n + j] = 0;
          else if (br.rule === 'relu') (reluMask ??= new Float32Array(n * n))[i * n + j] = 1;
        }
      }
    }
  }
  return { n, dale, excitatory, mask, reluMask, zeroDiagonal: opts.zeroDiagonal };
}

/** Tensors of a plan, created once per model and kept. */
export interface PlanTensors {
  mask: tf.Tensor2D | null;
  reluMask: tf.Tensor2D | null;
  /** ±1 per presynaptic column, shape [1, N] (columns mode only). */
  colSign: tf.Tensor2D | null;
}

export function planTensors(p: ConnectivityPlan): PlanTensors {
  const n = p.n;
  {
    const out: PlanTensors = {
      mask: p.mask ? tf.keep(tf.tensor2d(p.mask, [n, n])) : null,
      reluMask: p.reluMask ? tf.keep(tf.tensor2d(p.reluMask, [n, n])) : null,
      colSign: p.dale === 'columns' ? tf.keep(tf.tensor2d(Float32Array.from(p.excitatory!, (e) => (e ? 1 : -1)), [1, n])) : null,
    };
    return out;
  }
}

/** W_eff from the free W, differentiable (generic autodiff: these are a few elementwise ops per step). */
export function effectiveW(w: tf.Tensor2D, p: ConnectivityPlan, t: PlanTensors): tf.Tensor2D {
  return tf.tidy(() => {
    let x: tf.Tensor2D = w;
    if (t.colSign) x = tf.mul(tf.abs(x), t.colSign);
    if (t.reluMask) x = tf.add(x, tf.mul(t.reluMask, tf.sub(tf.relu(x), x)));
    if (t.mask) x = tf.mul(x, t.mask);
    // Always a new tensor, never the variable itself: callers own (and may dispose) the result.
    return x === w ? tf.clone(w) : x;
  });
}

/** In-place projection of W (Float32 row-major) after an optimiser step, for the projection modes. */
export function projectW(w: Float32Array, p: ConnectivityPlan): void {
  const n = p.n, e = p.excitatory;
  if (p.dale === 'project-columns') {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const v = Math.abs(w[i * n + j]); w[i * n + j] = e![j] ? v : -v; }
  } else if (p.dale === 'project-rows') {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const v = Math.abs(w[i * n + j]); w[i * n + j] = e![i] ? v : -v; }
    for (let i = 0; i < n; i++) w[i * n + i] = 0;
  }
}
