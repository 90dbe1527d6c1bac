/**
 * Parameters of the E/I assemblies model (Mackwood, Naumann & Sprekeler 2021, eLife 10:e59715, "Learning
 * excitatory-inhibitory neuronal assemblies in recurrent networks"). One options object with every default in
 * one place (`EI_ASSEMBLIES_DEFAULTS`); sizes are options so tests can build a tiny network.
 *
 * Values follow the paper's Methods and its public simulator's `assemblies_learn.py` (read for facts only).
 */

/** Which plastic pathways learn. EXC: only E→I (W_IE) plastic; INH: only I→E (W_EI) plastic. */
export type EIPlasticCondition = 'NEITHER' | 'BOTH' | 'EXC' | 'INH';

/**
 * LOCAL: the paper's local rules (I→E: error × presynaptic rate; E→I: "anterograde" error fed forward through
 * W_IE, then each W_IE row rescaled to its total). GRADIENT: the full steady-state gradient with Adam.
 */
export type EIPlasticityRule = 'LOCAL' | 'GRADIENT';

/**
 * Which error the local E→I rule uses at I unit k. The gradient needs Σ_i ẽ_i (W_EI D_I M)_ik: the (back-propagated)
 * error of the E units that k inhibits. RETROGRADE keeps the leading part, (W_EIᵀ e)_k, which needs a retrograde
 * signal across the I→E synapses (the simulator's "APPROXIMATE" E→I option). ANTEROGRADE substitutes the E→I
 * weights themselves, (W_IE e)_k — the error of the E units that excite k — and rescales each W_IE row to its
 * total after every update (the simulator's rule for the paper's Figs 1–3). The two agree once W_IE ≈ W_EIᵀ up to
 * scale, i.e. once learning has made the E↔I weights reciprocal; before that the anterograde update can point
 * more than 90° away from the gradient.
 */
export type EILocalRuleIE = 'ANTEROGRADE' | 'RETROGRADE';

export interface EIAssembliesParams {
  /** Preferred values per stimulus axis of the E units (8 → 8³ = 512 E units). */
  nPerAxis: number;
  /** Stimulus axes (3 in the paper). */
  nDims: number;
  /** Inhibitory units; the simulator always uses nE / 8 (64). `null` means nE / 8. */
  nI: number | null;
  /** Stimulus values per axis on [−π, π) (12 → 12³ = 1728 stimuli). */
  nStimuli: number;
  /** Von Mises concentration of the afferent tuning. */
  kappa: number;
  /** W_EE is built from afferent correlations computed with kappa · eeKappaFactor (1/4 in the simulator). */
  eeKappaFactor: number;
  /** Peak and background afferent input to E units; constant input to I units. */
  peakStimulus: number;
  bgInputE: number;
  bgInputI: number;
  /** Membrane time constants (s) and Euler step (s). */
  tauE: number;
  tauI: number;
  dt: number;
  /** Rates are clip(h, 0, rMax). */
  rMax: number;
  /** Convergence: |τ dh/dt| < maxDr on every unit not outside [0, rMax]. */
  maxDr: number;
  /** Euler steps before a stimulus counts as not converged (no plasticity update for it). */
  maxSteps: number;
  /** Connection probability of every random pathway, and of W_EE (fraction of entries kept). */
  pEE: number;
  pEI: number;
  pIE: number;
  pII: number;
  /** Total weight onto each postsynaptic unit (expected value for lognormal pathways; exact for W_EE). */
  totalEE: number;
  /** I→E (W_EI, E ← I). */
  totalEI: number;
  /** E→I (W_IE, I ← E); also the row total W_IE is rescaled to after every local update. */
  totalIE: number;
  totalII: number;
  /** Log-standard deviation of the lognormal weights. */
  lognormSigma: number;
  /** Softplus sharpness numerator: α = softplusScale / mean weight of the pathway. */
  softplusScale: number;
  /** Weight cap as a multiple of the mean weight (10⁵ in the simulator: effectively none). */
  wMaxFactor: number;
  /** Target rate ρ0: the error is h_E − ρ0. */
  rho0: number;
  condition: EIPlasticCondition;
  rule: EIPlasticityRule;
  /** Error path of the local E→I rule (LOCAL only); see EILocalRuleIE. Default ANTEROGRADE. */
  localRuleIE: EILocalRuleIE;
  /** Learning rates of W_IE (E→I) and W_EI (I→E): 1e-5 for LOCAL, 1e-3 for GRADIENT (Adam). */
  etaIE: number;
  etaEI: number;
  /** Weight decay inside the update: Δv = η(… − decay · W). */
  decayIE: number;
  decayEI: number;
  /** Adam constants (GRADIENT rule). */
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** Seed for connectivity; training draws its stimulus order from `seed + 1`. */
  seed: number;
}

export const EI_ASSEMBLIES_DEFAULTS: Readonly<EIAssembliesParams> = Object.freeze({
  nPerAxis: 8,
  nDims: 3,
  nI: null,
  nStimuli: 12,
  kappa: 1,
  eeKappaFactor: 0.25,
  peakStimulus: 50,
  bgInputE: 5,
  bgInputI: 5,
  tauE: 50e-3,
  tauI: 25e-3,
  dt: 1e-3,
  rMax: 1000,
  maxDr: 0.5,
  maxSteps: 1500,
  pEE: 0.6,
  pEI: 0.6,
  pIE: 0.6,
  pII: 0.6,
  totalEE: 2,
  totalEI: 1,
  totalIE: 5,
  totalII: 1,
  lognormSigma: 0.65,
  softplusScale: 0.05,
  wMaxFactor: 1e5,
  rho0: 1,
  condition: 'BOTH',
  rule: 'LOCAL',
  localRuleIE: 'ANTEROGRADE',
  etaIE: 1e-5,
  etaEI: 1e-5,
  decayIE: 0.1,
  decayEI: 0.1,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  seed: 1,
});

/** Defaults merged with `opts`; GRADIENT without explicit learning rates gets the paper's Adam rate 1e-3. */
export function eiAssembliesParams(opts: Partial<EIAssembliesParams> = {}): EIAssembliesParams {
  const p: EIAssembliesParams = { ...EI_ASSEMBLIES_DEFAULTS, ...opts };
  if (p.rule === 'GRADIENT') {
    if (opts.etaIE === undefined) p.etaIE = 1e-3;
    if (opts.etaEI === undefined) p.etaEI = 1e-3;
  }
  const positiveInts: (keyof EIAssembliesParams)[] = ['nPerAxis', 'nDims', 'nStimuli', 'maxSteps'];
  for (const k of positiveInts) {
    const v = p[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`eiAssembliesParams: ${k} must be a positive integer, got ${v}`);
  }
  if (p.nI !== null && (!Number.isInteger(p.nI) || p.nI < 1)) {
    throw new Error(`eiAssembliesParams: nI must be a positive integer or null, got ${p.nI}`);
  }
  for (const k of ['pEE', 'pEI', 'pIE', 'pII'] as const) {
    if (!(p[k] > 0 && p[k] <= 1)) throw new Error(`eiAssembliesParams: ${k} must be in (0, 1], got ${p[k]}`);
  }
  for (const k of ['tauE', 'tauI', 'dt', 'rMax', 'maxDr'] as const) {
    if (!(p[k] > 0)) throw new Error(`eiAssembliesParams: ${k} must be > 0, got ${p[k]}`);
  }
  if (!['NEITHER', 'BOTH', 'EXC', 'INH'].includes(p.condition)) {
    throw new Error(`eiAssembliesParams: condition must be NEITHER, BOTH, EXC or INH, got ${p.condition}`);
  }
  if (!['LOCAL', 'GRADIENT'].includes(p.rule)) {
    throw new Error(`eiAssembliesParams: rule must be LOCAL or GRADIENT, got ${p.rule}`);
  }
  if (!['ANTEROGRADE', 'RETROGRADE'].includes(p.localRuleIE)) {
    throw new Error(`eiAssembliesParams: localRuleIE must be ANTEROGRADE or RETROGRADE, got ${p.localRuleIE}`);
  }
  return p;
}

/** Unit counts implied by the parameters. */
export function eiSizes(p: EIAssembliesParams): { nE: number; nI: number; nStim: number } {
  const nE = p.nPerAxis ** p.nDims;
  const nI = p.nI ?? Math.max(1, Math.floor(nE / 8));
  return { nE, nI, nStim: p.nStimuli ** p.nDims };
}
