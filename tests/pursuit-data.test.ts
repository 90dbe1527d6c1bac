/**
 * Smooth pursuit: the behaviour-data parser against scipy.io.loadmat of the same file, and the trial
 * generators against the original's rules (inputs, targets, which days and conditions each mode draws).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { dataPath, saveMat } from '../kernel-lib/src/io';
import { rng } from '../kernel-lib/src/random';
import {
  CONDITION_OFFSET_DEG, loadPursuitData, originalOffsetTargets, PURSUIT_CONDITIONS, PURSUIT_CONTRASTS, PursuitData,
  pursuitTrial, samplePursuitTrial, traceDirectionDeg,
} from '../kernel-lib/src/papers/smooth-pursuit';
import { maxAbsDiff, py, rmTmp, tmpDir } from './helpers/python';

const SCIPY_DUMP = `
import json, sys, scipy.io
D = scipy.io.loadmat(sys.stdin.read().strip('"\\n'))['Data']
out = []
for i in range(D.shape[1]):
    d = D[0, i]
    day = {'tgdir': float(d['tgdir'].item()), 'shapes': {}, 'traces': {}}
    for c in ['highCont', 'lowCont']:
        for p in ['wide', 'wide_plus120', 'wide_minus120', 'narrow', 'narrow_plus15', 'narrow_minus15']:
            s = d[c][0, 0][p][0, 0]
            day['shapes'][c + '.' + p] = list(s['hvel'].shape)
            day['traces'][c + '.' + p] = [s['hvel'].flatten().tolist(), s['vvel'].flatten().tolist()]
    out.append(day)
print(json.dumps(out))
`;

interface RefDay { tgdir: number; shapes: Record<string, number[]>; traces: Record<string, [number[], number[]]> }

describe('smooth pursuit: behaviour data and trial generators', function () {
  this.timeout(60000);
  let data: PursuitData;
  let ref: RefDay[];
  before(async () => {
    const file = dataPath('pursuit/behavior_data.mat');
    data = await loadPursuitData(file);
    ref = py<RefDay[]>(SCIPY_DUMP, file);
  });

  it('parses all 28 days, 2 contrasts, 6 conditions, 300 samples, equal to scipy.io.loadmat', () => {
    assert.equal(data.days.length, 28);
    assert.equal(ref.length, 28);
    // The file stores some conditions as columns and others as rows: the parser must read both.
    const shapes = new Set(Object.values(ref[0].shapes).map((s) => s.join('x')));
    assert.deepEqual([...shapes].sort(), ['1x300', '300x1']);
    let worst = 0;
    for (let d = 0; d < 28; d++) {
      assert.equal(data.days[d].tgdir, ref[d].tgdir);
      for (const c of PURSUIT_CONTRASTS) for (const p of PURSUIT_CONDITIONS) {
        const tr = data.days[d].traces[c][p];
        assert.equal(tr.hvel.length, 300);
        const [h, v] = ref[d].traces[`${c}.${p}`];
        worst = Math.max(worst, maxAbsDiff(tr.hvel, h), maxAbsDiff(tr.vvel, v));
      }
    }
    assert.equal(worst, 0, `largest difference from scipy ${worst}`);
    assert.deepEqual(data.days.map((d) => d.tgdir).slice(0, 4), [0, 30, 45, 50]);
  });

  it('each condition moves the eye toward tgdir + its offset on every day', () => {
    for (const day of data.days) for (const p of PURSUIT_CONDITIONS) {
      const dir = traceDirectionDeg(day.traces.highCont[p], 150, 300);
      let err = dir - (day.tgdir + CONDITION_OFFSET_DEG[p]);
      err = ((err + 540) % 360) - 180;
      assert.ok(Math.abs(err) < 10, `day ${day.tgdir}°, ${p}: eye at ${dir.toFixed(1)}°, ${err.toFixed(1)}° off`);
    }
  });

  it('a damaged file gives an error naming the field', async () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'bad.mat');
      saveMat(file, { Data: { tgdir: 0, highCont: { wide: { hvel: new Float64Array(10) } } } });
      await assert.rejects(loadPursuitData(file), /bad\.mat: Data\(1\)\.highCont\.wide\.hvel: expected 300 samples, found 10/);
      fs.writeFileSync(file, Buffer.alloc(0));
      await assert.rejects(loadPursuitData(file), /bad\.mat/);
    } finally {
      rmTmp(dir);
    }
  });

  it('pursuitTrial: inputs amp·(cos θ, sin θ), targets samples 150..299, prior channel 0.1 for narrow', () => {
    const clean = pursuitTrial(data, { day: 1, contrast: 'lowCont', condition: 'narrow_plus15', priorChannel: true }, null);
    const th = ((30 + 15) * Math.PI) / 180;
    assert.equal(clean.nIn, 3);
    for (const t of [0, 77, 149]) {
      assert.ok(Math.abs(clean.inputs[t * 3] - 0.1 * Math.cos(th)) < 1e-7);
      assert.ok(Math.abs(clean.inputs[t * 3 + 1] - 0.1 * Math.sin(th)) < 1e-7);
      assert.ok(Math.abs(clean.inputs[t * 3 + 2] - 0.1) < 1e-7);
      assert.equal(clean.targets[t * 2], Math.fround(data.days[1].traces.lowCont.narrow_plus15.hvel[150 + t]));
      assert.equal(clean.targets[t * 2 + 1], Math.fround(data.days[1].traces.lowCont.narrow_plus15.vvel[150 + t]));
    }
    const wide = pursuitTrial(data, { day: 0, contrast: 'highCont', condition: 'wide', priorChannel: true }, null);
    assert.equal(wide.inputs[2], 0);
    assert.ok(Math.abs(wide.inputs[0] - 1) < 1e-7);
  });

  it('noisy trials: input noise sd 0.01 per step and 7° direction jitter per trial', () => {
    const r = rng(3);
    const resid: number[] = [];
    const jitter: number[] = [];
    for (let k = 0; k < 400; k++) {
      const tr = pursuitTrial(data, { day: 0, contrast: 'highCont', condition: 'wide', priorChannel: false }, r);
      const th = (tr.directionDeg * Math.PI) / 180;
      jitter.push(tr.directionDeg);
      for (let t = 0; t < tr.T; t++) resid.push(tr.inputs[t * 2] - Math.cos(th), tr.inputs[t * 2 + 1] - Math.sin(th));
    }
    const sd = (v: number[]) => { const m = v.reduce((a, b) => a + b) / v.length; return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)); };
    assert.ok(Math.abs(sd(resid) - 0.01) < 0.0005, `input noise sd ${sd(resid)}`);
    assert.ok(Math.abs(sd(jitter) - 7) < 0.8, `direction jitter sd ${sd(jitter)}`);
  });

  it('samplePursuitTrial draws days and conditions as the original generators', () => {
    const r = rng(11);
    const count = (mode: 'stage1' | 'stage2' | 'prior-input') => {
      const days = new Set<number>(); const conds: Record<string, number> = {}; const contrasts = new Set<string>();
      for (let k = 0; k < 600; k++) {
        const tr = samplePursuitTrial(data, mode, r);
        days.add(tr.day); contrasts.add(tr.contrast);
        const key = `${tr.day === 0 ? 'day0' : 'other'}:${tr.condition}`;
        conds[key] = (conds[key] ?? 0) + 1;
        assert.equal(tr.nIn, mode === 'prior-input' ? 3 : 2);
      }
      return { days, conds, contrasts };
    };
    const s1 = count('stage1');
    assert.ok(s1.days.size > 20, 'stage 1 uses all days');
    assert.deepEqual(Object.keys(s1.conds).map((k) => k.split(':')[1]).filter((v, i, a) => a.indexOf(v) === i), ['wide']);
    assert.equal(s1.contrasts.size, 2);
    const s2 = count('stage2');
    assert.deepEqual([...s2.days], [0]);
    assert.deepEqual(Object.keys(s2.conds).sort(), ['day0:narrow', 'day0:narrow_minus15', 'day0:narrow_plus15']);
    const pi = count('prior-input');
    assert.ok(pi.days.size > 20);
    assert.deepEqual(Object.keys(pi.conds).filter((k) => k.startsWith('other')), ['other:wide']);
    assert.deepEqual(Object.keys(pi.conds).filter((k) => k.startsWith('day0')).sort(), ['day0:narrow', 'day0:narrow_minus15', 'day0:narrow_plus15', 'day0:wide']);
  });

  it('the original loss alignment scores steps 0..T-2 against targets 0..T-2', () => {
    const z = Float32Array.from({ length: 10 }, (_, i) => i);
    const { targets, mask } = originalOffsetTargets(z, 5, 2);
    assert.deepEqual(Array.from(targets), Array.from(z));
    assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 0]);
  });
});
