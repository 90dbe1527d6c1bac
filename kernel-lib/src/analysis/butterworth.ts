/**
 * Butterworth IIR design matching scipy.signal.butter (digital, fs-normalised): analog prototype poles →
 * frequency transform (lp2lp / lp2hp / lp2bp / lp2bs on zeros-poles-gain) → bilinear transform with pre-warping →
 * either transfer-function coefficients (`ba`) or second-order sections (`sos`, paired like scipy's zpk2sos with
 * pairing 'nearest'). Prefer `sos`: `ba` loses accuracy quickly with order and narrow bands.
 */

type C = [number, number]; // complex number [re, im]
const cAdd = (a: C, b: C): C => [a[0] + b[0], a[1] + b[1]];
const cSub = (a: C, b: C): C => [a[0] - b[0], a[1] - b[1]];
const cMul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cDiv = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const cScale = (a: C, s: number): C => [a[0] * s, a[1] * s];
const cAbs = (a: C): number => Math.hypot(a[0], a[1]);
const cSqrt = (a: C): C => {
  // Principal square root, like numpy's.
  const r = cAbs(a);
  if (r === 0) return [0, 0];
  const re = Math.sqrt((r + a[0]) / 2);
  const im = Math.sqrt(Math.max(0, (r - a[0]) / 2));
  return [re, a[1] < 0 || (a[1] === 0 && Object.is(a[1], -0)) ? -im : im];
};
const prod = (xs: C[]): C => xs.reduce((acc, x) => cMul(acc, x), [1, 0] as C);

export type FilterType = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';

export interface ButterOptions {
  /** Sampling frequency; `Wn` is then in the same units (Hz). Without it, `Wn` is a fraction of Nyquist in (0, 1). */
  fs?: number;
  /** Default 'lowpass', or 'bandpass' when Wn is a pair. */
  btype?: FilterType;
}

export interface Zpk {
  z: C[];
  p: C[];
  k: number;
}

/** Transfer function: b (numerator) and a (denominator, a[0] = 1). */
export interface BaFilter {
  b: Float64Array;
  a: Float64Array;
}

/** Second-order sections, row-major n×6 rows [b0 b1 b2 a0 a1 a2] with a0 = 1, like scipy. */
export interface SosFilter {
  sos: Float64Array;
  shape: [number, 6];
}

/** Zeros, poles and gain of the digital Butterworth filter (scipy.signal.butter(..., output='zpk')). */
export function butterZpk(order: number, Wn: number | [number, number], options: ButterOptions = {}): Zpk {
  if (!Number.isInteger(order) || order < 1) throw new Error(`butter: order must be a positive integer, got ${order}`);
  const pair = Array.isArray(Wn);
  const btype: FilterType = options.btype ?? (pair ? 'bandpass' : 'lowpass');
  const isBand = btype === 'bandpass' || btype === 'bandstop';
  if (isBand !== pair) throw new Error(`butter: btype '${btype}' needs ${isBand ? 'a [low, high] pair' : 'a single'} critical frequency`);
  let wn = (pair ? [...(Wn as number[])] : [Wn as number]).map(Number);
  if (options.fs !== undefined) wn = wn.map((w) => (2 * w) / options.fs!);
  for (const w of wn) {
    if (!(w > 0 && w < 1)) {
      throw new Error(`butter: critical frequency must be in (0, ${options.fs !== undefined ? 'fs/2' : '1'}), got ${options.fs !== undefined ? (w * options.fs!) / 2 : w}`);
    }
  }
  if (pair && !(wn[0] < wn[1])) throw new Error(`butter: Wn must be [low, high] with low < high, got [${wn.join(', ')}]`);

  // Analog prototype (buttap): poles on the unit circle in the left half-plane.
  let z: C[] = [];
  let p: C[] = [];
  let k = 1;
  for (let m = -order + 1; m < order; m += 2) {
    const th = (Math.PI * m) / (2 * order);
    p.push([-Math.cos(th), -Math.sin(th)]);
  }
  // Pre-warp (fs = 2 in scipy's normalised design).
  const fs = 2;
  const warped = wn.map((w) => 2 * fs * Math.tan((Math.PI * w) / fs));
  const degree = p.length - z.length;
  if (btype === 'lowpass') {
    const wo = warped[0];
    z = z.map((x) => cScale(x, wo));
    p = p.map((x) => cScale(x, wo));
    k *= wo ** degree;
  } else if (btype === 'highpass') {
    const wo = warped[0];
    const g = cDiv(prod(z.map((x) => cScale(x, -1))), prod(p.map((x) => cScale(x, -1))));
    z = z.map((x) => cDiv([wo, 0], x));
    p = p.map((x) => cDiv([wo, 0], x));
    for (let i = 0; i < degree; i++) z.push([0, 0]);
    k *= g[0];
  } else {
    const bw = warped[1] - warped[0];
    const wo = Math.sqrt(warped[0] * warped[1]);
    const wo2: C = [wo * wo, 0];
    const split = (xs: C[]): C[] => {
      const plus = xs.map((x) => cAdd(x, cSqrt(cSub(cMul(x, x), wo2))));
      const minus = xs.map((x) => cSub(x, cSqrt(cSub(cMul(x, x), wo2))));
      return [...plus, ...minus];
    };
    if (btype === 'bandpass') {
      z = split(z.map((x) => cScale(x, bw / 2)));
      p = split(p.map((x) => cScale(x, bw / 2)));
      for (let i = 0; i < degree; i++) z.push([0, 0]);
      k *= bw ** degree;
    } else {
      const g = cDiv(prod(z.map((x) => cScale(x, -1))), prod(p.map((x) => cScale(x, -1))));
      z = split(z.map((x) => cDiv([bw / 2, 0], x)));
      p = split(p.map((x) => cDiv([bw / 2, 0], x)));
      for (let i = 0; i < degree; i++) z.push([0, wo]);
      for (let i = 0; i < degree; i++) z.push([0, -wo]);
      k *= g[0];
    }
  }
  // Bilinear transform.
  const fs2: C = [2 * fs, 0];
  const degree2 = p.length - z.length;
  const gz = cDiv(prod(z.map((x) => cSub(fs2, x))), prod(p.map((x) => cSub(fs2, x))));
  const zd = z.map((x) => cDiv(cAdd(fs2, x), cSub(fs2, x)));
  const pd = p.map((x) => cDiv(cAdd(fs2, x), cSub(fs2, x)));
  for (let i = 0; i < degree2; i++) zd.push([-1, 0]);
  return { z: zd, p: pd, k: k * gz[0] };
}

/** Real coefficients of ∏ (x − r) (numpy.poly), highest power first. */
function poly(roots: C[]): Float64Array {
  let c: C[] = [[1, 0]];
  for (const r of roots) {
    const next: C[] = c.map((x) => [x[0], x[1]] as C);
    next.push([0, 0]);
    for (let i = 1; i < next.length; i++) next[i] = cSub(next[i], cMul(r, c[i - 1]));
    c = next;
  }
  return Float64Array.from(c.map((x) => x[0]));
}

/** scipy.signal.zpk2tf. */
export function zpkToBa({ z, p, k }: Zpk): BaFilter {
  const b = poly(z).map((v) => v * k);
  return { b, a: poly(p) };
}

/** scipy.signal.butter(order, Wn, btype, output='ba'). */
export function butterBa(order: number, Wn: number | [number, number], options: ButterOptions = {}): BaFilter {
  return zpkToBa(butterZpk(order, Wn, options));
}

/** scipy.signal.butter(order, Wn, btype, output='sos'). */
export function butterSos(order: number, Wn: number | [number, number], options: ButterOptions = {}): SosFilter {
  return zpkToSos(butterZpk(order, Wn, options));
}

const TOL = 100 * Number.EPSILON;
const isRealC = (x: C) => x[1] === 0;

/** scipy's _cplxreal: one member (imag > 0) of each conjugate pair, sorted, then the real values (made exactly real). */
function cplxReal(zs: C[]): { complex: C[]; real: C[] } {
  const sorted = [...zs].sort((a, b) => a[0] - b[0] || Math.abs(a[1]) - Math.abs(b[1]));
  const real: C[] = [];
  const rest: C[] = [];
  for (const x of sorted) (Math.abs(x[1]) <= TOL * cAbs(x) ? real : rest).push(x);
  const pos = rest.filter((x) => x[1] > 0);
  const neg = rest.filter((x) => x[1] < 0);
  if (pos.length !== neg.length) throw new Error('zpkToSos: a complex zero or pole has no conjugate partner');
  const complex = pos.map((x, i) => [(x[0] + neg[i][0]) / 2, (x[1] - neg[i][1]) / 2] as C);
  return { complex, real: real.map((x) => [x[0], 0] as C) };
}

function nearestIndex(from: C[], to: C, which: 'any' | 'real' | 'complex'): number {
  const order = from.map((_, i) => i).sort((i, j) => cAbs(cSub(from[i], to)) - cAbs(cSub(from[j], to)));
  if (which === 'any') return order[0];
  const found = order.find((i) => (which === 'real') === isRealC(from[i]));
  if (found === undefined) throw new Error(`zpkToSos: no ${which} zero left to pair`);
  return found;
}

/** b and a (length 3 each) of one section from ≤ 2 zeros and ≤ 2 poles, right-aligned like scipy's _single_zpksos. */
function section(zs: C[], ps: C[]): number[] {
  const row = [0, 0, 0, 0, 0, 0];
  const b = poly(zs);
  const a = poly(ps);
  for (let i = 0; i < b.length; i++) row[3 - b.length + i] = b[i];
  for (let i = 0; i < a.length; i++) row[6 - a.length + i] = a[i];
  return row;
}

/** scipy.signal.zpk2sos with pairing 'nearest' (digital). */
export function zpkToSos(zpk: Zpk): SosFilter {
  let z = [...zpk.z];
  let p = [...zpk.p];
  if (z.length === 0 && p.length === 0) return { sos: Float64Array.from([zpk.k, 0, 0, 1, 0, 0]), shape: [1, 6] };
  while (p.length < z.length) p.push([0, 0]);
  while (z.length < p.length) z.push([0, 0]);
  const nSections = Math.floor((p.length + 1) / 2);
  if (p.length % 2 === 1) {
    p.push([0, 0]);
    z.push([0, 0]);
  }
  const zc = cplxReal(z);
  const pc = cplxReal(p);
  z = [...zc.complex, ...zc.real];
  p = [...pc.complex, ...pc.real];
  // Digital: the "worst" pole is the one closest to the unit circle; it goes in the last section.
  const idxWorst = (xs: C[]): number => {
    let best = 0;
    for (let i = 1; i < xs.length; i++) if (Math.abs(1 - cAbs(xs[i])) < Math.abs(1 - cAbs(xs[best]))) best = i;
    return best;
  };
  const take = (xs: C[], i: number): C => xs.splice(i, 1)[0];
  const conj = (x: C): C => [x[0], -x[1]];
  const rows: number[][] = new Array(nSections);
  for (let si = nSections - 1; si >= 0; si--) {
    const p1 = take(p, idxWorst(p));
    const nRealP = p.filter(isRealC).length;
    if (isRealC(p1) && nRealP === 0) {
      const z1 = take(z, nearestIndex(z, p1, 'real'));
      rows[si] = section([z1, [0, 0]], [p1, [0, 0]]);
    } else if (p.length + 1 === z.length && !isRealC(p1) && nRealP === 1 && z.filter(isRealC).length === 1) {
      const z1 = take(z, nearestIndex(z, p1, 'complex'));
      rows[si] = section([z1, conj(z1)], [p1, conj(p1)]);
    } else {
      let p2: C;
      if (isRealC(p1)) {
        const realIdx = p.map((x, i) => (isRealC(x) ? i : -1)).filter((i) => i >= 0);
        const w = idxWorst(realIdx.map((i) => p[i]));
        p2 = take(p, realIdx[w]);
      } else {
        p2 = conj(p1);
      }
      if (z.length > 0) {
        const z1 = take(z, nearestIndex(z, p1, 'any'));
        if (!isRealC(z1)) rows[si] = section([z1, conj(z1)], [p1, p2]);
        else if (z.length > 0) {
          const z2 = take(z, nearestIndex(z, p1, 'real'));
          rows[si] = section([z1, z2], [p1, p2]);
        } else rows[si] = section([z1], [p1, p2]);
      } else rows[si] = section([], [p1, p2]);
    }
  }
  for (let j = 0; j < 3; j++) rows[0][j] *= zpk.k;
  return { sos: Float64Array.from(rows.flat()), shape: [nSections, 6] };
}
