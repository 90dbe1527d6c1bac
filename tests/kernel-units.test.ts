/**
 * Unit tests of the kernel's pure parts (no kernel process): history queries and persistence, the
 * compiled-to-source line mapping, is_complete classification, MIME bundles, wire signing.
 */
import * as assert from 'assert';
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { mapLines } from '../kernel/src/cells';
import { checkCompleteness } from '../kernel/src/completeness';
import { globToRegExp, History } from '../kernel/src/history';
import { bundleForValue, normalizeBundle } from '../kernel/src/rich';
import { decode, encode, makeMessage, Signer } from '../kernel/src/wire';
import { rmTmp, tmpDir } from './helpers/python';

describe('kernel units: history', () => {
  let tmp: string;
  before(() => (tmp = tmpDir('ratelab-kernel-hist-')));
  after(() => rmTmp(tmp));

  it('glob patterns follow sqlite GLOB (*, ?, [..], literal dots)', () => {
    assert.ok(globToRegExp('6 [*] 7').test('6 * 7'));
    assert.ok(!globToRegExp('6 [*] 7').test('6 + 7'));
    assert.ok(globToRegExp('a?c*').test('abcdef'));
    assert.ok(!globToRegExp('a.c').test('abc'));
    assert.ok(globToRegExp('*x*').test('line1\nx = 1'));
  });

  it('tail, range and search (unique, n) over the session', () => {
    const h = new History();
    ['a = 1', 'b = 2', 'a = 1', 'c = 3', 'a = 1'].forEach((s, i) => h.add(i + 1, s, i === 3 ? '3' : null));
    assert.deepStrictEqual(h.query({ hist_access_type: 'tail', n: 2 }), [[1, 4, 'c = 3'], [1, 5, 'a = 1']]);
    assert.deepStrictEqual(h.query({ hist_access_type: 'tail', n: 1, output: true }), [[1, 5, ['a = 1', null]]]);
    assert.deepStrictEqual(h.query({ hist_access_type: 'range', session: 0, start: 2, stop: 4 }), [[1, 2, 'b = 2'], [1, 3, 'a = 1']]);
    assert.strictEqual(h.query({ hist_access_type: 'search', pattern: 'a*' }).length, 3);
    assert.deepStrictEqual(h.query({ hist_access_type: 'search', pattern: '*=*', unique: true }), [[1, 2, 'b = 2'], [1, 4, 'c = 3'], [1, 5, 'a = 1']]);
    assert.deepStrictEqual(h.query({ hist_access_type: 'search', pattern: '*', n: 2 }), [[1, 4, 'c = 3'], [1, 5, 'a = 1']]);
  });

  it('a history file carries inputs into the next session and skips a torn line', () => {
    const file = path.join(tmp, 'history.jsonl');
    const first = new History(file);
    first.add(1, 'x = 1', null);
    first.add(2, 'y = 2', '2');
    fs.appendFileSync(file, '{"session": 1, "line": 3, "inp'); // a kernel killed mid-write
    const second = new History(file);
    assert.strictEqual(second.session, first.session + 1);
    second.add(1, 'z = 3', null);
    assert.deepStrictEqual(second.query({ hist_access_type: 'tail', n: 10 }), [
      [first.session, 1, 'x = 1'],
      [first.session, 2, 'y = 2'],
      [second.session, 1, 'z = 3'],
    ]);
    assert.deepStrictEqual(second.query({ hist_access_type: 'range', session: -1, start: 2 }), [[first.session, 2, 'y = 2']]);
    // The entry written after the torn line survives in the file.
    const third = new History(file);
    assert.deepStrictEqual(third.query({ hist_access_type: 'range', session: second.session }), [[second.session, 1, 'z = 3']]);
  });
});

describe('kernel units: compiled-to-source line mapping', () => {
  it('follows statements through TypeScript emit (helpers, exports, removed types)', () => {
    const source = [
      'import * as fs from "fs";', // 0
      'interface P { a: number }', // 1
      '', // 2
      'function f(x: number): number {', // 3
      '  if (x > 2) {', // 4
      "    throw new Error('big ' + x);", // 5
      '  }', // 6
      '  return x * 2;', // 7
      '}', // 8
      'let total = 0;', // 9
      'for (let i = 0; i < 3; i++) total += f(i);', // 10
    ];
    const compiled = [
      'var __importStar = (this && this.__importStar) || function (mod) {',
      '    return mod;',
      '};',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'const fs = __importStar(require("fs"));',
      'exports.fs = fs;',
      'function f(x) {',
      '    if (x > 2) {',
      "        throw new Error('big ' + x);",
      '    }',
      '    return x * 2;',
      '}',
      'exports.f = f;',
      'let total = 0;',
      'exports.total = total;',
      'for (let i = 0; i < 3; i++)',
      '    exports.total = total += f(i);',
    ];
    const m = mapLines(compiled, source);
    assert.strictEqual(m[4], 0); // import
    assert.strictEqual(m[6], 3); // function f
    assert.strictEqual(m[8], 5); // throw
    assert.strictEqual(m[10], 7); // return
    assert.strictEqual(m[13], 9); // let total
    assert.strictEqual(m[16], 10); // loop body, split over two compiled lines
    for (let i = 1; i < m.length; i++) assert.ok(m[i] >= m[i - 1], 'order preserved');
  });
});

describe('kernel units: is_complete', () => {
  it('classifies complete, incomplete (with indent) and invalid code', () => {
    assert.deepStrictEqual(checkCompleteness('const a = 1;'), { status: 'complete' });
    assert.deepStrictEqual(checkCompleteness('for (const x of xs) {'), { status: 'incomplete', indent: '  ' });
    assert.strictEqual(checkCompleteness('const xs = [1,').status, 'incomplete');
    assert.strictEqual(checkCompleteness('const = 5;').status, 'invalid');
    assert.strictEqual(checkCompleteness('let y = 1 ) + 2;').status, 'invalid');
    // A type error is not a syntax error: that is for execution to report.
    assert.strictEqual(checkCompleteness('const s: string = 1;').status, 'complete');
  });
});

describe('kernel units: MIME bundles', () => {
  it('accepts bare MIME maps and {data, metadata}; binary becomes base64', () => {
    assert.deepStrictEqual(normalizeBundle({ 'text/plain': 'x' }, 't'), { data: { 'text/plain': 'x' }, metadata: {} });
    const png = new Uint8Array([137, 80, 78, 71]);
    const b = normalizeBundle({ data: { 'image/png': png }, metadata: { 'image/png': { width: 10 } } }, 't');
    assert.strictEqual(b.data['image/png'], Buffer.from(png).toString('base64'));
    assert.deepStrictEqual(b.metadata, { 'image/png': { width: 10 } });
    assert.throws(() => normalizeBundle({ html: '<b>' }, 'display'), /display: "html" is not a MIME type/);
  });

  it('summarises typed arrays (type, length, min/max/mean, non-finite count, head) instead of dumping them', async () => {
    const a = new Float32Array(1000).map((_, i) => i / 10);
    a[3] = NaN;
    const text = (await bundleForValue(a)).data['text/plain'] as string;
    // mean over the 999 finite values: (Σ i/10 for i≠3) / 999
    const mean = ((999 * 1000) / 2 / 10 - 0.3) / 999;
    assert.strictEqual(text, `Float32Array(1000) min=0 max=99.90 mean=${mean.toPrecision(4)} non-finite=1 [0, 0.1000, 0.2000, NaN, 0.4000, 0.5000, …]`);
    assert.strictEqual((await bundleForValue(new Int8Array([-2, 5]))).data['text/plain'], 'Int8Array(2) min=-2 max=5 mean=1.500 [-2, 5]');
  });

  it('renders plain values with util.inspect and rich objects through Jupyter.display (sync or async)', async () => {
    assert.deepStrictEqual(await bundleForValue([1, 'a']), { data: { 'text/plain': "[ 1, 'a' ]" }, metadata: {} });
    class Fig {
      async [Symbol.for('Jupyter.display')]() {
        return { 'image/svg+xml': '<svg/>' };
      }
    }
    const b = await bundleForValue(new Fig());
    assert.strictEqual(b.data['image/svg+xml'], '<svg/>');
    assert.strictEqual(b.data['text/plain'], '<Fig: image/svg+xml>');
  });
});

describe('kernel units: wire protocol', () => {
  it('signs parts with HMAC-SHA256 over header, parent, metadata, content and rejects tampering', () => {
    const signer = new Signer('secret-key', 'hmac-sha256');
    const msg = makeMessage('execute_request', { code: '1 + 1' }, 'sess');
    msg.identities = [Buffer.from('client-id')];
    const frames = encode(msg, signer);
    const delim = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const expected = createHmac('sha256', 'secret-key');
    for (const f of frames.slice(delim + 2, delim + 6)) expected.update(f);
    assert.strictEqual(frames[delim + 1].toString(), expected.digest('hex'));
    const back = decode(frames, signer);
    assert.deepStrictEqual(back.content, { code: '1 + 1' });
    assert.deepStrictEqual(back.identities, [Buffer.from('client-id')]);
    const tampered = frames.slice();
    tampered[delim + 5] = Buffer.from('{"code": "rm -rf"}');
    assert.throws(() => decode(tampered, signer), /invalid HMAC signature/);
  });
});
