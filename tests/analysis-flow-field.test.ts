/**
 * Flow fields: velocities of analytic linear systems on a plane (an explicit non-orthogonal plane, and the
 * PC1–PC2 plane of a z-scored PCA with PC3 held off zero) against numpy; the chart builders for flow fields and for
 * fixed points on PC axes (projections, markers, a rendered SVG).
 */
import { strict as assert } from 'assert';
import { init, tf } from '../kernel-lib/src/backend';
import { ctrnn } from '../kernel-lib/src/models';
import { findFixedPoints, flowField, pcaFit, pcaTransform } from '../kernel-lib/src/analysis';
import { fixedPointChart, flowFieldChart } from '../kernel-lib/src/plot';
import { maxAbsDiff, py } from './helpers/python';

const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b) / Math.max(1e-12, ...Array.from(b, Math.abs));

describe('analysis: flow fields', function () {
  this.timeout(60000);
  before(async () => { await init(); });

  it('linear step function on an explicit (non-orthogonal) plane: in-plane velocity and speed match numpy', () => {
    const A = [[-1, 0.4, 0, 0.1], [-0.6, -0.5, 0.2, 0], [0, 0.3, -2, 0.5], [0.2, 0, -0.1, -0.8]];
    const b = [0.5, -1, 0.25, 0], dt = 0.1;
    const At = tf.tensor2d(A).transpose(), bt = tf.tensor2d([b]);
    const step = (x: tf.Tensor2D) => tf.add(x, tf.mul(dt, tf.add(tf.matMul(x, At), bt))) as tf.Tensor2D;
    const plane = { center: [0.2, -0.1, 0.3, 0.0], axes: [[1, 0.5, 0, 0.2], [0.3, -1, 0.4, 0]] as [number[], number[]] };
    const field = flowField(step, { plane, xRange: [-2, 2], yRange: [-1, 1.5], resolution: [7, 5], dt });
    assert.deepEqual(field.shape, [5, 7]);
    const want = py<{ u: number[]; v: number[]; speed: number[] }>(`
import json, sys, numpy as np
d = json.load(sys.stdin); A = np.array(d['A']); b = np.array(d['b'])
c = np.array(d['center']); E = np.array(d['axes']).T
xs = np.linspace(-2, 2, 7); ys = np.linspace(-1, 1.5, 5)
S = np.array([[s1, s2] for s2 in ys for s1 in xs])        # row-major [ny, nx], row 0 at ys[0]
X = c + S @ E.T
V = X @ A.T + b
coef = np.linalg.lstsq(E, V.T, rcond=None)[0]              # plane coordinates of each velocity
print(json.dumps({'u': coef[0].tolist(), 'v': coef[1].tolist(), 'speed': np.linalg.norm(V, axis=1).tolist()}))`, { A, b, ...plane });
    assert.ok(relDiff(field.u, want.u) < 1e-4, `u ${relDiff(field.u, want.u)}`);
    assert.ok(relDiff(field.v, want.v) < 1e-4, `v ${relDiff(field.v, want.v)}`);
    assert.ok(relDiff(field.speed, want.speed) < 1e-4, `speed ${relDiff(field.speed, want.speed)}`);
    // project() inverts the plane's parametrisation.
    const p = field.project({ data: [0.2 + 1 * 0.7 - 0.3 * 0.2, -0.1 + 0.5 * 0.7 + 1 * 0.2, 0.3 - 0.4 * 0.2, 0.2 * 0.7], shape: [1, 4] });
    assert.ok(maxAbsDiff(p.data, [0.7, -0.2]) < 1e-12, `project ${p.data}`);
    tf.dispose([At, bt]);
  });

  it('linear CT-RNN on a z-scored PCA plane (PC3 held at 0.7): velocities match numpy; default ranges follow the states', () => {
    const n = 6;
    const m = ctrnn({ n, nIn: 1, nOut: 1, dt: 0.5, tau: [2, 3, 4, 5, 6, 7], activation: 'linear', recBias: 0.1, init: { seed: 2, recGain: 0.6 } });
    const T = 40, B = 3;
    const inp = { data: Float32Array.from({ length: T * B }, (_, i) => Math.sin(0.2 * i)), shape: [T, B, 1] as [number, number, number] };
    const run = m.forward(inp, { states: true, noise: false });
    const rows = { data: Float64Array.from(run.states!.dataSync()), shape: [T * B, n] as [number, number] };
    tf.dispose([run.rates, run.outputs, run.states!]);
    const pca = pcaFit(rows, { nComponents: 3, zscore: true });
    const field = flowField(m, { pca, offset: [0, 0, 0.7], input: [0.3], states: rows, resolution: 6 });
    const sc = pcaTransform(pca, rows);
    const lo = Math.min(...Array.from({ length: T * B }, (_, r) => sc.data[3 * r])), hi = Math.max(...Array.from({ length: T * B }, (_, r) => sc.data[3 * r]));
    assert.ok(Math.abs(field.x[0] - (lo - 0.1 * (hi - lo))) < 1e-9 && Math.abs(field.x[5] - (hi + 0.1 * (hi - lo))) < 1e-9, 'x range = PC1 range + 10 %');
    const proj = field.project(rows);
    assert.ok(maxAbsDiff(proj.data, Array.from({ length: 2 * T * B }, (_, i) => sc.data[3 * Math.floor(i / 2) + (i % 2)])) < 1e-9, 'project() = PC1, PC2 scores');
    const want = py<{ u: number[]; v: number[]; speed: number[] }>(`
import json, sys, numpy as np
d = json.load(sys.stdin); n = 6
W = np.array(d['w']).reshape(n, n); Win = np.array(d['win']).reshape(n, 1); b = np.array(d['b']); tau = np.array(d['tau'])
C = np.array(d['comp']).reshape(3, n); mean = np.array(d['mean']); scale = np.array(d['scale'])
S = np.array([[s1, s2, 0.7] for s2 in d['y'] for s1 in d['x']])
X = mean + scale * (S @ C)
V = (-X + X @ W.T + (Win @ [0.3]) + b) / tau
Z = V / scale
print(json.dumps({'u': (Z @ C[0]).tolist(), 'v': (Z @ C[1]).tolist(), 'speed': np.linalg.norm(V, axis=1).tolist()}))`, {
      w: Array.from(m.effectiveW()), win: Array.from(m.params.w_in.dataSync()), b: Array.from(m.params.b.dataSync()), tau: Array.from(m.tau()),
      comp: Array.from(pca.components.data), mean: Array.from(pca.mean), scale: Array.from(pca.scale), x: Array.from(field.x), y: Array.from(field.y),
    });
    assert.ok(relDiff(field.u, want.u) < 1e-4, `u ${relDiff(field.u, want.u)}`);
    assert.ok(relDiff(field.v, want.v) < 1e-4, `v ${relDiff(field.v, want.v)}`);
    assert.ok(relDiff(field.speed, want.speed) < 1e-4, `speed ${relDiff(field.speed, want.speed)}`);
    assert.throws(() => flowField(m, { pca, xRange: [0, 1] }), /give xRange and yRange, or 'states'/);
    assert.throws(() => flowField(m, { xRange: [0, 1], yRange: [0, 1] }), /either 'pca'/);
    assert.throws(() => flowField(m, { pca, states: rows, input: [1, 2] }), /input has 2 values, the model has nIn = 1/);
    m.dispose();
  });

  it('charts: flow field with arrows, fixed points and trajectories; fixed points on PC axes (stable filled, unstable open)', async () => {
    const n = 5;
    const m = ctrnn({ n, nIn: 1, nOut: 1, dt: 1, tau: 4, activation: 'tanh', init: { seed: 4, recGain: 2.2 } });
    const T = 60, B = 4;
    const inp = { data: Float32Array.from({ length: T * B }, (_, i) => (i < 10 * B ? ((i % B) - 1.5) : 0)), shape: [T, B, 1] as [number, number, number] };
    const run = m.forward(inp, { states: true, noise: false });
    const traj = { data: Float64Array.from(run.states!.dataSync()), shape: [T, B, n] as [number, number, number] };
    tf.dispose([run.rates, run.outputs, run.states!]);
    const rows = { data: traj.data, shape: [T * B, n] as [number, number] };
    const fps = await findFixedPoints(m, { initialStates: rows, input: [0], progress: false, maxIters: 1500 });
    assert.ok(fps.n >= 1, String(fps));
    const pca = pcaFit(rows, { nComponents: 3 });
    const field = flowField(m, { pca, states: rows, input: [0], resolution: 24 });
    const fc = flowFieldChart(field, { fixedPoints: fps, trajectories: traj, arrows: 8 });
    assert.equal(fc.meta.arrows, 64);
    const layers = fc.spec.layer as { mark: { type: string } | string }[];
    const markTypes = layers.map((l) => (typeof l.mark === 'string' ? l.mark : l.mark.type));
    assert.deepEqual(markTypes.slice(-4), ['rule', 'point', 'line', 'point'], `layers ${markTypes}`);
    const fpLayer = layers[layers.length - 1] as unknown as { data: { values: { x: number; y: number; kind: string }[] } };
    const proj = pcaTransform(pca, fps.xstar);
    assert.ok(maxAbsDiff(fpLayer.data.values.map((p) => p.x), Array.from({ length: fps.n }, (_, k) => proj.data[3 * k])) < 1e-9);
    assert.deepEqual(fpLayer.data.values.map((p) => p.kind), fps.isStable!.map((s) => (s ? 'stable' : 'unstable')));
    const svg = await fc.toSVG();
    assert.ok(svg.startsWith('<svg') && svg.includes('PC1'), 'flow-field chart renders');

    const pc = fixedPointChart({ fixedPoints: fps, trajectories: traj, pca, dims: 3 });
    const sc = pc.meta.scores as { data: Float64Array; shape: [number, number] };
    assert.deepEqual(sc.shape, [fps.n, 3]);
    assert.ok(maxAbsDiff(sc.data, proj.data) < 1e-9);
    assert.equal(pc.meta.stable, fps.stableCount);
    assert.equal((pc.spec.hconcat as unknown[]).length, 3);
    const svg2 = await fixedPointChart({ fixedPoints: fps, trajectories: traj, title: 'Fixed points (test)' }).toSVG();
    assert.ok(svg2.includes('Fixed points (test)'), 'fixed-point chart renders');
    assert.throws(() => fixedPointChart({ fixedPoints: { xstar: { data: [1, 2], shape: [1, 2] } } }), /at least 2 fixed points/);
    m.dispose();
  });
});
