/** Heat maps: unit rates over time (sorted, with event markers) and speed landscapes with flow vectors. */
import { Chart } from './chart';
import { TimeEvent } from './lines';
import { ChartOptions, NumArray, checkLength, checkShape, r6, titleOf } from './shapes';
import { rasterLayers } from './raster';
import { HEATMAP_SCHEME } from './theme';

export interface RateHeatmapOptions extends ChartOptions {
  /** Row-major rates, shape `[units, time]`. */
  rates: NumArray;
  shape: [number, number];
  /** Time of each sample (length = time, increasing); default 0, 1, 2, ... */
  t?: NumArray;
  /**
   * Unit order, top to bottom: 'peak' (by time of each unit's maximum, earliest at the top), 'none' (as given),
   * or an explicit permutation of 0..units-1. Default 'peak'.
   */
  sort?: 'peak' | 'none' | readonly number[];
  /**
   * Per-unit scaling before colouring: 'max' (divide by the unit's max |rate|, so each row spans up to 1),
   * 'zscore' (subtract the unit's mean, divide by its std), 'none'. Default 'max'.
   */
  normalize?: 'max' | 'zscore' | 'none';
  /** Vertical rules at these times (stimulus onset, go cue, ...). */
  events?: readonly TimeEvent[];
  timeLabel?: string;
  colorLabel?: string;
  /**
   * Most image columns. Longer recordings are averaged in bins of k consecutive samples (k the smallest that
   * fits); units are never merged. Default 400: more than the plot's 340 px, and it keeps a 200-unit map's
   * notebook output under ~1 MB (the PNG appears in the spec, the SVG and the HTML).
   */
  maxColumns?: number;
  /** Colour range; default the data's min and max after normalisation. */
  colorDomain?: [number, number];
}

function peakOrder(rates: NumArray, U: number, T: number): number[] {
  const peakAt = new Array<number>(U);
  for (let u = 0; u < U; u++) {
    let best = -Infinity, at = 0;
    for (let i = 0; i < T; i++) {
      const v = rates[u * T + i];
      if (v > best) { best = v; at = i; }
    }
    peakAt[u] = at;
  }
  // Stable: units peaking at the same time keep their input order.
  return Array.from({ length: U }, (_, u) => u).sort((a, b) => peakAt[a] - peakAt[b] || a - b);
}

function normalizeRow(row: Float64Array, how: 'max' | 'zscore' | 'none'): void {
  if (how === 'none') return;
  if (how === 'max') {
    let m = 0;
    for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
    if (m > 0) for (let i = 0; i < row.length; i++) row[i] /= m;
    return;
  }
  let s = 0, n = 0;
  for (const v of row) if (Number.isFinite(v)) { s += v; n++; }
  const mean = n ? s / n : 0;
  let ss = 0;
  for (const v of row) if (Number.isFinite(v)) ss += (v - mean) ** 2;
  const sd = n ? Math.sqrt(ss / n) : 0;
  for (let i = 0; i < row.length; i++) row[i] = sd > 0 ? (row[i] - mean) / sd : 0;
}

/**
 * Units × time heat map of rates, rows sorted (by default by peak time) and normalised per unit, with event
 * rules. `chart.meta.order` holds the unit index drawn in each row (top first); `chart.meta.binSize` the number of
 * time samples averaged per column.
 */
export function rateHeatmap(o: RateHeatmapOptions): Chart {
  const fn = 'rateHeatmap';
  const [U, T] = o.shape ?? [];
  checkShape(fn, 'rates', o.rates, [U, T]);
  if (o.t) checkLength(fn, 't', o.t, T);
  let order: number[];
  const sort = o.sort ?? 'peak';
  if (sort === 'peak') order = peakOrder(o.rates, U, T);
  else if (sort === 'none') order = Array.from({ length: U }, (_, u) => u);
  else {
    const seen = new Set(sort);
    if (sort.length !== U || seen.size !== U || !sort.every((u) => Number.isInteger(u) && u >= 0 && u < U)) {
      throw new Error(`${fn}: sort must be 'peak', 'none' or a permutation of 0..${U - 1}`);
    }
    order = [...sort];
  }
  const height = o.height ?? Math.min(400, Math.max(160, 3 * U));
  const bin = Math.max(1, Math.ceil(T / (o.maxColumns ?? 400)));
  const nCols = Math.ceil(T / bin);
  const time = (i: number) => (o.t ? o.t[i] : i);
  // A column spans from its first sample to the next column's first sample (one step past the end for the last).
  const step = T > 1 ? (time(T - 1) - time(0)) / (T - 1) : 1;
  const grid = new Float64Array(U * nCols);
  const row = new Float64Array(T);
  order.forEach((u, rank) => {
    for (let i = 0; i < T; i++) row[i] = o.rates[u * T + i];
    normalizeRow(row, o.normalize ?? 'max');
    for (let c = 0; c < nCols; c++) {
      let s = 0, n = 0;
      for (let i = c * bin; i < Math.min(T, (c + 1) * bin); i++) if (Number.isFinite(row[i])) { s += row[i]; n++; }
      grid[rank * nCols + c] = n ? s / n : NaN;
    }
  });
  const timeLabel = o.timeLabel ?? (o.t ? 'time (s)' : 'time step');
  const norm = o.normalize ?? 'max';
  const colorLabel = o.colorLabel ?? (norm === 'max' ? 'rate / max' : norm === 'zscore' ? 'rate (z)' : 'rate');
  const raster = rasterLayers({
    values: grid, rows: U, cols: nCols, x: [time(0), time(T - 1) + step], yTop: 0, yBottom: U, yDomain: [U, 0],
    scheme: HEATMAP_SCHEME, domain: o.colorDomain, xTitle: timeLabel, legendLength: Math.min(200, height),
    yTitle: sort === 'peak' ? 'unit (sorted by peak time)' : 'unit', colorTitle: colorLabel,
  });
  const layers: object[] = [...raster.layers];
  if (o.events?.length) {
    const ev = o.events.map((e) => ({ t: e.t, label: e.label ?? '' }));
    layers.push(
      { data: { values: ev }, mark: { type: 'rule', color: 'white', strokeDash: [5, 3], strokeWidth: 1.5 }, encoding: { x: { field: 't', type: 'quantitative' } } },
      {
        data: { values: ev },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 2, dy: -3, fontSize: 10, color: '#222' },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      },
    );
  }
  const title = titleOf(o);
  return new Chart({
    ...(title !== undefined ? { title: typeof title === 'string' ? { text: title, offset: o.events?.length ? 16 : 10 } : title } : {}),
    width: o.width ?? 340,
    height,
    layer: layers,
  }, { kind: 'rateHeatmap', order, binSize: bin, columns: nCols, colorDomain: raster.domain, pngBytes: raster.pngBytes });
}

export interface SpeedHeatmapOptions extends ChartOptions {
  /** Row-major speed (e.g. q = ½|F(x)|²) on a grid, shape `[ny, nx]`; row 0 is y[0]. */
  speed: NumArray;
  shape: [number, number];
  /** Grid coordinates, strictly increasing and evenly spaced (cells are drawn as equal pixels): x has nx entries, y has ny. */
  x: NumArray;
  y: NumArray;
  /** Flow vectors: arrows from (x, y) along (u, v); all four arrays have one entry per arrow. */
  vectors?: { x: NumArray; y: NumArray; u: NumArray; v: NumArray };
  /** Fixed points to mark: filled circle if stable, open if not. */
  fixedPoints?: readonly { x: number; y: number; stable?: boolean }[];
  /** Colour by log10(speed) (speeds ≤ 0 are dropped). Default true: speeds span decades around fixed points. */
  logColor?: boolean;
  xLabel?: string;
  yLabel?: string;
  colorLabel?: string;
}

/**
 * Speed landscape over a 2-D grid (e.g. in the PC plane) with flow arrows (rule + triangle head) and fixed
 * points. Arrow length is scaled so the longest arrow spans 0.9 of a grid cell of the arrow grid; the head is
 * rotated to the arrow's on-screen direction.
 */
export function speedHeatmap(o: SpeedHeatmapOptions): Chart {
  const fn = 'speedHeatmap';
  const [ny, nx] = o.shape ?? [];
  checkShape(fn, 'speed', o.speed, [ny, nx]);
  checkLength(fn, 'x', o.x, nx);
  checkLength(fn, 'y', o.y, ny);
  const width = o.width ?? 320, height = o.height ?? 320;
  const logColor = o.logColor ?? true;
  for (const [name, a] of [['x', o.x], ['y', o.y]] as const) {
    for (let i = 1; i < a.length; i++) {
      if (!(a[i] > a[i - 1])) throw new Error(`${fn}: ${name} must be strictly increasing (${name}[${i - 1}] = ${a[i - 1]}, ${name}[${i}] = ${a[i]})`);
    }
  }
  // The image's rows run top (largest y) to bottom; the input's row 0 is y[0], the smallest.
  const img = new Float64Array(ny * nx);
  let dropped = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const s = o.speed[j * nx + i];
      const ok = Number.isFinite(s) && (!logColor || s > 0);
      if (!ok) dropped++;
      img[(ny - 1 - j) * nx + i] = ok ? (logColor ? Math.log10(s) : s) : NaN;
    }
  }
  const halfStep = (a: NumArray, n: number) => (n > 1 ? (a[n - 1] - a[0]) / (n - 1) / 2 : 0.5);
  const hx = halfStep(o.x, nx), hy = halfStep(o.y, ny);
  const xr: [number, number] = [o.x[0] - hx, o.x[nx - 1] + hx];
  const yr: [number, number] = [o.y[0] - hy, o.y[ny - 1] + hy];
  const raster = rasterLayers({
    values: img, rows: ny, cols: nx, x: xr, yTop: yr[1], yBottom: yr[0], scheme: 'magma', legendLength: Math.min(200, height),
    xTitle: o.xLabel ?? 'PC1', yTitle: o.yLabel ?? 'PC2', colorTitle: o.colorLabel ?? (logColor ? 'log10 speed' : 'speed'),
  });
  const layers: object[] = [...raster.layers];
  if (o.vectors) {
    const { x, y, u, v } = o.vectors;
    const m = x.length;
    for (const [name, a] of [['y', y], ['u', u], ['v', v]] as const) checkLength(fn, `vectors.${name}`, a, m);
    // Spacing of the arrow grid, estimated as the plot area per arrow.
    const spanX = Math.abs(xr[1] - xr[0]) || 1, spanY = Math.abs(yr[1] - yr[0]) || 1;
    const cellPx = Math.sqrt((width * height) / Math.max(1, m));
    let maxPx = 0;
    for (let k = 0; k < m; k++) maxPx = Math.max(maxPx, Math.hypot((u[k] / spanX) * width, (v[k] / spanY) * height));
    const scale = maxPx > 0 ? (0.9 * cellPx) / maxPx : 0;
    const arrows: object[] = [];
    for (let k = 0; k < m; k++) {
      if (![x[k], y[k], u[k], v[k]].every(Number.isFinite)) continue;
      const px = (u[k] / spanX) * width, py = (v[k] / spanY) * height;
      arrows.push({
        x: r6(x[k]), y: r6(y[k]), x2: r6(x[k] + u[k] * scale), y2: r6(y[k] + v[k] * scale),
        // Triangle points up at angle 0; vega rotates clockwise in degrees; screen y grows downward.
        angle: r6((Math.atan2(px, py) * 180) / Math.PI),
      });
    }
    layers.push(
      { data: { values: arrows }, mark: { type: 'rule', color: 'white', strokeWidth: 1.2, opacity: 0.9 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, x2: { field: 'x2' }, y2: { field: 'y2' } } },
      { data: { values: arrows }, mark: { type: 'point', shape: 'triangle-up', filled: true, color: 'white', size: 22, opacity: 0.9 }, encoding: { x: { field: 'x2', type: 'quantitative' }, y: { field: 'y2', type: 'quantitative' }, angle: { field: 'angle', type: 'quantitative', scale: null } } },
    );
  }
  if (o.fixedPoints?.length) {
    const fps = o.fixedPoints.map((p) => ({ x: p.x, y: p.y, kind: p.stable === false ? 'unstable' : 'stable' }));
    layers.push({
      data: { values: fps },
      mark: { type: 'point', size: 90, strokeWidth: 2, color: '#00e5ff' },
      encoding: {
        x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' },
        fill: { field: 'kind', type: 'nominal', title: 'fixed point', scale: { domain: ['stable', 'unstable'], range: ['#00e5ff', 'transparent'] } },
      },
    });
  }
  const title = titleOf(o, 'Speed');
  return new Chart({ title, width, height, layer: layers }, { kind: 'speedHeatmap', dropped, colorDomain: raster.domain, pngBytes: raster.pngBytes });
}
