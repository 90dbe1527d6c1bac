/** Hand paths of reaching movements: the network's (solid) over the targets (dashed), one colour per condition. */
import { Chart } from '../../plot/chart';
import { r6, strideIndices } from '../../plot/shapes';

export interface ReachPathsOptions {
  /** Network hand positions [K, T, 2] (row-major). */
  paths: ArrayLike<number>;
  /** Target hand positions [K, T, 2]. */
  targets: ArrayLike<number>;
  K: number;
  T: number;
  names: readonly string[];
  title?: string;
  subtitle?: string;
  /** Plot size in pixels. Default 300. */
  size?: number;
}

export function reachPathsChart(o: ReachPathsOptions): Chart {
  const { K, T } = o;
  if (o.paths.length !== K * T * 2 || o.targets.length !== K * T * 2) {
    throw new Error(`reachPathsChart: paths and targets must have K·T·2 = ${K * T * 2} values, got ${o.paths.length} and ${o.targets.length}`);
  }
  if (o.names.length !== K) throw new Error(`reachPathsChart: names must have ${K} entries, got ${o.names.length}`);
  const idx = strideIndices(T, 200);
  const values: object[] = [];
  for (let k = 0; k < K; k++) {
    for (const [kind, arr] of [['network', o.paths], ['target', o.targets]] as const) {
      for (const t of idx) {
        values.push({ x: r6(arr[(k * T + t) * 2]), y: r6(arr[(k * T + t) * 2 + 1]), t, condition: o.names[k], kind });
      }
    }
  }
  const side = o.size ?? 300;
  const enc = () => ({
    x: { field: 'x', type: 'quantitative', title: 'hand x', scale: { zero: false } },
    y: { field: 'y', type: 'quantitative', title: 'hand y', scale: { zero: false } },
    order: { field: 't', type: 'quantitative' },
    color: { field: 'condition', type: 'nominal', sort: o.names, title: 'condition' },
    detail: { field: 'condition', type: 'nominal' },
  });
  const title = o.subtitle ? { text: o.title ?? 'Hand paths', subtitle: o.subtitle } : o.title ?? 'Hand paths';
  return new Chart(
    {
      title,
      width: side,
      height: side,
      data: { values },
      layer: [
        { transform: [{ filter: "datum.kind == 'target'" }], mark: { type: 'line', strokeDash: [4, 3], strokeWidth: 1.5, opacity: 0.6 }, encoding: enc() },
        { transform: [{ filter: "datum.kind == 'network'" }], mark: { type: 'line', strokeWidth: 2 }, encoding: enc() },
      ],
    },
    { kind: 'reachPaths', rows: values.length },
  );
}
