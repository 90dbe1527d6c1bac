/**
 * Peak finding matching scipy.signal.find_peaks for the `height`, `distance` and `plateauSize` conditions,
 * and inter-event intervals.
 *
 * A peak is a sample (or a flat run of samples, a plateau) strictly higher than its neighbours on both sides;
 * a plateau's peak index is its middle, rounded down. Conditions are applied in scipy's order (plateau size,
 * height, distance). `distance` keeps the highest peaks first and removes any peak closer than `distance`
 * samples to a kept one; peaks of equal height are resolved by a stable sort here (numpy's quicksort order for
 * ties is unspecified), so exact ties can differ from scipy.
 */

export type Range = number | [number | null, number | null];

export interface FindPeaksOptions {
  /** Minimum height, or [min, max] (null for an open end). */
  height?: Range;
  /** Minimum horizontal distance between neighbouring peaks, in samples (≥ 1). */
  distance?: number;
  /** Plateau length in samples: minimum, or [min, max]. */
  plateauSize?: Range;
}

export interface Peaks {
  /** Sample indices of the peaks, ascending. */
  indices: Int32Array;
  /** x at each peak. */
  heights: Float64Array;
  /** First and last sample of each peak's plateau (equal for a sharp peak). */
  leftEdges: Int32Array;
  rightEdges: Int32Array;
}

const bounds = (r: Range | undefined): [number, number] => {
  if (r === undefined) return [-Infinity, Infinity];
  if (typeof r === 'number') return [r, Infinity];
  return [r[0] ?? -Infinity, r[1] ?? Infinity];
};

export function findPeaks(x: ArrayLike<number>, options: FindPeaksOptions = {}): Peaks {
  const mids: number[] = [];
  const lefts: number[] = [];
  const rights: number[] = [];
  const iMax = x.length - 1;
  let i = 1;
  while (i < iMax) {
    if (x[i - 1] < x[i]) {
      let ahead = i + 1;
      while (ahead < iMax && x[ahead] === x[i]) ahead++;
      if (x[ahead] < x[i]) {
        lefts.push(i);
        rights.push(ahead - 1);
        mids.push(Math.floor((i + ahead - 1) / 2));
        i = ahead;
      }
    }
    i++;
  }
  let keep = mids.map((_, k) => k);
  if (options.plateauSize !== undefined) {
    const [lo, hi] = bounds(options.plateauSize);
    keep = keep.filter((k) => {
      const size = rights[k] - lefts[k] + 1;
      return lo <= size && size <= hi;
    });
  }
  if (options.height !== undefined) {
    const [lo, hi] = bounds(options.height);
    keep = keep.filter((k) => lo <= x[mids[k]] && x[mids[k]] <= hi);
  }
  if (options.distance !== undefined) {
    if (!(options.distance >= 1)) throw new Error(`findPeaks: distance must be ≥ 1 sample, got ${options.distance}`);
    const d = Math.ceil(options.distance);
    const pk = keep.map((k) => mids[k]);
    const alive = new Uint8Array(pk.length).fill(1);
    const byHeight = pk.map((_, j) => j).sort((a, b) => x[pk[a]] - x[pk[b]]);
    for (let r = byHeight.length - 1; r >= 0; r--) {
      const j = byHeight[r];
      if (!alive[j]) continue;
      for (let k = j - 1; k >= 0 && pk[j] - pk[k] < d; k--) alive[k] = 0;
      for (let k = j + 1; k < pk.length && pk[k] - pk[j] < d; k++) alive[k] = 0;
    }
    keep = keep.filter((_, j) => alive[j] === 1);
  }
  return {
    indices: Int32Array.from(keep.map((k) => mids[k])),
    heights: Float64Array.from(keep.map((k) => x[mids[k]])),
    leftEdges: Int32Array.from(keep.map((k) => lefts[k])),
    rightEdges: Int32Array.from(keep.map((k) => rights[k])),
  };
}

/**
 * Intervals between successive events. `events` are sample indices (or times); with `dt`, indices are
 * converted to time first. Returns length max(0, n − 1).
 */
export function interEventIntervals(events: ArrayLike<number>, dt = 1): Float64Array {
  const out = new Float64Array(Math.max(0, events.length - 1));
  for (let i = 1; i < events.length; i++) {
    if (events[i] < events[i - 1]) throw new Error(`interEventIntervals: events must be sorted, but events[${i}] < events[${i - 1}]`);
    out[i - 1] = (events[i] - events[i - 1]) * dt;
  }
  return out;
}
