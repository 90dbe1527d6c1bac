/**
 * Causal and zero-phase IIR filtering matching scipy.signal: lfilter / lfilter_zi / filtfilt (transfer function)
 * and sosfilt / sosfilt_zi / sosfiltfilt (second-order sections), with scipy's defaults: padtype 'odd',
 * padlen 3·max(len(a), len(b)) for filtfilt and 3·(2·n_sections + 1 − trailing-zero correction) for sosfiltfilt,
 * and steady-state initial conditions scaled by the first sample of each pass.
 *
 * Signals are 1-D Float64Arrays; `filtfiltAlong` applies a 1-D filter to every column (axis 0, time × units) or
 * row (axis 1) of a `Dense2D`.
 */
import { BaFilter, SosFilter } from './butterworth';
import { Dense2D } from './dense';

export type PadType = 'odd' | 'even' | 'constant' | 'none';

export interface FiltfiltOptions {
  /** Extension at both ends before filtering (default 'odd', like scipy). */
  padtype?: PadType;
  /** Samples added at each end (default: scipy's, see the module comment). */
  padlen?: number;
}

function normalise({ b, a }: BaFilter): { b: Float64Array; a: Float64Array; n: number } {
  if (a.length === 0 || a[0] === 0) throw new Error('lfilter: a[0] must be non-zero');
  const n = Math.max(a.length, b.length);
  const bn = new Float64Array(n);
  const an = new Float64Array(n);
  for (let i = 0; i < b.length; i++) bn[i] = b[i] / a[0];
  for (let i = 0; i < a.length; i++) an[i] = a[i] / a[0];
  return { b: bn, a: an, n };
}

/**
 * Direct form II transposed (scipy.signal.lfilter). `zi` (length max(len a, len b) − 1) is the initial state;
 * returns the output and the final state.
 */
export function lfilter(filter: BaFilter, x: ArrayLike<number>, zi?: ArrayLike<number>): { y: Float64Array; zf: Float64Array } {
  const { b, a, n } = normalise(filter);
  const z = new Float64Array(Math.max(n - 1, 0));
  if (zi) {
    if (zi.length !== z.length) throw new Error(`lfilter: zi must have length ${z.length}, got ${zi.length}`);
    z.set(zi);
  }
  const y = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const xt = x[t];
    const yt = b[0] * xt + (n > 1 ? z[0] : 0);
    for (let i = 0; i < n - 2; i++) z[i] = b[i + 1] * xt + z[i + 1] - a[i + 1] * yt;
    if (n > 1) z[n - 2] = b[n - 1] * xt - a[n - 1] * yt;
    y[t] = yt;
  }
  return { y, zf: z };
}

/** Steady-state initial state of lfilter for a unit step (scipy.signal.lfilter_zi). */
export function lfilterZi(filter: BaFilter): Float64Array {
  const { b, a, n } = normalise(filter);
  const m = n - 1;
  if (m === 0) return new Float64Array(0);
  // (I − companion(a)ᵀ) zi = b[1:] − a[1:] b[0]
  const M = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      // companion(a): first row −a[1:], ones on the subdiagonal; we need its transpose.
      const compT = j === 0 ? -a[i + 1] : i === j - 1 ? 1 : 0;
      M[i * m + j] = (i === j ? 1 : 0) - compT;
    }
  }
  const rhs = new Float64Array(m);
  for (let i = 0; i < m; i++) rhs[i] = b[i + 1] - a[i + 1] * b[0];
  return solveDense(M, rhs, m);
}

function solveDense(M: Float64Array, r: Float64Array, m: number): Float64Array {
  for (let k = 0; k < m; k++) {
    let piv = k;
    for (let i = k + 1; i < m; i++) if (Math.abs(M[i * m + k]) > Math.abs(M[piv * m + k])) piv = i;
    if (M[piv * m + k] === 0) throw new Error('lfilterZi: singular system (the filter has a pole at z = 1)');
    if (piv !== k) {
      for (let j = 0; j < m; j++) [M[k * m + j], M[piv * m + j]] = [M[piv * m + j], M[k * m + j]];
      [r[k], r[piv]] = [r[piv], r[k]];
    }
    for (let i = k + 1; i < m; i++) {
      const f = M[i * m + k] / M[k * m + k];
      for (let j = k; j < m; j++) M[i * m + j] -= f * M[k * m + j];
      r[i] -= f * r[k];
    }
  }
  for (let k = m - 1; k >= 0; k--) {
    let s = r[k];
    for (let j = k + 1; j < m; j++) s -= M[k * m + j] * r[j];
    r[k] = s / M[k * m + k];
  }
  return r;
}

function checkSos(f: SosFilter, where: string): number {
  const ns = f.shape[0];
  if (f.shape[1] !== 6 || f.sos.length !== ns * 6) throw new Error(`${where}: sos must be n×6, got shape [${f.shape.join(', ')}] with ${f.sos.length} values`);
  for (let s = 0; s < ns; s++) if (f.sos[s * 6 + 3] !== 1) throw new Error(`${where}: sos[${s}, 3] (a0) must be 1, got ${f.sos[s * 6 + 3]}`);
  return ns;
}

/** Cascade of second-order sections (scipy.signal.sosfilt); zi is n_sections×2 row-major. */
export function sosfilt(f: SosFilter, x: ArrayLike<number>, zi?: ArrayLike<number>): { y: Float64Array; zf: Float64Array } {
  const ns = checkSos(f, 'sosfilt');
  const z = new Float64Array(ns * 2);
  if (zi) {
    if (zi.length !== ns * 2) throw new Error(`sosfilt: zi must have ${ns * 2} values (n_sections × 2), got ${zi.length}`);
    z.set(zi);
  }
  const y = Float64Array.from(x);
  const s = f.sos;
  for (let k = 0; k < ns; k++) {
    const b0 = s[k * 6], b1 = s[k * 6 + 1], b2 = s[k * 6 + 2], a1 = s[k * 6 + 4], a2 = s[k * 6 + 5];
    let z0 = z[2 * k];
    let z1 = z[2 * k + 1];
    for (let t = 0; t < y.length; t++) {
      const xt = y[t];
      const yt = b0 * xt + z0;
      z0 = b1 * xt - a1 * yt + z1;
      z1 = b2 * xt - a2 * yt;
      y[t] = yt;
    }
    z[2 * k] = z0;
    z[2 * k + 1] = z1;
  }
  return { y, zf: z };
}

/** Steady-state initial state of sosfilt for a unit step (scipy.signal.sosfilt_zi), n_sections×2 row-major. */
export function sosfiltZi(f: SosFilter): Float64Array {
  const ns = checkSos(f, 'sosfiltZi');
  const zi = new Float64Array(ns * 2);
  let scale = 1;
  for (let k = 0; k < ns; k++) {
    const b = f.sos.slice(k * 6, k * 6 + 3);
    const a = f.sos.slice(k * 6 + 3, k * 6 + 6);
    const z = lfilterZi({ b, a });
    zi[2 * k] = scale * z[0];
    zi[2 * k + 1] = scale * z[1];
    scale *= (b[0] + b[1] + b[2]) / (a[0] + a[1] + a[2]);
  }
  return zi;
}

/** The signal extended by `n` samples at each end (scipy's odd_ext / even_ext / const_ext). */
export function extendSignal(x: ArrayLike<number>, n: number, padtype: PadType): Float64Array {
  const L = x.length;
  if (padtype === 'none' || n === 0) return Float64Array.from(x);
  if (n > L - 1 && padtype !== 'constant') {
    throw new Error(`extendSignal: extension length ${n} must be smaller than the signal length ${L} for '${padtype}' padding`);
  }
  const out = new Float64Array(L + 2 * n);
  for (let i = 0; i < L; i++) out[n + i] = x[i];
  for (let i = 1; i <= n; i++) {
    const left = x[i];
    const right = x[L - 1 - i];
    if (padtype === 'odd') {
      out[n - i] = 2 * x[0] - left;
      out[n + L - 1 + i] = 2 * x[L - 1] - right;
    } else if (padtype === 'even') {
      out[n - i] = left;
      out[n + L - 1 + i] = right;
    } else {
      out[n - i] = x[0];
      out[n + L - 1 + i] = x[L - 1];
    }
  }
  return out;
}

function padEdge(L: number, defaultPad: number, options: FiltfiltOptions, where: string): { edge: number; padtype: PadType } {
  const padtype = options.padtype ?? 'odd';
  const edge = padtype === 'none' ? 0 : options.padlen ?? defaultPad;
  if (!Number.isInteger(edge) || edge < 0) throw new Error(`${where}: padlen must be a non-negative integer, got ${edge}`);
  if (L <= edge) throw new Error(`${where}: the signal (length ${L}) must be longer than padlen (${edge})`);
  return { edge, padtype };
}

/** Zero-phase forward-backward filtering with a transfer function (scipy.signal.filtfilt, method 'pad'). */
export function filtfilt(filter: BaFilter, x: ArrayLike<number>, options: FiltfiltOptions = {}): Float64Array {
  const ntaps = Math.max(filter.a.length, filter.b.length);
  const { edge, padtype } = padEdge(x.length, 3 * ntaps, options, 'filtfilt');
  const ext = extendSignal(x, edge, padtype);
  const zi = lfilterZi(filter);
  const fwd = lfilter(filter, ext, zi.map((v) => v * ext[0])).y;
  fwd.reverse();
  const bwd = lfilter(filter, fwd, zi.map((v) => v * fwd[0])).y;
  bwd.reverse();
  return bwd.slice(edge, bwd.length - edge);
}

/** Zero-phase forward-backward filtering with second-order sections (scipy.signal.sosfiltfilt). */
export function sosfiltfilt(f: SosFilter, x: ArrayLike<number>, options: FiltfiltOptions = {}): Float64Array {
  const ns = checkSos(f, 'sosfiltfilt');
  let zerosB2 = 0;
  let zerosA2 = 0;
  for (let k = 0; k < ns; k++) {
    if (f.sos[k * 6 + 2] === 0) zerosB2++;
    if (f.sos[k * 6 + 5] === 0) zerosA2++;
  }
  const ntaps = 2 * ns + 1 - Math.min(zerosB2, zerosA2);
  const { edge, padtype } = padEdge(x.length, 3 * ntaps, options, 'sosfiltfilt');
  const ext = extendSignal(x, edge, padtype);
  const zi = sosfiltZi(f);
  const fwd = sosfilt(f, ext, zi.map((v) => v * ext[0])).y;
  fwd.reverse();
  const bwd = sosfilt(f, fwd, zi.map((v) => v * fwd[0])).y;
  bwd.reverse();
  return bwd.slice(edge, bwd.length - edge);
}

/** Applies a 1-D operation along `axis` of a time × units array (axis 0: each unit's time course). */
export function applyAlongAxis(X: Dense2D, axis: 0 | 1, op: (v: Float64Array) => Float64Array): Dense2D {
  const [R, Cn] = X.shape;
  if (X.data.length !== R * Cn) throw new Error(`applyAlongAxis: data has ${X.data.length} values, shape [${R}, ${Cn}]`);
  if (axis === 1) {
    const rows: Float64Array[] = [];
    for (let r = 0; r < R; r++) rows.push(op(X.data.slice(r * Cn, (r + 1) * Cn)));
    const L = rows.length ? rows[0].length : 0;
    const out = new Float64Array(R * L);
    rows.forEach((row, r) => out.set(row, r * L));
    return { data: out, shape: [R, L] };
  }
  const col = new Float64Array(R);
  let out: Float64Array | undefined;
  let L = 0;
  for (let c = 0; c < Cn; c++) {
    for (let r = 0; r < R; r++) col[r] = X.data[r * Cn + c];
    const res = op(col);
    if (!out) {
      L = res.length;
      out = new Float64Array(L * Cn);
    }
    for (let r = 0; r < L; r++) out[r * Cn + c] = res[r];
  }
  return { data: out ?? new Float64Array(0), shape: [L, Cn] };
}
