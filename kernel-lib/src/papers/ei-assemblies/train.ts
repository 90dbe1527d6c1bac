/**
 * Training loop of the E/I assemblies model: one trial presents every stimulus once in the simulator's nested
 * shuffled order (shuffle the first axis' values; for each, shuffle the second's; for each, the third's …), each
 * integrated to steady state from the fixed start, followed by one plasticity update if it converged.
 *
 * The angle between the local update and the full gradient needs a dense nE×nE solve; the original computes it
 * at every update, which dominates its cost. Here it is computed every `angleEvery`-th update (0 = never).
 */
import { rng, Rng } from '../../random';
import { EINetwork } from './network';
import {
  AdamMoments,
  adamStep,
  angleBetween,
  applyLocalUpdate,
  EIDirections,
  EIUpdateRates,
  fullGradient,
  localDirectionIE,
  localDirections,
  weightsFromParams,
} from './plasticity';
import { EISteadyStateSolver } from './steady-state';

export interface EITrainOptions {
  /** Trials (passes over all stimuli); 500 in the paper. */
  trials: number;
  /** Compute the local-vs-gradient angle every k-th update (0 = never). Default 0. */
  angleEvery: number;
  /** Seed of the stimulus order (default: params.seed + 1). */
  seed?: number;
  /** Called after every trial, e.g. for progress display. */
  onTrial?: (info: EITrialInfo) => void;
}

export interface EITrialInfo {
  trial: number;
  trials: number;
  seconds: number;
  meanSteps: number;
  notConverged: number;
}

export interface EITrainingRecord {
  condition: EINetwork['params']['condition'];
  rule: EINetwork['params']['rule'];
  trials: number;
  /** Euler steps per presentation, [trials × nStim] in presentation order. */
  stepsToConverge: Int32Array;
  /** Stimulus index of each presentation, [trials × nStim]. */
  stimulusOrder: Int32Array;
  /** Presentations that did not converge (and so caused no update). */
  notConverged: number;
  /** Angles (radians) between local update and gradient, for the updates listed in `angleUpdateIndex`. */
  anglesEI: Float64Array;
  anglesIE: Float64Array;
  /**
   * Angle between the gradient and the E→I direction of the other error path (RETROGRADE when training with
   * ANTEROGRADE and vice versa), at the same updates: it shows how much of `anglesIE` is due to the path.
   */
  anglesIEOtherRule: Float64Array;
  angleUpdateIndex: Int32Array;
  /** Wall-clock seconds per trial. */
  trialSeconds: Float64Array;
}

/** Effective learning rates of a condition: EXC = only E→I (W_IE), INH = only I→E (W_EI). */
export function conditionRates(net: EINetwork): EIUpdateRates {
  const p = net.params;
  const ie = p.condition === 'BOTH' || p.condition === 'EXC';
  const ei = p.condition === 'BOTH' || p.condition === 'INH';
  return { etaEI: ei ? p.etaEI : 0, etaIE: ie ? p.etaIE : 0 };
}

/** The simulator's nested shuffled presentation order over the stimulus grid. */
export function nestedShuffleOrder(r: Rng, nStimuli: number, nDims: number): Int32Array {
  const out = new Int32Array(nStimuli ** nDims);
  let pos = 0;
  const recurse = (d: number, prefix: number): void => {
    const perm = r.permutation(nStimuli);
    for (let a = 0; a < nStimuli; a++) {
      const idx = prefix * nStimuli + perm[a];
      if (d === nDims - 1) out[pos++] = idx;
      else recurse(d + 1, idx);
    }
  };
  recurse(0, 0);
  return out;
}

/** Train `net` in place under its `params.condition` and `params.rule`. */
export function trainEIAssemblies(net: EINetwork, opts: Partial<EITrainOptions> = {}): EITrainingRecord {
  const trials = opts.trials ?? 1;
  const angleEvery = opts.angleEvery ?? 0;
  if (!Number.isInteger(trials) || trials < 0) throw new Error(`trainEIAssemblies: trials must be a non-negative integer, got ${trials}`);
  if (!Number.isInteger(angleEvery) || angleEvery < 0) {
    throw new Error(`trainEIAssemblies: angleEvery must be a non-negative integer, got ${angleEvery}`);
  }
  const p = net.params;
  const rates = conditionRates(net);
  const learning = rates.etaEI > 0 || rates.etaIE > 0;
  const nT = learning ? trials : 0;
  const { nE, nI, nStim } = net;
  const solver = new EISteadyStateSolver(net);
  const r = rng(opts.seed ?? p.seed + 1);
  const stepsToConverge = new Int32Array(nT * nStim);
  const stimulusOrder = new Int32Array(nT * nStim);
  const trialSeconds = new Float64Array(nT);
  const anglesEI: number[] = [];
  const anglesIE: number[] = [];
  const anglesIEOther: number[] = [];
  const angleIdx: number[] = [];
  const otherRule = p.localRuleIE === 'ANTEROGRADE' ? 'RETROGRADE' : 'ANTEROGRADE';
  const otherDirIE = new Float64Array(nI * nE);
  const dirs: EIDirections = { dirEI: new Float64Array(nE * nI), dirIE: new Float64Array(nI * nE) };
  const adamEI: AdamMoments = { m: new Float64Array(nE * nI), v: new Float64Array(nE * nI) };
  const adamIE: AdamMoments = { m: new Float64Array(nI * nE), v: new Float64Array(nI * nE) };
  let notConverged = 0;
  let update = 0;

  for (let t = 0; t < nT; t++) {
    const t0 = Date.now();
    const order = nestedShuffleOrder(r, p.nStimuli, p.nDims);
    let stepSum = 0;
    let ncTrial = 0;
    for (let a = 0; a < nStim; a++) {
      const s = order[a];
      const res = solver.solve(solver.stimulusInput(s));
      stepsToConverge[t * nStim + a] = res.steps;
      stimulusOrder[t * nStim + a] = s;
      stepSum += res.steps;
      if (!res.converged) {
        ncTrial++;
        continue;
      }
      const st = { hE: solver.hE, rE: solver.rE, hI: solver.hI, rI: solver.rI };
      const wantAngle = angleEvery > 0 && update % angleEvery === 0;
      if (p.rule === 'LOCAL') {
        localDirections(net, st, dirs);
        if (wantAngle) {
          const g = fullGradient(net, st);
          anglesEI.push(rates.etaEI > 0 ? angleBetween(g.gradEI, dirs.dirEI) : NaN);
          anglesIE.push(rates.etaIE > 0 ? angleBetween(g.gradIE, dirs.dirIE) : NaN);
          anglesIEOther.push(rates.etaIE > 0 ? angleBetween(g.gradIE, localDirectionIE(net, st, otherRule, otherDirIE)) : NaN);
          angleIdx.push(update);
        }
        applyLocalUpdate(net, dirs, rates);
      } else {
        const g = fullGradient(net, st);
        if (rates.etaIE > 0) {
          adamStep(g.gradIE, net.vIE, net.wIE, adamIE, rates.etaIE, p.decayIE, p.adamBeta1, p.adamBeta2, p.adamEpsilon);
          weightsFromParams(net.vIE, net.zIE, net.alphaIE, net.wMaxIE, net.wIE);
        }
        if (rates.etaEI > 0) {
          adamStep(g.gradEI, net.vEI, net.wEI, adamEI, rates.etaEI, p.decayEI, p.adamBeta1, p.adamBeta2, p.adamEpsilon);
          weightsFromParams(net.vEI, net.zEI, net.alphaEI, net.wMaxEI, net.wEI);
        }
      }
      update++;
    }
    notConverged += ncTrial;
    trialSeconds[t] = (Date.now() - t0) / 1000;
    opts.onTrial?.({ trial: t + 1, trials: nT, seconds: trialSeconds[t], meanSteps: stepSum / nStim, notConverged: ncTrial });
  }
  return {
    condition: p.condition,
    rule: p.rule,
    trials: nT,
    stepsToConverge,
    stimulusOrder,
    notConverged,
    anglesEI: Float64Array.from(anglesEI),
    anglesIE: Float64Array.from(anglesIE),
    anglesIEOtherRule: Float64Array.from(anglesIEOther),
    angleUpdateIndex: Int32Array.from(angleIdx),
    trialSeconds,
  };
}
