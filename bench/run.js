#!/usr/bin/env node
/*
 * `npm run bench`: runs every benchmark in this folder (bench/*.ts, not those starting with `_`), each in its own
 * process through tsx, one after the other, output streamed. Benchmarks that compare with a reference (PyTorch
 * through /usr/bin/python3) do so in the same run: RATELAB_BENCH_TORCH=1 is set for those that make it optional.
 *
 *   npm run bench                   all of them
 *   npm run bench -- fused ctrnn    only files whose name contains one of the words
 *   npm run bench -- fused --quick  arguments starting with -- are passed on to each benchmark
 *
 * Record results in bench/RESULTS.md with machine and date. The machine may be shared: compare ratios.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = __dirname;
const args = process.argv.slice(2);
const words = args.filter((a) => !a.startsWith('--'));
const passOn = args.filter((a) => a.startsWith('--'));
const files = fs.readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no benchmark matches ${words.join(', ')} (have ${fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).join(', ')})`);
  process.exit(1);
}
const tsx = path.join(dir, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
const failed = [];
for (const f of files) {
  console.log(`\n=== bench/${f} ${passOn.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsx, path.join(dir, f), ...passOn], {
    stdio: 'inherit',
    env: { RATELAB_BENCH_TORCH: '1', ...process.env },
  });
  console.log(`=== bench/${f}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status})`} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (r.status !== 0) failed.push(f);
}
if (failed.length) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
