/**
 * Fast seeded standard normals into a Float32Array. The general `rng().normal()` costs ~200 ns a draw, which
 * for [T, B, N] = [300, 32, 256] noise is longer than the whole forward pass; this inlines xoshiro128** and
 * uses both Box–Muller outputs, with one 32-bit uniform per coordinate (ample for simulation noise).
 */
export function fillNormals(out: Float32Array, seed: number): Float32Array {
  // splitmix32 to spread the seed over the state (the state must not be all zero).
  let a = seed | 0;
  const sm = () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  let s0 = sm(), s1 = sm(), s2 = sm(), s3 = sm();
  const TWO_PI = 2 * Math.PI;
  const n = out.length;
  for (let k = 0; k < n; k += 2) {
    // Two xoshiro128** outputs.
    let r = Math.imul(s1, 5); r = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
    let t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    let q = Math.imul(s1, 5); q = Math.imul((q << 7) | (q >>> 25), 9) >>> 0;
    t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const u1 = (r + 1) / 4294967297; // in (0, 1): log never sees 0
    const u2 = q / 4294967296;
    const m = Math.sqrt(-2 * Math.log(u1));
    out[k] = m * Math.cos(TWO_PI * u2);
    if (k + 1 < n) out[k + 1] = m * Math.sin(TWO_PI * u2);
  }
  return out;
}
