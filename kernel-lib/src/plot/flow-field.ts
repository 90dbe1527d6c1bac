/**
 * A flow field (from `flowField`) as a speed heat map with arrows and, optionally, fixed points and trajectories
 * on the same plane: `speedHeatmap` with the arrows thinned to a readable grid.
 */
import { Chart } from './chart';
import { speedHeatmap } from './heatmaps';
import { ChartOptions, NumArray, r6, strideIndices } from './shapes';

/** What the chart needs of a `FlowField` (structural, so the analysis result passes directly). */
export interface FlowFieldLike {
  x: NumArray;
  y: NumArray;
  shape: [number, number];
  u: NumArray;
  v: NumArray;
  speed: NumArray;
  labels?: [string, string];
  project(states: { data: ArrayLike<number>; shape: [number, number] }): { data: ArrayLike<number>; shape: [number, number] };
}

export interface FlowFieldChartOptions extends ChartOptions {
  /** Arrows per axis (the grid is thinned evenly, edges included; at most the grid size). Default 15; 0 for none. */
  arrows?: number;
  /** Fixed points to mark (e.g. the result of `findFixedPoints`): projected onto the plane. */
  fixedPoints?: { xstar: { data: ArrayLike<number>; shape: [number, number] }; isStable?: readonly boolean[] | null };
  /** Trajectories drawn over the map, time-major [T, B, N] (as `Ctrnn.forward` returns states). */
  trajectories?: { data: ArrayLike<number>; shape: [number, number, number] };
  /** At most this many trajectories. Default 10. */
  maxTrajectories?: number;
  /** Colour by log10 speed. Default true. */
  logColor?: boolean;
  xLabel?: string;
  yLabel?: string;
}

/**
 * Heat map of ‖dx/dt‖ with in-plane velocity arrows. Fixed points off the plane are projected onto it (they
 * are where the flow vanishes only if they lie in the plane). `chart.meta` adds `arrows` (how many drawn).
 */
export function flowFieldChart(field: FlowFieldLike, o: FlowFieldChartOptions = {}): Chart {
  const fn = 'flowFieldChart';
  const [ny, nx] = field.shape;
  if (field.u.length !== nx * ny || field.v.length !== nx * ny) throw new Error(`${fn}: u and v need ${nx * ny} values (shape [${ny}, ${nx}])`);
  const nArrow = o.arrows ?? 15;
  const vx: number[] = [], vy: number[] = [], vu: number[] = [], vv: number[] = [];
  if (nArrow > 0) {
    // Exactly min(n, arrows) per axis, evenly spread and including both edges.
    const pick = (n: number) => {
      const m = Math.min(n, nArrow);
      return m === 1 ? [Math.floor(n / 2)] : Array.from({ length: m }, (_, i) => Math.round((i * (n - 1)) / (m - 1)));
    };
    for (const j of pick(ny)) for (const i of pick(nx)) {
      vx.push(field.x[i]); vy.push(field.y[j]); vu.push(field.u[j * nx + i]); vv.push(field.v[j * nx + i]);
    }
  }
  let fixedPoints: { x: number; y: number; stable?: boolean }[] | undefined;
  if (o.fixedPoints && o.fixedPoints.xstar.shape[0] > 0) {
    const p = field.project(o.fixedPoints.xstar);
    const st = o.fixedPoints.isStable ?? null;
    fixedPoints = Array.from({ length: p.shape[0] }, (_, k) => ({ x: p.data[2 * k], y: p.data[2 * k + 1], ...(st ? { stable: st[k] } : {}) }));
  }
  const [xl, yl] = field.labels ?? ['axis 1', 'axis 2'];
  const chart = speedHeatmap({
    title: o.title ?? 'Speed ‖dx/dt‖ and flow', subtitle: o.subtitle, width: o.width, height: o.height,
    speed: field.speed, shape: [ny, nx], x: field.x, y: field.y,
    vectors: vx.length ? { x: vx, y: vy, u: vu, v: vv } : undefined,
    fixedPoints, logColor: o.logColor, xLabel: o.xLabel ?? xl, yLabel: o.yLabel ?? yl,
    colorLabel: (o.logColor ?? true) ? 'log10 ‖dx/dt‖' : '‖dx/dt‖',
  });
  if (o.trajectories) {
    const [T, B, N] = o.trajectories.shape;
    if (o.trajectories.data.length !== T * B * N) throw new Error(`${fn}: trajectories have ${o.trajectories.data.length} values for shape [${T}, ${B}, ${N}]`);
    const p = field.project({ data: o.trajectories.data, shape: [T * B, N] });
    const rows: object[] = [];
    const x0 = field.x[0], x1 = field.x[nx - 1], y0 = field.y[0], y1 = field.y[ny - 1];
    let seg = 0;
    for (let b = 0; b < Math.min(B, o.maxTrajectories ?? 10); b++) {
      seg++;
      for (const t of strideIndices(T, 300)) {
        const px = p.data[2 * (t * B + b)], py = p.data[2 * (t * B + b) + 1];
        // Clipped to the map (Vega-Lite would widen the axes); a trajectory leaving it continues as a new segment.
        if (px >= x0 && px <= x1 && py >= y0 && py <= y1) rows.push({ seg, step: t, x: r6(px), y: r6(py) });
        else seg++;
      }
    }
    const layers = chart.spec.layer as object[];
    // Under the fixed points (the last layer when there are any), over the arrows.
    layers.splice(fixedPoints ? layers.length - 1 : layers.length, 0, {
      data: { values: rows }, mark: { type: 'line', color: '#7fdbff', strokeWidth: 1.2, opacity: 0.8 },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, detail: { field: 'seg', type: 'nominal' }, order: { field: 'step', type: 'quantitative' } },
    });
  }
  (chart.meta as Record<string, unknown>).arrows = vx.length;
  return chart;
}
