/*
 * Fused CT-RNN scan for WebAssembly (SIMD128 + threads): forward Euler steps and backward pass through time.
 * Built by scripts/build-wasm.sh into kernel-lib/wasm/scan.wasm (committed; users never need a compiler).
 * The JavaScript side is kernel-lib/src/models/fused-scan.ts (it owns memory layout, chunking and threads).
 *
 * Per step t (rows b = trials, columns i = units, all arrays row-major with padded row length NP):
 *   z_t = r_{t-1} Wᵀ + u_t W_inᵀ + b
 *   x_t = x_{t-1} + α ⊙ (z_t − x_{t-1}) + s ⊙ ε_t
 *   r_t = P_t(k ⊙ f(g ⊙ x_t + c))
 * The product r_{t-1} Wᵀ and the elementwise update are fused: each 4×8 tile of z is turned into x_t, r_t
 * as soon as it is computed (no pass over a [B, N] z). Backward, dr_{t-1} = dz_t W is fused the same way
 * with the elementwise chain rule of step t−1; dW = Σ_t dz_tᵀ r_{t-1} is a product over groups of 8 steps
 * from packed copies. Columns of r that are zero for every trial (silent ReLU units) are skipped in the
 * forward product and in dW.
 *
 * Threads: every thread owns a contiguous range of 8-column panels (units). All elementwise work, all
 * per-unit gradient sums and the rows of dW belong to the owner of the column, so the only cross-thread
 * dependency is the next step's product reading all of r_{t-1} (forward) or dz_t (backward): one barrier
 * per step. Each output element is computed by the same instruction sequence whatever the thread count,
 * so results are bitwise identical for 1 or more threads.
 *
 * No libc, no static data: everything lives in memory the JavaScript side allocates and passes in.
 */
#include <stdint.h>
#include <wasm_simd128.h>

typedef float f32;
typedef v128_t vf;

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul
#define SPLAT wasm_f32x4_splat
#define LD(p) wasm_v128_load(p)
#define ST(p, x) wasm_v128_store(p, x)

/* ---------------------------------------------------------------------------------------------------------
 * Job descriptor: 4-byte fields only, written by JavaScript (same order as JOB_FIELDS in fused-scan.ts).
 * ------------------------------------------------------------------------------------------------------- */
typedef struct {
  int32_t kind, nt, NP, B, nIn, K, act, flags;
  f32 *wpf, *wpb, *wint, *bvec, *alpha, *oma, *gain, *shift, *resp, *ns;
  f32 *R, *X, *ZMX, *U, *EPS;
  int32_t *pidx;
  f32 *pscale, *padd;
  f32 *DR, *DZ, *DZC, *DXC;
  f32 *dW, *dWinT, *db, *dalpha, *dgain, *dshift, *dresp, *dns, *dr0;
  /* plain product C[M, NP] = A[M, KK] · Bp (packed panels), for the sgemm peak measurement */
  f32 *A, *C;
  int32_t M, KK;
  /* Active-column flags (one byte per unit, nonzero: some trial's rate is not 0), parallel to R's blocks, and
   * per-thread scratch for the list of active columns (NP ints per thread). */
  uint8_t *ACT;
  int32_t *IDX;
  /* Per-thread packing space for dW (2·GROUP·B·NP floats per thread). */
  f32 *PK;
} Job;

_Static_assert(sizeof(Job) == 46 * 4, "Job layout must match JOB_FIELDS in fused-scan.ts");

/* Steps per partial sum of dW (chunk lengths are multiples of it: see dw_chunk); at most 32 (a bit mask). */
#define GROUP 8

enum { KIND_FORWARD = 1, KIND_BACKWARD = 2, KIND_FINAL = 3, KIND_GEMM = 4 };
enum {
  USE_GAIN = 1, USE_SHIFT = 2, USE_RESP = 4, G_ALPHA = 8, G_GAIN = 16, G_SHIFT = 32, G_RESP = 64,
  G_NOISE = 128, G_WIN = 256, G_B = 512,
};
enum { ACT_RELU = 0, ACT_TANH = 1, ACT_RETANH = 2, ACT_SIGMOID = 3, ACT_SOFTPLUS = 4, ACT_LINEAR = 5 };

/* Control block (int32 words, JavaScript allocates and zeroes it). */
enum { C_JOB_GEN = 0, C_JOB_PTR = 1, C_DONE = 2, C_MAIN_SLEEP = 3, C_WORKER_SLEEP = 4, C_BAR_COUNT = 16, C_BAR_GEN = 17, C_BAR_SLEEP = 18,
       C_SHUTDOWN = 32, C_SPIN = 33, C_READY = 48 /* C_READY + tid */ };

/* ---------------------------------------------------------------------------------------------------------
 * Elementary functions (vector, float32). Accuracy: a few ulp, checked against float64 in the tests.
 * ------------------------------------------------------------------------------------------------------- */
INLINE vf vexp(vf x) {
  /* Cephes expf: 2^n · e^r, |r| ≤ ln2/2, degree-6 polynomial. Clamped so that 2^n stays a normal float. */
  x = wasm_f32x4_min(wasm_f32x4_max(x, SPLAT(-87.33f)), SPLAT(88.0f));
  vf n = wasm_f32x4_nearest(MUL(x, SPLAT(1.44269504088896341f)));
  vf r = SUB(SUB(x, MUL(n, SPLAT(0.693359375f))), MUL(n, SPLAT(-2.12194440e-4f)));
  vf p = SPLAT(1.9875691500e-4f);
  p = ADD(MUL(p, r), SPLAT(1.3981999507e-3f));
  p = ADD(MUL(p, r), SPLAT(8.3334519073e-3f));
  p = ADD(MUL(p, r), SPLAT(4.1665795894e-2f));
  p = ADD(MUL(p, r), SPLAT(1.6666665459e-1f));
  p = ADD(MUL(p, r), SPLAT(5.0000001201e-1f));
  vf y = ADD(ADD(MUL(MUL(p, r), r), r), SPLAT(1.0f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return MUL(y, e);
}

INLINE vf vtanh(vf x) {
  /* |x| < 0.4: Taylor series to x^17 (terms shrink by (2x/π)² < 0.07); otherwise (1 − e)/(1 + e), e = e^{−2|x|}. */
  vf ax = wasm_f32x4_abs(x);
  vf x2 = MUL(x, x);
  vf p = SPLAT(5.9002744094558598e-4f);  /* 6404582/10854718875 */
  p = ADD(MUL(p, x2), SPLAT(-1.4558343870513183e-3f));
  p = ADD(MUL(p, x2), SPLAT(3.5921280365724811e-3f));
  p = ADD(MUL(p, x2), SPLAT(-8.8632355299021973e-3f));
  p = ADD(MUL(p, x2), SPLAT(2.1869488536155203e-2f));
  p = ADD(MUL(p, x2), SPLAT(-5.3968253968253971e-2f));
  p = ADD(MUL(p, x2), SPLAT(1.3333333333333333e-1f));
  p = ADD(MUL(p, x2), SPLAT(-3.3333333333333333e-1f));
  vf small = ADD(x, MUL(MUL(p, x2), x));
  vf e = vexp(MUL(ax, SPLAT(-2.0f)));
  vf big = wasm_f32x4_div(SUB(SPLAT(1.0f), e), ADD(SPLAT(1.0f), e));
  big = wasm_v128_or(big, wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000))); /* sign of x */
  return wasm_v128_bitselect(small, big, wasm_f32x4_lt(ax, SPLAT(0.4f)));
}

INLINE vf vsigmoid(vf x) { return wasm_f32x4_div(SPLAT(1.0f), ADD(SPLAT(1.0f), vexp(wasm_f32x4_neg(x)))); }

INLINE vf vlog(vf u) {
  /* u > 0 normal: u = m·2^e, m ∈ [√½, √2); log m = 2 atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172. */
  v128_t bits = u;
  v128_t e = wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(127));
  vf m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000));
  v128_t hi = wasm_f32x4_gt(m, SPLAT(1.41421356f));
  m = wasm_v128_bitselect(MUL(m, SPLAT(0.5f)), m, hi);
  e = wasm_i32x4_sub(e, hi); /* hi is −1 where true */
  vf s = wasm_f32x4_div(SUB(m, SPLAT(1.0f)), ADD(m, SPLAT(1.0f)));
  vf s2 = MUL(s, s);
  vf p = SPLAT(1.0f / 11);
  p = ADD(MUL(p, s2), SPLAT(1.0f / 9));
  p = ADD(MUL(p, s2), SPLAT(1.0f / 7));
  p = ADD(MUL(p, s2), SPLAT(1.0f / 5));
  p = ADD(MUL(p, s2), SPLAT(1.0f / 3));
  vf lm = MUL(MUL(SPLAT(2.0f), s), ADD(SPLAT(1.0f), MUL(p, s2)));
  vf ef = wasm_f32x4_convert_i32x4(e);
  return ADD(ADD(MUL(ef, SPLAT(0.693359375f)), lm), MUL(ef, SPLAT(-2.12194440e-4f)));
}

INLINE vf vsoftplus(vf x) {
  /* tfjs: x above 13.94, e^x below −13.94, log(1 + e^x) between; log1p via log(u) − ((u − 1) − y)/u. */
  vf y = vexp(x);
  vf u = ADD(SPLAT(1.0f), y);
  vf l = SUB(vlog(u), wasm_f32x4_div(SUB(SUB(u, SPLAT(1.0f)), y), u));
  const f32 th = 13.942385152878742f;
  l = wasm_v128_bitselect(x, l, wasm_f32x4_gt(x, SPLAT(th)));
  return wasm_v128_bitselect(y, l, wasm_f32x4_lt(x, SPLAT(-th)));
}

INLINE vf vact(int act, vf a) {
  switch (act) {
    case ACT_RELU: return wasm_f32x4_max(a, SPLAT(0.0f)); /* max(NaN, 0): NaN propagates like tf.relu */
    case ACT_TANH: return vtanh(a);
    case ACT_RETANH: return wasm_f32x4_max(vtanh(a), SPLAT(0.0f));
    case ACT_SIGMOID: return vsigmoid(a);
    case ACT_SOFTPLUS: return vsoftplus(a);
    default: return a;
  }
}

/* f(a) and f'(a) together (tanh is computed once for both). */
INLINE vf vact2(int act, vf a, vf *fa) {
  vf one = SPLAT(1.0f), pos = wasm_f32x4_gt(a, SPLAT(0.0f));
  switch (act) {
    case ACT_RELU: *fa = wasm_f32x4_max(a, SPLAT(0.0f)); return wasm_v128_and(pos, one);
    case ACT_TANH: { vf t = vtanh(a); *fa = t; return SUB(one, MUL(t, t)); }
    case ACT_RETANH: { vf t = vtanh(a); *fa = wasm_f32x4_max(t, SPLAT(0.0f)); return wasm_v128_and(pos, SUB(one, MUL(t, t))); }
    case ACT_SIGMOID: { vf s = vsigmoid(a); *fa = s; return MUL(s, SUB(one, s)); }
    case ACT_SOFTPLUS: *fa = vsoftplus(a); return vsigmoid(a);
    default: *fa = a; return one;
  }
}

/* Entry points for the accuracy tests: y = f(x) (which = 0..5) or f'(x) (which = 8 + act), n % 4 == 0. */
EXPORT(vector_fn) void vector_fn(int which, const f32 *x, f32 *y, int n) {
  for (int i = 0; i < n; i += 4) {
    vf a = LD(x + i), fa;
    if (which >= 8) ST(y + i, vact2(which - 8, a, &fa));
    else if (which == 6) ST(y + i, vexp(a));
    else if (which == 7) ST(y + i, vlog(a));
    else ST(y + i, vact(which, a));
  }
}

/* ---------------------------------------------------------------------------------------------------------
 * Threads: job hand-off and a barrier on atomics (spin a little, then sleep in memory.atomic.wait32).
 * ------------------------------------------------------------------------------------------------------- */
INLINE int aload(int32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
INLINE void astore(int32_t *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
INLINE int aadd(int32_t *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

/* Wait until *p != old. */
static void wait_change(int32_t *ctl, int32_t *p, int old, int32_t *sleepers) {
  int spin = aload(ctl + C_SPIN);
  for (int i = 0; i < spin; i++) if (aload(p) != old) return;
  aadd(sleepers, 1);
  while (aload(p) == old) __builtin_wasm_memory_atomic_wait32(p, old, -1);
  aadd(sleepers, -1);
}

static void wake(int32_t *p, int32_t *sleepers) {
  if (aload(sleepers) > 0) __builtin_wasm_memory_atomic_notify(p, 0xffffffffu);
}

static void barrier(int32_t *ctl, int nt) {
  if (nt <= 1) return;
  int gen = aload(ctl + C_BAR_GEN);
  if (aadd(ctl + C_BAR_COUNT, 1) == nt - 1) {
    astore(ctl + C_BAR_COUNT, 0);
    aadd(ctl + C_BAR_GEN, 1);
    wake(ctl + C_BAR_GEN, ctl + C_BAR_SLEEP);
  } else {
    wait_change(ctl, ctl + C_BAR_GEN, gen, ctl + C_BAR_SLEEP);
  }
}

/* ---------------------------------------------------------------------------------------------------------
 * The 4×8 register tile: acc[r][0..7] = Σ_k A[row r][k] · Bp[k][0..7] (Bp: one packed 8-column panel).
 * Rows past the last (B not a multiple of 4) repeat row m and are never stored.
 * ------------------------------------------------------------------------------------------------------- */
/* One k of the tile. */
#define TILE_K(o)                                                                                             \
  {                                                                                                           \
    vf b0_ = LD(pb_ + 8 * (o)), b1_ = LD(pb_ + 8 * (o) + 4), x_;                                              \
    x_ = wasm_v128_load32_splat(a0_ + (o)); c00 = ADD(c00, MUL(x_, b0_)); c01 = ADD(c01, MUL(x_, b1_));       \
    x_ = wasm_v128_load32_splat(a1_ + (o)); c10 = ADD(c10, MUL(x_, b0_)); c11 = ADD(c11, MUL(x_, b1_));       \
    x_ = wasm_v128_load32_splat(a2_ + (o)); c20 = ADD(c20, MUL(x_, b0_)); c21 = ADD(c21, MUL(x_, b1_));       \
    x_ = wasm_v128_load32_splat(a3_ + (o)); c30 = ADD(c30, MUL(x_, b0_)); c31 = ADD(c31, MUL(x_, b1_));       \
  }

/* Not unrolled on purpose: clang then hoists the loads of later k, and V8 runs out of its 15 vector registers
 * and spills (measured: unrolling by 2, 4, 8 made the tile 1.3–2.7× slower under Node 20). */
#define TILE_4x8(A, lda, rows, m, bp, K)                                                                      \
  vf c00 = wasm_f32x4_const_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00; \
  do {                                                                                                        \
    const f32 *a0_ = (A) + (long)(m) * (lda);                                                                 \
    const f32 *a1_ = (A) + (long)((m) + 1 < (rows) ? (m) + 1 : (m)) * (lda);                                  \
    const f32 *a2_ = (A) + (long)((m) + 2 < (rows) ? (m) + 2 : (m)) * (lda);                                  \
    const f32 *a3_ = (A) + (long)((m) + 3 < (rows) ? (m) + 3 : (m)) * (lda);                                  \
    const f32 *pb_ = (bp);                                                                                    \
    _Pragma("clang loop unroll(disable)")                                                                     \
    for (int k_ = 0; k_ < (K); k_++, pb_ += 8, a0_++, a1_++, a2_++, a3_++) TILE_K(0)                         \
  } while (0)

/* The same tile over the listed k only (columns of A that are not all zero: ReLU-type rates are exactly 0
 * for many units). Summation order is still increasing k, and skipped terms are exact zeros. */
#define TILE_4x8_LIST(A, lda, rows, m, bp, idx, cnt)                                                          \
  vf c00 = wasm_f32x4_const_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00; \
  do {                                                                                                        \
    const f32 *a0_ = (A) + (long)(m) * (lda);                                                                 \
    const f32 *a1_ = (A) + (long)((m) + 1 < (rows) ? (m) + 1 : (m)) * (lda);                                  \
    const f32 *a2_ = (A) + (long)((m) + 2 < (rows) ? (m) + 2 : (m)) * (lda);                                  \
    const f32 *a3_ = (A) + (long)((m) + 3 < (rows) ? (m) + 3 : (m)) * (lda);                                  \
    _Pragma("clang loop unroll(disable)")                                                                     \
    for (int n_ = 0; n_ < (cnt); n_++) {                                                                      \
      const int j_ = (idx)[n_];                                                                               \
      const f32 *pb_ = (bp) + 8 * j_;                                                                         \
      vf b0_ = LD(pb_), b1_ = LD(pb_ + 4), x_;                                                                \
      x_ = wasm_v128_load32_splat(a0_ + j_); c00 = ADD(c00, MUL(x_, b0_)); c01 = ADD(c01, MUL(x_, b1_));      \
      x_ = wasm_v128_load32_splat(a1_ + j_); c10 = ADD(c10, MUL(x_, b0_)); c11 = ADD(c11, MUL(x_, b1_));      \
      x_ = wasm_v128_load32_splat(a2_ + j_); c20 = ADD(c20, MUL(x_, b0_)); c21 = ADD(c21, MUL(x_, b1_));      \
      x_ = wasm_v128_load32_splat(a3_ + j_); c30 = ADD(c30, MUL(x_, b0_)); c31 = ADD(c31, MUL(x_, b1_));      \
    }                                                                                                         \
  } while (0)

/* Apply EPI(row, col, acc) to the valid rows of the tile at rows m.., columns c0.. (two vectors). */
#define TILE_EPILOGUE(EPI, m, rows, c0)                                             \
  do {                                                                              \
    EPI((m), (c0), c00); EPI((m), (c0) + 4, c01);                                   \
    if ((m) + 1 < (rows)) { EPI((m) + 1, (c0), c10); EPI((m) + 1, (c0) + 4, c11); } \
    if ((m) + 2 < (rows)) { EPI((m) + 2, (c0), c20); EPI((m) + 2, (c0) + 4, c21); } \
    if ((m) + 3 < (rows)) { EPI((m) + 3, (c0), c30); EPI((m) + 3, (c0) + 4, c31); } \
  } while (0)

/* The products live in small functions of their own and hand the tile over through 32 floats of per-thread
 * scratch: inlined into the big fused loops, V8's register allocator spilled the accumulators in the inner
 * loop (measured 2–3× slower than the same loop alone). */
#define STORE_TILE(o)                                                                   \
  do {                                                                                  \
    ST((o), c00); ST((o) + 4, c01); ST((o) + 8, c10); ST((o) + 12, c11);                \
    ST((o) + 16, c20); ST((o) + 20, c21); ST((o) + 24, c30); ST((o) + 28, c31);         \
  } while (0)
#define LOAD_TILE(o)                                                                    \
  vf c00 = LD(o), c01 = LD((o) + 4), c10 = LD((o) + 8), c11 = LD((o) + 12),            \
     c20 = LD((o) + 16), c21 = LD((o) + 20), c30 = LD((o) + 24), c31 = LD((o) + 28)

__attribute__((noinline)) static void tile_dense(const f32 *A, int lda, int rows, int m, const f32 *bp, int K, f32 *out) {
  TILE_4x8(A, lda, rows, m, bp, K);
  STORE_TILE(out);
}

__attribute__((noinline)) static void tile_list(const f32 *A, int lda, int rows, int m, const f32 *bp, const int32_t *idx, int cnt, f32 *out) {
  TILE_4x8_LIST(A, lda, rows, m, bp, idx, cnt);
  STORE_TILE(out);
}

/* Per-thread scratch: 32 floats for a tile, then NP ints for the active-column list. */
#define SCRATCH(J, tid) ((f32 *)((J)->IDX + (long)(tid) * ((J)->NP + 64)))
#define IDXLIST(J, tid) ((J)->IDX + (long)(tid) * ((J)->NP + 64) + 64)

INLINE void panel_range(int NP, int nt, int tid, int *p0, int *p1) {
  int P = NP / 8;
  *p0 = (int)((long)P * tid / nt);
  *p1 = (int)((long)P * (tid + 1) / nt);
}

/* ---------------------------------------------------------------------------------------------------------
 * Forward: K steps. R block k holds r_{t0+k−1} (block 0 = the state before the chunk); X likewise.
 * ------------------------------------------------------------------------------------------------------- */
INLINE vf fwd_elem(const Job *J, int k, int b, int col, vf acc) {
  const int NP = J->NP, B = J->B, nIn = J->nIn, fl = J->flags;
  const long row = (long)b * NP + col, blk = (long)B * NP;
  vf z = ADD(acc, LD(J->bvec + col));
  const f32 *u = J->U + ((long)k * B + b) * nIn;
  for (int q = 0; q < nIn; q++) z = ADD(z, MUL(SPLAT(u[q]), LD(J->wint + (long)q * NP + col)));
  vf xp = LD(J->X + k * blk + row);
  vf zmx = SUB(z, xp);
  if (J->ZMX) ST(J->ZMX + k * blk + row, zmx);
  vf x = ADD(xp, MUL(LD(J->alpha + col), zmx));
  if (J->EPS) x = ADD(x, MUL(LD(J->ns + col), LD(J->EPS + k * blk + row)));
  ST(J->X + (k + 1) * blk + row, x);
  vf a = x;
  if (fl & USE_GAIN) a = MUL(a, LD(J->gain + col));
  if (fl & USE_SHIFT) a = ADD(a, LD(J->shift + col));
  vf r = vact(J->act, a);
  if (fl & USE_RESP) r = MUL(r, LD(J->resp + col));
  if (J->pidx && J->pidx[k] >= 0) {
    long o = (long)J->pidx[k] * NP + col;
    r = ADD(MUL(r, LD(J->pscale + o)), LD(J->padd + o));
  }
  ST(J->R + (k + 1) * blk + row, r);
  return r;
}

/* Store the active flags of 8 columns from two lane masks (−1: active). */
INLINE void store_flags(uint8_t *dst, vf nz0, vf nz1) {
  v128_t h = wasm_i16x8_narrow_i32x4(nz0, nz1);
  wasm_v128_store64_lane(dst, wasm_i8x16_narrow_i16x8(h, h), 0);
}

/* Flags of R block k for the owned columns. */
static void block_flags(const Job *J, int k, int p0, int p1) {
  const int NP = J->NP, B = J->B;
  const f32 *R = J->R + (long)k * B * NP;
  for (int p = p0; p < p1; p++) {
    vf nz0 = wasm_f32x4_const_splat(0.0f), nz1 = nz0;
    for (int b = 0; b < B; b++) {
      nz0 = wasm_v128_or(nz0, wasm_f32x4_ne(LD(R + (long)b * NP + p * 8), SPLAT(0.0f)));
      nz1 = wasm_v128_or(nz1, wasm_f32x4_ne(LD(R + (long)b * NP + p * 8 + 4), SPLAT(0.0f)));
    }
    store_flags(J->ACT + (long)k * NP + p * 8, nz0, nz1);
  }
}

/* The active columns of R block k, in increasing order; returns their number. */
static int active_list(const Job *J, int k, int32_t *idx) {
  const uint8_t *a = J->ACT + (long)k * J->NP;
  int cnt = 0;
  for (int j = 0; j < J->NP; j++) if (a[j]) idx[cnt++] = j;
  return cnt;
}

__attribute__((noinline)) static void run_forward(const Job *J, int32_t *ctl, int tid) {
  const int NP = J->NP, B = J->B, nt = J->nt;
  const long blk = (long)B * NP;
  int p0, p1;
  panel_range(NP, nt, tid, &p0, &p1);
  int32_t *idx = IDXLIST(J, tid);
  f32 *scr = SCRATCH(J, tid);
  /* Flags of the state entering the chunk (the later ones come out of each step's epilogue). */
  block_flags(J, 0, p0, p1);
  barrier(ctl, nt);
  for (int k = 0; k < J->K; k++) {
    const f32 *A = J->R + k * blk;
    /* Skip all-zero columns of r_{t−1} when there are enough of them to pay for the indirection. */
    const int cnt = active_list(J, k, idx);
    const int sparse = cnt < NP - NP / 8;
    for (int p = p0; p < p1; p++) {
      const f32 *bp = J->wpf + (long)p * NP * 8;
      vf nz0 = wasm_f32x4_const_splat(0.0f), nz1 = nz0;
#define EPI_F(b, col, acc) do { vf r_ = fwd_elem(J, k, b, col, acc); vf m_ = wasm_f32x4_ne(r_, SPLAT(0.0f)); \
    if ((col) & 4) nz1 = wasm_v128_or(nz1, m_); else nz0 = wasm_v128_or(nz0, m_); } while (0)
      for (int m = 0; m < B; m += 4) {
        if (sparse) tile_list(A, NP, B, m, bp, idx, cnt, scr);
        else tile_dense(A, NP, B, m, bp, NP, scr);
        LOAD_TILE(scr);
        TILE_EPILOGUE(EPI_F, m, B, p * 8);
      }
#undef EPI_F
      store_flags(J->ACT + (long)(k + 1) * NP + p * 8, nz0, nz1);
    }
    if (k + 1 < J->K) barrier(ctl, nt);
  }
}

/* ---------------------------------------------------------------------------------------------------------
 * Backward: steps k = K−1 … 0 of a chunk. dr_t = dR_t + dz_{t+1} W (dz_{t+1}: DZ block k+1, or DZC for the
 * chunk's last step); writes dz_t to DZ block k, carries dx·(1−α) in DXC, accumulates per-unit gradients,
 * then adds this chunk's Σ dz_tᵀ r_{t−1} to the owned rows of dW.
 * Per-unit sums are taken over the tile's rows in registers first (shorter float32 sums).
 * ------------------------------------------------------------------------------------------------------- */
typedef struct { vf alpha, gain, shift, resp, ns, b; } Sums;

INLINE vf bwd_elem(const Job *J, int k, int b, int col, vf drc, Sums *s) {
  const int NP = J->NP, B = J->B, nIn = J->nIn, fl = J->flags;
  const long row = (long)b * NP + col, blk = (long)B * NP;
  vf dr = ADD(LD(J->DR + k * blk + row), drc);
  if (J->pidx && J->pidx[k] >= 0) dr = MUL(dr, LD(J->pscale + (long)J->pidx[k] * NP + col));
  vf x = LD(J->X + (k + 1) * blk + row);
  vf a = x;
  if (fl & USE_GAIN) a = MUL(a, LD(J->gain + col));
  if (fl & USE_SHIFT) a = ADD(a, LD(J->shift + col));
  vf fa, dfa = vact2(J->act, a, &fa);
  if (fl & G_RESP) s->resp = ADD(s->resp, MUL(dr, fa));
  if (fl & USE_RESP) dr = MUL(dr, LD(J->resp + col));
  vf da = MUL(dr, dfa);
  if (fl & G_SHIFT) s->shift = ADD(s->shift, da);
  if (fl & G_GAIN) s->gain = ADD(s->gain, MUL(da, x));
  vf dx = (fl & USE_GAIN) ? MUL(da, LD(J->gain + col)) : da;
  dx = ADD(dx, LD(J->DXC + row));
  if (fl & G_ALPHA) s->alpha = ADD(s->alpha, MUL(dx, LD(J->ZMX + k * blk + row)));
  if (fl & G_NOISE) s->ns = ADD(s->ns, MUL(dx, LD(J->EPS + k * blk + row)));
  vf dz = MUL(dx, LD(J->alpha + col));
  ST(J->DXC + row, MUL(dx, LD(J->oma + col)));
  ST(J->DZ + k * blk + row, dz);
  if (fl & G_B) s->b = ADD(s->b, dz);
  if (fl & G_WIN) {
    const f32 *u = J->U + ((long)k * B + b) * nIn;
    for (int q = 0; q < nIn; q++) {
      f32 *w = J->dWinT + (long)q * NP + col;
      ST(w, ADD(LD(w), MUL(dz, SPLAT(u[q]))));
    }
  }
  return dz;
}

INLINE void flush_sums(const Job *J, int col, Sums *s) {
  const int fl = J->flags;
#define FL(flag, arr, v) if (fl & (flag)) ST(J->arr + col, ADD(LD(J->arr + col), s->v))
  FL(G_ALPHA, dalpha, alpha); FL(G_GAIN, dgain, gain); FL(G_SHIFT, dshift, shift);
  FL(G_RESP, dresp, resp); FL(G_NOISE, dns, ns); FL(G_B, db, b);
#undef FL
}

static void zero_sums(Sums *s) {
  vf z = wasm_f32x4_const_splat(0.0f);
  s->alpha = s->gain = s->shift = s->resp = s->ns = s->b = z;
}

/* C[4, 8] = Σ over `rows` rows of ap[row][0..3] ⊗ bp[row][0..7], from packed copies (contiguous: walking the
 * rows of DZ and R in place was 2–5× slower, from cache and TLB misses), into 32 floats at `out`. */
__attribute__((noinline)) static void dw_tile(const f32 *ap, const f32 *bp, int rows, f32 *out) {
  vf c00 = wasm_f32x4_const_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  _Pragma("clang loop unroll(disable)")
  for (int k = 0; k < rows; k++, ap += 4, bp += 8) {
    vf b0 = LD(bp), b1 = LD(bp + 4), x;
    x = wasm_v128_load32_splat(ap); c00 = ADD(c00, MUL(x, b0)); c01 = ADD(c01, MUL(x, b1));
    x = wasm_v128_load32_splat(ap + 1); c10 = ADD(c10, MUL(x, b0)); c11 = ADD(c11, MUL(x, b1));
    x = wasm_v128_load32_splat(ap + 2); c20 = ADD(c20, MUL(x, b0)); c21 = ADD(c21, MUL(x, b1));
    x = wasm_v128_load32_splat(ap + 3); c30 = ADD(c30, MUL(x, b0)); c31 = ADD(c31, MUL(x, b1));
  }
  STORE_TILE(out);
}

/* dW[i, j] += Σ_{k,b} dz[k,b,i] · r[k−1,b,j] for the owned rows i (panels p0..p1) over a chunk of K steps.
 * The sum runs over groups of GROUP steps, latest group first, each group's partial sum added to dW: chunks
 * are whole groups (fused-scan.ts), so the rounding does not depend on the chunk or checkpoint length. Only
 * the columns j where r_{t−1} is nonzero somewhere in the group are computed (ReLU units that are silent
 * throughout a group contribute nothing): they are packed side by side, 8 to a panel, and scattered back. */
static void dw_chunk(const Job *J, int K, int p0, int p1, f32 *ap, f32 *bp, int32_t *cols, f32 *scr) {
  const int NP = J->NP, B = J->B, ni = (p1 - p0) * 8;
  for (int g = (K - 1) / GROUP; g >= 0; g--) {
    const int k0 = g * GROUP, k1 = (g + 1) * GROUP < K ? (g + 1) * GROUP : K, rows = (k1 - k0) * B;
    int nc = 0;
    for (int j = 0; j < NP; j++) {
      int any = 0;
      for (int k = k0; k < k1; k++) any |= J->ACT[(long)k * NP + j];
      if (any) cols[nc++] = j;
    }
    if (!nc) continue;
    if (nc > NP - NP / 8) {
      /* Nearly all columns: pack them all with vector copies (cheaper than gathering the few gaps away). */
      nc = NP;
      for (int j = 0; j < NP; j++) cols[j] = j;
    }
    const int nq = (nc + 7) / 8;
    const f32 *dz = J->DZ + (long)k0 * B * NP + p0 * 8, *r = J->R + (long)k0 * B * NP;
    for (int row = 0; row < rows; row++) {
      for (int i4 = 0; i4 < ni / 4; i4++) ST(ap + ((long)i4 * rows + row) * 4, LD(dz + (long)row * NP + i4 * 4));
      const f32 *rr = r + (long)row * NP;
      if (nc == NP) {
        for (int q = 0; q < nq; q++) {
          ST(bp + ((long)q * rows + row) * 8, LD(rr + q * 8));
          ST(bp + ((long)q * rows + row) * 8 + 4, LD(rr + q * 8 + 4));
        }
      } else {
        for (int c = 0; c < nq * 8; c++) bp[((long)(c >> 3) * rows + row) * 8 + (c & 7)] = c < nc ? rr[cols[c]] : 0.0f;
      }
    }
    for (int q = 0; q < nq; q++) {
      const int w8 = nc - q * 8 < 8 ? nc - q * 8 : 8;
      for (int i4 = 0; i4 < ni / 4; i4++) {
        dw_tile(ap + (long)i4 * rows * 4, bp + (long)q * rows * 8, rows, scr);
        f32 *w = J->dW + (long)(p0 * 8 + i4 * 4) * NP;
        for (int rr4 = 0; rr4 < 4; rr4++)
          for (int c = 0; c < w8; c++) w[(long)rr4 * NP + cols[q * 8 + c]] += scr[rr4 * 8 + c];
      }
    }
  }
}

__attribute__((noinline)) static void run_backward(const Job *J, int32_t *ctl, int tid) {
  const int NP = J->NP, B = J->B, nt = J->nt, K = J->K;
  const long blk = (long)B * NP;
  int p0, p1;
  panel_range(NP, nt, tid, &p0, &p1);
  f32 *scr = SCRATCH(J, tid);
  for (int k = K - 1; k >= 0; k--) {
    const f32 *A = k == K - 1 ? J->DZC : J->DZ + (k + 1) * blk;
    for (int p = p0; p < p1; p++) {
      Sums s0, s1;
      zero_sums(&s0);
      zero_sums(&s1);
      for (int m = 0; m < B; m += 4) {
        if (A) tile_dense(A, NP, B, m, J->wpb + (long)p * NP * 8, NP, scr);
        else for (int q = 0; q < 32; q += 4) ST(scr + q, wasm_f32x4_const_splat(0.0f));
        LOAD_TILE(scr);
#define EPI_B(b, col, acc) bwd_elem(J, k, b, col, acc, (col) & 4 ? &s1 : &s0)
        TILE_EPILOGUE(EPI_B, m, B, p * 8);
#undef EPI_B
      }
      flush_sums(J, p * 8, &s0);
      flush_sums(J, p * 8 + 4, &s1);
    }
    if (k > 0) barrier(ctl, nt);
  }
  f32 *pk = J->PK + (long)tid * 2 * GROUP * B * NP;
  dw_chunk(J, K, p0, p1, pk, pk + (long)GROUP * B * NP, IDXLIST(J, tid), scr);
}

/* dr_{−1} = dz_0 W (the gradient of the initial rate), owned columns. */
__attribute__((noinline)) static void run_final(const Job *J, int tid) {
  const int NP = J->NP, B = J->B;
  int p0, p1;
  panel_range(NP, J->nt, tid, &p0, &p1);
  f32 *scr = SCRATCH(J, tid);
  for (int p = p0; p < p1; p++)
    for (int m = 0; m < B; m += 4) {
      tile_dense(J->DZC, NP, B, m, J->wpb + (long)p * NP * 8, NP, scr);
      LOAD_TILE(scr);
#define EPI_S(b, col, acc) ST(J->dr0 + (long)(b) * NP + (col), acc)
      TILE_EPILOGUE(EPI_S, m, B, p * 8);
#undef EPI_S
    }
}

/* C[M, NP] = A[M, KK] · Bp: the same register tile as the scan, for the peak measurement. */
__attribute__((noinline)) static void run_gemm(const Job *J, int tid) {
  const int NP = J->NP, M = J->M, KK = J->KK;
  int p0, p1;
  panel_range(NP, J->nt, tid, &p0, &p1);
  f32 *scr = SCRATCH(J, tid);
  for (int p = p0; p < p1; p++)
    for (int m = 0; m < M; m += 4) {
      tile_dense(J->A, KK, M, m, J->wpf + (long)p * KK * 8, KK, scr);
      LOAD_TILE(scr);
#define EPI_S(b, col, acc) ST(J->C + (long)(b) * NP + (col), acc)
      TILE_EPILOGUE(EPI_S, m, M, p * 8);
#undef EPI_S
    }
}

__attribute__((noinline)) static void exec(const Job *J, int32_t *ctl, int tid) {
  switch (J->kind) {
    case KIND_FORWARD: run_forward(J, ctl, tid); break;
    case KIND_BACKWARD: run_backward(J, ctl, tid); break;
    case KIND_FINAL: run_final(J, tid); break;
    case KIND_GEMM: run_gemm(J, tid); break;
    default: break;
  }
}

/* Main thread: publish the job, do share 0, wait for the workers. */
EXPORT(run) void run(int32_t *ctl, Job *J) {
  const int nt = J->nt;
  if (nt > 1) {
    astore(ctl + C_DONE, 0);
    astore(ctl + C_JOB_PTR, (int32_t)(intptr_t)J);
    aadd(ctl + C_JOB_GEN, 1);
    wake(ctl + C_JOB_GEN, ctl + C_WORKER_SLEEP);
  }
  exec(J, ctl, 0);
  if (nt > 1) {
    for (;;) {
      int d = aload(ctl + C_DONE);
      if (d >= nt - 1) break;
      wait_change(ctl, ctl + C_DONE, d, ctl + C_MAIN_SLEEP);
    }
  }
}

/* Worker thread tid ≥ 1: wait for jobs until shutdown. Marks itself ready only after reading the job
 * generation, so it never joins a job published before it counted as ready. */
EXPORT(worker) void worker(int32_t *ctl, int tid) {
  int seen = aload(ctl + C_JOB_GEN);
  astore(ctl + C_READY + tid, 1);
  for (;;) {
    wait_change(ctl, ctl + C_JOB_GEN, seen, ctl + C_WORKER_SLEEP);
    seen = aload(ctl + C_JOB_GEN);
    if (aload(ctl + C_SHUTDOWN)) break;
    const Job *J = (const Job *)(intptr_t)aload(ctl + C_JOB_PTR);
    if (tid < J->nt) {
      exec(J, ctl, tid);
      aadd(ctl + C_DONE, 1);
      wake(ctl + C_DONE, ctl + C_MAIN_SLEEP);
    }
  }
  astore(ctl + C_READY + tid, 0);
}

/* ---------------------------------------------------------------------------------------------------------
 * Layout helpers (single-threaded, called directly).
 * ------------------------------------------------------------------------------------------------------- */

/* Pack W [N, N] (row-major, unpadded) into 8-column panels of NP rows, zero-padded:
 * transpose = 1: panel p row j = W[p·8 .. p·8+7, j] (for r Wᵀ); transpose = 0: panel p row i = W[i, p·8 ..]. */
EXPORT(pack_panels) void pack_panels(const f32 *W, int N, int NP, f32 *dst, int transpose) {
  for (int p = 0; p < NP / 8; p++)
    for (int k = 0; k < NP; k++)
      for (int c = 0; c < 8; c++) {
        int col = p * 8 + c;
        f32 v = 0.0f;
        if (k < N && col < N) v = transpose ? W[(long)col * N + k] : W[(long)k * N + col];
        dst[((long)p * NP + k) * 8 + c] = v;
      }
}

/* Copy rows between row lengths (padding with zeros when widening). */
EXPORT(copy_rows) void copy_rows(f32 *dst, int ldd, const f32 *src, int lds, int rows) {
  int w = ldd < lds ? ldd : lds;
  for (long r = 0; r < rows; r++) {
    f32 *d = dst + r * ldd;
    const f32 *s = src + r * lds;
    for (int c = 0; c < w; c++) d[c] = s[c];
    for (int c = w; c < ldd; c++) d[c] = 0.0f;
  }
}

EXPORT(fill_zero) void fill_zero(f32 *dst, long n) {
  for (long i = 0; i < n; i++) dst[i] = 0.0f;
}
