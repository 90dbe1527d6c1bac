/**
 * The spiking ring model of the smooth-pursuit paper (Ahn et al., `snn.py` in the original code): leaky
 * integrate-and-fire neurons on a ring of preferred directions, Mexican-hat recurrence, and "tuned inhibition"
 * that lowers the resting potential of neurons tuned away from the expected direction (0°).
 *
 *   τ_m dV/dt = −(V − V_rest,i) + I_ext,i + Σ_j W_ij s_j(t),   s_j ← e^{−dt/τ_m} s_j + spikes_j(t−1)
 *   V ≥ V_th → spike, V ← V_rest,i        (no refractory period, as in the original)
 *   W_ij = [exp(−d²/(2·0.5²)) − 2·exp(−d²/(2·2²))] / √N,  d the circular distance of preferred directions
 *   V_rest,i = −70 − 0.5·|φ_i|/π mV with tuned inhibition, −70 mV without
 *   I_ext,i = 25 + 20·contrast·(cos(φ_i − θ) + 1)/2 + noise_i   (noise drawn once per trial)
 */
import { Rng } from '../../random';

export interface SpikingRingOptions {
  /** Number of neurons on the ring. Default 500. */
  n: number;
  /** Simulated time in ms (dt = 1 ms). Default 150. */
  durationMs: number;
  dtMs: number;
  tauM: number;
  vRest: number;
  vTh: number;
  sigmaExc: number;
  sigmaInh: number;
  /** Strength of tuned inhibition in mV at 180° from the expected direction. Default 0.5. */
  inhStrength: number;
  iBase: number;
  iGain: number;
  /** Standard deviation of the per-trial input noise. Default 1. */
  inputNoiseStd: number;
}

export const SPIKING_RING_DEFAULTS: SpikingRingOptions = {
  n: 500,
  durationMs: 150,
  dtMs: 1,
  tauM: 30,
  vRest: -70,
  vTh: -50,
  sigmaExc: 0.5,
  sigmaInh: 2,
  inhStrength: 0.5,
  iBase: 25,
  iGain: 20,
  inputNoiseStd: 1,
};

export interface SpikingRing {
  options: SpikingRingOptions;
  /** Preferred directions in radians, evenly spaced on [−π, π). */
  phi: Float64Array;
  /** Recurrent weights, row-major n×n (post × pre). */
  w: Float64Array;
  /** Resting potentials without and with tuned inhibition. */
  vRestPlain: Float64Array;
  vRestTuned: Float64Array;
}

function circularDistance(a: number, b: number): number {
  const d = a - b;
  return Math.atan2(Math.sin(d), Math.cos(d));
}

export function spikingRing(options: Partial<SpikingRingOptions> = {}): SpikingRing {
  const o: SpikingRingOptions = { ...SPIKING_RING_DEFAULTS, ...options };
  const n = o.n;
  const phi = new Float64Array(n);
  for (let i = 0; i < n; i++) phi[i] = -Math.PI + (2 * Math.PI * i) / n;
  const w = new Float64Array(n * n);
  const scale = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = circularDistance(phi[i], phi[j]);
      w[i * n + j] =
        (Math.exp(-0.5 * (d / o.sigmaExc) ** 2) - 2 * Math.exp(-0.5 * (d / o.sigmaInh) ** 2)) * scale;
    }
  }
  const vRestPlain = new Float64Array(n).fill(o.vRest);
  const vRestTuned = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vRestTuned[i] = o.vRest - o.inhStrength * (Math.abs(circularDistance(phi[i], 0)) / Math.PI);
  }
  return { options: o, phi, w, vRestPlain, vRestTuned };
}

export interface RingTrial {
  /** Target direction in radians. */
  theta: number;
  /** Stimulus contrast (1 high, 0.1 low in the paper). */
  contrast: number;
  tunedInhibition: boolean;
  /** Per-neuron input noise for this trial (length n); zeros when omitted. */
  noise?: Float64Array;
}

export interface RingResult {
  /** Spike counts per neuron over the trial. */
  counts: Float64Array;
  /** Firing rates in Hz (counts / duration). */
  rates: Float64Array;
  /** Spike raster, row-major steps × n, only when `keepRaster` was asked for. */
  raster?: Uint8Array;
}

/**
 * Simulate one trial. The synaptic trace enters only through W·s, which is linear, so the recurrent current is
 * carried forward as I_rec ← e^{−dt/τ}·I_rec + Σ_{j fired} W[:, j]: the same numbers as recomputing W·s every
 * step, at a cost proportional to the number of spikes instead of n².
 */
export function simulateRing(ring: SpikingRing, trial: RingTrial, keepRaster = false): RingResult {
  const o = ring.options;
  const n = o.n;
  const steps = Math.round(o.durationMs / o.dtMs);
  const decay = Math.exp(-o.dtMs / o.tauM);
  const vRest = trial.tunedInhibition ? ring.vRestTuned : ring.vRestPlain;
  if (trial.noise && trial.noise.length !== n) {
    throw new Error(`simulateRing: noise has length ${trial.noise.length}, the ring has ${n} neurons`);
  }
  const iExt = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const tuning = (Math.cos(ring.phi[i] - trial.theta) + 1) / 2;
    iExt[i] = o.iBase + o.iGain * trial.contrast * tuning + (trial.noise ? trial.noise[i] : 0);
  }
  const v = Float64Array.from(vRest);
  const iRec = new Float64Array(n);
  const counts = new Float64Array(n);
  const raster = keepRaster ? new Uint8Array(steps * n) : undefined;
  let fired: number[] = [];
  // Columns of W are read per spike: keep a transposed copy so each is contiguous.
  const wT = transposed(ring.w, n);
  for (let t = 0; t < steps; t++) {
    if (t > 0) {
      for (let i = 0; i < n; i++) iRec[i] *= decay;
      for (const j of fired) {
        const col = j * n;
        for (let i = 0; i < n; i++) iRec[i] += wT[col + i];
      }
    }
    const now: number[] = [];
    for (let i = 0; i < n; i++) {
      v[i] += (o.dtMs * (-(v[i] - vRest[i]) + iExt[i] + iRec[i])) / o.tauM;
      if (v[i] >= o.vTh) {
        now.push(i);
        v[i] = vRest[i];
        counts[i] += 1;
        if (raster) raster[t * n + i] = 1;
      }
    }
    fired = now;
  }
  const seconds = (steps * o.dtMs) / 1000;
  const rates = counts.map((c) => c / seconds);
  return { counts, rates, raster };
}

const transposeCache = new WeakMap<Float64Array, Float64Array>();
function transposed(w: Float64Array, n: number): Float64Array {
  let t = transposeCache.get(w);
  if (!t) {
    t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = w[i * n + j];
    transposeCache.set(w, t);
  }
  return t;
}

/** Population-vector estimate of direction (radians): atan2(Σ r sin φ, Σ r cos φ). */
export function populationVector(rates: ArrayLike<number>, phi: ArrayLike<number>): number {
  let x = 0;
  let y = 0;
  for (let i = 0; i < rates.length; i++) {
    x += rates[i] * Math.cos(phi[i]);
    y += rates[i] * Math.sin(phi[i]);
  }
  return Math.atan2(y, x);
}

/** Signed circular difference a − b in degrees, wrapped to (−180, 180]. */
export function circularDiffDeg(a: number, b: number): number {
  return (circularDistance(a, b) * 180) / Math.PI;
}

/** Mean rates over `trials` noisy trials of one condition. */
export function meanRingRates(
  ring: SpikingRing,
  condition: Omit<RingTrial, 'noise'>,
  trials: number,
  random: Rng,
): Float64Array {
  const n = ring.options.n;
  const acc = new Float64Array(n);
  for (let k = 0; k < trials; k++) {
    const noise = random.normals(n, 0, ring.options.inputNoiseStd);
    const { rates } = simulateRing(ring, { ...condition, noise });
    for (let i = 0; i < n; i++) acc[i] += rates[i] / trials;
  }
  return acc;
}
