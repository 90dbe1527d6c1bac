/**
 * Benchmark: cost of one training trial of the E/I assemblies model (Mackwood et al. 2021) with the steady-state
 * solver on its WebAssembly engine (euler.c, SIMD128) and on its JavaScript engine (the same steps in JS),
 * interleaved in one run.
 *
 *   npx tsx bench/ei-assemblies-trial.ts [stimuli]      (default 60 stimuli at full size, 600 at QUICK size)
 *
 * Each presentation is what training does per stimulus: integrate to steady state from the fixed start, then the
 * local plasticity update (localDirections + applyLocalUpdate, JavaScript in both cases). Reports CPU time (not
 * wall time: the machine is shared) per Euler step and per presentation, and extrapolates to a trial (all
 * stimuli) and to the paper's 500 trials. Several rounds; the median is printed.
 */
import {
  applyLocalUpdate,
  buildEINetwork,
  cloneEINetwork,
  conditionRates,
  EINetwork,
  EISteadyStateSolver,
  EulerEngine,
  localDirections,
} from '../kernel-lib/src/papers/ei-assemblies';

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const median = (v: number[]): number => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

function presentations(net: EINetwork, engine: EulerEngine, stimuli: number[]): { solveMs: number; updateMs: number; steps: number } {
  const solver = new EISteadyStateSolver(net, { engine });
  const rates = conditionRates(net);
  let solveMs = 0;
  let updateMs = 0;
  let steps = 0;
  for (const s of stimuli) {
    let t = cpuMs();
    steps += solver.solve(solver.stimulusInput(s)).steps;
    solveMs += cpuMs() - t;
    t = cpuMs();
    applyLocalUpdate(net, localDirections(net, { hE: solver.hE, rE: solver.rE, hI: solver.hI, rI: solver.rI }), rates);
    updateMs += cpuMs() - t;
  }
  return { solveMs, updateMs, steps };
}

function run(label: string, opts: Parameters<typeof buildEINetwork>[0], nStimuli: number, rounds: number): void {
  const base = buildEINetwork(opts);
  const stimuli = Array.from({ length: nStimuli }, (_, q) => (q * 29) % base.nStim);
  const res: Record<EulerEngine, { perStep: number[]; perStim: number[]; update: number[] }> = {
    wasm: { perStep: [], perStim: [], update: [] },
    js: { perStep: [], perStim: [], update: [] },
  };
  for (let round = 0; round <= rounds; round++) {
    for (const engine of ['js', 'wasm'] as const) {
      // Same weights for both engines: each round starts from a copy of the initial network.
      const r = presentations(cloneEINetwork(base), engine, stimuli);
      if (round === 0) continue; // warm-up
      res[engine].perStep.push((1000 * r.solveMs) / r.steps);
      res[engine].perStim.push((r.solveMs + r.updateMs) / nStimuli);
      res[engine].update.push(r.updateMs / nStimuli);
    }
  }
  console.log(`\n${label}: ${base.nE} E, ${base.nI} I, ${base.nStim} stimuli per trial; ${nStimuli} presentations × ${rounds} rounds (median)`);
  for (const engine of ['js', 'wasm'] as const) {
    const perStim = median(res[engine].perStim);
    const trial = (perStim * base.nStim) / 1000;
    console.log(
      `  ${engine.padEnd(4)} ${median(res[engine].perStep).toFixed(1).padStart(7)} µs/step  ` +
        `${perStim.toFixed(2).padStart(7)} ms/presentation (update ${median(res[engine].update).toFixed(2)} ms)  ` +
        `→ ${trial.toFixed(1).padStart(6)} CPU-s/trial, ${((500 * trial) / 3600).toFixed(2)} CPU-h for 500 trials`,
    );
  }
  console.log(`  speed-up of a presentation: ${(median(res.js.perStim) / median(res.wasm.perStim)).toFixed(2)}×`);
}

const n = process.argv[2] ? Number(process.argv[2]) : undefined;
run('QUICK size', { nPerAxis: 4, nStimuli: 8, etaEI: 3e-5, etaIE: 3e-5, seed: 1 }, n ?? 600, 3);
run('full size (paper)', { seed: 1 }, n ?? 60, 3);
