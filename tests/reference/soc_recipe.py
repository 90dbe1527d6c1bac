"""The SoC optimisation step of Hennequin, Vogels & Gerstner (2014) in numpy/scipy, as issue 11 orders the
constraints (signs with self-connections excluded, sparsify to the strongest 40 %, balance by block means over
all entries, zero diagonal). The independent reference for tests/soc-reaching.test.ts and bench/soc.ts."""
import numpy as np
from scipy.linalg import solve_continuous_lyapunov as lyap


def spectral_abscissa(W):
    return float(np.linalg.eigvals(W).real.max())


def soc_step(W, g=3.0, eta=10.0):
    """One step on W (N×N, first half excitatory columns) in place; returns α before the step."""
    N = W.shape[0]
    E = N // 2
    a = spectral_abscissa(W)
    s = max(1.5 * a, a + 0.2)
    A = W - s * np.eye(N)
    Q = lyap(A.T, -2 * np.eye(N))
    P = lyap(A, -2 * np.eye(N))
    G = Q @ P / np.trace(Q @ P)
    W[:, E:] -= eta * G[:, E:]
    I = W[:, E:]
    I[I > 0] = 0
    I[np.arange(E, N), np.arange(N - E)] = 0
    flat = W[:, E:].ravel().copy()
    k = int(0.4 * flat.size)
    flat[np.argsort(flat, kind='stable')[k:]] = 0
    W[:, E:] = flat.reshape(N, N - E)
    mEE = W[:E, :E].mean(); mEI = W[E:, :E].mean(); mIE = W[:E, E:].mean(); mII = W[E:, E:].mean()
    W[:E, E:] *= -g * mEE / mIE
    W[E:, E:] *= -g * mEI / mII
    np.fill_diagonal(W, 0)
    return a
