/**
 * Train (or resume) the rhythmic-timing network outside the notebook, writing a resumable checkpoint:
 *
 *   npx tsx scripts/train-rhythmic-timing.ts --out notebooks/checkpoints/rhythmic-timing-n100.h5 \
 *     --n 100 --batch 16 --steps 3000 --seed 0 [--lr 1e-3] [--threshold 0.017] [--every 25]
 *
 * Running the same command again continues from the checkpoint; the run is reproducible step by step
 * (every step's trials and noise depend only on --seed and the step). Losses go to stdout every 10 steps.
 */
import { init } from '../kernel-lib/src/backend';
import { trainRhythmNetwork, rhythmEvalLoss } from '../kernel-lib/src/papers/rhythmic-timing';

function arg(name: string, dflt?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (dflt === undefined) throw new Error(`train-rhythmic-timing: --${name} is required`);
  return dflt;
}

(async () => {
  const backend = await init();
  console.log(backend.toString());
  const out = arg('out');
  const t0 = Date.now();
  const run = await trainRhythmNetwork({
    checkpoint: out,
    steps: Number(arg('steps', '10000')),
    batchSize: Number(arg('batch', '512')),
    lr: Number(arg('lr', '1e-3')),
    threshold: Number(arg('threshold', '0.017')),
    checkpointEvery: Number(arg('every', '25')),
    seed: Number(arg('seed', '0')),
    network: { n: Number(arg('n', '500')), seed: Number(arg('seed', '0')) },
    progress: false,
    onStep: (s) => {
      if (s.step % 10 === 0) console.log(`step ${s.step} loss ${s.loss.toFixed(5)} |g| ${s.gradNorm.toFixed(3)} ${s.msPerStep.toFixed(0)} ms/step`);
    },
  });
  const L = run.result.losses;
  console.log(`${run.result.message}; resumed at ${run.resumedAt}, now ${L.length} steps, last loss ${L[L.length - 1]?.toFixed(5)}, ` +
    `${run.msPerStep.toFixed(0)} ms/step, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`noiseless evaluation loss (64 trials): ${rhythmEvalLoss(run.model).toFixed(5)}`);
})().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
