/**
 * Selective silencing of unit groups in the fitted AON model, and what it changes: the rates of the other
 * units, the decodability of the stimulus condition and of the agent (execution, tasks 1–6 through W_in, vs
 * observation, tasks 7–12 through W_in2), and the stability of the linearised dynamics. Each silenced set
 * can be compared with random sets of the same size from the same area (matched controls).
 *
 * Decoding is cross-validated shrinkage LDA (analysis/decoding) on binned population vectors with added
 * Gaussian "observation" noise (seeded, the same draw for every perturbation), which keeps accuracies off the
 * ceiling a noise-free deterministic model would give:
 * - condition within each agent, samples = bins of the chosen epoch, folds = blocks of bins. Conditions 2 and
 *   5 receive the same stimulus (object 3, no cue; only the noise differs), so they are one class: 5 classes,
 *   chance (the largest class) 2/6;
 * - agent (2 classes), samples = bins of all 12 tasks, leave-one-condition-out folds, so the decoder has to
 *   generalise to a condition it never saw.
 */
import { crossValidatedAccuracy } from '../../analysis/decoding';
import { Dense2D } from '../../analysis/dense';
import { Ctrnn } from '../../models/ctrnn';
import { JUPYTER_DISPLAY } from '../../notebook/display';
import { rng } from '../../random';
import { Batch } from '../../train/trainer';
import { meanState, simulateTasks, stabilityAt } from './analysis';
import { AonMasks, AonRates, AreaName, N_CONDITIONS, UnitGroup } from './data';
import { taskCondition, taskGroup } from './stimulus';

export interface DecodingOptions {
  /** First bin and one past the last bin of the decoding epoch. Default: bin 70 (object onset) to the end. */
  fromBin?: number;
  toBin?: number;
  /** σ of the observation noise added to each binned rate. Default 0.1. */
  noise?: number;
  /** Seed of that noise. Default 0. */
  seed?: number;
  /** LDA shrinkage. Default 0.1. */
  shrinkage?: number;
  /** Folds (blocks of bins) for condition decoding. Default 5. */
  folds?: number;
  /** Units used as features. Default: all. */
  units?: ArrayLike<number>;
  /** Use every k-th bin of the epoch as a sample (fewer samples, faster). Default 1. */
  binStep?: number;
}

export interface Decoding {
  /** Condition accuracy within execution tasks (1–6) and within observation tasks (7–12); chance 1/3. */
  conditionExecution: number;
  conditionObservation: number;
  /** Agent accuracy, leave-one-condition-out; chance 1/2. */
  agent: number;
}

/** Cross-validated condition and agent decoding from binned rates (see the module comment). */
export function decodeTasks(rates: AonRates, opts: DecodingOptions = {}): Decoding {
  const from = opts.fromBin ?? 70, to = opts.toBin ?? rates.bins;
  if (!(from >= 0 && to <= rates.bins && from < to)) throw new Error(`decodeTasks: epoch [${from}, ${to}) is outside 0..${rates.bins}`);
  const units = opts.units ? Array.from(opts.units) : Array.from({ length: rates.n }, (_, i) => i);
  const sigma = opts.noise ?? 0.1, F = opts.folds ?? 5, step = opts.binStep ?? 1;
  if (!(Number.isInteger(step) && step >= 1)) throw new Error(`decodeTasks: binStep must be a positive integer, got ${step}`);
  const binsUsed: number[] = [];
  for (let b = from; b < to; b += step) binsUsed.push(b);
  const nb = binsUsed.length, p = units.length, n = rates.n;
  // One noise draw per (task, bin, feature), shared by all calls with the same seed and shape.
  const r = rng(opts.seed ?? 0);
  const noisy = new Float64Array(rates.tasks * nb * p);
  for (let k = 0; k < rates.tasks; k++) for (let b = 0; b < nb; b++) for (let f = 0; f < p; f++) {
    noisy[(k * nb + b) * p + f] = rates.rates[(k * rates.bins + binsUsed[b]) * n + units[f]] + sigma * r.normal();
  }
  const sample = (tasks: number[]): Dense2D => {
    const data = new Float64Array(tasks.length * nb * p);
    tasks.forEach((k, i) => data.set(noisy.subarray(k * nb * p, (k + 1) * nb * p), i * nb * p));
    return { data, shape: [tasks.length * nb, p] };
  };
  const lda = { shrinkage: opts.shrinkage ?? 0.1 };
  const cond = (group: number) => {
    const tasks = Array.from({ length: N_CONDITIONS }, (_, c) => group * N_CONDITIONS + c);
    const y: number[] = [], folds: number[] = [];
    for (const k of tasks) for (let b = 0; b < nb; b++) { y.push(stimulusClass(taskCondition(k))); folds.push(Math.floor((b * F) / nb)); }
    return crossValidatedAccuracy(sample(tasks), y, folds, lda).accuracy;
  };
  const all = Array.from({ length: rates.tasks }, (_, k) => k);
  const y: number[] = [], folds: number[] = [];
  for (const k of all) for (let b = 0; b < nb; b++) { y.push(taskGroup(k)); folds.push(taskCondition(k)); }
  return {
    conditionExecution: cond(0),
    conditionObservation: cond(1),
    agent: crossValidatedAccuracy(sample(all), y, folds, lda).accuracy,
  };
}

/** Conditions with distinct stimuli: 5 (object 3 without cue) is the same stimulus as 2. */
export function stimulusClass(condition: number): number {
  return condition === 5 ? 2 : condition;
}

export type SilencedGroup = 'mirror' | 'non-mirror' | 'E' | 'I' | UnitGroup | 'all';

export interface SilencingSet {
  label: string;
  area: AreaName | 'all';
  group: SilencedGroup;
  units: number[];
  /** True for a random matched control. */
  control?: boolean;
}

/** One set per area × group (empty sets left out). */
export function silencingSets(masks: AonMasks, areas: Array<AreaName | 'all'> = ['AIP', 'F5', 'F6'],
  groups: SilencedGroup[] = ['mirror', 'non-mirror', 'E', 'I']): SilencingSet[] {
  const out: SilencingSet[] = [];
  for (const area of areas) for (const group of groups) {
    const units = masks.select(area, group);
    if (units.length) out.push({ label: `${area} ${group}`, area, group, units });
  }
  return out;
}

/** A random set of the same size from the same area (seeded). */
export function matchedControl(masks: AonMasks, set: SilencingSet, seed: number): SilencingSet {
  const pool = masks.select(set.area, 'all');
  const perm = rng(seed).permutation(pool.length);
  const units = Array.from(perm.subarray(0, set.units.length), (k) => pool[k]).sort((a, b) => a - b);
  return { label: `${set.label} (random ${units.length})`, area: set.area, group: set.group, units, control: true };
}

export interface PerturbationOptions {
  decoding?: DecodingOptions;
  /** Compute the spectral abscissa (one eigen-decomposition per agent and set; ~1 s each at N = 355). Default true. */
  stability?: boolean;
  /** Model step whose state (averaged over an agent's 6 tasks) is linearised. Default: the last step. */
  stabilityStep?: number;
  /** Also compute the abscissa for the random controls (doubles the eigen-decompositions). Default false. */
  stabilityControls?: boolean;
  /** Random matched controls per set. Default 1. */
  controls?: number;
  /** Seed of the controls. Default 0. */
  seed?: number;
  warmup?: number;
  window?: number;
  /** Called after each set (e.g. for progress). */
  onSet?: (done: number, total: number, label: string) => void;
}

export interface PerturbationEffect {
  label: string;
  area: string;
  group: string;
  control: boolean;
  units: number;
  /** RMS change of the other units' binned rates, execution and observation tasks. */
  rateChangeExecution: number;
  rateChangeObservation: number;
  conditionExecution: number;
  conditionObservation: number;
  agent: number;
  /** Spectral abscissa (1/steps) of the linearised dynamics, execution and observation states (NaN if off). */
  abscissaExecution: number;
  abscissaObservation: number;
}

export interface PerturbationStudy {
  intact: PerturbationEffect;
  effects: PerturbationEffect[];
  /** Effects as table rows with changes relative to the intact model. */
  rows: Array<Record<string, string | number | boolean>>;
}

/** Silence each set (and its matched controls) for whole trials and measure the effects. */
export function perturbationStudy(model: Ctrnn, batch: Batch, masks: AonMasks, sets: SilencingSet[], opts: PerturbationOptions = {}): PerturbationStudy {
  const T = (batch.inputs as { shape: number[] }).shape[0];
  const step = opts.stabilityStep ?? T - 1;
  const doStab = opts.stability ?? true;
  const sim = (silence: number[]) => simulateTasks(model, batch, { silence, warmup: opts.warmup, window: opts.window, statesAt: doStab ? [step] : [] });
  const base = sim([]);
  const n = model.n;
  const exec = [0, 1, 2, 3, 4, 5], obs = [6, 7, 8, 9, 10, 11];
  const measure = (set: SilencingSet | null): PerturbationEffect => {
    const s = set ? sim(set.units) : base;
    const silenced = new Set(set?.units ?? []);
    const rms = (tasks: number[]) => {
      let acc = 0, cnt = 0;
      const { bins } = s.rates;
      for (const k of tasks) for (let b = 0; b < bins; b++) for (let i = 0; i < n; i++) {
        if (silenced.has(i)) continue;
        const at = (k * bins + b) * n + i;
        acc += (s.rates.rates[at] - base.rates.rates[at]) ** 2; cnt++;
      }
      return Math.sqrt(acc / Math.max(cnt, 1));
    };
    const dec = decodeTasks(s.rates, opts.decoding);
    const stab = (tasks: number[]) => (doStab && (!set?.control || opts.stabilityControls) ? stabilityAt(model, meanState(s.states.get(step)!, tasks, n), set?.units ?? []) : NaN);
    return {
      label: set?.label ?? 'intact', area: set?.area ?? '—', group: set?.group ?? '—', control: set?.control ?? false,
      units: set?.units.length ?? 0,
      rateChangeExecution: rms(exec), rateChangeObservation: rms(obs),
      conditionExecution: dec.conditionExecution, conditionObservation: dec.conditionObservation, agent: dec.agent,
      abscissaExecution: stab(exec), abscissaObservation: stab(obs),
    };
  };
  const intact = measure(null);
  const all: SilencingSet[] = [];
  sets.forEach((set, k) => {
    all.push(set);
    for (let c = 0; c < (opts.controls ?? 1); c++) all.push(matchedControl(masks, set, (opts.seed ?? 0) * 1000 + k * 17 + c));
  });
  const effects: PerturbationEffect[] = [];
  all.forEach((set, k) => { effects.push(measure(set)); opts.onSet?.(k + 1, all.length, set.label); });
  const rows = effects.map((e) => ({
    silenced: e.label, control: e.control, units: e.units,
    dRate_exec: e.rateChangeExecution, dRate_obs: e.rateChangeObservation,
    dCond_exec: e.conditionExecution - intact.conditionExecution,
    dCond_obs: e.conditionObservation - intact.conditionObservation,
    dAgent: e.agent - intact.agent,
    dAbscissa_exec: e.abscissaExecution - intact.abscissaExecution,
    dAbscissa_obs: e.abscissaObservation - intact.abscissaObservation,
  }));
  const study: PerturbationStudy = { intact, effects, rows };
  (study as unknown as Record<symbol, unknown>)[JUPYTER_DISPLAY] = () => ({
    'text/plain': `perturbation study: ${effects.length} silenced sets (${effects.filter((e) => e.control).length} random controls); ` +
      `intact accuracy: condition ${intact.conditionExecution.toFixed(2)} (exec) / ${intact.conditionObservation.toFixed(2)} (obs), agent ${intact.agent.toFixed(2)}`,
  });
  return study;
}

