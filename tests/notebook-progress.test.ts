import { strict as assert } from 'assert';

import { DisplayContent, KERNEL_DISPLAY_HOOK } from '../kernel-lib/src/notebook/display';
import { formatDuration, progress, sparkline } from '../kernel-lib/src/notebook/progress';

/** A clock the test advances by hand, so throttling is deterministic (no assertion on real time). */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

async function captureStdout(body: () => void): Promise<string[]> {
  const orig = process.stdout.write.bind(process.stdout);
  let out = '';
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => { out += s; return true; };
  try {
    body();
  } finally {
    (process.stdout as unknown as { write: typeof orig }).write = orig;
  }
  return out.split('\n').filter((l) => l.length > 0);
}

describe('notebook progress (plain Node)', () => {
  it('prints throttled lines with step/total, rate, elapsed, ETA and fields, then a final line', async () => {
    const clock = fakeClock();
    const lines = await captureStdout(() => {
      const p = progress({ total: 100, label: 'train', throttleMs: 1000, now: clock.now, target: 'stdout' });
      for (let step = 1; step <= 100; step++) {
        clock.advance(100); // 10 steps/s: a line at most every 10 steps
        p.update(step, { loss: 1 / step });
      }
      p.done();
    });
    // Steps 1..100 over 10 s with a 1 s throttle: the first update prints, then one per second: 10 + final.
    assert.equal(lines.length, 11);
    assert.match(lines[0], /^train 1\/100 \(1%\) {2}10 it\/s {2}elapsed 0\.1s {2}ETA 9\.9s {2}loss=1$/);
    assert.match(lines[1], /^train 11\/100 \(11%\) {2}10 it\/s {2}elapsed 1\.1s {2}ETA 8\.9s {2}loss=0\.09091 {2}[▁-█]+$/);
    const last = lines[lines.length - 1];
    assert.match(last, /^train 100\/100 \(100%\) {2}10 it\/s {2}elapsed 10\.0s {2}loss=0\.01 {2}[▁-█]+ {2}done$/);
    assert.ok(!/ETA/.test(last));
  });

  it('works without a total and rejects updates after done()', async () => {
    const clock = fakeClock();
    const lines = await captureStdout(() => {
      const p = progress({ label: 'scan', now: clock.now, target: 'stdout', sparkline: false });
      clock.advance(2000);
      p.update(5, { note: 'x' });
      p.done({ found: 3 });
      assert.throws(() => p.update(6), /update\(\) after done\(\)/);
    });
    assert.deepEqual(lines, ['scan 5  2.5 it/s  elapsed 2.0s  note=x', 'scan 5  2.5 it/s  elapsed 2.0s  note=x  found=3  done']);
  });
});

describe('notebook progress (notebook)', () => {
  it('shows one output and replaces it in place with update_display_data', () => {
    const sent: { content: DisplayContent; update: boolean }[] = [];
    const g = globalThis as Record<symbol, unknown>;
    g[KERNEL_DISPLAY_HOOK] = (content: DisplayContent, update: boolean) => { sent.push({ content, update }); };
    try {
      const clock = fakeClock();
      const p = progress({ total: 10, now: clock.now });
      for (let s = 1; s <= 10; s++) { clock.advance(100); p.update(s, { loss: 10 - s }); }
      p.done();
    } finally {
      delete g[KERNEL_DISPLAY_HOOK];
    }
    // Initial display, one update per 250 ms throttle window (steps at 100 ms), final: all with one display_id.
    assert.equal(sent[0].update, false);
    assert.ok(sent.slice(1).every((s) => s.update));
    const ids = new Set(sent.map((s) => s.content.transient?.display_id));
    assert.equal(ids.size, 1);
    assert.ok([...ids][0]);
    assert.ok(sent.length >= 4 && sent.length <= 6, `sent ${sent.length} displays`);
    const final = sent[sent.length - 1].content.data;
    assert.match(final['text/plain'] as string, /progress 10\/10 \(100%\).*loss=0.*done$/);
    assert.match(final['text/html'] as string, /width:100\.0%/);
  });
});

describe('notebook progress helpers', () => {
  it('sparkline maps the range onto 8 levels, log-scaled across decades, blanks for non-finite', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([1000, 100, 10, 1]), '█▆▃▁');
    assert.equal(sparkline([1, NaN, 2]), '▁ █');
    assert.equal(sparkline([]), '');
  });

  it('formats durations', () => {
    assert.equal(formatDuration(3.24), '3.2s');
    assert.equal(formatDuration(125), '2m05s');
    assert.equal(formatDuration(3 * 3600 + 7 * 60), '3h07m');
    assert.equal(formatDuration(Infinity), '?');
  });
});
