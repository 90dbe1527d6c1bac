/** Summary plots: bars, mean ± SEM with error bars, scatter with a fitted line, histogram. */
import { Chart } from './chart';
import { ChartOptions, NumArray, checkLength, r6, titleOf } from './shapes';

export interface BarChartOptions extends ChartOptions {
  labels: readonly (string | number)[];
  values: NumArray;
  /** Symmetric error bar half-widths (e.g. SEM), one per bar. */
  errors?: NumArray;
  xLabel?: string;
  yLabel?: string;
}

function barLayers(rows: object[], xLabel: string, yLabel: string, order: string[], withErrors: boolean): object[] {
  const x = { field: 'label', type: 'nominal', title: xLabel, sort: order, axis: { labelAngle: 0 } };
  const layers: object[] = [{
    mark: { type: 'bar', width: { band: 0.7 }, color: '#4c78a8' },
    encoding: { x, y: { field: 'value', type: 'quantitative', title: yLabel } },
  }];
  if (withErrors) {
    layers.push({
      mark: { type: 'errorbar', ticks: { width: 10 }, color: '#222' },
      encoding: { x, y: { field: 'lo', type: 'quantitative', title: yLabel }, y2: { field: 'hi' } },
    });
  }
  return layers;
}

/** Bars with optional symmetric error bars. */
export function barChart(o: BarChartOptions): Chart {
  const fn = 'barChart';
  const n = o.labels?.length ?? 0;
  checkLength(fn, 'values', o.values, n);
  if (o.errors) checkLength(fn, 'errors', o.errors, n);
  const labels = o.labels.map(String);
  if (new Set(labels).size !== n) throw new Error(`${fn}: labels must be distinct`);
  const rows = labels.map((label, i) => {
    const e = o.errors ? Math.abs(o.errors[i]) : 0;
    return { label, value: r6(o.values[i]), lo: r6(o.values[i] - e), hi: r6(o.values[i] + e) };
  });
  const title = titleOf(o);
  return new Chart({
    ...(title !== undefined ? { title } : {}),
    data: { values: rows },
    width: o.width ?? Math.max(160, 50 * n),
    height: o.height ?? 220,
    layer: barLayers(rows, o.xLabel ?? '', o.yLabel ?? 'value', labels, !!o.errors),
  }, { kind: 'barChart' });
}

export interface MeanSemOptions extends ChartOptions {
  /** Samples per group, in display order: `{label: values}` or `[{label, values}]`. */
  groups: Record<string, NumArray> | readonly { label: string; values: NumArray }[];
  /** Overlay the individual samples as points. Default true. */
  showPoints?: boolean;
  xLabel?: string;
  yLabel?: string;
}

/** Mean and standard error of the mean (sample std with n − 1, over √n), ignoring non-finite values. */
export function meanSem(values: NumArray): { mean: number; sem: number; n: number } {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) { s += values[i]; n++; }
  const mean = n ? s / n : NaN;
  let ss = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) ss += (values[i] - mean) ** 2;
  return { mean, sem: n > 1 ? Math.sqrt(ss / (n - 1)) / Math.sqrt(n) : NaN, n };
}

/**
 * Bars at each group's mean with ± SEM error bars, optionally with the samples on top. `chart.meta.stats` holds
 * {label, mean, sem, n} per group.
 */
export function meanSemChart(o: MeanSemOptions): Chart {
  const fn = 'meanSemChart';
  const groups = Array.isArray(o.groups)
    ? (o.groups as readonly { label: string; values: NumArray }[])
    : Object.entries(o.groups as Record<string, NumArray>).map(([label, values]) => ({ label, values }));
  if (groups.length === 0) throw new Error(`${fn}: no groups`);
  const stats = groups.map((g) => ({ label: String(g.label), ...meanSem(g.values) }));
  const rows = stats.map((s) => ({ label: s.label, value: r6(s.mean), lo: r6(s.mean - s.sem), hi: r6(s.mean + s.sem), n: s.n }));
  const labels = stats.map((s) => s.label);
  const yLabel = o.yLabel ?? 'value';
  const layers = barLayers(rows, o.xLabel ?? '', yLabel, labels, true);
  let pointsData: object[] = [];
  if (o.showPoints !== false) {
    pointsData = groups.flatMap((g) => Array.from(g.values as ArrayLike<number>).filter(Number.isFinite).map((v) => ({ label: String(g.label), value: r6(v) })));
    layers.push({
      data: { values: pointsData },
      mark: { type: 'point', filled: true, size: 18, opacity: 0.5, color: '#222' },
      encoding: { x: { field: 'label', type: 'nominal', sort: labels }, y: { field: 'value', type: 'quantitative', title: yLabel } },
    });
  }
  const title = titleOf(o);
  return new Chart({
    ...(title !== undefined ? { title } : {}),
    data: { values: rows },
    width: o.width ?? Math.max(160, 60 * groups.length),
    height: o.height ?? 220,
    layer: layers,
  }, { kind: 'meanSemChart', stats });
}

export interface ScatterFitOptions extends ChartOptions {
  x: NumArray;
  y: NumArray;
  xLabel?: string;
  yLabel?: string;
  /** Draw the least-squares line. Default true. */
  fit?: boolean;
}

/** Ordinary least squares y = slope·x + intercept and Pearson r over the pairs where both are finite. */
export function linearFit(x: NumArray, y: NumArray): { slope: number; intercept: number; r: number; n: number } {
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) { sx += x[i]; sy += y[i]; n++; }
  const mx = sx / n, my = sy / n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!(Number.isFinite(x[i]) && Number.isFinite(y[i]))) continue;
    const dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r: sxy / Math.sqrt(sxx * syy), n };
}

/**
 * Scatter plot with the least-squares line; the title ends with "(r = …, n = …)". `chart.meta` holds slope,
 * intercept, r and n.
 */
export function scatterFit(o: ScatterFitOptions): Chart {
  const fn = 'scatterFit';
  const n = o.x?.length ?? 0;
  checkLength(fn, 'y', o.y, n);
  const fit = linearFit(o.x, o.y);
  if (fit.n < 2) throw new Error(`${fn}: need at least 2 finite (x, y) pairs, got ${fit.n}`);
  const pts: object[] = [];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (!(Number.isFinite(o.x[i]) && Number.isFinite(o.y[i]))) continue;
    pts.push({ x: r6(o.x[i]), y: r6(o.y[i]) });
    lo = Math.min(lo, o.x[i]); hi = Math.max(hi, o.x[i]);
  }
  const rText = Number.isFinite(fit.r) ? fit.r.toFixed(2) : 'undefined';
  const stat = `(r = ${rText}, n = ${fit.n})`;
  const title = o.title ? `${o.title} ${stat}` : stat;
  const x = { field: 'x', type: 'quantitative', title: o.xLabel ?? 'x', scale: { zero: false } };
  const y = { field: 'y', type: 'quantitative', title: o.yLabel ?? 'y', scale: { zero: false } };
  const layers: object[] = [{ data: { values: pts }, mark: { type: 'point', filled: true, size: 30, opacity: 0.7 }, encoding: { x, y } }];
  if (o.fit !== false && Number.isFinite(fit.slope)) {
    const line = [lo, hi].map((v) => ({ x: r6(v), y: r6(fit.slope * v + fit.intercept) }));
    layers.push({ data: { values: line }, mark: { type: 'line', color: '#e45756', strokeWidth: 2 }, encoding: { x, y } });
  }
  return new Chart({
    title: o.subtitle ? { text: title, subtitle: o.subtitle } : title,
    width: o.width ?? 300, height: o.height ?? 260, layer: layers,
  }, { kind: 'scatterFit', ...fit });
}

export interface HistogramOptions extends ChartOptions {
  values: NumArray;
  /** Number of equal-width bins. Default 30. */
  bins?: number;
  /** [lo, hi] of the bins; default the data's min and max. Values outside are not counted. */
  range?: [number, number];
  /** Plot probability density (area 1) instead of counts. Default false. */
  density?: boolean;
  xLabel?: string;
}

/**
 * Counts in equal-width bins (numpy.histogram's convention: bins are [lo, hi) except the last, which is closed).
 * Binning is done here, not by Vega-Lite, so a large sample embeds only the bin counts. `chart.meta` holds `edges`
 * and `counts`.
 */
export function histogram(o: HistogramOptions): Chart {
  const fn = 'histogram';
  const nb = o.bins ?? 30;
  if (!(Number.isInteger(nb) && nb > 0)) throw new Error(`${fn}: bins must be a positive integer, got ${nb}`);
  const finite: number[] = [];
  for (let i = 0; i < (o.values?.length ?? 0); i++) if (Number.isFinite(o.values[i])) finite.push(o.values[i]);
  if (finite.length === 0 && !o.range) throw new Error(`${fn}: no finite values`);
  let [lo, hi] = o.range ?? [Math.min(...finite), Math.max(...finite)];
  if (!(hi >= lo)) throw new Error(`${fn}: range [${lo}, ${hi}] is empty`);
  if (hi === lo) { lo -= 0.5; hi += 0.5; } // numpy does the same for a constant sample
  const edges = Array.from({ length: nb + 1 }, (_, i) => lo + ((hi - lo) * i) / nb);
  const counts = new Array<number>(nb).fill(0);
  for (const v of finite) {
    if (v < lo || v > hi) continue;
    counts[Math.min(nb - 1, Math.floor(((v - lo) / (hi - lo)) * nb))]++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const width = (hi - lo) / nb;
  const rows = counts.map((c, i) => ({ lo: r6(edges[i]), hi: r6(edges[i + 1]), y: r6(o.density ? c / (total * width) : c) }));
  const title = titleOf(o);
  return new Chart({
    ...(title !== undefined ? { title } : {}),
    data: { values: rows },
    width: o.width ?? 320,
    height: o.height ?? 200,
    mark: { type: 'bar', color: '#4c78a8', stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'lo', type: 'quantitative', title: o.xLabel ?? 'value', scale: { zero: false, nice: false }, bin: { binned: true } },
      x2: { field: 'hi' },
      y: { field: 'y', type: 'quantitative', title: o.density ? 'density' : 'count' },
    },
  }, { kind: 'histogram', edges, counts });
}
