/** Charts of the smooth-pursuit notebook that the shared builders do not cover (grouped bars, faceted scatter). */
import { Chart } from '../../plot/chart';
import { ParameterByPreference, PriorEffect } from './analyses';

const r4 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null);

/**
 * Rotation of the ±15° responses (half the angle between them) per source and contrast, with a dashed line at
 * 15° (pursuit that follows the target exactly); bars below it are pulled toward the prior.
 */
export function priorRotationChart(rows: { source: string; effect: PriorEffect }[], title = 'Rotation of the ±15° responses'): Chart {
  const sources = [...new Set(rows.map((r) => r.source))];
  const values = rows.map((r) => ({ source: r.source, contrast: r.effect.contrast === 'highCont' ? 'high' : 'low', rotation: r4(r.effect.rotationDeg) }));
  return new Chart({
    title,
    width: Math.max(200, 70 * sources.length),
    height: 220,
    layer: [
      {
        data: { values },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'source', type: 'nominal', sort: sources, title: null, axis: { labelAngle: -20 } },
          xOffset: { field: 'contrast', type: 'nominal', sort: ['high', 'low'] },
          y: { field: 'rotation', type: 'quantitative', title: 'rotation (deg)' },
          color: { field: 'contrast', type: 'nominal', sort: ['high', 'low'], title: 'contrast' },
        },
      },
      {
        data: { values: [{ y: 15 }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  }, { kind: 'priorRotationChart' });
}

/**
 * One panel per trained parameter: each tuned unit's change (trained − initial) against the distance of its
 * preferred direction from the expected direction 0°, with the binned mean ± SEM; the panel title gives r.
 */
export function parameterPreferenceChart(panels: { label: string; result: ParameterByPreference }[], title = 'Trained activation parameters vs preferred direction'): Chart {
  return new Chart({
    title,
    hconcat: panels.map(({ label, result }) => {
      const pts = Array.from(result.distanceDeg, (d, i) => ({ d: r4(d), y: r4(result.change[i]) }));
      const bins = Array.from(result.bins.centers, (c, k) => ({
        d: r4(c), m: r4(result.bins.mean[k]),
        lo: r4(result.bins.mean[k] - (result.bins.sem[k] || 0)), hi: r4(result.bins.mean[k] + (result.bins.sem[k] || 0)),
      })).filter((b) => b.m !== null);
      const x = { field: 'd', type: 'quantitative', title: '|preferred direction| (deg)', scale: { domain: [0, 180] } };
      return {
        title: `${label} (r = ${result.correlation.r.toFixed(2)}, n = ${result.correlation.n})`,
        width: 220,
        height: 200,
        layer: [
          { data: { values: pts }, mark: { type: 'point', filled: true, size: 14, opacity: 0.45, color: '#4c78a8' }, encoding: { x, y: { field: 'y', type: 'quantitative', title: 'change from initial value' } } },
          { data: { values: bins }, mark: { type: 'line', color: '#e45756', strokeWidth: 2, point: true }, encoding: { x, y: { field: 'm', type: 'quantitative' } } },
          { data: { values: bins }, mark: { type: 'rule', color: '#e45756' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
          { data: { values: [{ y: 0 }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        ],
      };
    }),
    resolve: { scale: { y: 'independent' } },
  }, { kind: 'parameterPreferenceChart' });
}
