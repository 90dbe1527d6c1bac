/*
 * Steady-state Euler integration of the E/I assemblies network (Mackwood, Naumann & Sprekeler 2021), compiled
 * to WebAssembly with SIMD128 by scripts/build-ei-assemblies-wasm.sh; the bytes are embedded in euler-wasm.ts.
 * It is the same algorithm as the JavaScript `eulerStep` in steady-state.ts (which stays as the fallback and
 * the reference the tests compare it with); see there for the equations and the convergence criterion.
 *
 * Memory (all offsets are bytes into the module's imported memory, laid out by steady-state.ts):
 *   h, r     [nE + nI]            states, E first
 *   toE      [(nE + nI) × nEpad]  column j = what presynaptic unit j adds to the E drives per unit rate
 *                                  (W_EE[:, j], or −W_EI[:, k] for I unit k); rows nE..nEpad−1 are zero
 *   toI      [(nE + nI) × nIpad]  likewise W_IE[:, j] and −W_II[:, k]
 *   dE, dI   [nEpad], [nIpad]     drives;  active [nE + nI] int32;  input [nEpad]
 * nEpad and nIpad are even, so a column is a whole number of f64x2 lanes.
 */
#include <wasm_simd128.h>

/* dst[i] += Σ_a coef[idx[a]] · cols[idx[a]·n + i] for a < count: the matrix–vector product restricted to the
 * active (non-zero) presynaptic units, four columns per pass over dst. n is even. */
static void accumulate(double *restrict dst, int n, const double *restrict cols, const int *restrict idx, int count,
                       const double *restrict coef) {
  int a = 0;
  for (; a + 3 < count; a += 4) {
    const double *c0 = cols + idx[a] * n, *c1 = cols + idx[a + 1] * n;
    const double *c2 = cols + idx[a + 2] * n, *c3 = cols + idx[a + 3] * n;
    v128_t k0 = wasm_f64x2_splat(coef[idx[a]]), k1 = wasm_f64x2_splat(coef[idx[a + 1]]);
    v128_t k2 = wasm_f64x2_splat(coef[idx[a + 2]]), k3 = wasm_f64x2_splat(coef[idx[a + 3]]);
    for (int i = 0; i < n; i += 2) {
      v128_t t = wasm_f64x2_add(wasm_f64x2_mul(k0, wasm_v128_load(c0 + i)), wasm_f64x2_mul(k1, wasm_v128_load(c1 + i)));
      v128_t u = wasm_f64x2_add(wasm_f64x2_mul(k2, wasm_v128_load(c2 + i)), wasm_f64x2_mul(k3, wasm_v128_load(c3 + i)));
      wasm_v128_store(dst + i, wasm_f64x2_add(wasm_v128_load(dst + i), wasm_f64x2_add(t, u)));
    }
  }
  for (; a < count; a++) {
    const double *c0 = cols + idx[a] * n;
    v128_t k0 = wasm_f64x2_splat(coef[idx[a]]);
    for (int i = 0; i < n; i += 2) {
      wasm_v128_store(dst + i, wasm_f64x2_add(wasm_v128_load(dst + i), wasm_f64x2_mul(k0, wasm_v128_load(c0 + i))));
    }
  }
}

/* One rate update: r = clip(h, 0, rMax); returns the largest |drive| over units inside [0, rMax]. */
static double update(double *restrict h, double *restrict r, const double *restrict d, int n, double k, double rMax) {
  double g = 0;
  for (int i = 0; i < n; i++) {
    double x = h[i] + k * d[i];
    h[i] = x;
    if (x < 0) {
      r[i] = 0;
    } else if (x > rMax) {
      r[i] = rMax;
    } else {
      r[i] = x;
      double a = d[i] < 0 ? -d[i] : d[i];
      if (a > g) g = a;
    }
  }
  return g;
}

/* Integrate from the state in h, r until every unit inside [0, rMax] has |drive| < maxDr, at most maxSteps
 * steps. Returns 2·steps + (1 if converged). */
int ei_solve(int nE, int nI, int nEpad, int nIpad, const double *input, double *h, double *r, const double *toE,
             const double *toI, double *dE, double *dI, int *active, double kE, double kI, double rMax, double bgI,
             double maxDr, int maxSteps) {
  int n = nE + nI;
  int steps = 0;
  int converged = 0;
  while (!converged && steps < maxSteps) {
    int nAct = 0;
    for (int j = 0; j < n; j++) {
      if (r[j] != 0) active[nAct++] = j;
    }
    /* Both drives from the old state (simultaneous update). */
    for (int i = 0; i < nE; i++) dE[i] = input[i] - r[i];
    accumulate(dE, nEpad, toE, active, nAct, r);
    for (int k = 0; k < nI; k++) dI[k] = bgI - r[nE + k];
    accumulate(dI, nIpad, toI, active, nAct, r);
    double gE = update(h, r, dE, nE, kE, rMax);
    double gI = update(h + nE, r + nE, dI, nI, kI, rMax);
    steps++;
    converged = gE < maxDr && gI < maxDr;
  }
  return 2 * steps + converged;
}
