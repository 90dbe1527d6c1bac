/**
 * MAT v5 reader and writer against scipy.io: files written by scipy.savemat (compressed, uncompressed, and a
 * big-endian copy) must read with identical values and shapes; files written by ratelab must read back in
 * scipy.loadmat identically.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import {
  loadMat, saveMat, matInfo, MatArray, MatCell, MatSparse, MatStructArray, MatValue, MatFile,
  asArray, asStruct, asStructArray, asString,
} from '../kernel-lib/src/io';
import { canon, canonFile, makeMatFixtures, scipyCanon } from './fixtures/io/mat-canon';
import { py, rmTmp, tmpDir } from './helpers/python';

describe('io: MAT v5 reader and writer (vs scipy.io)', function () {
  this.timeout(60_000);
  let dir: string;
  let ref: Record<string, Record<string, unknown>>;
  let v5: MatFile;

  before(async () => {
    dir = tmpDir('ratelab-io-mat5-');
    ref = makeMatFixtures(dir);
    v5 = await loadMat(path.join(dir, 'types_v5.mat'));
  });
  after(() => rmTmp(dir));

  for (const [file, refName] of [
    ['types_v5.mat', 'types_v5.mat'],
    ['types_v5_raw.mat', 'types_v5_raw.mat'],
    ['types_v5_be.mat', 'types_v5_raw.mat'],
  ]) {
    it(`reads every variable of ${file} as scipy does`, async () => {
      const m = await loadMat(path.join(dir, file));
      assert.deepStrictEqual(Object.keys(m), Object.keys(ref[refName]));
      const got = canonFile(m);
      for (const k of Object.keys(ref[refName])) assert.deepStrictEqual(got[k], ref[refName][k], `variable ${k}`);
    });
  }

  it('sniffs format and byte order from the header', () => {
    assert.strictEqual(matInfo(path.join(dir, 'types_v5.mat')).format, 'v5');
    assert.strictEqual(matInfo(path.join(dir, 'types_v5.mat')).littleEndian, true);
    assert.strictEqual(matInfo(path.join(dir, 'types_v5_be.mat')).littleEndian, false);
  });

  it('gives typed arrays per class, exact int64, logical class, row-major subscripts', () => {
    const i64 = v5.i64 as MatArray;
    assert.ok(i64.data instanceof BigInt64Array);
    assert.strictEqual(i64.get(0, 2), 2n ** 53n + 1n);
    assert.strictEqual((v5.u64 as MatArray).get(1), 2n ** 64n - 1n);
    assert.strictEqual((v5.logi as MatArray).class, 'logical');
    assert.ok((v5.f32 as MatArray).data instanceof Float32Array);
    assert.ok((v5.i16 as MatArray).data instanceof Int16Array);
    // nd3[1, 2, 3] in numpy (C order) must be get(1, 2, 3) here
    const want = py<number>(`import scipy.io as s, json, sys; m = s.loadmat(sys.stdin.readline().strip('"\\n'))
print(json.dumps(float(m['nd3'][1, 2, 3])))`, path.join(dir, 'types_v5.mat'));
    assert.strictEqual((v5.nd3 as MatArray).get(1, 2, 3), want);
    assert.deepStrictEqual((v5.col as MatArray).vector(), Float64Array.from([0, 1, 2, 3, 4]));
    assert.strictEqual((v5.scalar as MatArray).scalar(), 3.5);
    assert.deepStrictEqual((v5.i16 as MatArray).toNested(), [[-32768, 5], [7, 32767]]);
  });

  it('maps char to strings, structs to objects / struct arrays, cells to MatCell, sparse to MatSparse', () => {
    assert.strictEqual(v5.str, 'hello, wörld ✓');
    assert.deepStrictEqual(v5.charmat, ['abc', 'xyz']);
    assert.strictEqual(v5.emptystr, '');
    const s = v5.s as Record<string, MatValue>;
    assert.deepStrictEqual(Object.keys(s), ['a', 'b', 'c']);
    assert.strictEqual(s.b, 'two');
    const nested = v5.nested as { inner: { deeper: { name: string } } };
    assert.strictEqual(nested.inner.deeper.name, 'z');
    const sarr = v5.sarr as MatStructArray;
    assert.deepStrictEqual(sarr.shape, [1, 3]);
    assert.deepStrictEqual(sarr.field('w'), ['w0', 'w1', 'w2']);
    const s22 = v5.sarr22 as MatStructArray;
    assert.deepStrictEqual(Array.from((s22.get(1, 0).p as MatArray).toFloat64()), [1, 0]);
    const cell = v5.cell as MatCell;
    assert.strictEqual((cell.get(1, 2) as MatArray).scalar(), 12);
    const sparse = v5.sparse as MatSparse;
    assert.deepStrictEqual(Array.from(sparse.toDense().toFloat64()), [0, 1.5, 0, 0, 2, 0, 0, -3, 0, 0, 0, 4]);
    assert.deepStrictEqual((v5.empty03 as MatArray).shape, [0, 3]);
  });

  it('narrowing helpers check at run time and say what they found; values render as text in notebooks', () => {
    assert.strictEqual(asString(asStruct(asStruct(asStruct(v5.nested).inner).deeper).name), 'z');
    assert.strictEqual(asStructArray(v5.sarr).length, 3);
    assert.strictEqual(asStructArray(v5.s).get(0).b, 'two');
    assert.throws(() => asArray(v5.sarr, 'sarr'), /sarr: expected a numeric\/logical array, found 1×3 struct array/);
    assert.throws(() => asStruct(v5.d, 'd'), /d: expected a 1×1 struct, found 3×4 double array/);
    assert.throws(() => asArray(undefined, 'Data'), /Data: expected a numeric\/logical array, found nothing/);
    const show = (x: unknown) => (x as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
    assert.strictEqual(show(v5.i8)['text/plain'], 'MatArray<1×5 int8> [-128, -1, 0, 1, 127]');
    assert.match(show(v5.sarr)['text/plain'], /MatStructArray<1×3> fields: v, w/);
    assert.throws(() => new MatArray('double', [1, 2], new Float32Array(2)), /class 'double' needs a Float64Array/);
  });

  for (const compress of [true, false]) {
    it(`writes every type back so that scipy reads identical values (compress: ${compress})`, () => {
      const out = path.join(dir, `roundtrip-${compress}.mat`);
      saveMat(out, v5, { compress });
      const back = scipyCanon(out);
      const want = ref['types_v5.mat'];
      for (const k of Object.keys(want)) assert.deepStrictEqual(back[k], want[k], `variable ${k}`);
      assert.deepStrictEqual(Object.keys(back), Object.keys(want));
    });
  }

  it('writes convenience inputs (numbers, strings, nested arrays, objects) as MATLAB types', async () => {
    const out = path.join(dir, 'convenience.mat');
    saveMat(out, {
      x: 2.5,
      flag: true,
      big: -(2n ** 62n),
      name: 'abc',
      rows: ['ab', 'cde'],
      vec: [1, 2, 3],
      mat: [[1, 2, 3], [4, 5, 6]],
      f32: new Float32Array([0.5, 1.5]),
      mixed: [1, 'two', [3, 4]],
      cfg: { lr: 0.01, layers: new Int32Array([64, 32]), opt: { name: 'adam' } },
      nothing: [],
    });
    const got = scipyCanon(out);
    assert.deepStrictEqual(got.x, { t: 'float64', shape: [1, 1], re: [2.5] });
    assert.deepStrictEqual(got.flag, { t: 'uint8', shape: [1, 1], re: [1] });
    assert.deepStrictEqual(got.big, { t: 'int64', shape: [1, 1], re: [String(-(2n ** 62n))] });
    assert.deepStrictEqual(got.name, { t: 'char', rows: ['abc'] });
    assert.deepStrictEqual(got.rows, { t: 'char', rows: ['ab ', 'cde'] });
    assert.deepStrictEqual(got.vec, { t: 'float64', shape: [1, 3], re: [1, 2, 3] });
    assert.deepStrictEqual(got.mat, { t: 'float64', shape: [2, 3], re: [1, 2, 3, 4, 5, 6] });
    assert.deepStrictEqual(got.f32, { t: 'float32', shape: [1, 2], re: [0.5, 1.5] });
    assert.deepStrictEqual((got.mixed as { t: string; shape: number[] }).t, 'cell');
    assert.deepStrictEqual((got.mixed as { shape: number[] }).shape, [1, 3]);
    assert.deepStrictEqual(got.nothing, { t: 'float64', shape: [0, 0], re: [] });
    const cfg = got.cfg as { fields: string[]; el: Record<string, unknown>[] };
    assert.deepStrictEqual(cfg.fields, ['lr', 'layers', 'opt']);
    assert.deepStrictEqual(cfg.el[0].layers, { t: 'int32', shape: [1, 2], re: [64, 32] });
    const whos = py<[string, number[], string][]>(`import scipy.io as s, json, sys
print(json.dumps([[n, list(sh), c] for n, sh, c in s.whosmat(json.load(sys.stdin))]))`, out);
    assert.deepStrictEqual(whos.find((w) => w[0] === 'flag')?.[2], 'logical');
    // and ratelab reads its own file the same way scipy does
    assert.deepStrictEqual(canonFile(await loadMat(out)), got);
  });

  it('rejects invalid names and unwritable values with a message naming them', () => {
    const out = path.join(dir, 'bad.mat');
    assert.throws(() => saveMat(out, { '1x': 1 }), /variable name '1x'/);
    assert.throws(() => saveMat(out, { s: { 'bad-field': 1 } }), /s: field name 'bad-field'/);
    assert.throws(() => saveMat(out, { s: { f: [1, () => 2] as never } }), /s\.f|s\(1\)\.f\{2\}: cannot write a value of type function/);
    assert.ok(!fs.existsSync(out), 'nothing is left behind by a failed write');
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp')), []);
  });

  it('keeps row-major data consistent for N-d arrays written by ratelab', () => {
    const out = path.join(dir, 'nd.mat');
    const data = Float64Array.from({ length: 24 }, (_, i) => i * 1.5 - 7);
    saveMat(out, { a: new MatArray('double', [2, 3, 4], data), c: new MatCell([2, 1], ['p', MatArray.from([3], [1, 1])]) });
    const got = scipyCanon(out);
    assert.deepStrictEqual(got.a, canon(new MatArray('double', [2, 3, 4], data)));
    assert.deepStrictEqual(got.c, { t: 'cell', shape: [2, 1], items: [{ t: 'char', rows: ['p'] }, { t: 'float64', shape: [1, 1], re: [3] }] });
  });
});
