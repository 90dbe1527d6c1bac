/** State-space views: PCA trajectories and eigenvalue spectra. */
import { Chart } from './chart';
import { ChartOptions, NumArray, checkLength, checkShape, labelsOr, r6, strideIndices, titleOf } from './shapes';

export interface PcaTrajectoriesOptions extends ChartOptions {
  /** Row-major projections, shape `[conditions, time, components]` (components ≥ 2). */
  scores: NumArray;
  shape: [number, number, number];
  /** Condition names (colour); default c0, c1, ... */
  conditions?: readonly (string | number)[];
  /** 2: one PC1–PC2 panel; 3: three pairwise panels (1–2, 1–3, 2–3). Default 3 when there are ≥ 3 components. */
  dims?: 2 | 3;
  /** Fraction of variance explained per component (0..1), shown in the axis titles. */
  explained?: NumArray;
  /** Mark each trajectory's start with a circle. Default true. */
  markStart?: boolean;
  /** At most this many time samples per trajectory (evenly strided). Default 500. */
  maxTimePoints?: number;
}

/**
 * Trajectories in principal-component space, one line per condition (drawn in time order) with its start
 * marked. Three components are shown as the three pairwise projections side by side.
 */
export function pcaTrajectories(o: PcaTrajectoriesOptions): Chart {
  const fn = 'pcaTrajectories';
  const [C, T, D] = o.shape ?? [];
  checkShape(fn, 'scores', o.scores, [C, T, D]);
  if (D < 2) throw new Error(`${fn}: need at least 2 components, shape has ${D}`);
  const dims = o.dims ?? (D >= 3 ? 3 : 2);
  if (dims === 3 && D < 3) throw new Error(`${fn}: dims 3 needs 3 components, shape has ${D}`);
  if (o.explained) checkLength(fn, 'explained', o.explained, D);
  const conds = labelsOr(fn, 'conditions', o.conditions, C, 'c');
  const times = strideIndices(T, o.maxTimePoints ?? 500);
  const values: object[] = [];
  for (let c = 0; c < C; c++) {
    for (const i of times) {
      const row: Record<string, unknown> = { condition: conds[c], step: i };
      for (let d = 0; d < dims; d++) row[`pc${d + 1}`] = r6(o.scores[(c * T + i) * D + d]);
      values.push(row);
    }
  }
  const axisTitle = (d: number) => (o.explained ? `PC${d + 1} (${(100 * o.explained[d]).toFixed(1)}% var.)` : `PC${d + 1}`);
  const size = dims === 3 ? { width: o.width ?? 200, height: o.height ?? 200 } : { width: o.width ?? 300, height: o.height ?? 300 };
  const panel = (a: number, b: number) => {
    const enc = {
      x: { field: `pc${a + 1}`, type: 'quantitative', title: axisTitle(a), scale: { zero: false } },
      y: { field: `pc${b + 1}`, type: 'quantitative', title: axisTitle(b), scale: { zero: false } },
      color: { field: 'condition', type: 'nominal', title: 'condition', sort: conds, legend: C > 1 ? {} : null },
    };
    const layer: object[] = [{ mark: { type: 'line' }, encoding: { ...enc, order: { field: 'step', type: 'quantitative' } } }];
    if (o.markStart !== false) {
      layer.push({ transform: [{ filter: `datum.step == ${times[0]}` }], mark: { type: 'point', filled: true, size: 50 }, encoding: enc });
    }
    return { ...size, layer };
  };
  const title = titleOf(o, 'Trajectories in PC space');
  const spec = dims === 3
    ? { title, data: { values }, hconcat: [panel(0, 1), panel(0, 2), panel(1, 2)] }
    : { title, data: { values }, ...panel(0, 1) };
  return new Chart(spec, { kind: 'pcaTrajectories', rows: values.length });
}

export interface EigenSpectrumOptions extends ChartOptions {
  /** Real and imaginary parts of the eigenvalues (same length). */
  re: NumArray;
  im: NumArray;
  /**
   * 'discrete' (eigenvalues of a map, e.g. W or a discrete-time Jacobian): unit circle drawn, |λ| > 1 unstable.
   * 'continuous' (eigenvalues of a continuous-time Jacobian): imaginary axis drawn, Re λ > 0 unstable.
   * Default 'discrete'.
   */
  kind?: 'discrete' | 'continuous';
  /** Where the stability boundary is drawn: radius of the circle, or Re λ of the vertical line. Default 1 / 0. */
  boundary?: number;
}

/**
 * Eigenvalues in the complex plane, coloured stable/unstable, with the stability boundary (unit circle or
 * imaginary axis). Both axes have the same units per pixel for 'discrete'. `chart.meta.unstable` counts the
 * eigenvalues beyond the boundary.
 */
export function eigenSpectrum(o: EigenSpectrumOptions): Chart {
  const fn = 'eigenSpectrum';
  const n = o.re?.length ?? 0;
  checkLength(fn, 'im', o.im, n);
  if (n === 0) throw new Error(`${fn}: no eigenvalues`);
  const kind = o.kind ?? 'discrete';
  const boundary = o.boundary ?? (kind === 'discrete' ? 1 : 0);
  let unstable = 0;
  let extent = 0;
  const values: object[] = [];
  for (let k = 0; k < n; k++) {
    const re = o.re[k], im = o.im[k];
    if (!Number.isFinite(re) || !Number.isFinite(im)) continue;
    const bad = kind === 'discrete' ? Math.hypot(re, im) > boundary : re > boundary;
    if (bad) unstable++;
    extent = Math.max(extent, Math.abs(re), Math.abs(im));
    values.push({ re: r6(re), im: r6(im), stability: bad ? 'unstable' : 'stable' });
  }
  const layers: object[] = [];
  let xScale: object = { zero: false }, yScale: object = { zero: false };
  if (kind === 'discrete') {
    const r = Math.max(boundary, extent) * 1.1;
    xScale = { domain: [-r, r], nice: false };
    yScale = { domain: [-r, r], nice: false };
    const circle = Array.from({ length: 121 }, (_, i) => {
      const a = (2 * Math.PI * i) / 120;
      return { i, re: r6(boundary * Math.cos(a)), im: r6(boundary * Math.sin(a)) };
    });
    layers.push({
      data: { values: circle },
      mark: { type: 'line', color: '#888', strokeDash: [4, 3], strokeWidth: 1 },
      encoding: { x: { field: 're', type: 'quantitative' }, y: { field: 'im', type: 'quantitative' }, order: { field: 'i', type: 'quantitative' } },
    });
  } else {
    layers.push({
      data: { values: [{ re: boundary }] },
      mark: { type: 'rule', color: '#888', strokeDash: [4, 3], strokeWidth: 1 },
      encoding: { x: { field: 're', type: 'quantitative' } },
    });
  }
  layers.push({
    data: { values },
    mark: { type: 'point', filled: true, size: 28, opacity: 0.8 },
    encoding: {
      x: { field: 're', type: 'quantitative', title: 'Re λ', scale: xScale },
      y: { field: 'im', type: 'quantitative', title: 'Im λ', scale: yScale },
      color: { field: 'stability', type: 'nominal', title: null, scale: { domain: ['stable', 'unstable'], range: ['#4c78a8', '#e45756'] } },
    },
  });
  const title = titleOf(o, 'Eigenvalue spectrum');
  const side = o.width ?? 280;
  return new Chart({ title, width: side, height: o.height ?? side, layer: layers }, { kind: 'eigenSpectrum', unstable, count: values.length });
}
