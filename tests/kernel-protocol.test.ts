/**
 * Protocol behaviour beyond the conformance suite, driven by jupyter_client (tests/kernel/protocol_scenarios.py,
 * one kernel for all scenarios): abort semantics, interrupts of synchronous and asynchronous cells, display
 * updates, tracebacks mapped to cell lines, history.
 */
import * as assert from 'assert';
import * as path from 'path';
import { rmTmp, tmpDir } from './helpers/python';
import { buildKernel, jupyterEnv, PYTHON, ROOT, runProcess } from './kernel/harness';

interface Reply {
  status: string;
  ename: string | null;
  evalue: string | null;
  execution_count: number;
}
interface Out {
  type: string;
  content: any;
}
interface Interrupted {
  reply: Reply;
  after: Reply;
  after_out: Out[];
}

function resultText(out: Out[]): string | undefined {
  return out.find((o) => o.type === 'execute_result')?.content.data['text/plain'];
}

describe('kernel: protocol scenarios', function () {
  this.timeout(120_000);
  let tmp: string;
  let r: Record<string, any>;

  before(async () => {
    buildKernel();
    tmp = tmpDir('ratelab-kernel-proto-');
    const p = await runProcess(PYTHON, [path.join(ROOT, 'tests', 'kernel', 'protocol_scenarios.py')], {
      cwd: tmp,
      env: jupyterEnv(tmp),
      timeoutMs: 110_000,
    });
    assert.strictEqual(p.code, 0, `protocol_scenarios.py failed:\n${p.stderr}`);
    r = JSON.parse(p.stdout);
  });
  after(() => rmTmp(tmp));

  it('aborts execute requests queued behind a failing cell and runs the next one sent', () => {
    const [first, failing, queued] = r.abort.replies as Reply[];
    assert.strictEqual(first.status, 'ok');
    assert.deepStrictEqual([failing.status, failing.ename, failing.evalue], ['error', 'Error', 'boom']);
    assert.strictEqual(queued.status, 'aborted');
    // Aborted requests do not consume an execution count.
    assert.strictEqual(r.abort.after.status, 'ok');
    assert.strictEqual(r.abort.after.execution_count, failing.execution_count + 1);
    assert.strictEqual(resultText(r.abort.after_out), '42');
  });

  it('with stop_on_error false, the queued request still runs', () => {
    const statuses = (r.no_stop.replies as Reply[]).map((x) => x.status);
    assert.deepStrictEqual(statuses, ['ok', 'error', 'ok']);
    assert.strictEqual(resultText(r.no_stop.third_out), '82');
  });

  for (const [key, what] of [
    ['interrupt_sync', 'a synchronous top-level loop'],
    ['interrupt_async', 'a cell awaiting in a loop'],
    ['interrupt_after_await', 'a synchronous loop after an await'],
    ['interrupt_in_timer', 'a synchronous loop inside an awaited timer callback'],
    ['interrupt_while_compiling', 'a synchronous loop when the signal came during compilation'],
  ] as const) {
    it(`SIGINT interrupts ${what}; the kernel survives with its variables`, () => {
      const x = r[key] as Interrupted;
      assert.strictEqual(x.reply.status, 'error');
      assert.strictEqual(x.reply.ename, 'KeyboardInterrupt');
      assert.strictEqual(x.after.status, 'ok');
      assert.strictEqual(resultText(x.after_out), '42', 'variable `kept` from before the interrupt');
    });
  }

  it('timers still fire after a loop inside a timer callback was stopped', () => {
    assert.strictEqual(resultText(r.interrupt_in_timer.timers_after), '43');
  });

  it('aborts the interrupted cell\'s AbortSignal, so a polling background loop stops', () => {
    const state = resultText(r.interrupt_async.signal_state);
    const later = resultText(r.interrupt_async.iters_later);
    // [iterations so far, old cell's signal aborted, interrupted() for the *new* cell]
    const m = /^\[ (\d+), true, false \]$/.exec(state ?? '');
    assert.ok(m, `unexpected signal state ${state}`);
    assert.ok(Number(m[1]) > 0, 'the background loop ran before the interrupt');
    assert.strictEqual(later, m[1], 'the background loop kept running after the interrupt');
  });

  it('interrupt_request on the control channel interrupts an awaiting cell', () => {
    assert.strictEqual(r.interrupt_message.control.status, 'ok');
    assert.strictEqual(r.interrupt_message.reply.ename, 'KeyboardInterrupt');
  });

  it('sends the output of a long synchronous loop while it runs', () => {
    const chunks = r.sync_stream as string[];
    const ticks = chunks.join('').trim().split('\n');
    assert.ok(ticks.length >= 5, `expected about 6 ticks, got ${ticks.length}`);
    assert.deepStrictEqual(ticks, ticks.map((_, i) => `tick ${i}`));
    // Coalesced at most every 100 ms: several messages, not one at the end.
    assert.ok(chunks.length >= 2, `all output arrived in ${chunks.length} message(s)`);
  });

  it('sends display_data with metadata and display id, updates it in place, clears output', () => {
    const out = r.display as Out[];
    const types = out.map((o) => o.type);
    assert.deepStrictEqual(types, ['execute_input', 'display_data', 'update_display_data', 'clear_output']);
    assert.deepStrictEqual(out[1].content.data, { 'text/plain': 'v1', 'text/html': '<b>v1</b>' });
    assert.deepStrictEqual(out[1].content.metadata, { 'text/html': { isolated: false } });
    assert.strictEqual(out[1].content.transient.display_id, 'prog');
    assert.strictEqual(out[2].content.transient.display_id, 'prog');
    assert.deepStrictEqual(out[2].content.data, { 'text/plain': 'v2' });
    assert.strictEqual(out[3].content.wait, true);
  });

  it('maps a runtime error to the lines of the cell that threw and called', () => {
    const err = (r.traceback as Out[]).find((o) => o.type === 'error');
    assert.ok(err);
    assert.strictEqual(err.content.ename, 'RangeError');
    assert.strictEqual(err.content.evalue, 'too big: 5');
    const tb = (err.content.traceback as string[]).join('\n').replace(/\x1b\[\d+m/g, '');
    assert.match(tb, /Cell In\[\d+\], line 3, in inner\n/);
    assert.match(tb, /----> 3 {5}throw new RangeError/);
    assert.match(tb, /Cell In\[\d+\], line 8\n/);
    assert.match(tb, /----> 8 inner\(5\);/);
  });

  it('awaits a Promise returned by Symbol.for("Jupyter.display") and keeps its metadata', () => {
    const res = (r.async_display as Out[]).find((o) => o.type === 'execute_result');
    assert.ok(res);
    assert.strictEqual(res.content.data['text/markdown'], '**md**');
    assert.deepStrictEqual(res.content.metadata, { a: 1 });
    assert.strictEqual(typeof res.content.data['text/plain'], 'string');
  });

  it('shows a null last value and no result for undefined or statements', () => {
    assert.deepStrictEqual(r.last_values, { null: ['null'], undefined: [], 'let unused = 1;': [], '[undefined][0]': [] });
  });

  it('answers history tail requests with inputs and outputs', () => {
    const h = r.history_tail as [number, number, [string, string | null]][];
    assert.strictEqual(h.length, 2);
    assert.strictEqual(h[1][1], h[0][1] + 1);
    assert.match(h[0][2][0], /^function inner/);
    assert.strictEqual(h[0][2][1], null);
    assert.match(h[1][2][1] ?? '', /text\/markdown/);
  });

  it('restarts into a fresh session', () => {
    assert.strictEqual(r.restart.old_variable.status, 'error');
    assert.strictEqual(r.restart.old_variable.ename, 'TSError');
    assert.match(r.restart.old_variable.evalue, /Cannot find name 'kept'/);
    // Counting starts again at 1 in the new process.
    assert.deepStrictEqual([r.restart.old_variable.execution_count, r.restart.fresh.execution_count], [1, 2]);
    assert.strictEqual(resultText(r.restart.fresh_out), '2');
  });

  it('exits on shutdown_request, taking its SIGINT relay child with it', () => {
    assert.deepStrictEqual(r.shutdown.reply, { status: 'ok', restart: false });
    assert.strictEqual(r.shutdown.kernel_exited, true);
    assert.strictEqual(r.shutdown.relay_children, 1);
    assert.strictEqual(r.shutdown.relays_exited, true);
  });
});
