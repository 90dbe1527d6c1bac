/**
 * Benchmark (issue 6): a CT-RNN training step with the fused scan (native AVX2 build where it is built, else
 * WebAssembly; RATELAB_SCAN_ENGINE=wasm to measure that one) against PyTorch, interleaved step
 * by step in one run, plus the op-by-op tfjs scan at the small size, sgemm peaks, and peak memory.
 *
 *   npx tsx bench/fused-scan.ts [--quick] [--rounds=K] [--small] [--memory-only] [--no-torch-memory]
 *     --quick: skip the N = 1024, T = 2000 memory runs; --rounds: timed rounds per size (default 8 and 3);
 *     --small: only N = 256 (more rounds there are cheap);
 *     --memory-only: only those; --no-torch-memory: without the (slow) PyTorch one
 *
 * Model (same as bench/ctrnn_train_torch.py / fused_scan_torch.py): Dale CT-RNN, ReLU, τ = 10 (α = 0.1), 4 inputs,
 * 2 outputs, Adam + global-norm clipping; one `train()` step = forward scan, BPTT, readout, loss, Adam.
 * Sizes: N = 256, B = 32, T = 300 and N = 500, B = 64, T = 2000, each with 2 threads on both sides (the issue's
 * setting; PyTorch's BLAS stays on 1 thread, which is PyTorch's fastest setting for these steps here — 2 BLAS
 * threads under 2 OpenMP threads oversubscribe the cores, 3–4× slower) and with 1 thread on both sides. The machine is shared with other work, so each round runs one
 * ratelab step and one PyTorch step back to back (order alternating) and the ratio is the median of the
 * per-round ratios; absolute times are only indicative. CPU time per step (all threads) is reported too: under
 * contention threads that wait at barriers (PyTorch's OpenMP, this kernel's) lose wall time unevenly, and the
 * 1-thread ratios are the steadiest measure of the work each side does. The load average is printed. GFLOP/s counts the dense products (6·B·T·N² plus
 * the input/readout terms), also for steps whose zero rates the kernel skips. Peaks: the best of several n³
 * products: OpenBLAS through PyTorch (AVX2+FMA) in its own process with 1 and with 2 BLAS threads, and this
 * kernel's own sgemm (the build in use, the same register tile as the scan).
 * Memory: one step at N = 1024, B = 64, T = 2000 in a fresh process each (peak RSS), with the full tape and
 * with checkpoint segments of 48 ≈ √T steps; PyTorch likewise.
 */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { init, tf } from '../kernel-lib/src/backend';
import { autoScanKernel, ctrnn, Ctrnn, fusedScanInfo, fusedScanWaitThreads, setFusedScanOptions, tfjsScanKernel } from '../kernel-lib/src/models';
import { scanEngine } from '../kernel-lib/src/models/fused-scan';
import { KIND } from '../kernel-lib/src/models/scan-engine';
import { Adam, train } from '../kernel-lib/src/train';

const N_IN = 4, N_OUT = 2;
const PY = '/usr/bin/python3';

function flopsPerStep(n: number, B: number, T: number): number {
  return 6 * B * T * (n * n + n * (N_IN + N_OUT));
}

const median = (v: number[]) => { const s = v.slice().sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/** The PyTorch side as a long-lived child: one JSON command per line. */
class Torch {
  private proc: ChildProcessWithoutNullStreams;
  private lines: AsyncIterableIterator<string>;
  constructor() {
    this.proc = spawn(PY, [path.join(__dirname, 'fused_scan_torch.py')], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    this.proc.stderr.on('data', (d) => process.stderr.write(d));
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  async cmd<R>(c: Record<string, unknown>): Promise<R> {
    this.proc.stdin.write(JSON.stringify(c) + '\n');
    const { value, done } = await this.lines.next();
    if (done) throw new Error('PyTorch reference exited (is python3-torch installed for /usr/bin/python3?)');
    const r = JSON.parse(value);
    if (r.error) throw new Error(`PyTorch reference: ${r.error}`);
    return r as R;
  }
  close(): void { this.proc.stdin.end(); }
}

class RatelabStep {
  readonly m: Ctrnn;
  private opt: Adam | undefined;
  private batch;
  constructor(n: number, B: number, T: number, kernel = autoScanKernel) {
    this.m = ctrnn({ n, nIn: N_IN, nOut: N_OUT, tau: 10, dt: 1, activation: 'relu', excitatory: 0.8, init: { seed: 0 } });
    this.m.kernel = kernel;
    const inp = new Float32Array(T * B * N_IN).map((_, i) => Math.sin(0.013 * i));
    const tgt = new Float32Array(T * B * N_OUT).map((_, i) => Math.cos(0.007 * i));
    this.batch = { inputs: { data: inp, shape: [T, B, N_IN] as [number, number, number] }, targets: { data: tgt, shape: [T, B, N_OUT] as [number, number, number] } };
  }
  async step(): Promise<{ ms: number; cpuMs: number }> {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const r = await train(this.m, { steps: 1, lr: 1e-3, clipNorm: 1, batch: this.batch, progress: false, optimizer: this.opt });
    this.opt = r.optimizer;
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1e3 };
  }
  dispose(): void { this.m.dispose(); this.opt?.dispose(); }
}

/** Best GFLOP/s of OpenBLAS (through PyTorch) on an n = 2048 product with `threads` BLAS threads, in a fresh process. */
function blasPeak(threads: number): number {
  const r = spawnSync(PY, [path.join(__dirname, 'fused_scan_torch.py')], {
    input: JSON.stringify({ cmd: 'sgemm', n: 2048, reps: 5 }) + '\n', encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), TORCH_THREADS: '1' },
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line) throw new Error(`sgemm peak with ${threads} BLAS threads failed: ${r.stderr}`);
  return (JSON.parse(line) as { gflops: number }).gflops;
}

/** Best GFLOP/s of the kernel's own C[M, N] = A[M, K]·B (packed) on `threads` threads (the build in use). */
function kernelGemmPeak(n: number, threads: number, reps: number): number {
  const w = scanEngine()!;
  const A = w.alloc(n * n * 4), Bp = w.alloc(n * n * 4), C = w.alloc(n * n * 4);
  w.f32(A.ptr, n * n).forEach((_, i, a) => { a[i] = Math.sin(i); });
  w.f32(Bp.ptr, n * n).forEach((_, i, a) => { a[i] = Math.cos(i); });
  const job = { kind: KIND.gemm, NP: n, M: n, KK: n, A: A.ptr, C: C.ptr, wpf: Bp.ptr };
  w.run(job, threads);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    w.run(job, threads);
    best = Math.min(best, performance.now() - t0);
  }
  [A, Bp, C].forEach((x) => x.free());
  return (2 * n ** 3) / (best * 1e6);
}

interface SizeResult {
  n: number; B: number; T: number; threads: number; rounds: number;
  ratelabMs: number; torchMs: number; ratelabCpuMs: number; torchCpuMs: number; opByOpMs?: number;
  ratio: number; ratioMin: number; ratioMax: number; cpuRatio: number; opByOpRatio?: number;
  gflops: number; torchGflops: number;
}

type Step = { ms: number; cpuMs: number };

async function compare(torch: Torch, n: number, B: number, T: number, threads: number, rounds: number, withOpByOp: boolean): Promise<SizeResult> {
  setFusedScanOptions({ threads });
  fusedScanWaitThreads(5000);
  await torch.cmd({ cmd: 'threads', n: threads });
  const fused = new RatelabStep(n, B, T);
  await torch.cmd({ cmd: 'setup', n, B, T });
  // Warm-up (module tier-up, allocations) of each, untimed.
  await fused.step(); await torch.cmd({ cmd: 'step' });
  const rl: Step[] = [], tc: Step[] = [], ob: number[] = [], obTorch: number[] = [], ratios: number[] = [];
  // A pause after every step: threads that finished spin before they sleep (libgomp ≈ 300 000 spins, ≈ 9 ms
  // here; this kernel ≈ 0.6 ms) and would otherwise run during the other side's step.
  const settle = () => new Promise((res) => setTimeout(res, 30));
  for (let r = 0; r < rounds; r++) {
    let a: Step, b: Step;
    if (r % 2 === 0) { a = await fused.step(); await settle(); b = await torch.cmd<Step>({ cmd: 'step' }); await settle(); }
    else { b = await torch.cmd<Step>({ cmd: 'step' }); await settle(); a = await fused.step(); await settle(); }
    rl.push(a); tc.push(b); ratios.push(a.ms / b.ms);
    process.stderr.write(`  N=${n} ${threads} thread(s) round ${r + 1}/${rounds}: ratelab ${a.ms.toFixed(0)} ms (cpu ${a.cpuMs.toFixed(0)}), ` +
      `PyTorch ${b.ms.toFixed(0)} ms (cpu ${b.cpuMs.toFixed(0)})\n`);
  }
  fused.dispose();
  if (withOpByOp) {
    // Its own rounds afterwards: its garbage (tens of MB of tensors per step) kept V8's collector busy on the
    // second core during the fused steps that followed it.
    const opByOp = new RatelabStep(n, B, T, tfjsScanKernel);
    await opByOp.step();
    for (let r = 0; r < rounds; r++) {
      obTorch.push((await torch.cmd<Step>({ cmd: 'step' })).ms);
      await settle();
      ob.push((await opByOp.step()).ms);
      await settle();
    }
    opByOp.dispose();
  }
  const gf = flopsPerStep(n, B, T) / 1e9;
  const ms = median(rl.map((x) => x.ms)), tms = median(tc.map((x) => x.ms));
  const res: SizeResult = {
    n, B, T, threads, rounds, ratelabMs: ms, torchMs: tms,
    ratelabCpuMs: median(rl.map((x) => x.cpuMs)), torchCpuMs: median(tc.map((x) => x.cpuMs)),
    ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios),
    cpuRatio: median(rl.map((x, i) => x.cpuMs / tc[i].cpuMs)),
    gflops: gf / (ms / 1e3), torchGflops: gf / (tms / 1e3),
  };
  if (withOpByOp) { res.opByOpMs = median(ob); res.opByOpRatio = median(ob.map((x, i) => x / obTorch[i])); }
  return res;
}

/** One training step in this (fresh) process; prints peak RSS and module memory as JSON. */
async function memoryChild(n: number, B: number, T: number, checkpoint: string): Promise<void> {
  await init();
  setFusedScanOptions({ checkpoint: checkpoint === 'false' ? false : checkpoint === 'auto' ? 'auto' : Number(checkpoint) });
  fusedScanWaitThreads(5000);
  const s = new RatelabStep(n, B, T);
  const { ms } = await s.step();
  const info = fusedScanInfo();
  const tfHeap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
  console.log(JSON.stringify({ ms, peakRssMB: process.resourceUsage().maxRSS / 1024, fusedMemMB: info.memoryBytes / 2 ** 20, fusedPeakMB: info.peakBytes / 2 ** 20, tfjsHeapMB: tfHeap / 2 ** 20 }));
}

function runMemoryChild(n: number, B: number, T: number, checkpoint: string): Record<string, number> {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--memory-child', String(n), String(B), String(T), checkpoint], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: 1, message: (r.stderr || '').slice(-300) } as unknown as Record<string, number>;
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function torchMemory(n: number, B: number, T: number): Promise<{ ms: number; peakMB: number }> {
  const t = new Torch();
  try {
    await t.cmd({ cmd: 'setup', n, B, T });
    const { ms } = await t.cmd<{ ms: number }>({ cmd: 'step' });
    const { peakMB } = await t.cmd<{ peakMB: number }>({ cmd: 'peak' });
    return { ms, peakMB };
  } finally {
    t.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--memory-child') {
    const [n, B, T] = process.argv.slice(3, 6).map(Number);
    await memoryChild(n, B, T, process.argv[6]);
    return;
  }
  const quick = process.argv.includes('--quick');
  const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
  const rounds = roundsArg ? Number(roundsArg.slice(9)) : 0;
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
  const loadStart = load();
  const info = await init();
  const threads = fusedScanWaitThreads(5000);
  const fi = fusedScanInfo();
  console.log(String(info));
  const engineLabel = fi.engine === 'native-avx2' ? 'native AVX2+FMA addon' : 'WebAssembly SIMD128';
  console.log(`fused scan: ${fi.available ? `${engineLabel}, ${threads} thread${threads === 1 ? '' : 's'}` : `unavailable (${fi.reason})`}; ` +
    `date ${new Date().toISOString().slice(0, 10)}; shared machine: ratios from interleaved steps, absolute times indicative`);
  const memoryOnly = process.argv.includes('--memory-only');
  const out: Record<string, unknown> = { date: new Date().toISOString(), backend: String(info), engine: fi.engine, threads };
  const torch = new Torch();
  try {
    if (!memoryOnly) {
      // The reference process keeps OpenBLAS on 1 thread (its fastest setting for the training step), so the
      // machine's 2-thread sgemm peak is measured in a process of its own.
      const tPeak = blasPeak(2);
      const tPeak1 = blasPeak(1);
      const wPeak = kernelGemmPeak(1024, threads, 5);
      const wPeak1 = kernelGemmPeak(1024, 1, 3);
      console.log(`sgemm peak (best of several n³ products): OpenBLAS n=2048 ${tPeak.toFixed(1)} GFLOP/s on 2 threads, ${tPeak1.toFixed(1)} on 1; ` +
        `ratelab ${engineLabel} n=1024: ${wPeak.toFixed(1)} GFLOP/s on ${threads} threads, ${wPeak1.toFixed(1)} on 1`);
      const sizes: SizeResult[] = [];
      for (const th of [2, 1]) {
        sizes.push(await compare(torch, 256, 32, 300, th, rounds || 8, th === 2));
        if (!process.argv.includes('--small')) sizes.push(await compare(torch, 500, 64, 2000, th, rounds || 3, false));
      }
      setFusedScanOptions({ threads });
      console.log(`\nload average (1, 5, 15 min) at start ${loadStart}, at end ${load()}`);
      console.log('\n| N | B | T | threads | ratelab ms/step | PyTorch ms/step | ratio ratelab/PyTorch (median, range) | CPU-time ratio | ratelab GFLOP/s | % of OpenBLAS sgemm peak | % of own sgemm peak | PyTorch GFLOP/s | op-by-op ms/step (ratio) |');
      console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
      for (const s of sizes) {
        console.log(`| ${s.n} | ${s.B} | ${s.T} | ${s.threads} | ${s.ratelabMs.toFixed(0)} | ${s.torchMs.toFixed(0)} | ${s.ratio.toFixed(2)} (${s.ratioMin.toFixed(2)}–${s.ratioMax.toFixed(2)}) | ` +
          `${s.cpuRatio.toFixed(2)} | ${s.gflops.toFixed(1)} | ${((100 * s.gflops) / (s.threads === 1 ? tPeak1 : tPeak)).toFixed(0)} % | ` +
          `${((100 * s.gflops) / (s.threads === 1 ? wPeak1 : wPeak)).toFixed(0)} % | ${s.torchGflops.toFixed(1)} | ` +
          `${s.opByOpMs !== undefined ? `${s.opByOpMs.toFixed(0)} (${s.opByOpRatio!.toFixed(2)})` : '—'} |`);
      }
      Object.assign(out, { load: { start: loadStart, end: load() }, sgemm: { torch: tPeak, torch1: tPeak1, kernel: wPeak, kernel1: wPeak1 }, sizes });
    }
    if (!quick) {
      const [n, B, T] = [1024, 64, 2000];
      console.log(`\nPeak memory, one training step at N=${n}, B=${B}, T=${T} (fresh process each):`);
      const mem: Record<string, unknown> = {};
      for (const ck of ['false', '48']) {
        const r = runMemoryChild(n, B, T, ck);
        mem[`ratelab-checkpoint-${ck}`] = r;
        console.log(`  ratelab, ${ck === 'false' ? 'full tape' : `checkpoint segments of ${ck} steps`}: ` + (r.error ? `failed: ${r.message}` :
          `peak RSS ${r.peakRssMB.toFixed(0)} MB (fused-scan memory ${r.fusedMemMB.toFixed(0)} MB, of which at most ${r.fusedPeakMB.toFixed(0)} MB in use; tfjs heap ${r.tfjsHeapMB.toFixed(0)} MB); step ${(r.ms / 1e3).toFixed(1)} s`));
      }
      if (!process.argv.includes('--no-torch-memory')) {
        const tm = await torchMemory(n, B, T);
        mem.torch = tm;
        console.log(`  PyTorch: peak RSS ${tm.peakMB.toFixed(0)} MB; step ${(tm.ms / 1e3).toFixed(1)} s`);
      }
      out.memory = mem;
    }
    const dir = path.join(__dirname, 'out');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, memoryOnly ? 'fused-scan-memory.json' : 'fused-scan.json'), JSON.stringify(out, null, 1));
  } finally {
    torch.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
