/**
 * Taps of a rhythmically tapping network, the way the ZemlianovaRNN reimplementation reads them
 * (`drive_model_and_save_outputs.py`): band-pass the output around the cued frequency (2nd-order Butterworth
 * prototype, band [1/(P + 0.1), 1/(P − 0.1)] Hz, zero-phase), take the filtered maxima with height ≥ 0, and move
 * each to the largest raw output within ±P/2 of it (int((P/2)/dt) samples). The filter only finds one
 * candidate per cycle; the tap time itself is the raw maximum.
 *
 * Differences from the reimplementation: (1) when two filtered maxima move to the same raw maximum the tap is
 * kept once (the reimplementation keeps both and gets a zero interval); (2) for P ≤ ~0.1 s the reimplementation's
 * band is invalid (its upper edge is negative or above Nyquist), so the upper edge is capped at 0.9·Nyquist
 * (and when P ≤ 0.1 s it is set there); (3) a raw maximum on the first or last sample of the trace is not a tap:
 * there the search window was cut off by the trace's edge and the sample is merely the highest point of a
 * rising or falling flank (the reimplementation keeps it, which adds a short first or last interval).
 */
import { butterBa } from '../../analysis/butterworth';
import { filtfilt } from '../../analysis/iir-filter';
import { findPeaks } from '../../analysis/peaks';

export interface TapDetectionOptions {
  /** Expected period in seconds (for a network, 0.1 / cue). Required. */
  period: number;
  /** Sampling step in seconds. Default 0.001. */
  dt: number;
  /** Pass band in Hz. Default the reimplementation's [1/(P + 0.1), 1/(P − 0.1)] (see the note on small P). */
  band?: [number, number];
  /** Butterworth prototype order (the band-pass has twice this order). Default 2. */
  order: number;
  /** Minimum height of a filtered maximum. Default 0. */
  height: number;
  /** Half-width (samples) of the window searched for the raw maximum. Default floor((P/2)/dt). */
  window?: number;
  /** Leading samples ignored (the reimplementation discards 2000, i.e. 2 s). Default 0. */
  discard: number;
}

export interface TapDetection {
  /** Tap sample indices into the full input trace (discarded samples counted). */
  taps: Int32Array;
  /** Tap times in seconds, taps·dt. */
  times: Float64Array;
  /** Inter-tap intervals in seconds (length taps − 1). */
  itis: Float64Array;
  /** The band-passed trace (after `discard`). */
  filtered: Float64Array;
  /** The pass band used, Hz. */
  band: [number, number];
  /** Notebook display: a one-line summary instead of the arrays. */
  [key: symbol]: () => Record<string, string>;
}

/** The reimplementation's pass band for period P (s), with the upper edge kept below Nyquist. */
export function tapBand(period: number, dt: number): [number, number] {
  const nyquist = 0.5 / dt;
  const low = 1 / (period + 0.1);
  const high = period > 0.1 ? Math.min(1 / (period - 0.1), 0.9 * nyquist) : 0.9 * nyquist;
  return [low, high];
}

/** Detect taps in a network output trace (see the module comment for the procedure). */
export function detectTaps(output: ArrayLike<number>, options: Partial<TapDetectionOptions> & { period: number }): TapDetection {
  const o: TapDetectionOptions = { dt: 0.001, order: 2, height: 0, discard: 0, ...options };
  if (!(o.period > 0 && Number.isFinite(o.period))) throw new Error(`detectTaps: period must be > 0 s, got ${o.period}`);
  if (!(o.dt > 0)) throw new Error(`detectTaps: dt must be > 0 s, got ${o.dt}`);
  if (!(Number.isInteger(o.discard) && o.discard >= 0 && o.discard < output.length)) {
    throw new Error(`detectTaps: discard must be an integer in [0, ${output.length}), got ${o.discard}`);
  }
  const band = o.band ?? tapBand(o.period, o.dt);
  const n = output.length - o.discard;
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) raw[i] = output[o.discard + i];
  // (b, a) form, not sos: the reimplementation filters with scipy's butter(..., output='ba') + filtfilt, and
  // the candidate maxima are only approximate anyway (each moves to the raw maximum below).
  const filtered = filtfilt(butterBa(o.order, band, { fs: 1 / o.dt, btype: 'bandpass' }), raw);
  const candidates = findPeaks(filtered, { height: o.height }).indices;
  const w = o.window ?? Math.floor(o.period / 2 / o.dt);
  if (!(Number.isInteger(w) && w >= 1)) throw new Error(`detectTaps: window must be a positive integer, got ${w}`);
  const taps: number[] = [];
  for (const c of candidates) {
    const start = Math.max(0, c - w);
    const end = Math.min(n, c + w);
    let best = start;
    for (let i = start + 1; i < end; i++) if (raw[i] > raw[best]) best = i;
    if (best === 0 || best === n - 1) continue;
    if (taps.length === 0 || taps[taps.length - 1] !== best) taps.push(best);
  }
  const tapIdx = Int32Array.from(taps.map((t) => t + o.discard));
  const times = Float64Array.from(tapIdx, (t) => t * o.dt);
  const itis = new Float64Array(Math.max(0, taps.length - 1));
  for (let k = 0; k < itis.length; k++) itis[k] = (tapIdx[k + 1] - tapIdx[k]) * o.dt;
  const summary = () => {
    const m = itis.reduce((x, y) => x + y, 0) / itis.length;
    const sd = Math.sqrt(itis.reduce((x, y) => x + (y - m) * (y - m), 0) / itis.length);
    const text = `${tapIdx.length} taps, ITI ${(1000 * m).toFixed(1)} ± ${(1000 * sd).toFixed(1)} ms (expected ${(1000 * o.period).toFixed(1)} ms), band ${band[0].toFixed(2)}–${band[1].toFixed(2)} Hz`;
    return { 'text/plain': text };
  };
  return { taps: tapIdx, times, itis, filtered, band, [Symbol.for('Jupyter.display')]: summary };
}

export interface CyclePathLength {
  /** Path length of each inter-tap cycle (units of the state). */
  lengths: Float64Array;
  mean: number;
  /** Population standard deviation (numpy's default ddof = 0). */
  sd: number;
}

/**
 * Path length of the state trajectory over each inter-tap cycle: for consecutive taps k, k+1 the sum of
 * ‖r(t+1) − r(t)‖ for t from tap k to tap k+1 − 1, in the full state space. `states` is [T, N] row-major
 * (Float32Array or Float64Array); tap indices index its rows.
 */
export function cyclePathLengths(states: ArrayLike<number>, N: number, taps: ArrayLike<number>): CyclePathLength {
  if (!(Number.isInteger(N) && N > 0)) throw new Error(`cyclePathLengths: N must be a positive integer, got ${N}`);
  if (states.length % N !== 0) throw new Error(`cyclePathLengths: states length ${states.length} is not a multiple of N = ${N}`);
  const T = states.length / N;
  for (let k = 0; k < taps.length; k++) {
    if (!(Number.isInteger(taps[k]) && taps[k] >= 0 && taps[k] < T)) {
      throw new Error(`cyclePathLengths: taps[${k}] = ${taps[k]} is outside the ${T} rows of states`);
    }
    if (k > 0 && taps[k] <= taps[k - 1]) throw new Error(`cyclePathLengths: taps must increase (taps[${k}] = ${taps[k]})`);
  }
  const lengths = new Float64Array(Math.max(0, taps.length - 1));
  for (let k = 0; k < lengths.length; k++) {
    let L = 0;
    for (let t = taps[k]; t < taps[k + 1]; t++) {
      let s = 0;
      for (let j = 0; j < N; j++) {
        const d = states[(t + 1) * N + j] - states[t * N + j];
        s += d * d;
      }
      L += Math.sqrt(s);
    }
    lengths[k] = L;
  }
  const m = lengths.length ? lengths.reduce((x, y) => x + y, 0) / lengths.length : NaN;
  const sd = lengths.length ? Math.sqrt(lengths.reduce((x, y) => x + (y - m) * (y - m), 0) / lengths.length) : NaN;
  return { lengths, mean: m, sd };
}
