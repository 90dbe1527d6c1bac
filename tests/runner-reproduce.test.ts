/**
 * The reproduce command end to end, on fixture notebooks copied into a scratch folder: a passing notebook is
 * written back executed (outputs, execution counts) and signed; parameters and the figures folder reach the
 * kernel; a runtime error, a type error, a timeout and a dying kernel each make it exit non-zero, name the cell
 * and show the error text, and the cells after the failure do not run. The failures are checked both under the
 * ratelab kernel and under plain tslab (which reports errors only as reply status + stderr text).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { rmTmp } from './helpers/python';
import {
  cellText, copyFixture, ensureBuilt, readCodeCells, ROOT, runReproduce, RunResult, scratchDir, trustedFlags,
} from './runner-harness';

const ANSI = /\x1b\[/;

/** The part of the command's stdout about one notebook (from its header line to the next blank line). */
function section(stdout: string, file: string): string {
  const rel = path.relative(ROOT, file);
  const start = stdout.indexOf(`\n${rel}\n`);
  assert.ok(start >= 0, `no section for ${rel} in:\n${stdout}`);
  const end = stdout.indexOf('\n\n', start + 1);
  return stdout.slice(start, end < 0 ? undefined : end);
}

function explain(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe('runner: npm run reproduce', function () {
  this.timeout(120_000);
  let dir: string;
  let figuresRoot: string;
  /** A JUPYTER_PATH entry with a kernelspec for plain tslab (today's engine without the protocol layer). */
  let plainTslabEnv: NodeJS.ProcessEnv;

  before(() => {
    ensureBuilt();
    dir = scratchDir('runner-');
    figuresRoot = path.join(dir, 'figures');
    const spec = path.join(dir, 'jupyter', 'kernels', 'tslab-plain');
    fs.mkdirSync(spec, { recursive: true });
    fs.writeFileSync(path.join(spec, 'kernel.json'), JSON.stringify({
      argv: ['node', path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'],
      display_name: 'plain tslab', language: 'typescript',
    }));
    // A kernel that dies before answering, to check start failures are reported with its own output.
    const crash = path.join(dir, 'jupyter', 'kernels', 'crash-on-start');
    fs.mkdirSync(crash, { recursive: true });
    fs.writeFileSync(path.join(crash, 'kernel.json'), JSON.stringify({
      argv: ['node', '-e', 'console.error("fixture kernel gives up"); process.exit(7)', '{connection_file}'],
      display_name: 'crashes', language: 'typescript',
    }));
    plainTslabEnv = { ...process.env, JUPYTER_PATH: path.join(dir, 'jupyter') };
  });
  after(() => rmTmp(dir));

  describe('a notebook whose cells all pass', () => {
    let nbFile: string;
    let r: RunResult;
    before(async () => {
      nbFile = copyFixture('runner-pass.ipynb', dir);
      r = await runReproduce(['--figures-root', figuresRoot, '--param', 'lr=0.01', '--param', 'label=abc', nbFile]);
    });

    it('exits 0 and prints one timed line per code cell', () => {
      assert.strictEqual(r.code, 0, explain(r));
      const s = section(r.stdout, nbFile);
      assert.match(s, /\[1\/3\]\s+\d+\.\d\d s {2}const x: number = 1 \+ 2;/);
      assert.match(s, /\[2\/3\]\s+\d+\.\d\d s {2}import \* as fs from 'fs';/);
      assert.match(s, /\[3\/3\]\s+\d+\.\d\d s {2}console\.error/);
      assert.match(r.stdout, /^ok +tests\/\.tmp\/.*runner-pass\.ipynb +\(3\/3 cells/m);
    });

    it('writes outputs and execution counts into the notebook', () => {
      const cells = readCodeCells(nbFile);
      assert.deepStrictEqual(cells.map((c) => c.execution_count), [1, null, 2, 3], 'the empty cell is not executed');
      assert.match(cellText(cells[0]), /x = 3/);
      assert.strictEqual(cells[1].outputs?.length, 0);
      assert.match(cellText(cells[3]), /a warning on stderr/);
      // The last expression's value: an execute_result from the ratelab kernel (tslab printed it to stdout).
      assert.match(cellText(cells[3]), /^6$/m);
    });

    it('signs the notebook so Jupyter trusts it', () => {
      // The check can say no: the same notebook with one output changed after signing is not trusted.
      const tampered = path.join(dir, 'tampered.ipynb');
      fs.writeFileSync(tampered, fs.readFileSync(nbFile, 'utf8').replace('x = 3', 'x = 4'));
      assert.deepStrictEqual(trustedFlags([nbFile, tampered]), [true, false]);
    });

    it('passes mode, parameters, notebook name, figures folder and cwd to the kernel', () => {
      const seen = JSON.parse(cellText(readCodeCells(nbFile)[2]).trim());
      assert.deepStrictEqual(seen, { mode: 'quick', notebook: 'runner-pass', params: { lr: 0.01, label: 'abc' }, cwd: dir });
      const fig = path.join(figuresRoot, 'runner-pass', 'fixture-figure.txt');
      assert.strictEqual(fs.readFileSync(fig, 'utf8'), 'written by the fixture\n');
      assert.match(r.stdout, /figures in .*runner-pass\/: fixture-figure\.txt/);
    });
  });

  /** The failure report the command printed for one notebook (stderr is one report per failed notebook). */
  function report(stderr: string, file: string): string {
    const rel = path.relative(ROOT, file);
    const found = stderr.split(/\n(?=FAILED )/).find((b) => b.startsWith(`FAILED ${rel}:`));
    assert.ok(found, `no failure report for ${rel} in:\n${stderr}`);
    return found;
  }

  /**
   * Run several failing fixtures in one command (one kernel each) and check what every failure must show;
   * returns each notebook's failure report and its executed copy, keyed by fixture name.
   */
  async function expectFailures(
    fixtures: string[], env: NodeJS.ProcessEnv, extra: string[] = [],
  ): Promise<{ reports: Record<string, string>; files: Record<string, string> }> {
    const sub = fs.mkdtempSync(path.join(dir, 'fail-'));
    const files = fixtures.map((f) => copyFixture(f, sub));
    const r = await runReproduce(['--figures-root', figuresRoot, ...extra, ...files], env);
    assert.strictEqual(r.code, 1, explain(r));
    assert.doesNotMatch(r.stderr, ANSI, 'the error text is stripped of ANSI codes');
    const reports: Record<string, string> = {};
    for (const file of files) {
      const rep = report(r.stderr, file);
      assert.match(rep, /^FAILED [^\n]*: code cell 2 of 3 \(notebook cell 2/, rep);
      const s = section(r.stdout, file);
      assert.match(s, /\[1\/3\].*console\.log\('cell one ran'\);/);
      assert.match(s, /\[2\/3\].*(ERROR|TIMEOUT|DIED)$/m);
      assert.doesNotMatch(s, /\[3\/3\]/, 'the cell after the failure is not reported as run');
      assert.match(r.stdout, new RegExp(`^FAILED .*${path.basename(file).replace('.', '\\.')} +\\(2/3 cells`, 'm'));
      const cells = readCodeCells(file);
      assert.match(cellText(cells[0]), /cell one ran/);
      assert.strictEqual(cells[2].execution_count, null, 'the cell after the failure has no execution count');
      assert.deepStrictEqual(cells[2].outputs, [], 'the cell after the failure has no outputs');
      reports[path.basename(file)] = rep;
    }
    assert.deepStrictEqual(trustedFlags(files), files.map(() => true), 'partially executed notebooks are still written and signed');
    return { reports, files: Object.fromEntries(files.map((f) => [path.basename(f), f])) };
  }

  describe('failures under the ratelab kernel', () => {
    let reports: Record<string, string>;
    let files: Record<string, string>;
    before(async () => {
      const fixtures = ['runner-runtime-error.ipynb', 'runner-type-error.ipynb', 'runner-timeout.ipynb', 'runner-kernel-dies.ipynb'];
      ({ reports, files } = await expectFailures(fixtures, process.env, ['--timeout', '3']));
    });

    it('a runtime error: cell number, source head, ename and message', () => {
      const rep = reports['runner-runtime-error.ipynb'];
      assert.match(rep, /\| function explode\(\): never \{/, 'the source head is shown');
      assert.match(rep, /RangeError: fixture runtime failure 42/);
      const failing = readCodeCells(files['runner-runtime-error.ipynb'])[1];
      assert.ok(failing.outputs?.some((o) => o.output_type === 'error' && o.ename === 'RangeError'), 'the error output is in the notebook');
    });

    it('a type error: the compiler message', () => {
      assert.match(reports['runner-type-error.ipynb'], /Type 'string' is not assignable to type 'number'/);
    });

    it('a cell over --timeout: CellTimeoutError, also in the notebook', () => {
      assert.match(reports['runner-timeout.ipynb'], /CellTimeoutError: the cell did not finish within 3 s/);
      const cell = readCodeCells(files['runner-timeout.ipynb'])[1];
      assert.match(cellText(cell), /waiting[\s\S]*CellTimeoutError/);
    });

    it('a kernel that dies: DeadKernelError', () => {
      assert.match(reports['runner-kernel-dies.ipynb'], /DeadKernelError: the kernel exited with code 3/);
    });
  });

  describe('failures under plain tslab (errors only as reply status + stderr)', () => {
    let reports: Record<string, string>;
    before(async () => {
      ({ reports } = await expectFailures(['runner-runtime-error.ipynb', 'runner-type-error.ipynb'], plainTslabEnv, ['--kernel', 'tslab-plain']));
    });

    it('a runtime error is detected and its stderr text shown', () => {
      assert.match(reports['runner-runtime-error.ipynb'], /RangeError: fixture runtime failure 42/);
    });

    it('a type error is detected and its stderr text shown', () => {
      assert.match(reports['runner-type-error.ipynb'], /Type 'string' is not assignable to type 'number'/);
    });
  });

  it('reports a kernel that dies while starting, with its output, and exits 1', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'start-'));
    const file = copyFixture('runner-pass.ipynb', sub);
    const r = await runReproduce(['--kernel', 'crash-on-start', '--figures-root', figuresRoot, file], plainTslabEnv);
    assert.strictEqual(r.code, 1, explain(r));
    assert.match(r.stderr, /kernel "crash-on-start" exited with code 7 while starting/);
    assert.match(r.stderr, /fixture kernel gives up/);
    assert.match(r.stdout, /^FAILED .*runner-pass\.ipynb +\(0\/3 cells/m);
  });

  it('rejects a bad --param and an unknown notebook with exit 2', async () => {
    const bad = await runReproduce(['--param', 'noequals']);
    assert.strictEqual(bad.code, 2, explain(bad));
    assert.match(bad.stderr, /--param "noequals": expected key=value/);
    const missing = await runReproduce(['no-such-notebook']);
    assert.strictEqual(missing.code, 2, explain(missing));
    assert.match(missing.stderr, /notebook "no-such-notebook" not found/);
  });
});
