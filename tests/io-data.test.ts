/**
 * The published files in ../shared/data through the registry: checksums, search order, clear errors, and the
 * shapes / field names the notebooks rely on, checked against scipy.io.loadmat.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import {
  dataPath, datasetInfo, listDatasets, loadDataset, loadMat, sha256File, DataRegistry, DataFileError,
  MatArray, MatStructArray, MatStruct,
} from '../kernel-lib/src/io';
import { py, rmTmp, tmpDir } from './helpers/python';

const PROJECT = path.resolve(__dirname, '..');
const CONDITIONS = ['wide', 'wide_plus120', 'wide_minus120', 'narrow', 'narrow_plus15', 'narrow_minus15'];

describe('io: data registry and the published files', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = tmpDir('ratelab-io-data-'); });
  after(() => rmTmp(dir));

  it('registers each file with a sha256 that matches the published copy, and faithful licence text', () => {
    assert.deepStrictEqual(listDatasets(), ['pursuit', 'aon']);
    for (const id of listDatasets()) {
      for (const f of datasetInfo(id).files) {
        const p = dataPath(f.path);
        assert.strictEqual(sha256File(p), f.sha256, f.path);
        assert.strictEqual(fs.statSync(p).size, f.bytes, f.path);
      }
    }
    assert.match(datasetInfo('pursuit').citation, /Park J, Kim S, Kim HR, Lee J \(2023\).*doi:10\.1126\/sciadv\.adg4156/);
    assert.match(datasetInfo('pursuit').licence.data ?? '', /may not be used for commercial purposes/);
    assert.match(datasetInfo('aon').citation, /doi:10\.1038\/s41597-025-05299-9/);
  });

  it('pursuit/behavior_data.mat: Data is a 1×28 struct with the expected nested fields, as scipy reads it', async () => {
    const ds = await loadDataset('pursuit');
    const data = ds.files['behavior_data.mat'].Data as MatStructArray;
    assert.ok(data instanceof MatStructArray);
    assert.deepStrictEqual(data.shape, [1, 28]);
    assert.deepStrictEqual(data.fieldNames, ['tgdir', 'highCont', 'lowCont']);
    const shapes: Record<string, number[]> = {};
    const firsts: number[] = [];
    data.elements.forEach((el, i) => {
      for (const c of ['highCont', 'lowCont']) {
        const cont = el[c] as MatStruct;
        assert.deepStrictEqual(Object.keys(cont), CONDITIONS);
        for (const cond of CONDITIONS) {
          const trial = cont[cond] as MatStruct;
          assert.deepStrictEqual(Object.keys(trial), ['hvel', 'vvel']);
          for (const v of ['hvel', 'vvel']) {
            const a = trial[v] as MatArray;
            assert.strictEqual(a.numel, 300);
            assert.strictEqual(a.vector().length, 300);
            shapes[`${i}.${c}.${cond}.${v}`] = a.shape;
          }
        }
      }
      firsts.push((el.tgdir as MatArray).toFloat64()[0]);
    });
    const orient = new Set(Object.values(shapes).map((s) => s.join('x')));
    assert.deepStrictEqual([...orient].sort(), ['1x300', '300x1'], 'both orientations occur');
    const ref = py<{ shapes: Record<string, number[]>; tgdir: number[]; h: number[] }>(`import scipy.io as sio, json, sys
D = sio.loadmat(json.load(sys.stdin))['Data']
shapes = {}
for i in range(D.shape[1]):
    for c in ['highCont', 'lowCont']:
        for cond in D[0, i][c][0, 0].dtype.names:
            for v in ['hvel', 'vvel']:
                shapes['%d.%s.%s.%s' % (i, c, cond, v)] = list(D[0, i][c][0, 0][cond][0, 0][v].shape)
print(json.dumps({'shapes': shapes, 'tgdir': [float(D[0, i]['tgdir'][0, 0]) for i in range(28)],
  'h': D[0, 5]['lowCont'][0, 0]['narrow_plus15'][0, 0]['hvel'].ravel().tolist()}))`, ds.paths['pursuit/behavior_data.mat']);
    assert.deepStrictEqual(shapes, ref.shapes);
    assert.deepStrictEqual(firsts, ref.tgdir);
    const h = ((data.get(5).lowCont as MatStruct).narrow_plus15 as MatStruct).hvel as MatArray;
    assert.deepStrictEqual(Array.from(h.vector()), ref.h);
  });

  it('aon masks: inhibitory 355×1 logical with 74 true, mirror 355×1 double with 160 ones', async () => {
    const inh = (await loadMat(dataPath('aon/InhibitoryMask.mat'))).inhibitory as MatArray;
    assert.strictEqual(inh.class, 'logical');
    assert.deepStrictEqual(inh.shape, [355, 1]);
    assert.strictEqual(inh.toFloat64().reduce((s, x) => s + x, 0), 74);
    const mir = (await loadMat(dataPath('aon/Mirror.mat'))).mirror as MatArray;
    assert.strictEqual(mir.class, 'double');
    assert.deepStrictEqual(mir.shape, [355, 1]);
    assert.strictEqual(Array.from(mir.toFloat64()).filter((x) => x === 1).length, 160);
    assert.strictEqual(Array.from(mir.toFloat64()).filter((x) => x !== 0 && x !== 1).length, 0);
    const ref = py<{ inh: number[]; mir: number[] }>(`import scipy.io as sio, json, sys
p = json.load(sys.stdin)
print(json.dumps({'inh': sio.loadmat(p[0])['inhibitory'].ravel().astype(int).tolist(),
                  'mir': sio.loadmat(p[1])['mirror'].ravel().tolist()}))`, [dataPath('aon/InhibitoryMask.mat'), dataPath('aon/Mirror.mat')]);
    assert.deepStrictEqual(Array.from(inh.data as Uint8Array), ref.inh);
    assert.deepStrictEqual(Array.from(mir.toFloat64()), ref.mir);
  });

  it('searches RATELAB_DATA first and reports a checksum mismatch naming the file', () => {
    const alt = path.join(dir, 'alt');
    fs.mkdirSync(path.join(alt, 'aon'), { recursive: true });
    const bytes = fs.readFileSync(dataPath('aon/Mirror.mat'));
    bytes[200] ^= 0x01;
    fs.writeFileSync(path.join(alt, 'aon', 'Mirror.mat'), bytes);
    const reg = new DataRegistry({ root: PROJECT, searchPaths: [alt, path.join(PROJECT, '..', 'shared', 'data')] });
    assert.throws(() => reg.path('aon/Mirror.mat'), (e: unknown) =>
      e instanceof DataFileError && e.kind === 'checksum' && /Mirror\.mat: checksum mismatch/.test(e.message) &&
      e.message.includes(path.join(alt, 'aon', 'Mirror.mat')));
    // the untouched file in the second place is fine, and RATELAB_DATA is honoured
    assert.strictEqual(reg.path('aon/InhibitoryMask.mat'), path.resolve(PROJECT, '..', 'shared', 'data', 'aon', 'InhibitoryMask.mat'));
    const saved = process.env.RATELAB_DATA;
    process.env.RATELAB_DATA = alt;
    try {
      const byEnv = new DataRegistry({ root: PROJECT });
      assert.strictEqual(byEnv.searchPaths()[0], alt);
      assert.throws(() => byEnv.path('aon/Mirror.mat'), /checksum mismatch/);
    } finally {
      if (saved === undefined) delete process.env.RATELAB_DATA;
      else process.env.RATELAB_DATA = saved;
    }
  });

  it('says where it looked and how to obtain a missing file; rejects unregistered paths', () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    const reg = new DataRegistry({ root: PROJECT, searchPaths: [empty] });
    assert.throws(() => reg.path('pursuit/behavior_data.mat'), (e: unknown) =>
      e instanceof DataFileError && e.kind === 'not-found' && e.message.startsWith('behavior_data.mat: data file not found') &&
      e.message.includes(empty) && /github\.com\/jrahn331\/pursuitRNN/.test(e.message) && /RATELAB_DATA/.test(e.message));
    assert.throws(() => reg.path('pursuit/other.mat'), /other\.mat: not in data\/registry\.json/);
  });
});
