/**
 * Benchmark: one training step of the AON model (Guglielmi et al.) at the paper's size — N = 355, 12 tasks in
 * one batch, 799 scan steps, the original loss, clipping, Adam and the row-wise projection — and one
 * 12-task simulation without gradients (what each silenced set of the perturbation study costs), and one
 * spectral abscissa of the 355×355 linearised dynamics.
 *
 *   npx tsx bench/aon-train.ts [steps]      (default 5 training steps after one warm-up step)
 *
 * Reports wall time and CPU time per step (the machine is shared: CPU time is the better estimate of an idle
 * machine; tfjs-wasm runs on one thread, so CPU ≈ wall when idle).
 */
import { init } from '../kernel-lib/src/backend';
import {
  aonModel, buildStimulus, loadAonMasks, makeSurrogate, simulateTasks, stabilityAt, taskBatch, trainAon,
} from '../kernel-lib/src/papers/aon-mirror';

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

(async () => {
  const backend = await init();
  console.log(backend.toString());
  const steps = Number(process.argv[2] ?? 5);
  const masks = await loadAonMasks();
  const stim = buildStimulus();
  const { data } = makeSurrogate(masks, stim);
  const batch = taskBatch(stim, data);
  const model = aonModel(masks);
  await trainAon(model, batch, { steps: 1, progress: false });
  let w = performance.now(), c = cpuMs();
  await trainAon(model, batch, { steps, progress: false, threshold: 0 });
  const trainWall = (performance.now() - w) / steps, trainCpu = (cpuMs() - c) / steps;
  w = performance.now(); c = cpuMs();
  const sim = simulateTasks(model, batch, { statesAt: [798] });
  const simWall = performance.now() - w, simCpu = cpuMs() - c;
  w = performance.now(); c = cpuMs();
  const x = sim.states.get(798)!.subarray(0, masks.n);
  const abscissa = stabilityAt(model, x);
  const eigWall = performance.now() - w, eigCpu = cpuMs() - c;
  console.log(`training step (N=355, B=12, T=799): ${trainWall.toFixed(0)} ms wall, ${trainCpu.toFixed(0)} ms CPU per step (${steps} steps)`);
  console.log(`simulation of the 12 tasks (with states): ${simWall.toFixed(0)} ms wall, ${simCpu.toFixed(0)} ms CPU`);
  console.log(`spectral abscissa of the linearised dynamics (355×355): ${eigWall.toFixed(0)} ms wall, ${eigCpu.toFixed(0)} ms CPU (value ${abscissa.toFixed(4)})`);
})();
