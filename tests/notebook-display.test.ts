import { strict as assert } from 'assert';

import {
  DisplayContent, JUPYTER_DISPLAY, KERNEL_DISPLAY_HOOK, displayTransport, mimeBundle, newDisplayId, sendDisplay, show,
} from '../kernel-lib/src/notebook/display';
import { arrayStats, enableTensorDisplay } from '../kernel-lib/src/notebook/summary';
import { rng } from '../kernel-lib/src/random';
import { py } from './helpers/python';

type Sent = { content: DisplayContent; update: boolean };

/** Install a fake kernel hook for the duration of `body`. */
async function withHook(body: (sent: Sent[]) => Promise<void>): Promise<void> {
  const sent: Sent[] = [];
  const g = globalThis as Record<symbol, unknown>;
  g[KERNEL_DISPLAY_HOOK] = (content: DisplayContent, update: boolean) => { sent.push({ content, update }); };
  try {
    await body(sent);
  } finally {
    delete g[KERNEL_DISPLAY_HOOK];
  }
}

/** Capture what is written to stdout while `body` runs. */
async function captureStdout(body: () => Promise<unknown> | void): Promise<string> {
  const orig = process.stdout.write.bind(process.stdout);
  let out = '';
  (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => { out += s; return true; };
  try {
    await body();
  } finally {
    (process.stdout as unknown as { write: typeof orig }).write = orig;
  }
  return out;
}

describe('notebook display: bundles', () => {
  it('uses an object\'s own Symbol.for("Jupyter.display"), sync or async, and adds text/plain', async () => {
    const sync = { [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>x</b>' }) };
    const b1 = await mimeBundle(sync);
    assert.equal(b1['text/html'], '<b>x</b>');
    assert.equal(typeof b1['text/plain'], 'string');
    const asyncObj = { async [JUPYTER_DISPLAY]() { return { 'text/plain': 'later', 'text/markdown': '*m*' }; } };
    const b2 = await mimeBundle(asyncObj);
    assert.deepEqual(b2, { 'text/plain': 'later', 'text/markdown': '*m*' });
  });

  it('rejects a display method that returns a non-object, naming the type', async () => {
    class Broken { [JUPYTER_DISPLAY]() { return 42 as never; } }
    await assert.rejects(mimeBundle(new Broken()), /Broken.*returned number/);
  });

  it('summarizes typed arrays with shape, dtype and statistics that match numpy', async () => {
    const r = rng(7);
    const a = new Float32Array(1000);
    for (let i = 0; i < a.length; i++) a[i] = r.normal() * 3 + 1;
    const s = arrayStats(a);
    const ref = py<number[]>('import json,sys,numpy as np; a=np.array(json.load(sys.stdin),dtype=np.float64); print(json.dumps([a.min(),a.mean(),a.max(),a.std()]))', Array.from(a));
    assert.equal(s.min, ref[0]);
    assert.equal(s.max, ref[2]);
    assert.ok(Math.abs(s.mean - ref[1]) < 1e-12 && Math.abs(s.std - ref[3]) < 1e-12);
    const b = await mimeBundle(a);
    assert.match(b['text/plain'] as string, /^Array shape=\[1000\] dtype=float32 size=1000/);
    assert.match(b['text/plain'] as string, /first: \[/);
    assert.match(b['text/html'] as string, /<table class="ratelab-array">/);
  });

  it('summarizes tensors and {data, shape} arrays without printing all values', async () => {
    const data = Float64Array.from({ length: 24 }, (_, i) => i - 3);
    const tensorLike = { shape: [2, 3, 4], dtype: 'float32', dataSync: () => data };
    const t = (await mimeBundle(tensorLike))['text/plain'] as string;
    assert.match(t, /^Tensor shape=\[2, 3, 4\] dtype=float32 size=24/);
    assert.match(t, /min=-3 {2}mean=8\.5 {2}max=20/);
    assert.match(t, /first: \[-3, -2, -1, 0, 1, 2, 3, 4, …\]/);
    const shaped = (await mimeBundle({ data: new Int32Array([1, 2, NaN as unknown as number, 4]), shape: [2, 2] }))['text/plain'] as string;
    assert.match(shaped, /shape=\[2, 2\] dtype=int32/);
  });

  it('enableTensorDisplay gives real tfjs tensors a summary display', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    enableTensorDisplay(tf);
    enableTensorDisplay(tf); // idempotent
    const t = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const b = await mimeBundle(t);
    assert.match(b['text/plain'] as string, /^Tensor shape=\[2, 3\] dtype=float32 size=6\n {2}min=1 {2}mean=3\.5 {2}max=6/);
    t.dispose();
    assert.match((await mimeBundle(t))['text/plain'] as string, /^Tensor \(disposed\) shape=\[2, 3\]/);
  });

  it('counts non-finite values and leaves them out of the statistics', () => {
    const s = arrayStats(Float64Array.of(1, NaN, 3, Infinity));
    assert.equal(s.nonFinite, 2);
    assert.equal(s.mean, 2);
  });
});

describe('notebook display: transport', () => {
  it('prints text/plain in plain Node', async () => {
    assert.equal(displayTransport(), 'stdout');
    const out = await captureStdout(() => show({ [JUPYTER_DISPLAY]: () => ({ 'text/plain': 'hello text', 'text/html': '<p>x</p>' }) }));
    assert.equal(out, 'hello text\n');
  });

  it('sends the full bundle through the kernel hook, with display_id and update flag', async () => {
    await withHook(async (sent) => {
      assert.equal(displayTransport(), 'kernel-hook');
      const id = newDisplayId();
      await show({ [JUPYTER_DISPLAY]: () => ({ 'text/plain': 'v1', 'text/html': '<i>v1</i>' }) }, { displayId: id });
      await show('v2', { displayId: id, update: true });
      assert.equal(sent.length, 2);
      assert.deepEqual(sent[0], { content: { data: { 'text/plain': 'v1', 'text/html': '<i>v1</i>' }, metadata: {}, transient: { display_id: id } }, update: false });
      assert.equal(sent[1].update, true);
      assert.equal(sent[1].content.transient?.display_id, id);
      assert.equal(sent[1].content.data['text/plain'], 'v2');
    });
  });

  it('uses tslab\'s lastWriteDisplayData when tslab is loaded and executing', async () => {
    // A stand-in for node_modules/tslab/dist/jupyter.js as the tslab kernel leaves it during a cell.
    const key = require.resolve('tslab/dist/jupyter');
    const calls: Sent[] = [];
    const had = require.cache[key];
    const mod = require(key) as { lastWriteDisplayData: unknown };
    const before = mod.lastWriteDisplayData;
    mod.lastWriteDisplayData = (content: DisplayContent, update: boolean) => calls.push({ content, update });
    try {
      assert.equal(displayTransport(), 'tslab');
      sendDisplay({ data: { 'text/plain': 't' }, metadata: {}, transient: { display_id: 'd1' } }, true);
      assert.deepEqual(calls, [{ content: { data: { 'text/plain': 't' }, metadata: {}, transient: { display_id: 'd1' } }, update: true }]);
    } finally {
      mod.lastWriteDisplayData = before;
      if (!had) delete require.cache[key];
    }
    assert.equal(displayTransport(), 'stdout');
  });

  it('refuses an update without a display id', () => {
    assert.throws(() => sendDisplay({ data: { 'text/plain': 'x' }, metadata: {} }, true), /needs transient\.display_id/);
  });
});
