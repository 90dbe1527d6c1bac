"""PyTorch reference for bench/ctrnn-train.ts: one training step (forward T=300, BPTT by autograd, Adam,
global-norm clipping) of a Dale CT-RNN with ReLU, batch 32, 4 inputs, 2 outputs.

Run with Debian's Python:  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/ctrnn_train_torch.py 64 256 [1024] [--json]
(2 torch threads; the input is indexed with unbind(0), which is faster than inp[t] in the loop.)
"""
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(2)
T, B, N_IN, N_OUT = 300, 32, 4, 2


def flops_per_step(n):
    return 6 * B * T * (n * n + n * (N_IN + N_OUT))


def bench(n):
    g = torch.Generator().manual_seed(0)
    n_e = round(0.8 * n)
    sign = torch.ones(n)
    sign[n_e:] = -1
    # Same initialisation as ratelab's Dale 'columns' mode: |N(0, 1)|/sqrt(N), inhibitory columns scaled by
    # nE/nI so that excitation and inhibition balance (an unbalanced net explodes and the timing then
    # depends on inf/NaN arithmetic).
    w0 = torch.randn(n, n, generator=g).abs() / n ** 0.5
    w0[:, n_e:] *= n_e / (n - n_e)
    w = torch.nn.Parameter(w0)
    w_in = torch.nn.Parameter(torch.randn(n, N_IN, generator=g) / N_IN ** 0.5)
    b = torch.nn.Parameter(torch.zeros(n))
    w_out = torch.nn.Parameter(torch.randn(N_OUT, n, generator=g) / n ** 0.5)
    b_out = torch.nn.Parameter(torch.zeros(N_OUT))
    params = [w, w_in, b, w_out, b_out]
    opt = torch.optim.Adam(params, lr=1e-3)
    alpha = 0.1
    u = torch.sin(0.013 * torch.arange(T * B * N_IN, dtype=torch.float32)).reshape(T, B, N_IN)
    z = torch.cos(0.007 * torch.arange(T * B * N_OUT, dtype=torch.float32)).reshape(T, B, N_OUT)
    steps = 3 if n >= 1024 else 6 if n >= 256 else 11
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        w_eff = w.abs() * sign[None, :]
        x = torch.zeros(B, n)
        r = torch.relu(x)
        rates = []
        for u_t in u.unbind(0):
            x = (1 - alpha) * x + alpha * (r @ w_eff.T + u_t @ w_in.T + b)
            r = torch.relu(x)
            rates.append(r)
        out = torch.stack(rates) @ w_out.T + b_out
        loss = ((out - z) ** 2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times[1:])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ms, peak_mb


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    sizes = [int(a) for a in args] or [64, 256]
    res = {}
    for n in sizes:
        ms, peak = bench(n)
        res[n] = {"ms": ms, "peakMB": peak}
        if "--json" not in sys.argv:
            gf = flops_per_step(n) / 1e9
            print(f"N={n:5d}  PyTorch {ms:7.0f} ms/step  {gf / (ms / 1e3):5.1f} GFLOP/s  peak RSS {peak:.0f} MB (process, cumulative)")
    if "--json" in sys.argv:
        print(json.dumps(res))


if __name__ == "__main__":
    main()
