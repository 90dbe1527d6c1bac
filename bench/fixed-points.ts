/**
 * Benchmark: fixed-point search (`findFixedPoints`) on a random CT-RNN, N = 500, 1024 initial states sampled from
 * the network's own trajectories plus noise — the size issue 4 asks for.
 *
 *   npx tsx bench/fixed-points.ts [iterations] [N] [B]      (defaults 200 500 1024)
 *
 * Prints ms per joint Adam iteration (q and its gradient for all B states, one Adam step), the time the default
 * maxIters = 5000 would take at that rate, and per-point costs of the Jacobian (autodiff, N×N) and of its
 * eigenvalues (Float64 QR) and full eigen-decomposition. The machine is shared: numbers are noisy (±30 %).
 */
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn } from '../kernel-lib/src/models';
import { ctrnnStep, eig, eigvals, findFixedPoints, sampleStates, stepJacobians } from '../kernel-lib/src/analysis';

async function main(): Promise<void> {
  const info = await init();
  const [iters, N, B] = [Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 500), Number(process.argv[4] ?? 1024)];
  console.log(String(info));
  const m = ctrnn({ n: N, nIn: 4, nOut: 2, tau: 10, dt: 1, activation: 'tanh', init: { seed: 0, recGain: 1.5 } });
  const T = 200, Bt = 8;
  const inp = new Float32Array(T * Bt * 4).map((_, i) => Math.sin(0.05 * i) * ((i % 7) / 7));
  const run = m.forward({ data: inp, shape: [T, Bt, 4] }, { states: true, noise: false });
  const x0 = sampleStates(run.states!, { n: B, noise: 0.1, seed: 0 });
  tf.dispose([run.rates, run.outputs, run.states!]);

  const cpu0 = process.cpuUsage();
  const fps = await findFixedPoints(m, { initialStates: x0, input: [0, 0, 0, 0], maxIters: iters, jacobians: false, progress: false });
  const cpu = process.cpuUsage(cpu0);
  const cpuMsIter = (cpu.user + cpu.system) / 1e3 / fps.n_iters;
  const rss = process.memoryUsage().rss;
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
  const msIter = (1e3 * fps.timing.optimise) / fps.n_iters;
  console.log(`CT-RNN N=${N}, tanh, recGain 1.5; ${B} initial states; ${fps.n_iters} iterations (${fps.stopReason})`);
  console.log(`  optimisation: ${fps.timing.optimise.toFixed(1)} s = ${msIter.toFixed(1)} ms/iteration (CPU ${cpuMsIter.toFixed(1)} ms) -> maxIters 5000 would take ${((msIter * 5000) / 1e3 / 60).toFixed(1)} min`);
  console.log(`  mean q ${fps.history.q[0].toExponential(2)} -> ${fps.history.q[fps.history.q.length - 1].toExponential(2)}; ${fps.n} unique points kept; RSS after ${(rss / 2 ** 20).toFixed(0)} MB, wasm heap ${(wasm / 2 ** 20).toFixed(0)} MB`);

  const k = Math.min(4, fps.n);
  const pts = { data: fps.xstar.data.subarray(0, k * N), shape: [k, N] as [number, number] };
  const us = { data: new Float64Array(k * 4), shape: [k, 4] as [number, number] };
  const step = ctrnnStep(m);
  let t = performance.now();
  let c = process.cpuUsage();
  const J = stepJacobians(step.step, pts, us);
  const msJ = (performance.now() - t) / k;
  const cpuJ = process.cpuUsage(c).user / 1e3 / k;
  step.dispose();
  t = performance.now();
  c = process.cpuUsage();
  for (const j of J) eigvals(j);
  const msE = (performance.now() - t) / k;
  const cpuE = process.cpuUsage(c).user / 1e3 / k;
  t = performance.now();
  c = process.cpuUsage();
  eig(J[0]);
  const msV = performance.now() - t;
  const cpuV = process.cpuUsage(c).user / 1e3;
  console.log(`  per point (wall / CPU ms): Jacobian (autodiff) ${msJ.toFixed(0)} / ${cpuJ.toFixed(0)}, eigenvalues ${msE.toFixed(0)} / ${cpuE.toFixed(0)}, ` +
    `eigenvalues + vectors ${msV.toFixed(0)} / ${cpuV.toFixed(0)}`);
  console.log(`  load average during the run: ${require('os').loadavg()[0].toFixed(1)} (2 cores)`);
  m.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
