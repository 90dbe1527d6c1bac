/**
 * Seeded pseudo-random numbers. Everything random in ratelab takes an `Rng` (or a seed) so that a run, and a
 * failing test, reproduces exactly. xoshiro128** for speed and quality; Box–Muller for normals.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Fill an array with N(mean, std²) samples. */
  normals(n: number, mean?: number, std?: number): Float64Array;
  /** A permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array;
  /** A 32-bit seed derived from this stream, e.g. for tfjs ops that take a numeric seed. */
  seed32(): number;
}

function splitmix32(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

export function rng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`rng: seed must be a finite number, got ${seed}`);
  const sm = splitmix32(Math.floor(seed) ^ 0x5bd1e995);
  const s = new Uint32Array([sm(), sm(), sm(), sm()]);
  const next = (): number => {
    const r = Math.imul(s[1] * 5, 1) << 7 | (Math.imul(s[1] * 5, 1) >>> 25);
    const result = Math.imul(r, 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >>> 21);
    return result;
  };
  let spare: number | null = null;
  const uniform = () => (next() >>> 8) / 16777216 + (next() >>> 11) / 9007199254740992;
  const normal = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform: () => Math.min(uniform(), 1 - Number.EPSILON),
    normal,
    int: (n) => Math.floor(Math.min(uniform(), 1 - Number.EPSILON) * n),
    normals(n, mean = 0, std = 1) {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = mean + std * normal();
      return out;
    },
    permutation(n) {
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(Math.min(uniform(), 1 - Number.EPSILON) * (i + 1));
        const t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p;
    },
    seed32: () => next() | 0,
  };
}
