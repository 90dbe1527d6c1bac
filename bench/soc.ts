/**
 * Benchmark: iterations of the stability-optimised-circuit recipe (papers/soc-reaching/soc.ts) at N = 200.
 *
 *   npx tsx bench/soc.ts [N] [iterations] [--full]
 *
 * Times `iterations` steps (default 30) from the same initial network with the WebAssembly kernels and with the
 * plain-JS path (same algorithm: one Schur form per step), and the SciPy transcription of the recipe
 * (eigvals + two solve_continuous_lyapunov + QP; Debian's numpy/scipy through /usr/bin/python3). Prints wall and
 * CPU milliseconds per iteration. `--full` also runs the whole optimisation to α ≤ 0.15 with the wasm kernels
 * and prints its iteration count and time. The machine is shared: use CPU time and ratios.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { optimiseSoc, socInitialNetwork } from '../kernel-lib/src/papers/soc-reaching';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const n = Number(args[0] ?? 200);
const iters = Number(args[1] ?? 30);
const full = process.argv.includes('--full');
const init = socInitialNetwork({ n, seed: 0 });

function timed(engine: 'wasm' | 'js') {
  optimiseSoc(init.W, { engine, maxIterations: 2 }); // warm-up (JIT, module load)
  const c0 = process.cpuUsage();
  const r = optimiseSoc(init.W, { engine, maxIterations: iters });
  const c = process.cpuUsage(c0);
  const steps = r.iterations + 1; // the last pass computes α only, counted as a step
  return { wall: (1000 * r.seconds) / steps, cpu: (c.user + c.system) / 1000 / steps, alpha: r.alphas[r.alphas.length - 1] };
}

const SCIPY = `
import json, sys, time, numpy as np
sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '..', 'tests', 'reference'))})
from soc_recipe import soc_step, spectral_abscissa
d = json.load(sys.stdin); N = d['n']; W = np.array(d['W']).reshape(N, N)
t0 = time.perf_counter(); c0 = time.process_time()
for it in range(d['iters']):
    soc_step(W)
print(json.dumps({'wall': 1000 * (time.perf_counter() - t0) / d['iters'], 'cpu': 1000 * (time.process_time() - c0) / d['iters'],
                  'alpha': spectral_abscissa(W)}))`;

const wasm = timed('wasm');
const js = timed('js');
const scipy = JSON.parse(
  execFileSync('/usr/bin/python3', ['-c', SCIPY], { input: JSON.stringify({ n, iters, W: Array.from(init.W.data) }), maxBuffer: 1 << 28 }).toString(),
) as { wall: number; cpu: number; alpha: number };
const row = (name: string, r: { wall: number; cpu: number; alpha: number }) =>
  console.log(`${name.padEnd(28)} ${r.wall.toFixed(1).padStart(8)} ms wall ${r.cpu.toFixed(1).padStart(8)} ms CPU   α after ${iters}: ${r.alpha.toFixed(4)}`);
console.log(`SoC step, N = ${n}, ${iters} iterations from the same initial network`);
row('ratelab, wasm kernels', wasm);
row('ratelab, plain JS', js);
row('SciPy recipe (2 BLAS threads)', scipy);
if (full) {
  const c0 = process.cpuUsage();
  const r = optimiseSoc(init.W, { engine: 'wasm' });
  const c = process.cpuUsage(c0);
  console.log(`full run (wasm): ${r.converged ? 'α ≤ 0.15' : 'not converged'} after ${r.iterations} iterations, ${r.seconds.toFixed(1)} s wall, ${((c.user + c.system) / 1e6).toFixed(1)} s CPU`);
}
