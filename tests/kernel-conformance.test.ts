/**
 * The Jupyter kernel conformance suite (Debian's python3-jupyter-kernel-test) against the ratelab kernel;
 * the TypeScript samples are in tests/kernel/test_ratelab_kernel.py.
 */
import * as assert from 'assert';
import * as path from 'path';
import { rmTmp, tmpDir } from './helpers/python';
import { buildKernel, jupyterEnv, PYTHON, ROOT, runProcess } from './kernel/harness';

describe('kernel: jupyter_kernel_test conformance', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    buildKernel();
    tmp = tmpDir('ratelab-kernel-conf-');
  });
  after(() => rmTmp(tmp));

  it('passes every applicable KernelTests test', async () => {
    const r = await runProcess(PYTHON, ['-m', 'unittest', '-v', 'test_ratelab_kernel'], {
      cwd: path.join(ROOT, 'tests', 'kernel'),
      env: jupyterEnv(tmp),
    });
    const report = r.stderr;
    assert.strictEqual(r.code, 0, `unittest failed:\n${report}`);
    const ran = /Ran (\d+) tests?/.exec(report);
    assert.ok(ran && Number(ran[1]) >= 12, `unexpected unittest summary:\n${report}`);
    // Everything but the pager (no pager payloads in TypeScript) must run and pass, none skipped.
    for (const name of [
      'kernel_info', 'execute_stdout', 'execute_stderr', 'completion', 'is_complete', 'inspect', 'error',
      'execute_result', 'display_data', 'history', 'clear_output',
    ]) {
      assert.match(report, new RegExp(`test_${name} \\(.*\\) \\.\\.\\. ok`), `test_${name} did not pass:\n${report}`);
    }
    assert.doesNotMatch(report, /FAIL:|ERROR:/);
  });
});
