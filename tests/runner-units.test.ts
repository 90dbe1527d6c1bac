/**
 * The runner's pieces without a kernel: notebook serialisation (checked against nbformat's own writer), the
 * iopub → nbformat output rules, command-line parsing, kernelspec substitution and the printed report.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { kernelCommand, readKernelSpec } from '../tools/src/kernelspec';
import { Notebook, serializeNotebook, splitLines } from '../tools/src/nbformat';
import { DisplayRegistry, OutputCollector } from '../tools/src/outputs';
import { jupyterEnv } from '../tools/src/project';
import { cellLine, sourceHead, stripAnsi } from '../tools/src/report';
import { parseParam, parseReproduceArgs } from '../tools/src/reproduce';
import type { CellRecord } from '../tools/src/run-notebook';
import type { Message } from '../tools/src/wire';
import { PYTHON, rmTmp, tmpDir } from './helpers/python';

function iopub(msgType: string, content: Record<string, unknown>): Message {
  return {
    identities: [],
    header: { msg_id: 'm', session: 's', username: 'u', date: '', msg_type: msgType, version: '5.3' },
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  };
}

describe('runner units: notebook files', () => {
  it('serialises exactly as nbformat writes the same notebook', () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'ratelab', display_name: 'ratelab (TypeScript)', language: 'typescript' } },
      cells: [
        { cell_type: 'markdown', id: 'a', metadata: {}, source: '# Title\n\nSome *prose* — with ünïcode.' },
        {
          cell_type: 'code', id: 'b', metadata: { tags: ['x'] }, execution_count: 4, source: 'const a = 1;\nconsole.log(a)\n',
          outputs: [
            { output_type: 'stream', name: 'stdout', text: 'line 1\nline 2\n' },
            {
              output_type: 'display_data', metadata: {},
              data: { 'text/plain': 'a chart', 'text/html': '<img\nsrc="x">', 'application/vnd.vegalite.v5+json': { mark: 'line', width: 3 } },
            },
            { output_type: 'execute_result', execution_count: 4, metadata: {}, data: { 'text/plain': '42' } },
            { output_type: 'error', ename: 'RangeError', evalue: 'bad', traceback: ['\x1b[31mRangeError\x1b[0m: bad'] },
          ],
        },
      ],
    };
    const ours = serializeNotebook(nb);
    // The reference: nbformat parses our text, validates it against the schema, and writes it its own way.
    const ref = execFileSync(PYTHON, ['-c', [
      'import sys, nbformat',
      'nb = nbformat.reads(sys.stdin.read(), as_version=4)',
      'nbformat.validate(nb)',
      'sys.stdout.write(nbformat.writes(nb) + "\\n")',
    ].join('\n')], { input: ours, env: { ...process.env, PYTHONWARNINGS: 'ignore' } }).toString('utf8');
    assert.strictEqual(ours, ref);
  });

  it('splits text into lines keeping the line ends, like str.splitlines(True)', () => {
    assert.deepStrictEqual(splitLines('a\nb\n'), ['a\n', 'b\n']);
    assert.deepStrictEqual(splitLines('a\n\nb'), ['a\n', '\n', 'b']);
    assert.deepStrictEqual(splitLines(''), []);
  });
});

describe('runner units: iopub messages to outputs', () => {
  it('merges consecutive stream chunks of the same name only', () => {
    const c = new OutputCollector(new DisplayRegistry());
    c.handle(iopub('stream', { name: 'stdout', text: 'a' }));
    c.handle(iopub('stream', { name: 'stdout', text: 'b\n' }));
    c.handle(iopub('stream', { name: 'stderr', text: 'e\n' }));
    c.handle(iopub('stream', { name: 'stdout', text: 'c\n' }));
    assert.deepStrictEqual(c.outputs.map((o) => (o.output_type === 'stream' ? [o.name, o.text] : o.output_type)), [
      ['stdout', 'ab\n'], ['stderr', 'e\n'], ['stdout', 'c\n'],
    ]);
    assert.strictEqual(c.streamText('stderr'), 'e\n');
  });

  it('clear_output clears now, or at the next output when wait is true', () => {
    const c = new OutputCollector(new DisplayRegistry());
    c.handle(iopub('stream', { name: 'stdout', text: 'old\n' }));
    c.handle(iopub('clear_output', { wait: true }));
    assert.strictEqual(c.outputs.length, 1, 'wait=true keeps the output until something new arrives');
    c.handle(iopub('stream', { name: 'stdout', text: 'new\n' }));
    assert.deepStrictEqual(c.outputs, [{ output_type: 'stream', name: 'stdout', text: 'new\n' }]);
    c.handle(iopub('clear_output', { wait: false }));
    assert.deepStrictEqual(c.outputs, []);
  });

  it('update_display_data replaces the output with that display_id, even in an earlier cell', () => {
    const reg = new DisplayRegistry();
    const first = new OutputCollector(reg);
    first.handle(iopub('display_data', { data: { 'text/plain': '0 %' }, metadata: {}, transient: { display_id: 'bar' } }));
    first.handle(iopub('display_data', { data: { 'text/plain': 'other' }, metadata: {}, transient: {} }));
    const second = new OutputCollector(reg);
    second.handle(iopub('update_display_data', { data: { 'text/plain': '100 %' }, metadata: { done: true }, transient: { display_id: 'bar' } }));
    assert.deepStrictEqual(first.outputs, [
      { output_type: 'display_data', data: { 'text/plain': '100 %' }, metadata: { done: true } },
      { output_type: 'display_data', data: { 'text/plain': 'other' }, metadata: {} },
    ]);
    assert.deepStrictEqual(second.outputs, [], 'an update adds no output of its own');
  });

  it('records execute_result with its count, execute_input counts and error messages', () => {
    const c = new OutputCollector(new DisplayRegistry());
    c.handle(iopub('execute_input', { code: 'x', execution_count: 7 }));
    assert.strictEqual(c.executionCount, 7);
    c.handle(iopub('execute_result', { data: { 'text/plain': '42' }, metadata: {}, execution_count: 7 }));
    assert.strictEqual(c.errorSeen, false);
    c.handle(iopub('error', { ename: 'TypeError', evalue: 'x is not a function', traceback: ['t1', 't2'] }));
    assert.strictEqual(c.errorSeen, true);
    assert.deepStrictEqual(c.outputs[0], { output_type: 'execute_result', data: { 'text/plain': '42' }, metadata: {}, execution_count: 7 });
    assert.deepStrictEqual(c.outputs[1], { output_type: 'error', ename: 'TypeError', evalue: 'x is not a function', traceback: ['t1', 't2'] });
  });
});

describe('runner units: command line', () => {
  it('parses --param values as JSON when they are JSON, else as strings', () => {
    assert.deepStrictEqual(parseParam('epochs=20'), ['epochs', 20]);
    assert.deepStrictEqual(parseParam('sizes=[64,256]'), ['sizes', [64, 256]]);
    assert.deepStrictEqual(parseParam('dale=false'), ['dale', false]);
    assert.deepStrictEqual(parseParam('name=mante=2013'), ['name', 'mante=2013']);
    assert.throws(() => parseParam('=3'), /expected key=value/);
  });

  it('chooses the mode from flags, then RATELAB_MODE, else quick; merges RATELAB_PARAMS under --param', () => {
    const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      const a = parseReproduceArgs(argv, env);
      assert.notStrictEqual(a, 'help');
      return a as Exclude<typeof a, 'help'>;
    };
    assert.strictEqual(parse([]).mode, 'quick');
    assert.strictEqual(parse(['--full']).mode, 'full');
    assert.strictEqual(parse([], { RATELAB_MODE: 'full' }).mode, 'full');
    assert.strictEqual(parse(['--quick'], { RATELAB_MODE: 'full' }).mode, 'quick');
    assert.throws(() => parse(['--quick', '--full']), /exclude each other/);
    assert.throws(() => parse([], { RATELAB_MODE: 'fast' }), /expected quick or full/);
    const a = parse(['--param', 'seed=7', 'nb1', '--timeout', '90', 'nb2'], { RATELAB_PARAMS: '{"seed": 1, "N": 64}' });
    assert.deepStrictEqual(a.params, { seed: 7, N: 64 });
    assert.deepStrictEqual(a.notebooks, ['nb1', 'nb2']);
    assert.strictEqual(a.timeoutS, 90);
    assert.throws(() => parse(['--timeout', 'soon']), /--timeout "soon"/);
  });
});

describe('runner units: kernelspec and environment', () => {
  let dir: string;
  before(() => { dir = tmpDir('ratelab-runner-units-'); });
  after(() => rmTmp(dir));

  it('substitutes {connection_file} and {resource_dir} like jupyter_client', () => {
    const specDir = path.join(dir, 'kernels', 'demo');
    fs.mkdirSync(specDir, { recursive: true });
    fs.writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify({
      argv: ['node', '{resource_dir}/../../main.js', '--connection-file', '{connection_file}'], display_name: 'Demo', language: 'typescript',
    }));
    const spec = readKernelSpec(path.join(specDir, 'kernel.json'));
    assert.strictEqual(spec.name, 'demo');
    assert.deepStrictEqual(kernelCommand(spec, '/run/k.json'), ['node', `${specDir}/../../main.js`, '--connection-file', '/run/k.json']);
  });

  it('rejects a kernelspec without argv, naming the file', () => {
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, JSON.stringify({ display_name: 'x' }));
    assert.throws(() => readKernelSpec(f), (e: Error) => e.message.includes(f) && /"argv" must be a non-empty array/.test(e.message));
  });

  it('puts every Jupyter folder inside the project and keeps a user JUPYTER_PATH after ours', () => {
    const env = jupyterEnv({ JUPYTER_PATH: '/opt/theirs', HOME: '/home/x' }, dir);
    assert.strictEqual(env.JUPYTER_PATH, `${path.join(dir, 'jupyter')}:/opt/theirs`);
    for (const k of ['JUPYTER_DATA_DIR', 'JUPYTER_RUNTIME_DIR', 'JUPYTER_CONFIG_DIR'] as const) {
      assert.ok(env[k]!.startsWith(path.join(dir, 'jupyter') + path.sep), `${k}=${env[k]}`);
      assert.ok(fs.statSync(env[k]!).isDirectory());
    }
    assert.strictEqual(env.PYDEVD_DISABLE_FILE_VALIDATION, '1');
  });
});

describe('runner units: report', () => {
  it('strips ANSI colour and OSC sequences', () => {
    assert.strictEqual(stripAnsi('\x1b[31mRangeError\x1b[0m: bad \x1b]8;;http://x\x07link\x1b]8;;\x07'), 'RangeError: bad link');
  });

  it('prints a cell as "[ n/total] time  first line"', () => {
    const rec: CellRecord = { index: 4, number: 3, total: 12, source: '\n  const model = ctrnn({\n  N: 64 });', status: 'ok', seconds: 1.4234, executionCount: 3 };
    assert.strictEqual(cellLine(rec), '  [ 3/12]   1.42 s  const model = ctrnn({');
    assert.strictEqual(cellLine({ ...rec, status: 'error' }), '  [ 3/12]   1.42 s  const model = ctrnn({  ERROR');
    assert.strictEqual(sourceHead('x'.repeat(100), 10), 'xxxxxxxxx…');
  });
});
