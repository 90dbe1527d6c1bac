"""PyTorch reference for bench/fused-scan.ts, driven over stdin/stdout so that the two can be interleaved step by
step in one run (the machine is shared: only ratios measured side by side mean anything).

One JSON command per input line, one JSON answer per output line:
  {"cmd": "setup", "n": 256, "B": 32, "T": 300}   build the model (same as bench/ctrnn_train_torch.py: Dale
                                                  CT-RNN, ReLU, α = 0.1, 4 inputs, 2 outputs, Adam, clipping)
  {"cmd": "step"}                                  one training step -> {"ms": wall, "cpuMs": process CPU time}
  {"cmd": "threads", "n": 1}                       torch.set_num_threads
  {"cmd": "sgemm", "n": 2048, "reps": 5}           best GFLOP/s of an n×n·n×n product
  {"cmd": "peak"}                                  peak RSS of this process so far, MB
Run with Debian's Python: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/fused_scan_torch.py (2 torch threads).
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
N_IN, N_OUT = 4, 2


class Model:
    def __init__(self, n, B, T):
        g = torch.Generator().manual_seed(0)
        n_e = round(0.8 * n)
        self.sign = torch.ones(n)
        self.sign[n_e:] = -1
        # ratelab's Dale 'columns' initialisation: |N(0, 1)|/sqrt(N), inhibitory columns scaled by nE/nI.
        w0 = torch.randn(n, n, generator=g).abs() / n ** 0.5
        w0[:, n_e:] *= n_e / (n - n_e)
        self.w = torch.nn.Parameter(w0)
        self.w_in = torch.nn.Parameter(torch.randn(n, N_IN, generator=g) / N_IN ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(n))
        self.w_out = torch.nn.Parameter(torch.randn(N_OUT, n, generator=g) / n ** 0.5)
        self.b_out = torch.nn.Parameter(torch.zeros(N_OUT))
        self.params = [self.w, self.w_in, self.b, self.w_out, self.b_out]
        self.opt = torch.optim.Adam(self.params, lr=1e-3)
        self.n, self.B, self.T = n, B, T
        self.u = torch.sin(0.013 * torch.arange(T * B * N_IN, dtype=torch.float32)).reshape(T, B, N_IN)
        self.z = torch.cos(0.007 * torch.arange(T * B * N_OUT, dtype=torch.float32)).reshape(T, B, N_OUT)

    def step(self):
        alpha = 0.1
        self.opt.zero_grad()
        w_eff = self.w.abs() * self.sign[None, :]
        x = torch.zeros(self.B, self.n)
        r = torch.relu(x)
        rates = []
        for u_t in self.u.unbind(0):
            x = (1 - alpha) * x + alpha * (r @ w_eff.T + u_t @ self.w_in.T + self.b)
            r = torch.relu(x)
            rates.append(r)
        out = torch.stack(rates) @ self.w_out.T + self.b_out
        loss = ((out - self.z) ** 2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()


def sgemm(n, reps):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


def main():
    model = None
    for line in sys.stdin:
        cmd = json.loads(line)
        c = cmd["cmd"]
        if c == "setup":
            model = Model(cmd["n"], cmd["B"], cmd["T"])
            res = {"ok": True, "threads": torch.get_num_threads(), "torch": torch.__version__}
        elif c == "step":
            t0, c0 = time.perf_counter(), time.process_time()
            model.step()
            res = {"ms": (time.perf_counter() - t0) * 1e3, "cpuMs": (time.process_time() - c0) * 1e3}
        elif c == "threads":
            torch.set_num_threads(cmd["n"])
            res = {"threads": torch.get_num_threads()}
        elif c == "sgemm":
            res = {"gflops": sgemm(cmd["n"], cmd["reps"])}
        elif c == "peak":
            res = {"peakMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        else:
            res = {"error": f"unknown command {c}"}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
