/**
 * Fixed points on principal-component axes: filled circles for stable points, open ones for unstable points,
 * over the trajectories the PCA was fitted to (grey). Takes a `FixedPoints` result (anything with `xstar` and
 * `isStable`) directly.
 */
import { Dense2D } from '../analysis/dense';
import { PcaModel, pcaFit, pcaTransform } from '../analysis/pca';
import { Chart } from './chart';
import { ChartOptions, NumArray, checkShape, r6, strideIndices, titleOf } from './shapes';

export interface FixedPointChartOptions extends ChartOptions {
  /** The points, e.g. the result of `findFixedPoints`: `xstar` [K, N] and stability per point (null: unknown). */
  fixedPoints: { xstar: { data: NumArray; shape: [number, number] }; isStable?: readonly boolean[] | null };
  /**
   * Trajectories drawn under the points, time-major [T, B, N] as `Ctrnn.forward(..., { states: true })` returns
   * them (pass `{ data: states.dataSync(), shape: states.shape }`).
   */
  trajectories?: { data: NumArray; shape: [number, number, number] };
  /** PCA to project with. Default: fitted to the trajectories (or, without them, to the fixed points). */
  pca?: PcaModel;
  /** 2: PC1–PC2; 3: the three pairwise panels. Default 2. */
  dims?: 2 | 3;
  /** At most this many trajectories drawn (the first ones). Default 20. */
  maxTrajectories?: number;
  /** At most this many time points per trajectory. Default 300. */
  maxTimePoints?: number;
}

function toDense(data: NumArray, rows: number, cols: number): Dense2D {
  return { data: Float64Array.from(data), shape: [rows, cols] };
}

/**
 * Chart of fixed points in PC space. `chart.meta` holds the projected points (`scores`, [K, dims]), the fraction of
 * variance on each axis (`explained`, when the PCA was fitted to trajectories or given) and the stable/unstable counts.
 */
export function fixedPointChart(o: FixedPointChartOptions): Chart {
  const fn = 'fixedPointChart';
  const fp = o.fixedPoints;
  if (!fp?.xstar) throw new Error(`${fn}: fixedPoints needs xstar ([K, N], e.g. the result of findFixedPoints)`);
  const [K, N] = fp.xstar.shape;
  if (!(K >= 0 && N >= 1) || fp.xstar.data.length !== K * N) throw new Error(`${fn}: fixedPoints.xstar has ${fp.xstar.data.length} values for shape [${K}, ${N}]`);
  const stable = fp.isStable ?? null;
  if (stable && stable.length !== K) throw new Error(`${fn}: fixedPoints.isStable has ${stable.length} entries for ${K} points`);
  const dims = o.dims ?? 2;
  let traj: Dense2D | null = null, T = 0, B = 0;
  if (o.trajectories) {
    [T, B] = o.trajectories.shape;
    const Nt = o.trajectories.shape[2];
    checkShape(fn, 'trajectories', o.trajectories.data, [T, B, Nt]);
    if (Nt !== N) throw new Error(`${fn}: trajectories have ${Nt} units, the fixed points ${N}`);
    traj = toDense(o.trajectories.data, T * B, N);
  }
  let pca = o.pca;
  if (pca && pca.mean.length !== N) throw new Error(`${fn}: the PCA model was fitted on ${pca.mean.length} units, the fixed points have ${N}`);
  if (!pca) {
    const fitOn = traj ?? toDense(fp.xstar.data, K, N);
    if (fitOn.shape[0] < 2) throw new Error(`${fn}: need trajectories or at least 2 fixed points to fit the PCA (or pass 'pca')`);
    pca = pcaFit(fitOn, { nComponents: Math.min(dims, fitOn.shape[0], N) });
  }
  if (pca.nComponents < dims) throw new Error(`${fn}: dims ${dims} needs a PCA with ≥ ${dims} components, this one has ${pca.nComponents}`);
  const k = pca.nComponents;
  const scores = K > 0 ? pcaTransform(pca, toDense(fp.xstar.data, K, N)) : { data: new Float64Array(0), shape: [0, k] as [number, number] };
  const kind = (i: number) => (stable ? (stable[i] ? 'stable' : 'unstable') : 'fixed point');
  const pts = Array.from({ length: K }, (_, i) => {
    const row: Record<string, unknown> = { kind: kind(i), index: i };
    for (let d = 0; d < dims; d++) row[`pc${d + 1}`] = r6(scores.data[i * k + d]);
    return row;
  });
  const lines: object[] = [];
  if (traj) {
    const tScores = pcaTransform(pca, traj);
    const times = strideIndices(T, o.maxTimePoints ?? 300);
    for (let b = 0; b < Math.min(B, o.maxTrajectories ?? 20); b++) {
      for (const t of times) {
        const row: Record<string, unknown> = { trial: b, step: t };
        for (let d = 0; d < dims; d++) row[`pc${d + 1}`] = r6(tScores.data[(t * B + b) * k + d]);
        lines.push(row);
      }
    }
  }
  const explained = pca.explainedVarianceRatio;
  const axis = (d: number) => (traj || o.pca ? `PC${d + 1} (${(100 * explained[d]).toFixed(1)}% var.)` : `PC${d + 1}`);
  const domain = stable ? ['stable', 'unstable'] : ['fixed point'];
  const panel = (a: number, b: number) => {
    const x = { field: `pc${a + 1}`, type: 'quantitative', title: axis(a), scale: { zero: false } };
    const y = { field: `pc${b + 1}`, type: 'quantitative', title: axis(b), scale: { zero: false } };
    const layer: object[] = [];
    if (lines.length) {
      layer.push({
        data: { values: lines }, mark: { type: 'line', color: '#999', strokeWidth: 1, opacity: 0.5 },
        encoding: { x, y, detail: { field: 'trial', type: 'nominal' }, order: { field: 'step', type: 'quantitative' } },
      });
    }
    layer.push({
      data: { values: pts },
      mark: { type: 'point', size: 80, strokeWidth: 2, opacity: 1 },
      encoding: {
        x, y,
        color: { field: 'kind', type: 'nominal', title: null, scale: { domain, range: stable ? ['#1f4e9e', '#d62728'] : ['#222'] } },
        fill: { field: 'kind', type: 'nominal', title: null, scale: { domain, range: stable ? ['#1f4e9e', 'white'] : ['#222'] } },
        tooltip: [{ field: 'index', title: 'point' }, { field: 'kind' }],
      },
    });
    return { width: o.width ?? (dims === 3 ? 200 : 300), height: o.height ?? (dims === 3 ? 200 : 300), layer };
  };
  const title = titleOf(o, 'Fixed points');
  const spec = dims === 3 ? { title, hconcat: [panel(0, 1), panel(0, 2), panel(1, 2)] } : { title, ...panel(0, 1) };
  const nStable = stable ? stable.filter(Boolean).length : NaN;
  return new Chart(spec, {
    kind: 'fixedPointChart', scores: { data: Float64Array.from({ length: K * dims }, (_, i) => scores.data[Math.floor(i / dims) * k + (i % dims)]), shape: [K, dims] },
    explained: Array.from(explained.subarray(0, dims)), stable: nStable, unstable: stable ? K - nStable : NaN, pca,
  });
}
