/**
 * Unit ordering for the firing-rate heat maps of Zemlianova, Bose & Rinzel (2024): each unit's activity is
 * averaged over inter-tap cycles as a function of phase (0 at a tap, 1 at the next), and excitatory and
 * inhibitory units are each sorted by the phase of their peak, so the heat map shows the sequence a cycle runs
 * through. Averaging over every cycle (rather than the reimplementation's single second cycle in
 * `get_neuron_phases_data`) makes the order robust to noise; `tapDistance` gives that function's measure too.
 */

export interface PhaseOrderOptions {
  /** Phase bins per cycle. Default 100. */
  nBins: number;
  /**
   * Units 0 … nExcitatory−1 are excitatory, the rest inhibitory (the reimplementation's EI mask: the first
   * int(0.8·N) units). Default Math.floor(0.8·N).
   */
  nExcitatory?: number;
  /** Rectify before averaging (rates from pre-activations, the reimplementation's relu). Default false. */
  rectify: boolean;
}

export interface PhaseOrder {
  /** Unit indices for the heat-map rows: excitatory units by peak phase, then inhibitory units by peak phase. */
  order: Int32Array;
  excitatoryOrder: Int32Array;
  inhibitoryOrder: Int32Array;
  /** Phase (0–1, bin centre) of each unit's peak in the cycle-averaged profile. */
  peakPhase: Float64Array;
  /** Circular distance of the peak from the tap, min(φ, 1 − φ) (the reimplementation's "phase"). */
  tapDistance: Float64Array;
  /** Cycle-averaged activity, [nBins, N] row-major: profile[bin·N + unit]. NaN where a bin got no sample. */
  profile: Float64Array;
  /** The same profile scaled to [0, 1] per unit (min–max; 0 for a flat unit), for display. */
  normalizedProfile: Float64Array;
  nBins: number;
  N: number;
}

/**
 * Order units by peak phase within the inter-tap interval. `rates` is [T, N] row-major; `taps` are row indices
 * (e.g. `detectTaps(...).taps`), at least two.
 */
export function phaseOrder(rates: ArrayLike<number>, N: number, taps: ArrayLike<number>, options: Partial<PhaseOrderOptions> = {}): PhaseOrder {
  const o: PhaseOrderOptions = { nBins: 100, rectify: false, ...options };
  if (!(Number.isInteger(N) && N > 0)) throw new Error(`phaseOrder: N must be a positive integer, got ${N}`);
  if (rates.length % N !== 0) throw new Error(`phaseOrder: rates length ${rates.length} is not a multiple of N = ${N}`);
  if (!(Number.isInteger(o.nBins) && o.nBins >= 2)) throw new Error(`phaseOrder: nBins must be an integer ≥ 2, got ${o.nBins}`);
  const nE = o.nExcitatory ?? Math.floor(0.8 * N);
  if (!(Number.isInteger(nE) && nE >= 0 && nE <= N)) throw new Error(`phaseOrder: nExcitatory must be an integer in [0, ${N}], got ${nE}`);
  const T = rates.length / N;
  if (taps.length < 2) throw new Error(`phaseOrder: need at least two taps (one cycle), got ${taps.length}`);
  for (let k = 0; k < taps.length; k++) {
    if (!(Number.isInteger(taps[k]) && taps[k] >= 0 && taps[k] < T)) throw new Error(`phaseOrder: taps[${k}] = ${taps[k]} is outside the ${T} rows`);
    if (k > 0 && taps[k] <= taps[k - 1]) throw new Error(`phaseOrder: taps must increase (taps[${k}] = ${taps[k]})`);
  }
  const B = o.nBins;
  const sum = new Float64Array(B * N);
  const count = new Float64Array(B);
  for (let k = 0; k + 1 < taps.length; k++) {
    const t0 = taps[k], len = taps[k + 1] - taps[k];
    for (let t = t0; t < taps[k + 1]; t++) {
      const bin = Math.min(B - 1, Math.floor(((t - t0) / len) * B));
      count[bin]++;
      for (let j = 0; j < N; j++) {
        const v = rates[t * N + j];
        sum[bin * N + j] += o.rectify && v < 0 ? 0 : v;
      }
    }
  }
  const profile = new Float64Array(B * N);
  for (let bin = 0; bin < B; bin++) for (let j = 0; j < N; j++) profile[bin * N + j] = count[bin] > 0 ? sum[bin * N + j] / count[bin] : NaN;
  const peakPhase = new Float64Array(N);
  const tapDistance = new Float64Array(N);
  const normalizedProfile = new Float64Array(B * N);
  for (let j = 0; j < N; j++) {
    let best = -1, lo = Infinity, hi = -Infinity;
    for (let bin = 0; bin < B; bin++) {
      const v = profile[bin * N + j];
      if (Number.isNaN(v)) continue;
      if (best < 0 || v > profile[best * N + j]) best = bin;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    peakPhase[j] = best < 0 ? NaN : (best + 0.5) / B;
    tapDistance[j] = Math.min(peakPhase[j], 1 - peakPhase[j]);
    for (let bin = 0; bin < B; bin++) {
      const v = profile[bin * N + j];
      normalizedProfile[bin * N + j] = Number.isNaN(v) ? NaN : hi > lo ? (v - lo) / (hi - lo) : 0;
    }
  }
  const byPhase = (units: number[]) => Int32Array.from(units.sort((x, y) => peakPhase[x] - peakPhase[y] || x - y));
  const excitatoryOrder = byPhase(Array.from({ length: nE }, (_, i) => i));
  const inhibitoryOrder = byPhase(Array.from({ length: N - nE }, (_, i) => nE + i));
  const order = new Int32Array(N);
  order.set(excitatoryOrder, 0);
  order.set(inhibitoryOrder, nE);
  return { order, excitatoryOrder, inhibitoryOrder, peakPhase, tapDistance, profile, normalizedProfile, nBins: B, N };
}
