/**
 * MAT v7.3 (HDF5) reading against files laid out as MATLAB writes them (made with h5py: MATLAB_class
 * attributes, transposed storage, #refs# for cells and struct arrays), and the HDF5 tree helpers against h5py
 * in both directions.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import {
  loadMat, matInfo, readH5, writeH5, withH5, H5Array, MatArray, MatStructArray, MatCell, DataFileError,
} from '../kernel-lib/src/io';
import { canonFile, makeMatFixtures } from './fixtures/io/mat-canon';
import { py, rmTmp, tmpDir } from './helpers/python';

describe('io: MAT v7.3 reader and HDF5 helpers (vs h5py)', function () {
  this.timeout(60_000);
  let dir: string;
  let ref: Record<string, Record<string, unknown>>;

  before(() => {
    dir = tmpDir('ratelab-io-h5-');
    ref = makeMatFixtures(dir);
  });
  after(() => rmTmp(dir));

  it('dispatches a v7.3 file to the HDF5 reader from the same loadMat', () => {
    const info = matInfo(path.join(dir, 'types_v73.mat'));
    assert.strictEqual(info.format, 'v7.3');
    assert.match(info.headerText, /^MATLAB 7\.3 MAT-file/);
  });

  it('reads every variable of a MATLAB-layout v7.3 file with the values scipy reads from the v5 twin', async () => {
    const m = await loadMat(path.join(dir, 'types_v73.mat'));
    const want = ref['types_v73.mat'];
    assert.deepStrictEqual(Object.keys(m).sort(), Object.keys(want).sort());
    const got = canonFile(m);
    for (const k of Object.keys(want)) assert.deepStrictEqual(got[k], want[k], `variable ${k}`);
    assert.strictEqual((m.logi as MatArray).class, 'logical');
    assert.ok((m.i64 as MatArray).data instanceof BigInt64Array);
    assert.deepStrictEqual((m.sarr as MatStructArray).field('w'), ['w0', 'w1', 'w2']);
    assert.strictEqual(((m.cell as MatCell).get(1, 2) as MatArray).scalar(), 12);
  });

  it('writes a tree that h5py reads with identical values, gzip on large datasets', async () => {
    const file = path.join(dir, 'tree.h5');
    const w = Float32Array.from({ length: 300 * 40 }, (_, i) => Math.sin(i) * 3);
    await writeH5(file, {
      '@attrs': { paper: 'ei-assemblies', version: 2, seed: 7n },
      raw_data: { rates: new H5Array(w, [300, 40], { units: 'Hz' }), ids: new Int32Array([3, 1, 2]) },
      computed: { score: 0.25, labels: ['E', 'I'], note: 'text ✓', flag: true, trace: [1.5, 2.5] },
      sim_state: {},
    });
    const got = py<Record<string, unknown>>(`import h5py, json, sys, numpy as np
f = h5py.File(json.load(sys.stdin), 'r')
r = f['raw_data/rates']
out = {'attrs': {k: (v.decode() if isinstance(v, bytes) else v.item() if hasattr(v, 'item') else v) for k, v in f.attrs.items()},
  'shape': list(r.shape), 'dtype': str(r.dtype), 'compression': r.compression, 'sum': float(np.sum(r[()].astype(np.float64))),
  'r_1_2': float(r[1, 2]), 'units': r.attrs['units'] if isinstance(r.attrs['units'], str) else r.attrs['units'].decode(),
  'ids': f['raw_data/ids'][()].tolist(), 'ids_dtype': str(f['raw_data/ids'].dtype),
  'score': float(f['computed/score'][()]), 'labels': [s.decode() for s in f['computed/labels'][()]],
  'note': f['computed/note'][()].decode(), 'flag': int(f['computed/flag'][()]), 'trace': f['computed/trace'][()].tolist(),
  'groups': sorted(f.keys()), 'sim_state': list(f['sim_state'].keys())}
print(json.dumps(out))`, file);
    let sum = 0;
    for (const x of w) sum += x;
    assert.deepStrictEqual(got.attrs, { paper: 'ei-assemblies', version: 2, seed: 7 });
    assert.deepStrictEqual(got.shape, [300, 40]);
    assert.strictEqual(got.dtype, 'float32');
    assert.strictEqual(got.compression, 'gzip');
    assert.ok(Math.abs((got.sum as number) - sum) < 1e-3);
    assert.strictEqual(got.r_1_2, w[1 * 40 + 2]);
    assert.strictEqual(got.units, 'Hz');
    assert.deepStrictEqual(got.ids, [3, 1, 2]);
    assert.strictEqual(got.ids_dtype, 'int32');
    assert.strictEqual(got.score, 0.25);
    assert.deepStrictEqual(got.labels, ['E', 'I']);
    assert.strictEqual(got.note, 'text ✓');
    assert.strictEqual(got.flag, 1);
    assert.deepStrictEqual(got.trace, [1.5, 2.5]);
    assert.deepStrictEqual(got.groups, ['computed', 'raw_data', 'sim_state']);
    // and back through readH5
    const t = await readH5(file);
    const rates = (t.raw_data as Record<string, unknown>).rates as H5Array;
    assert.deepStrictEqual(rates.shape, [300, 40]);
    assert.deepStrictEqual(Array.from(rates.data as Float32Array), Array.from(w));
    assert.strictEqual(rates.attrs?.units, 'Hz');
    assert.strictEqual((t.computed as Record<string, unknown>).score, 0.25);
    assert.deepStrictEqual((t.computed as Record<string, unknown>).labels, ['E', 'I']);
    assert.strictEqual((t['@attrs'] as Record<string, unknown>).paper, 'ei-assemblies');
  });

  it('reads a file written by h5py (groups, gzip datasets, attributes, strings)', async () => {
    const file = path.join(dir, 'from-h5py.h5');
    py(`import h5py, json, sys, numpy as np
f = h5py.File(json.load(sys.stdin), 'w')
g = f.create_group('computed')
g.create_dataset('W', data=np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5, compression='gzip')
g.attrs['tau'] = 0.02
g.attrs['name'] = 'net'
f.create_dataset('steps', data=np.array([1, 2, 3], dtype=np.int64))
f.create_dataset('label', data='hello')
f.close()
print('null')`, file);
    const t = await readH5(file);
    const c = t.computed as Record<string, unknown>;
    const W = c.W as H5Array;
    assert.deepStrictEqual(W.shape, [2, 3, 4]);
    assert.deepStrictEqual(Array.from(W.data as Float64Array), Array.from({ length: 24 }, (_, i) => i * 0.5));
    assert.deepStrictEqual(c['@attrs'], { tau: 0.02, name: 'net' });
    assert.deepStrictEqual(Array.from((t.steps as H5Array).data as BigInt64Array), [1n, 2n, 3n]);
    assert.strictEqual(t.label, 'hello');
    const sub = await readH5(file, '/computed');
    assert.ok(sub.W instanceof H5Array);
    const slice = await withH5(file, 'r', (f) => (f.get('computed/W') as import('h5wasm').Dataset).slice([[1, 2]]));
    assert.strictEqual((slice as Float64Array)[0], 12 * 0.5);
  });

  it('reports a missing or non-HDF5 file by name, and leaves no temp file on a failed write', async () => {
    await assert.rejects(readH5(path.join(dir, 'nope.h5')), (e: unknown) =>
      e instanceof DataFileError && e.kind === 'not-found' && /nope\.h5/.test(e.message));
    const junk = path.join(dir, 'junk.h5');
    fs.writeFileSync(junk, Buffer.alloc(2048, 0x41));
    await assert.rejects(readH5(junk), (e: unknown) => e instanceof DataFileError && /junk\.h5: not an HDF5 file/.test(e.message));
    const target = path.join(dir, 'fail.h5');
    await assert.rejects(writeH5(target, { bad: { x: null as never } }), /fail\.h5: \/bad\/x/);
    assert.ok(!fs.existsSync(target));
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});
