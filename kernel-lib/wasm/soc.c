/*
 * The stability-optimised-circuit step's hot loops as WebAssembly (built by scripts/build-soc-wasm.sh; the
 * TypeScript loader is kernel-lib/src/papers/soc-reaching/soc-wasm.ts, which falls back to the plain-JS code of
 * analysis/schur.ts and soc.ts when the module is missing):
 *   - soc_schur: real Schur form W = U T Uᵀ (Householder Hessenberg reduction + Francis double-shift QR with
 *     Schur vectors), the same EISPACK/JAMA algorithm and deflation rules as analysis/schur.ts, line for line;
 *   - soc_lyap: (T − sI) Y + Y (T − sI)ᵀ = c·I on the quasi-triangular factor, symmetric Y (soc.ts);
 *   - soc_matmul_nt: out = A Bᵀ, row-major.
 * Matrices are row-major doubles; Ut holds Uᵀ (rows are Schur vectors), as in schur.ts. No libc: fabs and sqrt
 * are single wasm instructions. Loops over contiguous rows are written so clang's vectoriser can use SIMD128.
 */
typedef unsigned long size_t;

#define FABS(x) __builtin_fabs(x)
#define SQRT(x) __builtin_sqrt(x)
#define EXPORT(name) __attribute__((export_name(name)))

static const double EPS = 2.220446049250313e-16;

static void hessenberg(double *restrict H, double *restrict Ut, double *restrict ort, double *restrict f, int n) {
  const int high = n - 1;
  for (int m = 1; m <= high - 1; m++) {
    double scale = 0;
    for (int i = m; i <= high; i++) scale += FABS(H[i * n + m - 1]);
    if (scale == 0) continue;
    double h = 0;
    for (int i = high; i >= m; i--) {
      ort[i] = H[i * n + m - 1] / scale;
      h += ort[i] * ort[i];
    }
    double g = SQRT(h);
    if (ort[m] > 0) g = -g;
    h -= ort[m] * g;
    ort[m] -= g;
    for (int j = m; j < n; j++) f[j] = 0;
    for (int i = m; i <= high; i++) {
      const double oi = ort[i];
      const double *row = H + i * n;
      for (int j = m; j < n; j++) f[j] += oi * row[j];
    }
    for (int j = m; j < n; j++) f[j] /= h;
    for (int i = m; i <= high; i++) {
      const double oi = ort[i];
      double *row = H + i * n;
      for (int j = m; j < n; j++) row[j] -= f[j] * oi;
    }
    for (int i = 0; i <= high; i++) {
      double *row = H + i * n;
      double s = 0;
      for (int j = m; j <= high; j++) s += ort[j] * row[j];
      s /= h;
      for (int j = m; j <= high; j++) row[j] -= s * ort[j];
    }
    ort[m] *= scale;
    H[m * n + m - 1] = scale * g;
  }
  for (int i = 0; i < n * n; i++) Ut[i] = 0;
  for (int i = 0; i < n; i++) Ut[i * n + i] = 1;
  for (int m = high - 1; m >= 1; m--) {
    const double hm = H[m * n + m - 1];
    if (hm == 0) continue;
    for (int i = m + 1; i <= high; i++) ort[i] = H[i * n + m - 1];
    for (int j = m; j <= high; j++) {
      double *col = Ut + j * n;
      double g = 0;
      for (int i = m; i <= high; i++) g += ort[i] * col[i];
      g = g / ort[m] / hm;
      for (int i = m; i <= high; i++) col[i] += g * ort[i];
    }
  }
  for (int i = 2; i < n; i++)
    for (int j = 0; j < i - 1; j++) H[i * n + j] = 0;
}

/* Returns 0, or −1 when a window did not converge. */
static int francis(double *restrict H, double *restrict Ut, int nn) {
  const int low = 0;
  const int maxIter = 300;
  int n = nn - 1;
  double exshift = 0, norm = 0, p = 0, q = 0, r = 0, s = 0, z = 0, w = 0, x = 0, y = 0;
  int iter = 0;
  for (int i = 0; i < nn; i++)
    for (int j = (i - 1 > 0 ? i - 1 : 0); j < nn; j++) norm += FABS(H[i * nn + j]);
  while (n >= low) {
    int l = n;
    while (l > low) {
      s = FABS(H[(l - 1) * nn + l - 1]) + FABS(H[l * nn + l]);
      if (s == 0) s = norm;
      if (FABS(H[l * nn + l - 1]) <= EPS * s) break;
      l--;
    }
    if (l > low) H[l * nn + l - 1] = 0;
    if (l == n) {
      H[n * nn + n] += exshift;
      n--;
      iter = 0;
    } else if (l == n - 1) {
      w = H[n * nn + n - 1] * H[(n - 1) * nn + n];
      p = (H[(n - 1) * nn + n - 1] - H[n * nn + n]) / 2;
      q = p * p + w;
      z = SQRT(FABS(q));
      H[n * nn + n] += exshift;
      H[(n - 1) * nn + n - 1] += exshift;
      x = H[n * nn + n];
      if (q >= 0) {
        z = p >= 0 ? p + z : p - z;
        x = H[n * nn + n - 1];
        s = FABS(x) + FABS(z);
        p = x / s;
        q = z / s;
        r = SQRT(p * p + q * q);
        p /= r;
        q /= r;
        for (int j = n - 1; j < nn; j++) {
          z = H[(n - 1) * nn + j];
          H[(n - 1) * nn + j] = q * z + p * H[n * nn + j];
          H[n * nn + j] = q * H[n * nn + j] - p * z;
        }
        for (int i = 0; i <= n; i++) {
          z = H[i * nn + n - 1];
          H[i * nn + n - 1] = q * z + p * H[i * nn + n];
          H[i * nn + n] = q * H[i * nn + n] - p * z;
        }
        double *c0 = Ut + (n - 1) * nn, *c1 = Ut + n * nn;
        for (int i = 0; i < nn; i++) {
          const double zz = c0[i];
          c0[i] = q * zz + p * c1[i];
          c1[i] = q * c1[i] - p * zz;
        }
        H[n * nn + n - 1] = 0;
      }
      n -= 2;
      iter = 0;
    } else {
      x = H[n * nn + n];
      y = 0;
      w = 0;
      if (l < n) {
        y = H[(n - 1) * nn + n - 1];
        w = H[n * nn + n - 1] * H[(n - 1) * nn + n];
      }
      if (iter == 30) {
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = SQRT(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (int i = low; i <= n; i++) H[i * nn + i] -= s;
          exshift += s;
          x = y = w = 0.964;
        }
      } else if (iter > 0 && iter % 10 == 0) {
        const int fromTop = iter % 20 == 0;
        const double c = fromTop ? H[l * nn + l] : x;
        s = fromTop ? FABS(H[(l + 1) * nn + l]) + FABS(H[(l + 2) * nn + l + 1])
                    : FABS(H[n * nn + n - 1]) + FABS(H[(n - 1) * nn + n - 2]);
        exshift += c;
        for (int i = low; i <= n; i++) H[i * nn + i] -= c;
        x = y = 0.75 * s;
        w = -0.4375 * s * s;
      }
      iter++;
      if (iter > maxIter) return -1;
      int m = n - 2;
      while (m >= l) {
        z = H[m * nn + m];
        r = x - z;
        s = y - z;
        p = (r * s - w) / H[(m + 1) * nn + m] + H[m * nn + m + 1];
        q = H[(m + 1) * nn + m + 1] - z - r - s;
        r = H[(m + 2) * nn + m + 1];
        s = FABS(p) + FABS(q) + FABS(r);
        p /= s;
        q /= s;
        r /= s;
        if (m == l) break;
        if (FABS(H[m * nn + m - 1]) * (FABS(q) + FABS(r)) <
            EPS * (FABS(p) * (FABS(H[(m - 1) * nn + m - 1]) + FABS(z) + FABS(H[(m + 1) * nn + m + 1]))))
          break;
        m--;
      }
      for (int i = m + 2; i <= n; i++) {
        H[i * nn + i - 2] = 0;
        if (i > m + 2) H[i * nn + i - 3] = 0;
      }
      for (int k = m; k <= n - 1; k++) {
        const int notlast = k != n - 1;
        if (k != m) {
          p = H[k * nn + k - 1];
          q = H[(k + 1) * nn + k - 1];
          r = notlast ? H[(k + 2) * nn + k - 1] : 0;
          x = FABS(p) + FABS(q) + FABS(r);
          if (x != 0) {
            p /= x;
            q /= x;
            r /= x;
          }
        }
        if (x == 0) break;
        s = SQRT(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s == 0) continue;
        if (k != m) H[k * nn + k - 1] = -s * x;
        else if (l != m) H[k * nn + k - 1] = -H[k * nn + k - 1];
        p += s;
        x = p / s;
        y = q / s;
        z = r / s;
        q /= p;
        r /= p;
        const int iMax = n < k + 3 ? n : k + 3;
        if (notlast) {
          double *r0 = H + k * nn, *r1 = r0 + nn, *r2 = r1 + nn;
          for (int j = k; j < nn; j++) {
            const double pp = r0[j] + q * r1[j] + r * r2[j];
            r0[j] -= pp * x;
            r1[j] -= pp * y;
            r2[j] -= pp * z;
          }
          for (int i = 0; i <= iMax; i++) {
            double *ri = H + i * nn + k;
            const double pp = x * ri[0] + y * ri[1] + z * ri[2];
            ri[0] -= pp;
            ri[1] -= pp * q;
            ri[2] -= pp * r;
          }
          double *c0 = Ut + k * nn, *c1 = c0 + nn, *c2 = c1 + nn;
          for (int i = 0; i < nn; i++) {
            const double pp = x * c0[i] + y * c1[i] + z * c2[i];
            c0[i] -= pp;
            c1[i] -= pp * q;
            c2[i] -= pp * r;
          }
        } else {
          double *r0 = H + k * nn, *r1 = r0 + nn;
          for (int j = k; j < nn; j++) {
            const double pp = r0[j] + q * r1[j];
            r0[j] -= pp * x;
            r1[j] -= pp * y;
          }
          for (int i = 0; i <= iMax; i++) {
            double *ri = H + i * nn + k;
            const double pp = x * ri[0] + y * ri[1];
            ri[0] -= pp;
            ri[1] -= pp * q;
          }
          double *c0 = Ut + k * nn, *c1 = c0 + nn;
          for (int i = 0; i < nn; i++) {
            const double pp = x * c0[i] + y * c1[i];
            c0[i] -= pp;
            c1[i] -= pp * q;
          }
        }
      }
    }
  }
  return 0;
}

/* H (n×n, overwritten by T), Ut (n×n, receives Uᵀ), work (2n doubles). */
EXPORT("soc_schur") int soc_schur(double *H, double *Ut, double *work, int n) {
  if (n == 0) return 0;
  hessenberg(H, Ut, work, work + n, n);
  const int status = francis(H, Ut, n);
  for (int i = 2; i < n; i++)
    for (int j = 0; j < i - 1; j++) H[i * n + j] = 0;
  return status;
}

static int solve_small(double *M, double *b, int m) {
  for (int k = 0; k < m; k++) {
    int piv = k;
    for (int i = k + 1; i < m; i++)
      if (FABS(M[i * m + k]) > FABS(M[piv * m + k])) piv = i;
    if (M[piv * m + k] == 0) return -1;
    if (piv != k) {
      for (int j = 0; j < m; j++) {
        const double t = M[k * m + j];
        M[k * m + j] = M[piv * m + j];
        M[piv * m + j] = t;
      }
      const double t = b[k];
      b[k] = b[piv];
      b[piv] = t;
    }
    for (int i = k + 1; i < m; i++) {
      const double f = M[i * m + k] / M[k * m + k];
      if (f == 0) continue;
      for (int j = k; j < m; j++) M[i * m + j] -= f * M[k * m + j];
      b[i] -= f * b[k];
    }
  }
  for (int k = m - 1; k >= 0; k--) {
    double s = b[k];
    for (int j = k + 1; j < m; j++) s -= M[k * m + j] * b[j];
    b[k] = s / M[k * m + k];
  }
  return 0;
}

static double dot(const double *restrict a, const double *restrict b, int len) {
  double s0 = 0, s1 = 0;
  int i = 0;
  for (; i + 1 < len; i += 2) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
  }
  if (i < len) s0 += a[i] * b[i];
  return s0 + s1;
}

/* Symmetric Y with (S − sI) Y + Y (S − sI)ᵀ = c·I for upper quasi-triangular S (blocks given). Returns 0 or −1. */
EXPORT("soc_lyap") int soc_lyap(const double *S, int n, const int *starts, const int *sizes, int nb, double shift, double c, double *Y) {
  double M[16], rhs[4];
  for (int i = 0; i < n * n; i++) Y[i] = 0;
  for (int bj = nb - 1; bj >= 0; bj--) {
    const int j0 = starts[bj], q = sizes[bj], jEnd = j0 + q;
    for (int bi = bj; bi >= 0; bi--) {
      const int i0 = starts[bi], p = sizes[bi], iEnd = i0 + p;
      for (int cc = 0; cc < q; cc++) {
        const int jr = (j0 + cc) * n;
        for (int rr = 0; rr < p; rr++) {
          const int ir = (i0 + rr) * n;
          double s = (i0 + rr == j0 + cc) ? c : 0;
          s -= dot(S + ir + iEnd, Y + jr + iEnd, n - iEnd);
          s -= dot(Y + ir + jEnd, S + jr + jEnd, n - jEnd);
          rhs[cc * p + rr] = s;
        }
      }
      const int m = p * q;
      for (int i = 0; i < m * m; i++) M[i] = 0;
      for (int cc = 0; cc < q; cc++)
        for (int rr = 0; rr < p; rr++) {
          const int row = cc * p + rr;
          for (int r2 = 0; r2 < p; r2++) M[row * m + cc * p + r2] += S[(i0 + rr) * n + i0 + r2];
          for (int c2 = 0; c2 < q; c2++) M[row * m + c2 * p + rr] += S[(j0 + cc) * n + j0 + c2];
          M[row * m + row] -= 2 * shift;
        }
      if (solve_small(M, rhs, m) != 0) return -1;
      for (int cc = 0; cc < q; cc++)
        for (int rr = 0; rr < p; rr++) {
          const double v = rhs[cc * p + rr];
          Y[(i0 + rr) * n + j0 + cc] = v;
          Y[(j0 + cc) * n + i0 + rr] = v;
        }
    }
  }
  return 0;
}

/* out (m×p) = A (m×k) Bᵀ (B p×k), row-major; 2×4 register blocks of 2-wide dot products. */
EXPORT("soc_matmul_nt") void soc_matmul_nt(const double *restrict a, const double *restrict b, int m, int k, int p, double *restrict out) {
  int i = 0;
  for (; i + 1 < m; i += 2) {
    const double *a0 = a + i * k, *a1 = a0 + k;
    int j = 0;
    for (; j + 3 < p; j += 4) {
      const double *b0 = b + j * k, *b1 = b0 + k, *b2 = b1 + k, *b3 = b2 + k;
      double s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (int l = 0; l < k; l++) {
        const double x0 = a0[l], x1 = a1[l];
        s00 += x0 * b0[l]; s01 += x0 * b1[l]; s02 += x0 * b2[l]; s03 += x0 * b3[l];
        s10 += x1 * b0[l]; s11 += x1 * b1[l]; s12 += x1 * b2[l]; s13 += x1 * b3[l];
      }
      double *o0 = out + i * p + j, *o1 = o0 + p;
      o0[0] = s00; o0[1] = s01; o0[2] = s02; o0[3] = s03;
      o1[0] = s10; o1[1] = s11; o1[2] = s12; o1[3] = s13;
    }
    for (; j < p; j++) {
      out[i * p + j] = dot(a0, b + j * k, k);
      out[(i + 1) * p + j] = dot(a1, b + j * k, k);
    }
  }
  for (; i < m; i++)
    for (int j = 0; j < p; j++) out[i * p + j] = dot(a + i * k, b + j * k, k);
}
