/** Line charts over time: traces per condition (faceted by channel) and training loss curves. */
import { Chart } from './chart';
import { ChartOptions, NumArray, checkLength, checkShape, labelsOr, r6, strideIndices, titleOf } from './shapes';

export interface TimeEvent {
  /** Time of the event, in the same units as the time axis. */
  t: number;
  label?: string;
}

export interface LineTracesOptions extends ChartOptions {
  /** Row-major values, shape `[conditions, time, channels]` (e.g. unit rates or network outputs). */
  y: NumArray;
  shape: [number, number, number];
  /** Time of each sample (length = time); default 0, 1, 2, ... */
  t?: NumArray;
  /** Condition names (colour); default c0, c1, ... */
  conditions?: readonly (string | number)[];
  /** Channel names (one facet panel each); default unit0, unit1, ... */
  channels?: readonly (string | number)[];
  /** One panel per channel. Default true when there is more than one channel. */
  facet?: boolean;
  /** Panels per row when faceted. Default 4. */
  columns?: number;
  /** Share the y scale across panels. Default true. */
  sharedY?: boolean;
  /** Vertical dashed rules (stimulus onset, go cue, ...). */
  events?: readonly TimeEvent[];
  timeLabel?: string;
  yLabel?: string;
  conditionLabel?: string;
  /** At most this many time samples per trace are drawn (evenly strided). Default 500. */
  maxTimePoints?: number;
}

function eventLayers(events: readonly TimeEvent[] | undefined): object[] {
  if (!events || events.length === 0) return [];
  const values = events.map((e) => ({ t: e.t, label: e.label ?? '' }));
  return [
    { data: { values }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
    {
      data: { values },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 2, fontSize: 10, color: '#333' },
      encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
    },
  ];
}

/**
 * Traces over time for each condition, coloured by condition, one panel per channel (facet). Long traces are
 * strided to `maxTimePoints` samples (the last sample is always kept).
 */
export function lineTraces(o: LineTracesOptions): Chart {
  const fn = 'lineTraces';
  const [C, T, K] = o.shape ?? [];
  checkShape(fn, 'y', o.y, [C, T, K]);
  if (o.t) checkLength(fn, 't', o.t, T);
  const conds = labelsOr(fn, 'conditions', o.conditions, C, 'c');
  const chans = labelsOr(fn, 'channels', o.channels, K, 'unit');
  const facet = o.facet ?? K > 1;
  const times = strideIndices(T, o.maxTimePoints ?? 500);
  const values: object[] = [];
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k++) {
      for (const i of times) {
        values.push({ t: r6(o.t ? o.t[i] : i), y: r6(o.y[(c * T + i) * K + k]), condition: conds[c], channel: chans[k] });
      }
    }
  }
  const timeLabel = o.timeLabel ?? (o.t ? 'time (s)' : 'time step');
  const line = {
    mark: { type: 'line' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: timeLabel },
      y: { field: 'y', type: 'quantitative', title: o.yLabel ?? 'value' },
      color: { field: 'condition', type: 'nominal', title: o.conditionLabel ?? 'condition', sort: conds, legend: C > 1 ? {} : null },
      // One line per (condition, channel), even when channels share a panel.
      detail: { field: 'channel', type: 'nominal' },
    },
  };
  const layered = { layer: [line, ...eventLayers(o.events)] };
  const title = titleOf(o);
  const size = { width: o.width ?? (facet ? 180 : 340), height: o.height ?? (facet ? 120 : 220) };
  if (facet) {
    return new Chart({
      ...(title !== undefined ? { title } : {}),
      data: { values },
      facet: { field: 'channel', type: 'nominal', sort: chans, title: null },
      columns: o.columns ?? 4,
      spec: { ...size, ...layered },
      resolve: { scale: { y: o.sharedY === false ? 'independent' : 'shared' } },
    }, { kind: 'lineTraces', rows: values.length });
  }
  return new Chart({ ...(title !== undefined ? { title } : {}), data: { values }, ...size, ...layered }, { kind: 'lineTraces', rows: values.length });
}

export interface LossCurveOptions extends ChartOptions {
  /** One loss series, or several by name (e.g. `{train, test}`). */
  loss: NumArray | Record<string, NumArray>;
  /** Step (or epoch) of each value; default 1, 2, 3, ... (shared by all series, must cover the longest). */
  steps?: NumArray;
  /** Log-scale y axis; non-positive and non-finite values are dropped then. Default false. */
  logY?: boolean;
  stepLabel?: string;
  yLabel?: string;
  /** At most this many points per series (evenly strided; the last is kept). Default 2000. */
  maxPoints?: number;
}

/**
 * Ticks and grid lines at powers of ten when the values span at least two decades: vega's default log ticks draw
 * a grid line at every 1..9 × 10^k, which buries the curve.
 */
function decadeAxis(values: number[]): { axis?: object } {
  const pos = values.filter((v) => v > 0);
  if (pos.length === 0) return {};
  const lo = Math.floor(Math.log10(Math.min(...pos))), hi = Math.ceil(Math.log10(Math.max(...pos)));
  if (hi - lo < 2) return {};
  const ticks = Array.from({ length: hi - lo + 1 }, (_, k) => Number((10 ** (lo + k)).toPrecision(1)));
  return { axis: { values: ticks, format: '~g' } };
}

/** Training loss against step; several named series are coloured. */
export function lossCurve(o: LossCurveOptions): Chart {
  const fn = 'lossCurve';
  const series: Record<string, NumArray> = o.loss && typeof (o.loss as NumArray).length === 'number'
    ? { loss: o.loss as NumArray }
    : (o.loss as Record<string, NumArray>);
  const names = Object.keys(series ?? {});
  if (names.length === 0) throw new Error(`${fn}: loss must be an array or a non-empty {name: array} object`);
  const longest = Math.max(...names.map((n) => series[n].length));
  if (o.steps && o.steps.length < longest) throw new Error(`${fn}: steps has ${o.steps.length} entries but a series has ${longest}`);
  const values: object[] = [];
  let dropped = 0;
  for (const name of names) {
    const s = series[name];
    for (const i of strideIndices(s.length, o.maxPoints ?? 2000)) {
      const v = s[i];
      if (!Number.isFinite(v) || (o.logY && v <= 0)) { dropped++; continue; }
      values.push({ step: o.steps ? o.steps[i] : i + 1, loss: r6(v), series: name });
    }
  }
  const title = titleOf(o, 'Training loss');
  const yScale = o.logY ? { type: 'log' } : { zero: false };
  const yAxis = o.logY ? decadeAxis(values.map((v) => (v as { loss: number }).loss)) : {};
  return new Chart({
    title,
    data: { values },
    width: o.width ?? 340,
    height: o.height ?? 220,
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: o.stepLabel ?? 'training step' },
      y: { field: 'loss', type: 'quantitative', title: o.yLabel ?? (o.logY ? 'loss (log scale)' : 'loss'), scale: yScale, ...yAxis },
      color: { field: 'series', type: 'nominal', title: null, sort: names, legend: names.length > 1 ? {} : null },
    },
  }, { kind: 'lossCurve', dropped });
}
