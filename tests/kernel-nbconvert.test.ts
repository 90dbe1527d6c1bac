/**
 * Headless notebook runs through `jupyter nbconvert --execute` with the ratelab kernel: a TypeScript type
 * error must surface in nbconvert's own error output (ename and evalue), and with --allow-errors the
 * saved notebook has execution counts, an execute_result, the error output, and the cell after the error run.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { rmTmp, tmpDir } from './helpers/python';
import { buildKernel, jupyterEnv, runProcess } from './kernel/harness';

function notebook(cells: string[]): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'ratelab', display_name: 'ratelab (TypeScript)', language: 'typescript' },
      language_info: { name: 'typescript' },
    },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `cell-${i}`, metadata: {}, source, outputs: [], execution_count: null })),
  };
}

/** nbformat stores multi-line strings either as one string or as a list of lines. */
function text(v: string | string[]): string {
  return Array.isArray(v) ? v.join('') : v;
}

describe('kernel: nbconvert --execute', function () {
  this.timeout(120_000);
  let tmp: string;
  let nbPath: string;

  before(() => {
    buildKernel();
    tmp = tmpDir('ratelab-kernel-nbconvert-');
    nbPath = path.join(tmp, 'typed.ipynb');
    fs.writeFileSync(nbPath, JSON.stringify(notebook(['6 * 7', 'const label: number = "not a number";', 'console.log("after the error")'])));
  });
  after(() => rmTmp(tmp));

  it('fails on a type error and prints its ename and evalue', async () => {
    const r = await runProcess('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--output', 'out-strict.ipynb', nbPath], {
      cwd: tmp,
      env: jupyterEnv(tmp),
    });
    assert.notStrictEqual(r.code, 0, 'nbconvert must fail on the type error');
    assert.match(r.stderr, /TSError/);
    assert.match(r.stderr, /TS2322: Type 'string' is not assignable to type 'number'/);
    assert.match(r.stderr, /const label: number = "not a number";/, 'the offending source line is shown');
  });

  it('with --allow-errors, records counts, the result, the error and the following cell', async () => {
    const r = await runProcess(
      'jupyter',
      ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', '--output', 'out-lenient.ipynb', nbPath],
      { cwd: tmp, env: jupyterEnv(tmp) },
    );
    assert.strictEqual(r.code, 0, r.stderr);
    const nb = JSON.parse(fs.readFileSync(path.join(tmp, 'out-lenient.ipynb'), 'utf8'));
    const [c1, c2, c3] = nb.cells;
    assert.deepStrictEqual([c1.execution_count, c2.execution_count, c3.execution_count], [1, 2, 3]);
    assert.strictEqual(c1.outputs[0].output_type, 'execute_result');
    assert.strictEqual(text(c1.outputs[0].data['text/plain']), '42');
    assert.strictEqual(c2.outputs[0].output_type, 'error');
    assert.strictEqual(c2.outputs[0].ename, 'TSError');
    assert.strictEqual(c3.outputs[0].output_type, 'stream');
    assert.strictEqual(text(c3.outputs[0].text), 'after the error\n');
  });
});
