/**
 * Analyses of a fitted AON model: simulation of the 12 tasks (binned like the data), fit quality (R²) per
 * area, task and unit group, learned time constants, inter-area weight structure, the linearised dynamics'
 * spectral abscissa, and recovery of a surrogate's teacher.
 */
import { tf } from '../../backend';
import { pearson } from '../../analysis/correlation';
import { spectralAbscissa } from '../../analysis/linalg';
import { Ctrnn, Perturbation } from '../../models/ctrnn';
import { Batch } from '../../train/trainer';
import { JUPYTER_DISPLAY } from '../../notebook/display';
import { AonMasks, AonRates, AREA_NAMES, UNIT_GROUPS } from './data';
import { binRates } from './train';

export interface SimulateOptions {
  /** Units silenced (r = 0) for the whole trial. */
  silence?: ArrayLike<number>;
  /** Warm-up steps and bin width (defaults 100, 4). */
  warmup?: number;
  window?: number;
  /** Number of bins (default: the batch targets', else all whole bins after the warm-up). */
  bins?: number;
  /** Model steps at which to return the states x ([task, unit] each). */
  statesAt?: number[];
}

export interface Simulation {
  /** Binned rates, like the data: [task, bin, unit]. */
  rates: AonRates;
  /** States x at the requested steps: step → [task, unit]. */
  states: Map<number, Float32Array>;
}

/** Run the 12 tasks (no gradients) and bin the rates as the loss does. */
export function simulateTasks(model: Ctrnn, batch: Batch, opts: SimulateOptions = {}): Simulation {
  const warmup = opts.warmup ?? 100, window = opts.window ?? 4;
  const tShape = batch.targets instanceof tf.Tensor ? batch.targets.shape : batch.targets.shape;
  const T = (batch.inputs instanceof tf.Tensor ? batch.inputs.shape : batch.inputs.shape)[0];
  // The original's recorded window r[warmup:] has T + 1 − warmup steps (the model runs T = T_total − 1 steps).
  const bins = opts.bins ?? (tShape[0] > 0 ? tShape[0] : Math.floor((T + 1 - warmup) / window));
  const perturbations: Perturbation[] = opts.silence && opts.silence.length
    ? [{ from: 0, to: T, units: opts.silence, mode: 'silence' }] : [];
  const wantStates = (opts.statesAt ?? []).length > 0;
  const res = model.forward(batch.inputs, {
    inputSet: batch.inputSet, x0: batch.x0, r0: batch.r0, perturbations, states: wantStates, noise: false,
  });
  const binned = binRates(res.rates, bins, warmup, window);
  const n = model.n, B = res.B;
  const flat = binned.dataSync() as Float32Array;
  // [bin, task, unit] → [task, bin, unit]
  const rates = new Float32Array(B * bins * n);
  for (let b = 0; b < bins; b++) for (let k = 0; k < B; k++) rates.set(flat.subarray((b * B + k) * n, (b * B + k + 1) * n), (k * bins + b) * n);
  const states = new Map<number, Float32Array>();
  if (wantStates) {
    const xs = res.states!.dataSync() as Float32Array;
    for (const t of opts.statesAt!) {
      if (!(t >= 0 && t < res.T)) throw new Error(`simulateTasks: statesAt ${t} is outside 0..${res.T - 1}`);
      states.set(t, xs.slice(t * B * n, (t + 1) * B * n));
    }
  }
  tf.dispose([res.rates, res.outputs, res.states!, binned].filter(Boolean));
  return {
    rates: { n, tasks: B, bins, rates, icRates: new Float32Array(B * n), icStates: new Float32Array(B * n), source: 'model' },
    states,
  };
}

/**
 * Pooled R² of `pred` against `data` over the chosen units and tasks: 1 − Σ(y − ŷ)² / Σ(y − ȳ_i)², with ȳ_i
 * each unit's mean over those tasks and bins (so a unit's constant offset earns nothing).
 */
export function r2Pooled(pred: AonRates, data: AonRates, units: ArrayLike<number>, tasks: ArrayLike<number> = range(data.tasks)): number {
  if (pred.n !== data.n || pred.bins !== data.bins) throw new Error(`r2Pooled: model [${pred.bins} bins, ${pred.n} units] vs data [${data.bins}, ${data.n}]`);
  const { n, bins } = data;
  let res = 0, tot = 0;
  for (let u = 0; u < units.length; u++) {
    const i = units[u];
    let mean = 0;
    for (let k = 0; k < tasks.length; k++) for (let b = 0; b < bins; b++) mean += data.rates[(tasks[k] * bins + b) * n + i];
    mean /= tasks.length * bins;
    for (let k = 0; k < tasks.length; k++) for (let b = 0; b < bins; b++) {
      const at = (tasks[k] * bins + b) * n + i;
      res += (data.rates[at] - pred.rates[at]) ** 2;
      tot += (data.rates[at] - mean) ** 2;
    }
  }
  return tot > 0 ? 1 - res / tot : NaN;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export interface FitQuality {
  overall: number;
  byArea: Record<string, number>;
  /** One value per task (1..12 in the paper's numbering → index 0..11). */
  byTask: number[];
  byGroup: Record<string, number>;
  /** R² of each unit over all tasks. */
  perUnit: Float64Array;
  rows: Array<Record<string, string | number>>;
}

/** R² overall, per area, per task and per unit group (mirror / non-mirror × E / I). */
export function fitQuality(pred: AonRates, data: AonRates, masks: AonMasks): FitQuality {
  const all = range(masks.n);
  const byArea: Record<string, number> = {};
  masks.areaSizes.forEach((_, a) => (byArea[AREA_NAMES[a] ?? `area ${a}`] = r2Pooled(pred, data, masks.select(a))));
  const byGroup: Record<string, number> = {};
  for (const g of UNIT_GROUPS) byGroup[g] = r2Pooled(pred, data, masks.select('all', g));
  const byTask = range(data.tasks).map((k) => r2Pooled(pred, data, all, [k]));
  const perUnit = Float64Array.from(all, (i) => r2Pooled(pred, data, [i]));
  const overall = r2Pooled(pred, data, all);
  const rows: Array<Record<string, string | number>> = [
    { subset: 'all units', R2: overall },
    ...Object.entries(byArea).map(([k, v]) => ({ subset: `area ${k}`, R2: v })),
    ...Object.entries(byGroup).map(([k, v]) => ({ subset: k, R2: v })),
  ];
  const q: FitQuality = { overall, byArea, byTask, byGroup, perUnit, rows };
  (q as unknown as Record<symbol, unknown>)[JUPYTER_DISPLAY] = () => ({
    'text/plain': rows.map((r) => `${r.subset}: R² = ${(r.R2 as number).toFixed(3)}`).join('\n'),
  });
  return q;
}

/** τ of each unit with area and group, and the median per area × group. */
export function tauSummary(model: Ctrnn, masks: AonMasks): { tau: Float32Array; rows: Array<Record<string, string | number>> } {
  const tau = model.tau();
  const rows: Array<Record<string, string | number>> = [];
  masks.areaSizes.forEach((_, a) => {
    for (const g of UNIT_GROUPS) {
      const v = masks.select(a, g).map((i) => tau[i]).sort((x, y) => x - y);
      if (!v.length) continue;
      rows.push({
        area: AREA_NAMES[a] ?? `area ${a}`, group: g, units: v.length,
        median_tau: v[Math.floor(v.length / 2)], mean_tau: v.reduce((s, x) => s + x, 0) / v.length,
      });
    }
  });
  return { tau, rows };
}

export interface WeightBlocks {
  /** Mean W_eff[to, from] per area pair and presynaptic type: meanE[to][from], meanI[to][from]. */
  meanE: number[][];
  meanI: number[][];
  /** Fraction of non-zero entries per area pair (all presynaptic units). */
  nonzero: number[][];
  /** Σ|W_eff| over inter-area entries onto inhibitory units (0 under the row rule) and onto excitatory ones. */
  interAreaOntoI: number;
  interAreaOntoE: number;
}

/** Inter-area weight structure of W_eff. */
export function weightBlocks(model: Ctrnn, masks: AonMasks): WeightBlocks {
  const w = model.effectiveW(), n = masks.n, A = masks.areaSizes.length;
  const z = () => Array.from({ length: A }, () => new Array<number>(A).fill(0));
  const sumE = z(), sumI = z(), cntE = z(), cntI = z(), nz = z(), cnt = z();
  let ontoI = 0, ontoE = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const to = masks.area[i], from = masks.area[j], v = w[i * n + j];
    if (i === j) continue;
    if (masks.inhibitory[j]) { sumI[to][from] += v; cntI[to][from]++; } else { sumE[to][from] += v; cntE[to][from]++; }
    cnt[to][from]++;
    if (v !== 0) nz[to][from]++;
    if (to !== from) { if (masks.inhibitory[i]) ontoI += Math.abs(v); else ontoE += Math.abs(v); }
  }
  const div = (s: number[][], c: number[][]) => s.map((r, a) => r.map((v, b) => (c[a][b] ? v / c[a][b] : 0)));
  return { meanE: div(sumE, cntE), meanI: div(sumI, cntI), nonzero: div(nz, cnt), interAreaOntoI: ontoI, interAreaOntoE: ontoE };
}

/**
 * Jacobian of the continuous-time linearisation at state x: J = diag(1/τ)(−I + W_eff diag(σ'(x + I_ext) ⊙ m)),
 * m = 0 for silenced units (their rate is clamped, so they feed nothing back). Row-major Float64 [N, N].
 */
export function linearisedJacobian(model: Ctrnn, x: ArrayLike<number>, silence: ArrayLike<number> = []): Float64Array {
  const n = model.n;
  if (x.length !== n) throw new Error(`linearisedJacobian: state has ${x.length} values, the model ${n} units`);
  const w = model.effectiveW(), tau = model.tau();
  const ext = model.params.ext_bias.dataSync() as Float32Array;
  const d = new Float64Array(n);
  for (let j = 0; j < n; j++) { const s = 1 / (1 + Math.exp(-(x[j] + ext[j]))); d[j] = s * (1 - s); }
  for (let k = 0; k < silence.length; k++) d[silence[k]] = 0;
  const J = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = 1 / tau[i];
    for (let j = 0; j < n; j++) J[i * n + j] = a * w[i * n + j] * d[j];
    J[i * n + i] -= a;
  }
  return J;
}

/** Spectral abscissa (max Re λ) of the linearised dynamics at x, in 1/steps; < 0 means locally stable. */
export function stabilityAt(model: Ctrnn, x: ArrayLike<number>, silence: ArrayLike<number> = []): number {
  const n = model.n;
  return spectralAbscissa({ data: linearisedJacobian(model, x, silence), shape: [n, n] });
}

/** Mean state over the given tasks, from a [task, unit] array. */
export function meanState(states: Float32Array, tasks: number[], n: number): Float64Array {
  const m = new Float64Array(n);
  for (const k of tasks) for (let i = 0; i < n; i++) m[i] += states[k * n + i] / tasks.length;
  return m;
}

export interface TeacherRecovery {
  /** Pearson r between student and teacher: τ, I_ext, W_eff within-area entries, inter-area entries, W_in, W_in2. */
  tau: number;
  extBias: number;
  wWithin: number;
  wInter: number;
  wIn: number;
  wIn2: number;
}

/** How well a model fitted to surrogate data recovers the teacher's parameters (only possible on a surrogate). */
export function teacherRecovery(student: Ctrnn, teacher: Ctrnn, masks: AonMasks): TeacherRecovery {
  const n = masks.n;
  const ws = student.effectiveW(), wt = teacher.effectiveW();
  const within: [number[], number[]] = [[], []], inter: [number[], number[]] = [[], []];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (i === j) continue;
    const dst = masks.area[i] === masks.area[j] ? within : inter;
    dst[0].push(ws[i * n + j]); dst[1].push(wt[i * n + j]);
  }
  const r = (a: ArrayLike<number>, b: ArrayLike<number>) => pearson(a, b).r;
  const P = (m: Ctrnn, k: string) => m.params[k].dataSync() as Float32Array;
  return {
    tau: r(student.tau(), teacher.tau()),
    extBias: r(P(student, 'ext_bias'), P(teacher, 'ext_bias')),
    wWithin: r(within[0], within[1]),
    wInter: r(inter[0], inter[1]),
    wIn: r(P(student, 'w_in'), P(teacher, 'w_in')),
    wIn2: r(P(student, 'w_in2'), P(teacher, 'w_in2')),
  };
}


/**
 * Response modulation of each unit under each agent: the RMS deviation of its rate, over the tasks of that
 * agent and the bins from `fromBin` on, from its own pre-cue baseline (mean of the bins before `fromBin`, per
 * task). Mirror units should be modulated under both agents, non-mirror units mainly under one.
 */
export function responseModulation(d: AonRates, fromBin = 30): { execution: Float64Array; observation: Float64Array } {
  const { n, bins } = d;
  if (!(fromBin > 0 && fromBin < bins)) throw new Error(`responseModulation: fromBin ${fromBin} must be inside 1..${bins - 1}`);
  const out = { execution: new Float64Array(n), observation: new Float64Array(n) };
  for (let g = 0; g < 2; g++) {
    const dst = g === 0 ? out.execution : out.observation;
    for (let i = 0; i < n; i++) {
      let acc = 0, cnt = 0;
      for (let c = 0; c < d.tasks / 2; c++) {
        const k = g * (d.tasks / 2) + c;
        let base = 0;
        for (let b = 0; b < fromBin; b++) base += d.rates[(k * bins + b) * n + i] / fromBin;
        for (let b = fromBin; b < bins; b++) { acc += (d.rates[(k * bins + b) * n + i] - base) ** 2; cnt++; }
      }
      dst[i] = Math.sqrt(acc / cnt);
    }
  }
  return out;
}
