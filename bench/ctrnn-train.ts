/**
 * Benchmark: one training step (forward T = 300, BPTT, Adam, global-norm clipping) of a Dale CT-RNN with
 * ReLU, batch 32, 4 inputs, 2 outputs, through ratelab's own `train()`; compare with bench/ctrnn_train_torch.py.
 *
 *   npx tsx bench/ctrnn-train.ts [N ...]          (default: 64 256; add 1024 explicitly — it is slow)
 *   RATELAB_BENCH_TORCH=1 also runs the PyTorch script for the same sizes and prints the ratio.
 *
 * Prints ms/step (median of the timed steps, after one warm-up step), GFLOP/s, and peak memory (RSS and the
 * wasm heap). The machine is shared: numbers are noisy, treat ratios as ±30 %.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn } from '../kernel-lib/src/models';
import { train } from '../kernel-lib/src/train';

const T = 300, B = 32, N_IN = 4, N_OUT = 2;

/** Multiply–adds ×2 of forward (1×) and backward (2×) products per step. */
export function flopsPerStep(n: number): number {
  return 6 * B * T * (n * n + n * (N_IN + N_OUT));
}

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function benchRatelab(n: number): Promise<{ ms: number; rssMB: number; wasmMB: number; steps: number }> {
  const m = ctrnn({ n, nIn: N_IN, nOut: N_OUT, tau: 10, dt: 1, activation: 'relu', excitatory: 0.8, init: { seed: 0 } });
  const inp = new Float32Array(T * B * N_IN).map((_, i) => Math.sin(0.013 * i));
  const tgt = new Float32Array(T * B * N_OUT).map((_, i) => Math.cos(0.007 * i));
  const batch = { inputs: { data: inp, shape: [T, B, N_IN] as [number, number, number] }, targets: { data: tgt, shape: [T, B, N_OUT] as [number, number, number] } };
  const steps = n >= 1024 ? 3 : n >= 256 ? 6 : 11;
  const stamps: number[] = [];
  let peakRss = 0;
  const t0 = performance.now();
  await train(m, {
    steps, lr: 1e-3, clipNorm: 1, batch, progress: false,
    onStep: () => { stamps.push(performance.now()); peakRss = Math.max(peakRss, process.memoryUsage().rss); },
  });
  const per = stamps.map((t, i) => t - (i === 0 ? t0 : stamps[i - 1])).slice(1); // drop the warm-up step
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
  m.dispose();
  return { ms: median(per), rssMB: peakRss / 2 ** 20, wasmMB: wasm / 2 ** 20, steps: per.length };
}

function benchTorch(ns: number[]): Record<number, { ms: number; peakMB: number }> {
  const out = execFileSync('/usr/bin/python3', [path.join(__dirname, 'ctrnn_train_torch.py'), '--json', ...ns.map(String)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '2' },
  }).toString();
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const info = await init();
  const ns = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const sizes = ns.length ? ns : [64, 256];
  console.log(String(info));
  console.log(`CT-RNN training step: Dale, ReLU, B=${B}, T=${T}, nIn=${N_IN}, nOut=${N_OUT}, Adam + clip (shared machine: noisy)`);
  const torch = process.env.RATELAB_BENCH_TORCH ? benchTorch(sizes) : null;
  for (const n of sizes) {
    const r = await benchRatelab(n);
    const gf = flopsPerStep(n) / 1e9;
    let line = `N=${String(n).padStart(4)}  ratelab ${r.ms.toFixed(0).padStart(6)} ms/step  ${(gf / (r.ms / 1e3)).toFixed(1).padStart(5)} GFLOP/s  ` +
      `(median of ${r.steps}; peak RSS ${r.rssMB.toFixed(0)} MB, wasm heap ${r.wasmMB.toFixed(0)} MB)`;
    if (torch) {
      const t = torch[n];
      line += `\n        PyTorch ${t.ms.toFixed(0).padStart(6)} ms/step  ${(gf / (t.ms / 1e3)).toFixed(1).padStart(5)} GFLOP/s  (peak RSS ${t.peakMB.toFixed(0)} MB)` +
        `   ratio ratelab/PyTorch ${(r.ms / t.ms).toFixed(2)}`;
    }
    console.log(line);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
