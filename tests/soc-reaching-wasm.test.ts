/**
 * The SoC step's WebAssembly kernels (kernel-lib/wasm/soc.wasm from soc.c) against the plain-JS path, which
 * tests/soc-reaching.test.ts checks against scipy: one step, and a whole optimisation to α ≤ 0.15 (same number of
 * iterations, weights equal to rounding). When Debian's clang 14 is installed, the committed module must be
 * what scripts/build-soc-wasm.sh builds from the committed source.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as soc from '../kernel-lib/src/papers/soc-reaching';
import { socWasm, socWasmPath } from '../kernel-lib/src/papers/soc-reaching/soc-wasm';
import { maxAbsDiff, rmTmp, tmpDir } from './helpers/python';

describe('soc-reaching: WebAssembly kernels', function () {
  this.timeout(120000);

  it('loads the committed module', () => {
    assert.ok(fs.existsSync(socWasmPath()), `${socWasmPath()} is missing (scripts/build-soc-wasm.sh builds it)`);
    assert.ok(socWasm() !== null);
  });

  it('one step equals the JS path', () => {
    for (const n of [30, 61]) {
      const W0 = soc.socInitialNetwork({ n, seed: 9 }).W.data;
      const a = Float64Array.from(W0);
      const b = Float64Array.from(W0);
      const sa = soc.socStep(a, n, { engine: 'wasm' });
      const sb = soc.socStep(b, n, { engine: 'js' });
      assert.ok(Math.abs(sa.alpha - sb.alpha) < 1e-12);
      assert.ok(maxAbsDiff(a, b) < 1e-11, `n = ${n}: max |ΔW| ${maxAbsDiff(a, b)}`);
    }
  });

  it('a whole optimisation matches the JS path', () => {
    const n = 40;
    const init = soc.socInitialNetwork({ n, seed: 2 }).W;
    const w = soc.optimiseSoc(init, { engine: 'wasm' });
    const j = soc.optimiseSoc(init, { engine: 'js' });
    assert.ok(w.converged && j.converged);
    assert.equal(w.iterations, j.iterations);
    // Rounding differences (operation order in the products) are amplified over hundreds of steps on strongly
    // non-normal matrices: agreement to ~1e-8 here, not 1e-15.
    assert.ok(maxAbsDiff(w.alphas, j.alphas) < 1e-6, `max |Δα| ${maxAbsDiff(w.alphas, j.alphas)}`);
    assert.ok(maxAbsDiff(w.W.data, j.W.data) < 1e-6, `max |ΔW| ${maxAbsDiff(w.W.data, j.W.data)}`);
    const sort = (v: Float64Array) => Float64Array.from(v).sort();
    // Eigenvalues of a strongly non-normal matrix are ill-conditioned: rounding-level changes in W move them more.
    assert.ok(maxAbsDiff(sort(w.eigenvalues.real), sort(j.eigenvalues.real)) < 1e-6, `${maxAbsDiff(sort(w.eigenvalues.real), sort(j.eigenvalues.real))}`);
  });

  it('the committed module is built from the committed source (when clang 14 is here)', function () {
    let version = '';
    try {
      version = execFileSync('clang', ['--version']).toString();
    } catch {
      this.skip();
    }
    if (!/clang version 14\./.test(version)) this.skip();
    const dir = tmpDir();
    try {
      const out = path.join(dir, 'soc.wasm');
      execFileSync('sh', [path.join(__dirname, '..', 'scripts', 'build-soc-wasm.sh'), out], { stdio: 'pipe' });
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(socWasmPath())), 'kernel-lib/wasm/soc.wasm is stale: run scripts/build-soc-wasm.sh');
    } finally {
      rmTmp(dir);
    }
  });
});
