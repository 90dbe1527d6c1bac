/*
 * Eight float32 lanes (one 8-column panel row of the scan) for the two targets of scan.c:
 *   - WebAssembly SIMD128: a pair of 128-bit vectors (no FMA in Node 20's WebAssembly: v_fma is mul + add);
 *   - x86-64 AVX2 + FMA (the native addon): one 256-bit register, v_fma is one fused instruction.
 * The kernel is written once against these functions. The register tile (MR rows × NPAN panels of 8 columns)
 * is per target because the register file sets it: V8 gives WebAssembly 15 vector registers (4 rows × 1
 * panel × 2 halves = 8 accumulators); x86-64 has 16 ymm registers, and FMA's 4–5 cycle latency at 2 per cycle
 * needs ≥ 10 independent sums in flight, so 6 × 2 = 12 accumulators + 2 panel rows + 1 broadcast (the
 * classic 6×16 AVX2 sgemm tile: 8 loads per 12 FMAs, where 8×8 needed 9 per 8).
 *
 * v_max/v_min return their first argument when it is NaN (tf.relu and the clamps in vexp let NaN through,
 * so a diverging network still reads as NaN to the trainer's check).
 */
#ifndef RATELAB_SIMD8_H
#define RATELAB_SIMD8_H

#include <stdint.h>

typedef float f32;
#define INLINE static inline __attribute__((always_inline))

#if defined(__wasm__)
#include <wasm_simd128.h>

#define MR 4
#define NPAN 1
typedef struct { v128_t lo, hi; } v8;

#define V8_MAP2(op, a, b) ((v8){ op((a).lo, (b).lo), op((a).hi, (b).hi) })
#define V8_MAP1(op, a) ((v8){ op((a).lo), op((a).hi) })

INLINE v8 v_ld(const f32 *p) { return (v8){ wasm_v128_load(p), wasm_v128_load(p + 4) }; }
INLINE void v_st(f32 *p, v8 x) { wasm_v128_store(p, x.lo); wasm_v128_store(p + 4, x.hi); }
INLINE v8 v_splat(f32 s) { v128_t t = wasm_f32x4_splat(s); return (v8){ t, t }; }
INLINE v8 v_bcast(const f32 *p) { v128_t t = wasm_v128_load32_splat(p); return (v8){ t, t }; }
INLINE v8 v_zero(void) { v128_t t = wasm_f32x4_const_splat(0.0f); return (v8){ t, t }; }
INLINE v8 v_add(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_add, a, b); }
INLINE v8 v_sub(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_sub, a, b); }
INLINE v8 v_mul(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_mul, a, b); }
INLINE v8 v_div(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_div, a, b); }
/* a·b + c, rounded twice (WebAssembly has no fused multiply-add in Node 20). */
INLINE v8 v_fma(v8 a, v8 b, v8 c) { return v_add(c, v_mul(a, b)); }
INLINE v8 v_max(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_max, a, b); }
INLINE v8 v_min(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_min, a, b); }
INLINE v8 v_abs(v8 a) { return V8_MAP1(wasm_f32x4_abs, a); }
INLINE v8 v_neg(v8 a) { return V8_MAP1(wasm_f32x4_neg, a); }
INLINE v8 v_nearest(v8 a) { return V8_MAP1(wasm_f32x4_nearest, a); }
/* Comparisons give lane masks (all bits set where true). */
INLINE v8 v_gt(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_gt, a, b); }
INLINE v8 v_lt(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_lt, a, b); }
INLINE v8 v_ne(v8 a, v8 b) { return V8_MAP2(wasm_f32x4_ne, a, b); }
INLINE v8 v_and(v8 a, v8 b) { return V8_MAP2(wasm_v128_and, a, b); }
INLINE v8 v_or(v8 a, v8 b) { return V8_MAP2(wasm_v128_or, a, b); }
/* m ? a : b, lane by lane. */
INLINE v8 v_select(v8 m, v8 a, v8 b) {
  return (v8){ wasm_v128_bitselect(a.lo, b.lo, m.lo), wasm_v128_bitselect(a.hi, b.hi, m.hi) };
}
INLINE v8 v_signbit(v8 a) {
  v128_t s = wasm_i32x4_splat((int32_t)0x80000000);
  return (v8){ wasm_v128_and(a.lo, s), wasm_v128_and(a.hi, s) };
}
/* 2^n for integer-valued n in [−126, 127]. */
INLINE v128_t pow2i4(v128_t n) { return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23); }
INLINE v8 v_pow2i(v8 n) { return (v8){ pow2i4(n.lo), pow2i4(n.hi) }; }
/* u > 0 normal: u = m·2^e with m ∈ [1, 2); returns m, sets *e. */
INLINE v128_t mant4(v128_t u) { return wasm_v128_or(wasm_v128_and(u, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000)); }
INLINE v128_t expo4(v128_t u) { return wasm_f32x4_convert_i32x4(wasm_i32x4_sub(wasm_u32x4_shr(u, 23), wasm_i32x4_splat(127))); }
INLINE v8 v_frexp(v8 u, v8 *e) { *e = (v8){ expo4(u.lo), expo4(u.hi) }; return (v8){ mant4(u.lo), mant4(u.hi) }; }
/* No prefetch instruction in WebAssembly. */
INLINE void v_prefetch(const void *p) { (void)p; }
/* One byte per lane, nonzero where the mask is set. */
INLINE void v_store_flags(uint8_t *dst, v8 m) {
  v128_t h = wasm_i16x8_narrow_i32x4(m.lo, m.hi);
  wasm_v128_store64_lane(dst, wasm_i8x16_narrow_i16x8(h, h), 0);
}

#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#define MR 6
#define NPAN 2
typedef __m256 v8;

INLINE v8 v_ld(const f32 *p) { return _mm256_loadu_ps(p); }
INLINE void v_st(f32 *p, v8 x) { _mm256_storeu_ps(p, x); }
INLINE v8 v_splat(f32 s) { return _mm256_set1_ps(s); }
INLINE v8 v_bcast(const f32 *p) { return _mm256_broadcast_ss(p); }
INLINE v8 v_zero(void) { return _mm256_setzero_ps(); }
INLINE v8 v_add(v8 a, v8 b) { return _mm256_add_ps(a, b); }
INLINE v8 v_sub(v8 a, v8 b) { return _mm256_sub_ps(a, b); }
INLINE v8 v_mul(v8 a, v8 b) { return _mm256_mul_ps(a, b); }
INLINE v8 v_div(v8 a, v8 b) { return _mm256_div_ps(a, b); }
INLINE v8 v_fma(v8 a, v8 b, v8 c) { return _mm256_fmadd_ps(a, b, c); }
/* maxps/minps return their second operand when either is NaN. */
INLINE v8 v_max(v8 a, v8 b) { return _mm256_max_ps(b, a); }
INLINE v8 v_min(v8 a, v8 b) { return _mm256_min_ps(b, a); }
INLINE v8 v_abs(v8 a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
INLINE v8 v_neg(v8 a) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), a); }
INLINE v8 v_nearest(v8 a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
INLINE v8 v_gt(v8 a, v8 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
INLINE v8 v_lt(v8 a, v8 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
INLINE v8 v_ne(v8 a, v8 b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
INLINE v8 v_and(v8 a, v8 b) { return _mm256_and_ps(a, b); }
INLINE v8 v_or(v8 a, v8 b) { return _mm256_or_ps(a, b); }
INLINE v8 v_select(v8 m, v8 a, v8 b) { return _mm256_blendv_ps(b, a, m); }
INLINE v8 v_signbit(v8 a) { return _mm256_and_ps(a, _mm256_set1_ps(-0.0f)); }
INLINE v8 v_pow2i(v8 n) {
  __m256i i = _mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_castsi256_ps(_mm256_slli_epi32(i, 23));
}
INLINE v8 v_frexp(v8 u, v8 *e) {
  __m256i b = _mm256_castps_si256(u);
  *e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(b, 23), _mm256_set1_epi32(127)));
  return _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f800000)));
}
INLINE void v_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
INLINE void v_store_flags(uint8_t *dst, v8 m) {
  int bits = _mm256_movemask_ps(m);
  for (int c = 0; c < 8; c++) dst[c] = (uint8_t)((bits >> c) & 1);
}

#else
#error "scan kernel: build for WebAssembly (SIMD128) or x86-64 with AVX2 and FMA"
#endif

#endif
