/**
 * The rhythmic-timing figures: each chart renders without Vega warnings, carries its titles, and draws the data
 * it was given (NaN intervals dropped, taps outside the window left out, stable/unstable fixed points coloured,
 * periods above the cap omitted).
 */
import { strict as assert } from 'assert';
import { Chart } from '../kernel-lib/src/plot';
import {
  bifurcationChart, itiVsCueChart, pathLengthChart, pcaTapsChart, periodCurveChart, reducedBifurcationScan, tapTracesChart,
} from '../kernel-lib/src/papers/rhythmic-timing';

async function renders(c: Chart, texts: string[]): Promise<void> {
  const { svg, warnings } = await c.render();
  assert.deepEqual(warnings, [], `vega warnings for ${c.describe()}`);
  for (const t of texts) assert.ok(svg.includes(`>${t}</text>`), `SVG of ${c.describe()} lacks "${t}"`);
}

type Layer = { data?: { values: Record<string, unknown>[] } };

describe('rhythmic timing: charts', function () {
  this.timeout(60000);

  it('taps on output traces, inter-tap interval vs cue, path lengths', async () => {
    const y = Float32Array.from({ length: 3000 }, (_, t) => 0.5 + 0.5 * Math.cos((2 * Math.PI * t) / 250));
    const taps = Int32Array.from([250, 500, 750, 2750]);
    const tc = tapTracesChart({ outputs: [y, y], taps: [taps, null], labels: ['a', 'b'], window: [0, 2000] });
    const rows = (tc.spec.data as { values: Record<string, unknown>[] }).values.filter((v) => v.kind === 'tap');
    assert.equal(rows.length, 3, 'the tap at 2.75 s is outside the window, row b has none');
    assert.ok(rows.every((v) => v.row === 'a'));
    await renders(tc, ['Network output and taps (dashed)', 'time (s)']);

    const ic = itiVsCueChart({ cues: [0.2, 0.4, 0.5, -0.2], itiMs: [500, 251, NaN, NaN], trained: [true, false, false, false] });
    assert.equal(ic.meta.points, 2);
    await renders(ic, ['Inter-tap interval vs context cue', 'context cue (0.1 / period)', 'trained cue', 'untrained cue']);

    const pc = pathLengthChart({ labels: ['2 Hz', '8 Hz'], means: [150, 40], sds: [10, 2] });
    await renders(pc, ['2 Hz', '8 Hz', 'SD of path length']);
  });

  it('PCA trajectories with taps in three projections', async () => {
    const T = 400;
    const s = Float64Array.from({ length: T * 3 }, (_, i) => Math.sin(i / 30) + (i % 3));
    const ch = pcaTapsChart({ scores: [s], k: 3, taps: [[100, 200, 399, 400]], labels: ['4 Hz'], explained: [0.5, 0.2, 0.1] });
    assert.equal((ch.spec.hconcat as unknown[]).length, 3);
    assert.equal(ch.meta.taps, 3, 'tap index 400 is past the end');
    assert.equal(ch.meta.points, 400);
    const win = pcaTapsChart({ scores: [s], k: 3, taps: [[100, 200, 399]], labels: ['4 Hz'], window: [150, 300], maxPoints: 1000 });
    assert.equal(win.meta.taps, 1);
    assert.equal(win.meta.points, 150);
    await renders(ch, ['PC1 (50.0%)', 'PC3 (10.0%)']);
  });

  it('reduced model: bifurcation diagram and period curve from a coarse scan', async () => {
    const scan = reducedBifurcationScan({ from: -0.5, to: 2, steps: 11, duration: 4, transient: 1 });
    const bc = bifurcationChart(scan, { rules: [{ Icc: 0.19, label: 'SNIC' }] });
    const pts = (bc.spec.layer as Layer[])[0].data!.values;
    const kinds = new Set(pts.map((p) => p.kind));
    assert.ok(kinds.has('stable fixed point') && kinds.has('unstable fixed point') && kinds.has('limit cycle (min / max)'), [...kinds].join());
    await renders(bc, ['SNIC', 'context cue I_cc']);
    const pc = periodCurveChart(scan, { reference: [{ Icc: 0.5, periodMs: 84 }], maxMs: 90 });
    const line = (pc.spec.layer as Layer[])[0].data!.values;
    assert.ok(line.length > 0 && line.every((v) => (v.period as number) <= 90));
    await renders(pc, ['oscillation period (ms)']);
  });
});
