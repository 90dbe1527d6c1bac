/**
 * The tour notebook (notebooks/00-tour.ipynb), run by the reproduce command on a scratch copy: every cell
 * passes, the figure is saved, and the HDF5 file it writes holds, as h5py reads it, the eye speeds that scipy
 * computes from the published MAT file (an independent reading of the same data). Skipped when the published
 * data file is not on this machine (see data/README.md).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { dataPath } from '../kernel-lib/src/io/registry';
import { py, rmTmp } from './helpers/python';
import { cellText, ensureBuilt, readCodeCells, ROOT, runReproduce, RunResult, scratchDir } from './runner-harness';

describe('runner: the tour notebook', function () {
  this.timeout(180_000);
  let dir: string;
  let dataFile: string;
  let figures: string;
  let r: RunResult;
  let nbFile: string;

  before(async function () {
    try {
      dataFile = dataPath('pursuit/behavior_data.mat');
    } catch (e) {
      console.log(`      skipped: ${(e as Error).message.split('\n')[0]}`);
      this.skip();
    }
    ensureBuilt();
    dir = scratchDir('tour-');
    nbFile = path.join(dir, '00-tour.ipynb');
    fs.copyFileSync(path.join(ROOT, 'notebooks', '00-tour.ipynb'), nbFile);
    r = await runReproduce(['--figures-root', path.join(dir, 'figures'), nbFile]);
    figures = path.join(dir, 'figures', '00-tour');
  });
  after(() => { if (dir) rmTmp(dir); });

  it('runs every cell without error', () => {
    assert.strictEqual(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const cells = readCodeCells(nbFile);
    assert.ok(cells.length >= 5);
    assert.deepStrictEqual(cells.map((c) => c.execution_count), cells.map((_, i) => i + 1));
    assert.match(cellText(cells[0]), /ratelab backend: (wasm|cpu|tensorflow|tensorflow-gpu) /);
  });

  it('saves the chart as SVG and PNG in figures/00-tour/', () => {
    assert.match(fs.readFileSync(path.join(figures, 'eye-speed.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>\s*$/);
    const png = fs.readFileSync(path.join(figures, 'eye-speed.png'));
    assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('writes an HDF5 file whose eye speeds match scipy reading the MAT file', () => {
    const ref = py<{ shape: number[]; maxDiff: number; conditions: string[]; target: number }>(`
import json, sys, h5py, numpy as np, scipy.io as sio
a = json.load(sys.stdin)
m = sio.loadmat(a["mat"], squeeze_me=True, struct_as_record=False)
d = m["Data"][0]
with h5py.File(a["h5"], "r") as f:
    speeds = f["eye_speed"][()]
    conds = [c.decode() if isinstance(c, bytes) else c for c in f["conditions"][()]]
    target = float(f.attrs["target_deg"])
want = []
for c in conds:
    contrast, prior = c.split(".")
    s = getattr(getattr(d, contrast), prior)
    want.append(np.hypot(s.hvel, s.vvel))
print(json.dumps({"shape": list(speeds.shape), "maxDiff": float(np.max(np.abs(speeds - np.array(want)))),
                  "conditions": conds, "target": target}))
`, { mat: dataFile, h5: path.join(figures, 'eye-speed.h5') });
    assert.deepStrictEqual(ref.shape, [4, 300]);
    assert.deepStrictEqual(ref.conditions, ['highCont.wide', 'lowCont.wide', 'highCont.narrow', 'lowCont.narrow']);
    assert.strictEqual(ref.target, 0);
    assert.ok(ref.maxDiff < 1e-12, `max |h5 - scipy| = ${ref.maxDiff}`);
  });
});
