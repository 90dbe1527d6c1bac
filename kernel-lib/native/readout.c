/*
 * The linear readout o = r W_outᵀ and its gradient for the native addon (scan-node.c includes this file):
 * r is a scan's rates [M, N] (M = T·B rows, up to 10⁸ values), W_out is [nOut, N] with nOut small. All three
 * products are one pass over r, so they run at memory speed; tfjs's wasm backend spent 8 ms per training step
 * on them at N = 256 (XNNPACK computes 8 output columns for 2, and dW_out was a JavaScript loop).
 * No WebAssembly build: the readout in models/readout.ts stays the reference and the fallback.
 */

static inline f32 hsum8(v8 x) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* o[m, q] = Σ_i r[m, i] w[q, i]: four outputs at a time share each load of r. */
static void readout_forward(const f32 *r, long M, int N, const f32 *w, int nOut, f32 *o) {
  for (long m = 0; m < M; m++) {
    const f32 *rr = r + m * N;
    for (int q0 = 0; q0 < nOut; q0 += 4) {
      const int nq = nOut - q0 < 4 ? nOut - q0 : 4;
      v8 acc[4] = { v_zero(), v_zero(), v_zero(), v_zero() };
      int i = 0;
      for (; i + 8 <= N; i += 8) {
        v8 x = v_ld(rr + i);
        for (int q = 0; q < nq; q++) acc[q] = v_fma(x, v_ld(w + (long)(q0 + q) * N + i), acc[q]);
      }
      for (int q = 0; q < nq; q++) {
        f32 sum = hsum8(acc[q]);
        for (int j = i; j < N; j++) sum += rr[j] * w[(long)(q0 + q) * N + j];
        o[m * nOut + q0 + q] = sum;
      }
    }
  }
}

/* Rows summed in float32 before their sum joins dW_out's float64 total (short float32 sums, few float64 adds). */
#define READOUT_BLOCK 64

/* dW[q, i] += Σ_m dy[m, q] r[m, i] and, when dr is given, dr[m, i] = Σ_q dy[m, q] w[q, i], in one pass over r.
 * blk: nOut·N floats of scratch. Rows whose output gradient is zero (masked) add nothing to dW. */
static void readout_backward(const f32 *r, long M, int N, const f32 *w, int nOut, const f32 *dy, double *dW, f32 *dr, f32 *blk) {
  const long nb = (long)nOut * N;
  for (long j = 0; j < nb; j++) blk[j] = 0.0f;
  for (long m = 0; m < M; m++) {
    const f32 *g = dy + m * nOut, *rr = r + m * N;
    if (dr) {
      f32 *d = dr + m * N;
      int i = 0;
      for (; i + 8 <= N; i += 8) {
        v8 s = v_zero();
        for (int q = 0; q < nOut; q++) s = v_fma(v_splat(g[q]), v_ld(w + (long)q * N + i), s);
        v_st(d + i, s);
      }
      for (; i < N; i++) {
        f32 s = 0.0f;
        for (int q = 0; q < nOut; q++) s += g[q] * w[(long)q * N + i];
        d[i] = s;
      }
    }
    for (int q = 0; q < nOut; q++) {
      if (g[q] == 0.0f) continue;
      const v8 gq = v_splat(g[q]);
      f32 *b = blk + (long)q * N;
      int i = 0;
      for (; i + 8 <= N; i += 8) v_st(b + i, v_fma(gq, v_ld(rr + i), v_ld(b + i)));
      for (; i < N; i++) b[i] += g[q] * rr[i];
    }
    if ((m + 1) % READOUT_BLOCK == 0 || m == M - 1) {
      for (long j = 0; j < nb; j++) {
        dW[j] += blk[j];
        blk[j] = 0.0f;
      }
    }
  }
}
