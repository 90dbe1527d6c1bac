import { strict as assert } from 'assert';
import { inspect } from 'util';

import {
  Chart, VEGALITE_MIME, VEGA_LITE_SCHEMA, barChart, eigenSpectrum, histogram, lineTraces, loadVega, lossCurve, meanSemChart,
  pcaTrajectories, rateHeatmap, scatterFit, speedHeatmap, VegaLiteSpec,
} from '../kernel-lib/src/plot';
import { schemeColor } from '../kernel-lib/src/plot/raster';
import { JUPYTER_DISPLAY, mimeBundle } from '../kernel-lib/src/notebook/display';
import { rng } from '../kernel-lib/src/random';
import { py } from './helpers/python';

const R = rng(20261124);
const normals = (n: number, sd = 1, mean = 0) => Array.from({ length: n }, () => mean + sd * R.normal());

/** Renders without vega warnings, the title and the axis titles appear as SVG text; returns the SVG. */
async function checkRenders(c: Chart, texts: string[]): Promise<string> {
  const { svg, warnings } = await c.render();
  assert.deepEqual(warnings, [], `vega warnings for ${c.describe()}`);
  assert.match(svg, /^<svg [^>]*width="\d+(\.\d+)?" height="\d+(\.\d+)?"/);
  for (const t of texts) assert.ok(svg.includes(`>${t}</text>`), `SVG of ${c.describe()} lacks text "${t}"`);
  return svg;
}

/** The vegalite spec inside the chart's MIME bundle (with its v5 schema). */
function specOf(c: Chart): VegaLiteSpec {
  assert.equal(c.spec.$schema, VEGA_LITE_SCHEMA);
  return c.spec;
}

/** PNG payload of the raster (image mark) layer of a heat map, decoded by Pillow: [height, width, rgba...]. */
function decodeRaster(c: Chart): { w: number; h: number; px: number[][][] } {
  const url = (c.spec.layer as { data: { values: { url?: string }[] } }[])[0].data.values[0].url as string;
  assert.match(url, /^data:image\/png;base64,/);
  return py('import json,sys,base64,io; from PIL import Image; import numpy as np\n' +
    'u=json.load(sys.stdin); im=Image.open(io.BytesIO(base64.b64decode(u.split(",",1)[1]))); a=np.array(im.convert("RGBA"))\n' +
    'print(json.dumps({"w":im.width,"h":im.height,"px":a.tolist()}))', url);
}

describe('plot chart objects', () => {
  it('display as vegalite v5 (object), html <img> of base64 svg, image/svg+xml and text/plain', async () => {
    const c = barChart({ labels: ['a', 'b'], values: [1, 2], title: 'Two bars' });
    const b = await mimeBundle(c);
    assert.deepEqual(Object.keys(b).sort(), ['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']);
    const spec = b[VEGALITE_MIME] as Record<string, unknown>;
    assert.equal(typeof spec, 'object');
    assert.equal(spec.$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
    const m = /^<img src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="Two bars">$/.exec(b['text/html'] as string);
    assert.ok(m, 'text/html is one <img> with a base64 SVG data URL');
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    assert.match(decoded, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(decoded, b['image/svg+xml']);
    assert.equal(b['text/plain'], 'Chart "Two bars" (layered, 2 data rows)');
    assert.equal(inspect(c), 'Chart "Two bars" (layered, 2 data rows): `await show(chart)` draws it');
    // Jupyter.display returns a promise (the kernel awaits it).
    assert.ok(c[JUPYTER_DISPLAY]() instanceof Promise);
  });

  it('re-renders after the spec is edited', async () => {
    const c = histogram({ values: normals(200), title: 'Before' });
    assert.ok((await c.toSVG()).includes('>Before</text>'));
    c.spec.title = 'After edit';
    assert.ok((await c.toSVG()).includes('>After edit</text>'));
  });

  it('uses colour schemes identical to vega\'s (viridis, magma)', async () => {
    const { vega } = await loadVega();
    const scheme = (vega as unknown as { scheme: (n: string) => (t: number) => string }).scheme;
    for (const name of ['viridis', 'magma']) {
      for (const t of [0, 0.13, 0.5, 0.77, 1]) {
        const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(scheme(name)(t));
        assert.ok(m);
        const ref = [Number(m[1]), Number(m[2]), Number(m[3])];
        const ours = schemeColor(name, t);
        assert.ok(ours.every((v, k) => Math.abs(v - ref[k]) <= 1), `${name}(${t}): ${ours} vs ${ref}`);
      }
    }
  });
});

describe('plot chart builders', () => {
  it('lineTraces: one panel per channel, colour per condition, long traces strided', async () => {
    const [C, T, K] = [3, 1200, 5];
    const y = Float64Array.from({ length: C * T * K }, (_, i) => Math.sin(i / 50));
    const t = Float64Array.from({ length: T }, (_, i) => i * 0.001);
    const c = lineTraces({ y, shape: [C, T, K], t, title: 'Rates by condition', yLabel: 'rate (Hz)', events: [{ t: 0.3, label: 'go' }] });
    const spec = specOf(c);
    assert.deepEqual((spec.facet as { field: string }).field, 'channel');
    // Stride ceil(1200 / 500) = 3: samples 0, 3, ..., 1197 (400) plus the last one, per condition and channel.
    assert.equal((spec.data as { values: unknown[] }).values.length, C * K * 401);
    await checkRenders(c, ['Rates by condition', 'rate (Hz)', 'time (s)', 'unit0', 'unit4', 'go']);
    assert.throws(() => lineTraces({ y, shape: [C, T, 4] }), /lineTraces: y has 18000 values but shape \[3, 1200, 4\] needs 14400/);
  });

  it('lossCurve: several series, log y drops non-positive values', async () => {
    const train = Array.from({ length: 300 }, (_, i) => Math.exp(-i / 50));
    train[10] = 0;
    const c = lossCurve({ loss: { train, test: train.map((v) => v * 1.3) }, logY: true });
    assert.equal(c.meta.dropped, 2);
    assert.equal(specOf(c).encoding.y.scale.type, 'log');
    await checkRenders(c, ['Training loss', 'loss (log scale)', 'training step', 'train', 'test']);
  });

  it('rateHeatmap: rows sorted by peak time (numpy reference), image rows and colours right', async () => {
    const [U, T] = [40, 300];
    const rates = new Float64Array(U * T);
    for (let u = 0; u < U; u++) {
      const centre = R.uniform() * T;
      for (let i = 0; i < T; i++) rates[u * T + i] = (1 + (u % 4)) * Math.exp(-(((i - centre) / 20) ** 2)) + 0.05 * R.uniform();
    }
    const c = rateHeatmap({ rates, shape: [U, T], maxColumns: 100, events: [{ t: 120, label: 'stim' }], title: 'Sorted rates' });
    const ref = py<number[]>('import json,sys,numpy as np; d=json.load(sys.stdin); a=np.array(d["r"]).reshape(d["U"],d["T"])\n' +
      'print(json.dumps(np.argsort(a.argmax(axis=1), kind="stable").tolist()))', { r: Array.from(rates), U, T });
    assert.deepEqual(c.meta.order, ref);
    assert.equal(c.meta.binSize, 3);
    const img = decodeRaster(c);
    assert.equal(img.w, 100);
    assert.equal(img.h, U);
    // Each row normalised to its max: the brightest pixel of every row is viridis(1) only if its 3-sample mean is
    // the row's max; at least the top row (earliest peak) must contain near-yellow and no transparent pixels.
    const yellow = [253, 231, 37];
    assert.ok(img.px[0].some((p) => p.slice(0, 3).every((v, k) => Math.abs(v - yellow[k]) < 40)));
    assert.ok(img.px.every((row) => row.every((p) => p[3] === 255)));
    await checkRenders(c, ['Sorted rates', 'unit (sorted by peak time)', 'time step', 'rate / max', 'stim']);
    assert.throws(() => rateHeatmap({ rates, shape: [U, T], sort: [0, 0] }), /permutation of 0\.\.39/);
  });

  it('pcaTrajectories: three pairwise panels for 3 components, one for 2', async () => {
    const [C, T] = [4, 60];
    const s3 = Float64Array.from({ length: C * T * 3 }, (_, i) => Math.sin(i / 17));
    const c3 = pcaTrajectories({ scores: s3, shape: [C, T, 3], explained: [0.5, 0.25, 0.1], conditions: ['a', 'b', 'c', 'd'] });
    assert.equal(specOf(c3).hconcat.length, 3);
    await checkRenders(c3, ['Trajectories in PC space', 'PC1 (50.0% var.)', 'PC3 (10.0% var.)', 'condition']);
    const c2 = pcaTrajectories({ scores: s3, shape: [C, T, 3], dims: 2, title: 'Two PCs' });
    assert.equal(specOf(c2).hconcat, undefined);
    await checkRenders(c2, ['Two PCs', 'PC1', 'PC2']);
  });

  it('eigenSpectrum: unit circle or imaginary axis, unstable count matches numpy', async () => {
    const re = normals(150, 0.6), im = normals(150, 0.6);
    const c = eigenSpectrum({ re, im });
    const ref = py<number>('import json,sys,numpy as np; d=json.load(sys.stdin); print(int((np.abs(np.array(d[0])+1j*np.array(d[1]))>1).sum()))', [re, im]);
    assert.equal(c.meta.unstable, ref);
    await checkRenders(c, ['Eigenvalue spectrum', 'Re λ', 'Im λ', 'unstable']);
    const cc = eigenSpectrum({ re: re.map((v) => v - 1), im, kind: 'continuous', title: 'Jacobian' });
    assert.equal(cc.meta.unstable, re.filter((v) => v - 1 > 0).length);
    await checkRenders(cc, ['Jacobian']);
  });

  it('speedHeatmap: image grid flipped so y grows upward, arrows point along (u, v)', async () => {
    const nx = 30, ny = 20;
    const x = Array.from({ length: nx }, (_, i) => -2 + (4 * i) / (nx - 1));
    const y = Array.from({ length: ny }, (_, j) => -1 + (2 * j) / (ny - 1));
    const speed = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) speed[j * nx + i] = 0.5 * ((x[i] - x[i] ** 3) ** 2 + y[j] ** 2) + 1e-6;
    const c = speedHeatmap({
      speed, shape: [ny, nx], x, y, title: 'Speed',
      vectors: { x: [0, 0.5], y: [0, 0.5], u: [1, 0], v: [0, 1] }, fixedPoints: [{ x: -1, y: 0 }, { x: 0, y: 0, stable: false }],
    });
    const img = decodeRaster(c);
    assert.equal(img.w, nx);
    assert.equal(img.h, ny);
    // Slowest cells (fixed points at x = ±1, y ≈ 0) are darkest; the top image row is y = +1 (fast).
    const lum = (p: number[]) => p[0] + p[1] + p[2];
    assert.ok(lum(img.px[0][0]) > lum(img.px[Math.floor(ny / 2)][7]));
    const arrows = (c.spec.layer as { data: { values: { angle?: number }[] }; mark: { type: string } }[]).find((l) => l.mark.type === 'point' && l.data.values[0]?.angle !== undefined);
    assert.ok(arrows);
    assert.deepEqual(arrows.data.values.map((a) => a.angle), [90, 0]); // rightward, upward
    await checkRenders(c, ['Speed', 'PC1', 'PC2', 'log10 speed', 'stable', 'unstable']);
  });

  it('barChart and meanSemChart: error bars at mean ± SEM (scipy reference)', async () => {
    const b = barChart({ labels: ['ctrl', 'lesion'], values: [0.9, 0.6], errors: [0.05, 0.1], yLabel: 'accuracy', title: 'Accuracy' });
    await checkRenders(b, ['Accuracy', 'accuracy', 'ctrl', 'lesion']);
    const groups = { ctrl: normals(12, 0.2, 1), dale: normals(9, 0.3, 0.7) };
    const m = meanSemChart({ groups, yLabel: 'R²', title: 'Fit quality' });
    const ref = py<number[][]>('import json,sys,numpy as np; from scipy import stats; d=json.load(sys.stdin)\n' +
      'print(json.dumps([[float(np.mean(v)), float(stats.sem(v))] for v in d]))', [groups.ctrl, groups.dale]);
    const st = m.meta.stats as { mean: number; sem: number }[];
    st.forEach((s, k) => {
      assert.ok(Math.abs(s.mean - ref[k][0]) < 1e-12 && Math.abs(s.sem - ref[k][1]) < 1e-12);
    });
    await checkRenders(m, ['Fit quality', 'R²', 'ctrl', 'dale']);
  });

  it('scatterFit: slope, intercept and r match numpy; r is in the title', async () => {
    const x = normals(80), yv = x.map((v) => 0.7 * v + 0.2 + 0.5 * R.normal());
    const c = scatterFit({ x, y: yv, xLabel: 'input (a.u.)', yLabel: 'rate (Hz)', title: 'Tuning' });
    const ref = py<number[]>('import json,sys,numpy as np; x,y=map(np.array,json.load(sys.stdin)); p=np.polyfit(x,y,1)\n' +
      'print(json.dumps([p[0],p[1],np.corrcoef(x,y)[0,1]]))', [x, yv]);
    assert.ok(Math.abs((c.meta.slope as number) - ref[0]) < 1e-10);
    assert.ok(Math.abs((c.meta.intercept as number) - ref[1]) < 1e-10);
    assert.ok(Math.abs((c.meta.r as number) - ref[2]) < 1e-12);
    const title = `Tuning (r = ${ref[2].toFixed(2)}, n = 80)`;
    assert.equal(c.spec.title, title);
    await checkRenders(c, [title, 'input (a.u.)', 'rate (Hz)']);
  });

  it('histogram: counts and edges match numpy.histogram', async () => {
    const v = normals(5000);
    const c = histogram({ values: v, bins: 25, xLabel: 'weight', title: 'Weights' });
    const ref = py<{ counts: number[]; edges: number[] }>('import json,sys,numpy as np; c,e=np.histogram(np.array(json.load(sys.stdin)),bins=25)\n' +
      'print(json.dumps({"counts":c.tolist(),"edges":e.tolist()}))', v);
    assert.deepEqual(c.meta.counts, ref.counts);
    (c.meta.edges as number[]).forEach((e, i) => assert.ok(Math.abs(e - ref.edges[i]) < 1e-12));
    await checkRenders(c, ['Weights', 'weight', 'count']);
  });
});
