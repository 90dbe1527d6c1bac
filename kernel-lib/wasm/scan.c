/*
 * Fused CT-RNN scan: forward Euler steps and backward pass through time, one source for two builds:
 *   - WebAssembly (SIMD128 + threads): scripts/build-wasm.sh → kernel-lib/wasm/scan.wasm (committed; users
 *     never need a compiler), run by kernel-lib/src/models/scan-wasm.ts;
 *   - a Node addon for x86-64 with AVX2 + FMA: kernel-lib/native/scan-node.c includes this file, and
 *     scripts/build-native.js compiles it at `npm ci` when a C compiler is there (else the WebAssembly build
 *     is used); run by kernel-lib/src/models/scan-native.ts.
 * The vector layer (8 lanes = one panel row, and the tile height MR) is in simd8.h. The JavaScript side
 * (fused-scan.ts) owns memory layout, chunking and threads.
 *
 * Per step t (rows b = trials, columns i = units, all arrays row-major with padded row length NP):
 *   z_t = r_{t-1} Wᵀ + u_t W_inᵀ + b
 *   x_t = x_{t-1} + α ⊙ (z_t − x_{t-1}) + s ⊙ ε_t
 *   r_t = P_t(k ⊙ f(g ⊙ x_t + c))
 * The product r_{t-1} Wᵀ and the elementwise update are fused: each MR×8 tile of z is turned into x_t, r_t
 * as soon as it is computed (no pass over a [B, N] z). Backward, dr_{t-1} = dz_t W is fused the same way
 * with the elementwise chain rule of step t−1; dW = Σ_t dz_tᵀ r_{t-1} is a product over groups of 8 steps
 * from packed copies. Columns of r that are zero for every trial (silent ReLU units) are skipped in the
 * forward product and in dW.
 *
 * Threads: every thread owns a contiguous range of 8-column panels (units). All elementwise work, all
 * per-unit gradient sums and the rows of dW belong to the owner of the column, so the only cross-thread
 * dependency is the next step's product reading all of r_{t-1} (forward) or dz_t (backward): one barrier
 * per step. Each output element is computed by the same instruction sequence whatever the thread count,
 * so results are bitwise identical for 1 or more threads (per build: the two builds round differently).
 *
 * No libc in the WebAssembly build and no static data in either: everything lives in memory the
 * JavaScript side allocates and passes in.
 */
#include <stddef.h>
#include <stdint.h>
#include "simd8.h"

#if defined(__wasm__)
#define EXPORT(name) __attribute__((export_name(#name)))
#else
#define EXPORT(name) static
#endif

/* See the register tile below. gcc 12 keeps the tile's accumulators in memory as well as in registers (its
 * bare products run 2.5× slower than clang's): scripts/build-native.js prefers clang. */
#if defined(__clang__)
#define NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define NO_UNROLL
#endif

/* ---------------------------------------------------------------------------------------------------------
 * Job descriptor: 4-byte fields written by JavaScript (same order as JOB_FIELDS in scan-engine.ts). Pointers
 * are offsets into the module's memory; the native addon turns them into addresses (JOB_LAYOUT, in order).
 * ------------------------------------------------------------------------------------------------------- */
#define JOB_LAYOUT(I, P)                                                                                      \
  I(kind) I(nt) I(NP) I(B) I(nIn) I(K) I(act) I(flags)                                                        \
  P(f32, wpf) P(f32, wpb) P(f32, wint) P(f32, bvec) P(f32, alpha) P(f32, oma) P(f32, gain) P(f32, shift)      \
  P(f32, resp) P(f32, ns)                                                                                     \
  P(f32, R) P(f32, X) P(f32, ZMX) P(f32, U) P(f32, EPS)                                                       \
  P(int32_t, pidx) P(f32, pscale) P(f32, padd)                                                                \
  P(f32, DR) P(f32, DZ) P(f32, DZC) P(f32, DXC)                                                               \
  P(f32, dW) P(f32, dWinT) P(f32, db) P(f32, dalpha) P(f32, dgain) P(f32, dshift) P(f32, dresp) P(f32, dns)   \
  P(f32, dr0)                                                                                                 \
  /* plain product C[M, NP] = A[M, KK] · Bp (packed panels), for the sgemm peak measurement */                \
  P(f32, A) P(f32, C) I(M) I(KK)                                                                              \
  /* Active-column flags (one byte per unit, nonzero: some trial's rate is not 0), parallel to R's blocks,    \
   * and per-thread scratch: a tile, then the list of active columns (NP + 64 ints per thread). */          \
  P(uint8_t, ACT) P(int32_t, IDX)                                                                             \
  /* Per-thread packing space for dW (2·PK_HALF floats per thread). */                                     \
  P(f32, PK)

#define JOB_INT(name) int32_t name;
#define JOB_PTR(type, name) type *name;
typedef struct { JOB_LAYOUT(JOB_INT, JOB_PTR) } Job;
#undef JOB_INT
#undef JOB_PTR

#if defined(__wasm__)
_Static_assert(sizeof(Job) == 46 * 4, "Job layout must match JOB_FIELDS in scan-engine.ts");
#endif

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
 * Elementary functions (8 lanes, float32). Accuracy: a few ulp, checked against float64 in the tests.
 * ------------------------------------------------------------------------------------------------------- */
INLINE v8 vexp(v8 x) {
  /* Cephes expf: 2^n · e^r, |r| ≤ ln2/2, degree-6 polynomial. Clamped so that 2^n stays a normal float. */
  x = v_min(v_max(x, v_splat(-87.33f)), v_splat(88.0f));
  v8 n = v_nearest(v_mul(x, v_splat(1.44269504088896341f)));
  v8 r = v_sub(v_sub(x, v_mul(n, v_splat(0.693359375f))), v_mul(n, v_splat(-2.12194440e-4f)));
  v8 p = v_splat(1.9875691500e-4f);
  p = v_fma(p, r, v_splat(1.3981999507e-3f));
  p = v_fma(p, r, v_splat(8.3334519073e-3f));
  p = v_fma(p, r, v_splat(4.1665795894e-2f));
  p = v_fma(p, r, v_splat(1.6666665459e-1f));
  p = v_fma(p, r, v_splat(5.0000001201e-1f));
  v8 y = v_add(v_add(v_mul(v_mul(p, r), r), r), v_splat(1.0f));
  return v_mul(y, v_pow2i(n));
}

INLINE v8 vtanh(v8 x) {
  /* |x| < 0.4: Taylor series to x^17 (terms shrink by (2x/π)² < 0.07); otherwise (1 − e)/(1 + e), e = e^{−2|x|}. */
  v8 ax = v_abs(x);
  v8 x2 = v_mul(x, x);
  v8 p = v_splat(5.9002744094558598e-4f);  /* 6404582/10854718875 */
  p = v_fma(p, x2, v_splat(-1.4558343870513183e-3f));
  p = v_fma(p, x2, v_splat(3.5921280365724811e-3f));
  p = v_fma(p, x2, v_splat(-8.8632355299021973e-3f));
  p = v_fma(p, x2, v_splat(2.1869488536155203e-2f));
  p = v_fma(p, x2, v_splat(-5.3968253968253971e-2f));
  p = v_fma(p, x2, v_splat(1.3333333333333333e-1f));
  p = v_fma(p, x2, v_splat(-3.3333333333333333e-1f));
  v8 small = v_add(x, v_mul(v_mul(p, x2), x));
  v8 e = vexp(v_mul(ax, v_splat(-2.0f)));
  v8 big = v_div(v_sub(v_splat(1.0f), e), v_add(v_splat(1.0f), e));
  big = v_or(big, v_signbit(x));
  return v_select(v_lt(ax, v_splat(0.4f)), small, big);
}

INLINE v8 vsigmoid(v8 x) { return v_div(v_splat(1.0f), v_add(v_splat(1.0f), vexp(v_neg(x)))); }

INLINE v8 vlog(v8 u) {
  /* u > 0 normal: u = m·2^e, m ∈ [√½, √2); log m = 2 atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172. */
  v8 ef, m = v_frexp(u, &ef);
  v8 hi = v_gt(m, v_splat(1.41421356f));
  m = v_select(hi, v_mul(m, v_splat(0.5f)), m);
  ef = v_add(ef, v_and(hi, v_splat(1.0f)));
  v8 s = v_div(v_sub(m, v_splat(1.0f)), v_add(m, v_splat(1.0f)));
  v8 s2 = v_mul(s, s);
  v8 p = v_splat(1.0f / 11);
  p = v_fma(p, s2, v_splat(1.0f / 9));
  p = v_fma(p, s2, v_splat(1.0f / 7));
  p = v_fma(p, s2, v_splat(1.0f / 5));
  p = v_fma(p, s2, v_splat(1.0f / 3));
  v8 lm = v_mul(v_mul(v_splat(2.0f), s), v_fma(p, s2, v_splat(1.0f)));
  return v_add(v_fma(ef, v_splat(0.693359375f), lm), v_mul(ef, v_splat(-2.12194440e-4f)));
}

INLINE v8 vsoftplus(v8 x) {
  /* tfjs: x above 13.94, e^x below −13.94, log(1 + e^x) between; log1p via log(u) − ((u − 1) − y)/u. */
  v8 y = vexp(x);
  v8 u = v_add(v_splat(1.0f), y);
  v8 l = v_sub(vlog(u), v_div(v_sub(v_sub(u, v_splat(1.0f)), y), u));
  const f32 th = 13.942385152878742f;
  l = v_select(v_gt(x, v_splat(th)), x, l);
  return v_select(v_lt(x, v_splat(-th)), y, l);
}

INLINE v8 vact(int act, v8 a) {
  switch (act) {
    case ACT_RELU: return v_max(a, v_zero());
    case ACT_TANH: return vtanh(a);
    case ACT_RETANH: return v_max(vtanh(a), v_zero());
    case ACT_SIGMOID: return vsigmoid(a);
    case ACT_SOFTPLUS: return vsoftplus(a);
    default: return a;
  }
}

/* f(a) and f'(a) together (tanh is computed once for both). */
INLINE v8 vact2(int act, v8 a, v8 *fa) {
  v8 one = v_splat(1.0f), pos = v_gt(a, v_zero());
  switch (act) {
    case ACT_RELU: *fa = v_max(a, v_zero()); return v_and(pos, one);
    case ACT_TANH: { v8 t = vtanh(a); *fa = t; return v_sub(one, v_mul(t, t)); }
    case ACT_RETANH: { v8 t = vtanh(a); *fa = v_max(t, v_zero()); return v_and(pos, v_sub(one, v_mul(t, t))); }
    case ACT_SIGMOID: { v8 s = vsigmoid(a); *fa = s; return v_mul(s, v_sub(one, s)); }
    case ACT_SOFTPLUS: *fa = vsoftplus(a); return vsigmoid(a);
    default: *fa = a; return one;
  }
}

/* Entry points for the accuracy tests: y = f(x) (which = 0..5) or f'(x) (which = 8 + act), n % 8 == 0. */
EXPORT(vector_fn) void vector_fn(int which, const f32 *x, f32 *y, int n) {
  for (int i = 0; i < n; i += 8) {
    v8 a = v_ld(x + i), fa;
    if (which >= 8) v_st(y + i, vact2(which - 8, a, &fa));
    else if (which == 6) v_st(y + i, vexp(a));
    else if (which == 7) v_st(y + i, vlog(a));
    else v_st(y + i, vact(which, a));
  }
}

/* ---------------------------------------------------------------------------------------------------------
 * Threads: job hand-off and a barrier on atomics (spin a little, then sleep: memory.atomic.wait32 in
 * WebAssembly, a futex natively).
 * ------------------------------------------------------------------------------------------------------- */
INLINE int aload(int32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
INLINE void astore(int32_t *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
INLINE int aadd(int32_t *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

#if defined(__wasm__)
INLINE void sleep_while(int32_t *p, int old) { __builtin_wasm_memory_atomic_wait32(p, old, -1); }
INLINE void wake_all(int32_t *p) { __builtin_wasm_memory_atomic_notify(p, 0xffffffffu); }
INLINE void spin_pause(void) {}
/* Workers find the job through the control block (a 32-bit address). */
INLINE void publish_job(int32_t *ctl, const Job *J) { astore(ctl + C_JOB_PTR, (int32_t)(intptr_t)J); }
INLINE const Job *published_job(int32_t *ctl) { return (const Job *)(intptr_t)aload(ctl + C_JOB_PTR); }
#else
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
INLINE void sleep_while(int32_t *p, int old) { syscall(SYS_futex, p, FUTEX_WAIT, old, NULL, NULL, 0); }
INLINE void wake_all(int32_t *p) { syscall(SYS_futex, p, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0); }
INLINE void spin_pause(void) { _mm_pause(); }
/* Addresses are 64-bit here: the job pointer goes in two words. */
INLINE void publish_job(int32_t *ctl, const Job *J) {
  uint64_t a = (uint64_t)(uintptr_t)J;
  astore(ctl + C_JOB_PTR, (int32_t)(uint32_t)a);
  astore(ctl + C_JOB_PTR + 4, (int32_t)(uint32_t)(a >> 32));
}
INLINE const Job *published_job(int32_t *ctl) {
  uint64_t a = (uint64_t)(uint32_t)aload(ctl + C_JOB_PTR) | (uint64_t)(uint32_t)aload(ctl + C_JOB_PTR + 4) << 32;
  return (const Job *)(uintptr_t)a;
}
#endif

/* Wait until *p != old. */
static void wait_change(int32_t *ctl, int32_t *p, int old, int32_t *sleepers) {
  int spin = aload(ctl + C_SPIN);
  for (int i = 0; i < spin; i++) {
    if (aload(p) != old) return;
    spin_pause();
  }
  aadd(sleepers, 1);
  while (aload(p) == old) sleep_while(p, old);
  aadd(sleepers, -1);
}

static void wake(int32_t *p, int32_t *sleepers) {
  if (aload(sleepers) > 0) wake_all(p);
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
 * The register tile: acc[r][h] = Σ_k A[row m + r][k] · Bp_h[k][0..7] for MR rows and np ≤ NPAN packed
 * 8-column panels Bp_h = bp + h·pstride (np < NPAN only for a thread's last, odd panel). Rows past the last
 * (B not a multiple of MR) repeat row m and are never stored. The result goes to out[(r·np + h)·8 ..]: the
 * products live in small functions of their own and hand the tile over through per-thread scratch, because
 * inlined into the big fused loops V8's register allocator spilled the accumulators in the inner loop
 * (measured 2–3× slower than the same loop alone). The k loops are not unrolled on purpose: clang then
 * hoists the loads of later k, and V8 runs out of its 15 vector registers and spills (unrolling by 2, 4, 8
 * made the tile 1.3–2.7× slower under Node 20).
 * ------------------------------------------------------------------------------------------------------- */
INLINE void tile_rows(const f32 *A, int lda, int rows, int m, const f32 **a) {
  for (int r = 0; r < MR; r++) a[r] = A + (long)(m + r < rows ? m + r : m) * lda;
}

INLINE void tile_store(v8 c[MR][NPAN], f32 *out, const int np) {
  for (int r = 0; r < MR; r++)
    for (int h = 0; h < np; h++) v_st(out + (r * np + h) * 8, c[r][h]);
}

/* The tile over k = 0..K−1, or when `listed` over idx[0..K−1] only (columns of A that are not all zero:
 * ReLU-type rates are exactly 0 for many units). Summation order is increasing k either way, and skipped terms
 * are exact zeros. A[row][k] is at A + row·lda + k·ka: ka = 1 for the scan's row-major operands, MR for dW's
 * packed ones (lda = 1). `listed`, ka and np are constants in each caller, so each instance has one plain loop. */
INLINE void tile_np(const f32 *A, int lda, const int ka, int rows, int m, const f32 *bp, long pstride, const int listed, const int32_t *idx, int K, f32 *out, const int np) {
  const f32 *a[MR];
  v8 c[MR][NPAN];
  tile_rows(A, lda, rows, m, a);
  for (int r = 0; r < MR; r++)
    for (int h = 0; h < np; h++) c[r][h] = v_zero();
  NO_UNROLL
  for (int n = 0; n < K; n++) {
    const int j = listed ? idx[n] : n;
    v8 b[NPAN];
    for (int h = 0; h < np; h++) b[h] = v_ld(bp + h * pstride + 8 * j);
    for (int r = 0; r < MR; r++) {
      v8 x = v_bcast(a[r] + (long)j * ka);
      for (int h = 0; h < np; h++) c[r][h] = v_fma(x, b[h], c[r][h]);
    }
  }
  tile_store(c, out, np);
}

/* One instance per panel count, so that every loop above has constant bounds (registers, not memory). */
__attribute__((noinline)) static void tile_dense_full(const f32 *A, int lda, int rows, int m, const f32 *bp, long ps, int K, f32 *out) {
  tile_np(A, lda, 1, rows, m, bp, ps, 0, NULL, K, out, NPAN);
}
__attribute__((noinline)) static void tile_list_full(const f32 *A, int lda, int rows, int m, const f32 *bp, long ps, const int32_t *idx, int cnt, f32 *out) {
  tile_np(A, lda, 1, rows, m, bp, ps, 1, idx, cnt, out, NPAN);
}
#if NPAN > 1
__attribute__((noinline)) static void tile_dense_one(const f32 *A, int lda, int rows, int m, const f32 *bp, int K, f32 *out) {
  tile_np(A, lda, 1, rows, m, bp, 0, 0, NULL, K, out, 1);
}
__attribute__((noinline)) static void tile_list_one(const f32 *A, int lda, int rows, int m, const f32 *bp, const int32_t *idx, int cnt, f32 *out) {
  tile_np(A, lda, 1, rows, m, bp, 0, 1, idx, cnt, out, 1);
}
#endif

/* Tile of np panels (NPAN or 1) starting at panel bp; panels are pstride floats apart. */
INLINE void tile_dense(const f32 *A, int lda, int rows, int m, const f32 *bp, long pstride, int K, f32 *out, int np) {
#if NPAN > 1
  if (np == 1) { tile_dense_one(A, lda, rows, m, bp, K, out); return; }
#endif
  (void)np;
  tile_dense_full(A, lda, rows, m, bp, pstride, K, out);
}
INLINE void tile_list(const f32 *A, int lda, int rows, int m, const f32 *bp, long pstride, const int32_t *idx, int cnt, f32 *out, int np) {
#if NPAN > 1
  if (np == 1) { tile_list_one(A, lda, rows, m, bp, idx, cnt, out); return; }
#endif
  (void)np;
  tile_list_full(A, lda, rows, m, bp, pstride, idx, cnt, out);
}

/* Per-thread scratch: SCRATCH_TILE floats for a tile (≥ 8·MR·NPAN), then NP ints for the active-column list.
 * Same numbers as scratchFor in scan-engine.ts. */
#define SCRATCH_TILE 128
_Static_assert(8 * MR * NPAN <= SCRATCH_TILE, "tile scratch too small");
#define SCRATCH(J, tid) ((f32 *)((J)->IDX + (long)(tid) * ((J)->NP + SCRATCH_TILE)))
#define IDXLIST(J, tid) ((J)->IDX + (long)(tid) * ((J)->NP + SCRATCH_TILE) + SCRATCH_TILE)

INLINE void panel_range(int NP, int nt, int tid, int *p0, int *p1) {
  int P = NP / 8;
  *p0 = (int)((long)P * tid / nt);
  *p1 = (int)((long)P * (tid + 1) / nt);
}

/* The forward product skips the silent columns of r_{t−1} when fewer than this many are active. Per term the
 * indexed loop costs about as much as the dense one in WebAssembly, but ≈ 1.4× with AVX2 (measured at N = 500
 * with 80 % of columns active: the dense product 13 % faster). */
#if defined(__wasm__)
#define SPARSE_BELOW(NP) ((NP) - (NP) / 8)
#else
#define SPARSE_BELOW(NP) ((NP) * 5 / 8)
#endif

/* Rows of the tile at m that exist (the last tile may be short). */
INLINE int tile_height(int m, int rows) { return rows - m < MR ? rows - m : MR; }

/* Panels in the tile starting at panel p (of a thread's p0..p1). */
INLINE int tile_panels(int p, int p1) { return p1 - p < NPAN ? p1 - p : NPAN; }

/* ---------------------------------------------------------------------------------------------------------
 * Forward: K steps. R block k holds r_{t0+k−1} (block 0 = the state before the chunk); X likewise.
 * ------------------------------------------------------------------------------------------------------- */
INLINE v8 fwd_elem(const Job *J, int k, int b, int col, v8 acc) {
  const int NP = J->NP, B = J->B, nIn = J->nIn, fl = J->flags;
  const long row = (long)b * NP + col, blk = (long)B * NP;
  v8 z = v_add(acc, v_ld(J->bvec + col));
  const f32 *u = J->U + ((long)k * B + b) * nIn;
  for (int q = 0; q < nIn; q++) z = v_fma(v_splat(u[q]), v_ld(J->wint + (long)q * NP + col), z);
  v8 xp = v_ld(J->X + k * blk + row);
  v8 zmx = v_sub(z, xp);
  if (J->ZMX) v_st(J->ZMX + k * blk + row, zmx);
  v8 x = v_fma(v_ld(J->alpha + col), zmx, xp);
  if (J->EPS) x = v_fma(v_ld(J->ns + col), v_ld(J->EPS + k * blk + row), x);
  v_st(J->X + (k + 1) * blk + row, x);
  v8 a = x;
  if (fl & USE_GAIN) a = v_mul(a, v_ld(J->gain + col));
  if (fl & USE_SHIFT) a = v_add(a, v_ld(J->shift + col));
  v8 r = vact(J->act, a);
  if (fl & USE_RESP) r = v_mul(r, v_ld(J->resp + col));
  if (J->pidx && J->pidx[k] >= 0) {
    long o = (long)J->pidx[k] * NP + col;
    r = v_fma(r, v_ld(J->pscale + o), v_ld(J->padd + o));
  }
  v_st(J->R + (k + 1) * blk + row, r);
  return r;
}

/* Flags of R block k for the owned columns. */
static void block_flags(const Job *J, int k, int p0, int p1) {
  const int NP = J->NP, B = J->B;
  const f32 *R = J->R + (long)k * B * NP;
  for (int p = p0; p < p1; p++) {
    v8 nz = v_zero();
    for (int b = 0; b < B; b++) nz = v_or(nz, v_ne(v_ld(R + (long)b * NP + p * 8), v_zero()));
    v_store_flags(J->ACT + (long)k * NP + p * 8, nz);
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
    const int sparse = cnt < SPARSE_BELOW(NP);
    for (int p = p0; p < p1; p += NPAN) {
      const int np = tile_panels(p, p1);
      const f32 *bp = J->wpf + (long)p * NP * 8;
      v8 nz[NPAN];
      for (int h = 0; h < np; h++) nz[h] = v_zero();
      for (int m = 0; m < B; m += MR) {
        if (sparse) tile_list(A, NP, B, m, bp, (long)NP * 8, idx, cnt, scr, np);
        else tile_dense(A, NP, B, m, bp, (long)NP * 8, NP, scr, np);
        const int ht = tile_height(m, B);
        for (int r = 0; r < ht; r++)
          for (int h = 0; h < np; h++)
            nz[h] = v_or(nz[h], v_ne(fwd_elem(J, k, m + r, (p + h) * 8, v_ld(scr + (r * np + h) * 8)), v_zero()));
      }
      for (int h = 0; h < np; h++) v_store_flags(J->ACT + (long)(k + 1) * NP + (p + h) * 8, nz[h]);
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
typedef struct { v8 alpha, gain, shift, resp, ns, b; } Sums;

INLINE v8 bwd_elem(const Job *J, int k, int b, int col, v8 drc, Sums *s) {
  const int NP = J->NP, B = J->B, fl = J->flags;
  const long row = (long)b * NP + col, blk = (long)B * NP;
  v8 dr = v_add(v_ld(J->DR + k * blk + row), drc);
  if (J->pidx && J->pidx[k] >= 0) dr = v_mul(dr, v_ld(J->pscale + (long)J->pidx[k] * NP + col));
  v8 x = v_ld(J->X + (k + 1) * blk + row);
  v8 a = x;
  if (fl & USE_GAIN) a = v_mul(a, v_ld(J->gain + col));
  if (fl & USE_SHIFT) a = v_add(a, v_ld(J->shift + col));
  v8 fa, dfa = vact2(J->act, a, &fa);
  if (fl & G_RESP) s->resp = v_fma(dr, fa, s->resp);
  if (fl & USE_RESP) dr = v_mul(dr, v_ld(J->resp + col));
  v8 da = v_mul(dr, dfa);
  if (fl & G_SHIFT) s->shift = v_add(s->shift, da);
  if (fl & G_GAIN) s->gain = v_fma(da, x, s->gain);
  v8 dx = (fl & USE_GAIN) ? v_mul(da, v_ld(J->gain + col)) : da;
  dx = v_add(dx, v_ld(J->DXC + row));
  if (fl & G_ALPHA) s->alpha = v_fma(dx, v_ld(J->ZMX + k * blk + row), s->alpha);
  if (fl & G_NOISE) s->ns = v_fma(dx, v_ld(J->EPS + k * blk + row), s->ns);
  v8 dz = v_mul(dx, v_ld(J->alpha + col));
  v_st(J->DXC + row, v_mul(dx, v_ld(J->oma + col)));
  v_st(J->DZ + k * blk + row, dz);
  if (fl & G_B) s->b = v_add(s->b, dz);
  return dz;
}

/* dW_inᵀ[q, cols] += Σ_b u[k, b, q] · dz[k, b, cols] for the np panels at p, once all of step k's rows are done.
 * Summed over b in increasing order, as per element before; up to 4 inputs at a time keep 4·np independent
 * sums in flight (adding each row into dW_inᵀ in place was a chain of store-to-load round trips, ≈ 8 % of the
 * backward pass at N = 500). */
static void dwin_panels(const Job *J, int k, int p, int np) {
  const int NP = J->NP, B = J->B, nIn = J->nIn;
  const f32 *dz = J->DZ + (long)k * B * NP + p * 8, *u = J->U + (long)k * B * nIn;
  for (int q0 = 0; q0 < nIn; q0 += 4) {
    const int nq = nIn - q0 < 4 ? nIn - q0 : 4;
    v8 acc[4][NPAN];
    for (int q = 0; q < nq; q++)
      for (int h = 0; h < np; h++) acc[q][h] = v_ld(J->dWinT + (long)(q0 + q) * NP + (p + h) * 8);
    for (int b = 0; b < B; b++) {
      v8 d[NPAN];
      for (int h = 0; h < np; h++) d[h] = v_ld(dz + (long)b * NP + h * 8);
      for (int q = 0; q < nq; q++) {
        v8 x = v_splat(u[(long)b * nIn + q0 + q]);
        for (int h = 0; h < np; h++) acc[q][h] = v_fma(d[h], x, acc[q][h]);
      }
    }
    for (int q = 0; q < nq; q++)
      for (int h = 0; h < np; h++) v_st(J->dWinT + (long)(q0 + q) * NP + (p + h) * 8, acc[q][h]);
  }
}

/* The elementwise pass reads rows of DR, X, DXC (and ZMX, EPS) one tile of panels at a time, NP floats apart:
 * a stride the hardware prefetchers miss (perf, N = 256: half of run_backward's own samples waited on DR).
 * Fetch the next tile's rows while the current tile's product runs. */
INLINE void prefetch_bwd_rows(const Job *J, int k, int m, int col, int np) {
  const int NP = J->NP, B = J->B, hi = m + MR < B ? m + MR : B;
  const long blk = (long)B * NP;
  for (int b = m; b < hi; b++) {
    const long row = (long)b * NP + col;
    for (int e = 0; e < 8 * np; e += 16) {
      v_prefetch(J->DR + k * blk + row + e);
      v_prefetch(J->X + (k + 1) * blk + row + e);
      v_prefetch(J->DXC + row + e);
      if ((J->flags & G_ALPHA) && J->ZMX) v_prefetch(J->ZMX + k * blk + row + e);
      if (J->EPS) v_prefetch(J->EPS + k * blk + row + e);
    }
  }
}

INLINE void flush_sums(const Job *J, int col, Sums *s) {
  const int fl = J->flags;
#define FL(flag, arr, v) if (fl & (flag)) v_st(J->arr + col, v_add(v_ld(J->arr + col), s->v))
  FL(G_ALPHA, dalpha, alpha); FL(G_GAIN, dgain, gain); FL(G_SHIFT, dshift, shift);
  FL(G_RESP, dresp, resp); FL(G_NOISE, dns, ns); FL(G_B, db, b);
#undef FL
}

static void zero_sums(Sums *s) {
  v8 z = v_zero();
  s->alpha = s->gain = s->shift = s->resp = s->ns = s->b = z;
}

/* C[MR, 8·np] = Σ over `rows` rows of ap[row][0..MR−1] ⊗ bp_h[row][0..7] (bp_h = bp + h·pstride): the scan's
 * tile on packed copies (contiguous: walking the rows of DZ and R in place was 2–5× slower, from cache and TLB
 * misses). */
__attribute__((noinline)) static void dw_tile_full(const f32 *ap, const f32 *bp, long pstride, int rows, f32 *out) {
  tile_np(ap, 1, MR, MR, 0, bp, pstride, 0, NULL, rows, out, NPAN);
}
#if NPAN > 1
__attribute__((noinline)) static void dw_tile_one(const f32 *ap, const f32 *bp, int rows, f32 *out) {
  tile_np(ap, 1, MR, MR, 0, bp, 0, 0, NULL, rows, out, 1);
}
#endif

/* Packing space for dW per thread, in floats: dz rows (i padded to whole groups of MR) then r rows. Same
 * numbers as the PK allocation in fused-scan.ts. */
#define PK_HALF(B, NP) ((long)GROUP * (B) * ((NP) + 8))

/* dW[i, j] += Σ_{k,b} dz[k,b,i] · r[k−1,b,j] for the owned rows i (panels p0..p1) over a chunk of K steps.
 * The sum runs over groups of GROUP steps, latest group first, each group's partial sum added to dW: chunks
 * are whole groups (fused-scan.ts), so the rounding does not depend on the chunk or checkpoint length. Only
 * the columns j where r_{t−1} is nonzero somewhere in the group are computed (ReLU units that are silent
 * throughout a group contribute nothing): they are packed side by side, 8 to a panel, and scattered back.
 * Rows i go MR to a tile (the last group padded with zeros and not stored). */
static void dw_chunk(const Job *J, int K, int p0, int p1, f32 *ap, f32 *bp, int32_t *cols, f32 *scr) {
  const int NP = J->NP, B = J->B, ni = (p1 - p0) * 8, ng = (ni + MR - 1) / MR;
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
      const f32 *src = dz + (long)row * NP;
      for (int gi = 0; gi < ni / MR; gi++) {
        f32 *dst = ap + ((long)gi * rows + row) * MR;
        for (int e = 0; e < MR; e++) dst[e] = src[gi * MR + e];
      }
      if (ni % MR) {
        f32 *dst = ap + ((long)(ng - 1) * rows + row) * MR;
        for (int e = 0; e < MR; e++) dst[e] = (ng - 1) * MR + e < ni ? src[(ng - 1) * MR + e] : 0.0f;
      }
      const f32 *rr = r + (long)row * NP;
      if (nc == NP) {
        for (int q = 0; q < nq; q++) v_st(bp + ((long)q * rows + row) * 8, v_ld(rr + q * 8));
      } else {
        for (int c = 0; c < nq * 8; c++) bp[((long)(c >> 3) * rows + row) * 8 + (c & 7)] = c < nc ? rr[cols[c]] : 0.0f;
      }
    }
    for (int q = 0; q < nq; q += NPAN) {
      const int np = nq - q < NPAN ? nq - q : NPAN;
      for (int gi = 0; gi < ng; gi++) {
        const f32 *a = ap + (long)gi * rows * MR, *b = bp + (long)q * rows * 8;
#if NPAN > 1
        if (np == 1) dw_tile_one(a, b, rows, scr);
        else
#endif
          dw_tile_full(a, b, (long)rows * 8, rows, scr);
        const int hi = ni - gi * MR < MR ? ni - gi * MR : MR;
        for (int h = 0; h < np; h++) {
          const int w8 = nc - (q + h) * 8 < 8 ? nc - (q + h) * 8 : 8;
          const int32_t *cc = cols + (q + h) * 8;
          for (int ri = 0; ri < hi; ri++) {
            f32 *w = J->dW + (long)(p0 * 8 + gi * MR + ri) * NP;
            const f32 *o = scr + (ri * np + h) * 8;
            if (nc == NP) v_st(w + (q + h) * 8, v_add(v_ld(w + (q + h) * 8), v_ld(o)));
            else for (int c = 0; c < w8; c++) w[cc[c]] += o[c];
          }
        }
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
    for (int p = p0; p < p1; p += NPAN) {
      const int np = tile_panels(p, p1);
      Sums s[NPAN];
      for (int h = 0; h < np; h++) zero_sums(&s[h]);
      prefetch_bwd_rows(J, k, 0, p * 8, np);
      for (int m = 0; m < B; m += MR) {
        prefetch_bwd_rows(J, k, m + MR, p * 8, np);
        if (A) tile_dense(A, NP, B, m, J->wpb + (long)p * NP * 8, (long)NP * 8, NP, scr, np);
        else for (int q = 0; q < MR * np; q++) v_st(scr + 8 * q, v_zero());
        const int ht = tile_height(m, B);
        for (int r = 0; r < ht; r++)
          for (int h = 0; h < np; h++) bwd_elem(J, k, m + r, (p + h) * 8, v_ld(scr + (r * np + h) * 8), &s[h]);
      }
      for (int h = 0; h < np; h++) flush_sums(J, (p + h) * 8, &s[h]);
      if (J->flags & G_WIN) dwin_panels(J, k, p, np);
    }
    if (k > 0) barrier(ctl, nt);
  }
  f32 *pk = J->PK + (long)tid * 2 * PK_HALF(B, NP);
  dw_chunk(J, K, p0, p1, pk, pk + PK_HALF(B, NP), IDXLIST(J, tid), scr);
}

/* Store the tile at rows m.. of an [rows, ld] output, columns col..col+7. */
INLINE void store_tile(const f32 *scr, f32 *out, int ld, int m, int rows, int col, int np) {
  const int ht = tile_height(m, rows);
  for (int r = 0; r < ht; r++)
    for (int h = 0; h < np; h++) v_st(out + (long)(m + r) * ld + col + 8 * h, v_ld(scr + (r * np + h) * 8));
}

/* out[M, NP] = A[M, K] · Bp (panels of K rows) for this thread's column panels. */
static void product_owned(const Job *J, int tid, const f32 *A, int M, const f32 *bp, int K, f32 *out) {
  const int NP = J->NP;
  int p0, p1;
  panel_range(NP, J->nt, tid, &p0, &p1);
  f32 *scr = SCRATCH(J, tid);
  for (int p = p0; p < p1; p += NPAN) {
    const int np = tile_panels(p, p1);
    for (int m = 0; m < M; m += MR) {
      tile_dense(A, K, M, m, bp + (long)p * K * 8, (long)K * 8, K, scr, np);
      store_tile(scr, out, NP, m, M, p * 8, np);
    }
  }
}

/* dr_{−1} = dz_0 W (the gradient of the initial rate), owned columns. */
__attribute__((noinline)) static void run_final(const Job *J, int tid) {
  product_owned(J, tid, J->DZC, J->B, J->wpb, J->NP, J->dr0);
}

/* C[M, NP] = A[M, KK] · Bp: the same register tile as the scan, for the peak measurement. */
__attribute__((noinline)) static void run_gemm(const Job *J, int tid) {
  product_owned(J, tid, J->A, J->M, J->wpf, J->KK, J->C);
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
    publish_job(ctl, J);
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
    const Job *J = published_job(ctl);
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
