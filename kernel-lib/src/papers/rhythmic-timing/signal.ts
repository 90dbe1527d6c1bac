/**
 * Minimal private signal tools for tap detection: a Butterworth band-pass designed as scipy.signal.butter
 * does (analog prototype → lp2bp → bilinear, then zpk → polynomial coefficients), zero-phase filtering as
 * scipy.signal.filtfilt with its defaults (odd extension, padlen = 3·max(len a, len b), initial state from
 * lfilter_zi), and local-maximum picking as scipy.signal.find_peaks with only a `height` condition (flat peaks
 * give their middle sample).
 *
 * TODO: use analysis/ — these duplicate the shared signal tools another engineer is writing in
 * kernel-lib/src/analysis; switch to them once they exist and keep only the calls here.
 */

type Complex = [number, number];

const cadd = (x: Complex, y: Complex): Complex => [x[0] + y[0], x[1] + y[1]];
const csub = (x: Complex, y: Complex): Complex => [x[0] - y[0], x[1] - y[1]];
const cmul = (x: Complex, y: Complex): Complex => [x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0]];
const cdiv = (x: Complex, y: Complex): Complex => {
  const d = y[0] * y[0] + y[1] * y[1];
  return [(x[0] * y[0] + x[1] * y[1]) / d, (x[1] * y[0] - x[0] * y[1]) / d];
};
const cscale = (x: Complex, s: number): Complex => [x[0] * s, x[1] * s];
/** Principal square root, as numpy's. */
function csqrt(x: Complex): Complex {
  const r = Math.hypot(x[0], x[1]);
  const re = Math.sqrt((r + x[0]) / 2);
  const im = Math.sqrt((r - x[0]) / 2);
  return [re, x[1] < 0 ? -im : im];
}

/** Coefficients of Π (x − r_i), highest power first (numpy.poly), real part kept. */
function polyFromRoots(roots: Complex[]): Float64Array {
  let c: Complex[] = [[1, 0]];
  for (const r of roots) {
    const next: Complex[] = c.map((v) => [v[0], v[1]] as Complex).concat([[0, 0]]);
    for (let i = 0; i < c.length; i++) next[i + 1] = csub(next[i + 1], cmul(c[i], r));
    c = next;
  }
  return Float64Array.from(c.map((v) => v[0]));
}

export interface FilterCoefficients {
  b: Float64Array;
  a: Float64Array;
}

/**
 * Digital Butterworth band-pass of prototype order `order` (filter order 2·order), pass band [low, high] Hz at
 * sampling rate fs Hz: scipy.signal.butter(order, [low, high], btype='band', fs=fs) in (b, a) form.
 */
export function butterBandpass(order: number, low: number, high: number, fs: number): FilterCoefficients {
  if (!(Number.isInteger(order) && order >= 1)) throw new Error(`butterBandpass: order must be a positive integer, got ${order}`);
  if (!(fs > 0)) throw new Error(`butterBandpass: fs must be > 0 Hz, got ${fs}`);
  if (!(low > 0 && high > low && high < fs / 2)) {
    throw new Error(`butterBandpass: need 0 < low < high < fs/2 = ${fs / 2} Hz, got [${low}, ${high}] Hz`);
  }
  // Pre-warp the normalised band edges for the bilinear transform at fs = 2 (scipy's convention).
  const warp = (f: number) => 4 * Math.tan((Math.PI * (2 * f) / fs) / 2);
  const w1 = warp(low), w2 = warp(high);
  const bw = w2 - w1;
  const wo = Math.sqrt(w1 * w2);
  const proto: Complex[] = [];
  for (let m = -order + 1; m < order; m += 2) {
    const th = (Math.PI * m) / (2 * order);
    proto.push([-Math.cos(th), -Math.sin(th)]);
  }
  // Low-pass → band-pass: each prototype pole splits into two; `order` zeros appear at s = 0.
  const poles: Complex[] = [];
  const lp = proto.map((p) => cscale(p, bw / 2));
  for (const p of lp) poles.push(cadd(p, csqrt(csub(cmul(p, p), [wo * wo, 0]))));
  for (const p of lp) poles.push(csub(p, csqrt(csub(cmul(p, p), [wo * wo, 0]))));
  let k = Math.pow(bw, order);
  const zerosS: Complex[] = Array.from({ length: order }, () => [0, 0] as Complex);
  // Bilinear transform with fs = 2 (fs2 = 4); the excess of poles over zeros maps to z = −1.
  const fs2: Complex = [4, 0];
  const zerosZ = zerosS.map((z) => cdiv(cadd(fs2, z), csub(fs2, z)));
  const polesZ = poles.map((p) => cdiv(cadd(fs2, p), csub(fs2, p)));
  for (let i = 0; i < poles.length - zerosS.length; i++) zerosZ.push([-1, 0]);
  let num: Complex = [1, 0], den: Complex = [1, 0];
  for (const z of zerosS) num = cmul(num, csub(fs2, z));
  for (const p of poles) den = cmul(den, csub(fs2, p));
  k *= cdiv(num, den)[0];
  const b = polyFromRoots(zerosZ).map((v) => v * k);
  const a = polyFromRoots(polesZ);
  return { b, a };
}

/** Direct-form II transposed filtering (scipy.signal.lfilter) with initial state zi; a[0] must be 1. */
function lfilter(b: Float64Array, a: Float64Array, x: ArrayLike<number>, zi: Float64Array): Float64Array {
  const n = b.length;
  const z = Float64Array.from(zi);
  const y = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const xt = x[t];
    const yt = b[0] * xt + z[0];
    for (let i = 0; i < n - 2; i++) z[i] = b[i + 1] * xt + z[i + 1] - a[i + 1] * yt;
    z[n - 2] = b[n - 1] * xt - a[n - 1] * yt;
    y[t] = yt;
  }
  return y;
}

/** Steady-state initial conditions for a unit step (scipy.signal.lfilter_zi). */
function lfilterZi(b: Float64Array, a: Float64Array): Float64Array {
  const n = a.length - 1;
  // Solve (I − companion(a)ᵀ) zi = b[1:] − a[1:]·b[0] by Gaussian elimination with partial pivoting.
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // companion(a)ᵀ: column 0 holds −a[1:], the superdiagonal holds ones.
      const c = (j === 0 ? -a[i + 1] : 0) + (j === i + 1 ? 1 : 0);
      M[i * n + j] = (i === j ? 1 : 0) - c;
    }
  }
  const r = Float64Array.from({ length: n }, (_, i) => b[i + 1] - a[i + 1] * b[0]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(M[row * n + col]) > Math.abs(M[piv * n + col])) piv = row;
    for (let j = 0; j < n; j++) [M[col * n + j], M[piv * n + j]] = [M[piv * n + j], M[col * n + j]];
    [r[col], r[piv]] = [r[piv], r[col]];
    for (let row = col + 1; row < n; row++) {
      const m = M[row * n + col] / M[col * n + col];
      for (let j = col; j < n; j++) M[row * n + j] -= m * M[col * n + j];
      r[row] -= m * r[col];
    }
  }
  for (let row = n - 1; row >= 0; row--) {
    let s = r[row];
    for (let j = row + 1; j < n; j++) s -= M[row * n + j] * r[j];
    r[row] = s / M[row * n + row];
  }
  return r;
}

/** Zero-phase forward–backward filtering, as scipy.signal.filtfilt(b, a, x) with its default padding. */
export function filtfilt(coef: FilterCoefficients, x: ArrayLike<number>): Float64Array {
  const a0 = coef.a[0];
  const b = coef.b.map((v) => v / a0);
  const a = coef.a.map((v) => v / a0);
  const padlen = 3 * Math.max(a.length, b.length);
  const n = x.length;
  if (n <= padlen) throw new Error(`filtfilt: signal of ${n} samples is too short, need more than ${padlen}`);
  const ext = new Float64Array(n + 2 * padlen);
  for (let i = 0; i < padlen; i++) ext[i] = 2 * x[0] - x[padlen - i];
  for (let i = 0; i < n; i++) ext[padlen + i] = x[i];
  for (let i = 0; i < padlen; i++) ext[padlen + n + i] = 2 * x[n - 1] - x[n - 2 - i];
  const zi = lfilterZi(b, a);
  const fwd = lfilter(b, a, ext, zi.map((v) => v * ext[0]));
  fwd.reverse();
  const bwd = lfilter(b, a, fwd, zi.map((v) => v * fwd[0]));
  bwd.reverse();
  return bwd.slice(padlen, padlen + n);
}

/** Indices of local maxima with value ≥ minHeight (scipy.signal.find_peaks(x, height=minHeight)). */
export function findPeaks(x: ArrayLike<number>, minHeight = -Infinity): Int32Array {
  const peaks: number[] = [];
  const iMax = x.length - 1;
  let i = 1;
  while (i < iMax) {
    if (x[i - 1] < x[i]) {
      let ahead = i + 1;
      while (ahead < iMax && x[ahead] === x[i]) ahead++;
      if (x[ahead] < x[i]) {
        const mid = Math.floor((i + ahead - 1) / 2);
        if (x[mid] >= minHeight) peaks.push(mid);
        i = ahead;
      }
    }
    i++;
  }
  return Int32Array.from(peaks);
}
