/**
 * The figures of Zemlianova, Bose & Rinzel (2024) that the shared chart builders do not cover: output traces
 * with taps, inter-tap interval against the cue, path-length mean vs SD, PCA trajectories with taps, the
 * reduced model's period curve and bifurcation diagram. Each returns a ratelab `Chart` (Vega-Lite v5).
 */
import { Chart } from '../../plot/chart';
import { BifurcationScan } from './reduced-model';

const r4 = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null);

/** Evenly strided indices 0..n−1 (always keeping the last), at most about `max`. */
function stride(n: number, max: number): number[] {
  const k = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0; i < n; i += k) out.push(i);
  if (n > 0 && out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

export interface TapTracesOptions {
  /** One output trace per row. */
  outputs: ArrayLike<number>[];
  /** Tap indices into each trace (or null). */
  taps: (ArrayLike<number> | null)[];
  labels: string[];
  /** Optional target of each row (drawn dashed). */
  targets?: (ArrayLike<number> | null)[];
  /** Sample step, s. Default 0.001. */
  dt?: number;
  /** Window [from, to) in samples. Default the whole trace. */
  window?: [number, number];
  /** Samples drawn per row. Default 1000. */
  maxPoints?: number;
  title?: string;
}

/** Output traces, one panel per row, with the detected taps as dashed vertical lines. */
export function tapTracesChart(o: TapTracesOptions): Chart {
  const dt = o.dt ?? 0.001;
  const values: object[] = [];
  const taps: object[] = [];
  o.outputs.forEach((y, c) => {
    const [a, b] = o.window ?? [0, y.length];
    for (const i of stride(b - a, o.maxPoints ?? 1000).map((k) => k + a)) {
      values.push({ row: o.labels[c], t: r4(i * dt), y: r4(y[i]), kind: 'network output' });
      const z = o.targets?.[c];
      if (z) values.push({ row: o.labels[c], t: r4(i * dt), y: r4(z[i]), kind: 'target' });
    }
    for (const k of Array.from(o.taps[c] ?? [])) if (k >= a && k < b) taps.push({ row: o.labels[c], t: r4(k * dt), y: r4(y[k]), kind: 'tap' });
  });
  return new Chart({
    title: o.title ?? 'Network output and taps (dashed)',
    // Taps share the traces' data (a layer with data of its own would not be split by the facet).
    data: { values: [...values, ...taps] },
    facet: { row: { field: 'row', type: 'nominal', sort: o.labels, title: null } },
    spec: {
      width: 520, height: 90,
      layer: [
        {
          transform: [{ filter: "datum.kind !== 'tap'" }],
          mark: { type: 'line', strokeWidth: 1.2 },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'time (s)' },
            y: { field: 'y', type: 'quantitative', title: 'output' },
            color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['network output', 'target'], range: ['#1f77b4', '#aaa'] } },
            strokeDash: { field: 'kind', type: 'nominal', legend: null, scale: { domain: ['network output', 'target'], range: [[1, 0], [4, 3]] } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'tap'" }],
          // Rules, not points at the output's height: a panel without taps then has no empty y extent.
          mark: { type: 'rule', color: 'black', strokeWidth: 1, strokeDash: [3, 2], opacity: 0.7 },
          encoding: { x: { field: 't', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  }, { kind: 'tapTraces' });
}

export interface ItiVsCueOptions {
  cues: ArrayLike<number>;
  /** Mean inter-tap interval per cue, ms (NaN: no oscillation; not drawn). */
  itiMs: ArrayLike<number>;
  trained: ArrayLike<boolean>;
  title?: string;
}

/** Mean inter-tap interval against the cue, trained cues highlighted, with the trained relation ITI = 100/cue ms. */
export function itiVsCueChart(o: ItiVsCueOptions): Chart {
  const pts = Array.from(o.cues, (c, i) => ({ cue: r4(c), iti: r4(o.itiMs[i]), set: o.trained[i] ? 'trained cue' : 'untrained cue' }))
    .filter((p) => p.iti !== null);
  const lo = Math.min(...Array.from(o.cues).filter((c) => c > 0)), hi = Math.max(...Array.from(o.cues));
  const curve = Array.from({ length: 200 }, (_, k) => {
    const c = lo + ((hi - lo) * k) / 199;
    return { cue: r4(c), iti: r4(100 / c) };
  });
  return new Chart({
    title: o.title ?? 'Inter-tap interval vs context cue',
    width: 380, height: 260,
    layer: [
      {
        data: { values: curve },
        mark: { type: 'line', color: '#999', strokeDash: [4, 3] },
        encoding: { x: { field: 'cue', type: 'quantitative', title: 'context cue (0.1 / period)' }, y: { field: 'iti', type: 'quantitative', title: 'mean inter-tap interval (ms)' } },
      },
      {
        data: { values: pts },
        mark: { type: 'point', filled: true, size: 40, opacity: 0.85 },
        encoding: {
          x: { field: 'cue', type: 'quantitative' }, y: { field: 'iti', type: 'quantitative' },
          color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['untrained cue', 'trained cue'], range: ['#888', '#ff7f0e'] } },
        },
      },
    ],
  }, { kind: 'itiVsCue', points: pts.length });
}

/** Per-cycle path length, mean vs SD, one labelled point per period. */
export function pathLengthChart(o: { labels: string[]; means: ArrayLike<number>; sds: ArrayLike<number>; title?: string }): Chart {
  const values = o.labels.map((l, i) => ({ label: l, mean: r4(o.means[i]), sd: r4(o.sds[i]) }));
  const enc = { x: { field: 'mean', type: 'quantitative', title: 'mean path length per cycle', scale: { zero: false } }, y: { field: 'sd', type: 'quantitative', title: 'SD of path length' } };
  return new Chart({
    title: o.title ?? 'Trajectory length per cycle: mean vs SD',
    width: 340, height: 240, data: { values },
    layer: [
      { mark: { type: 'point', filled: true, size: 50, color: '#1f77b4' }, encoding: enc },
      { mark: { type: 'text', dx: 6, align: 'left', fontSize: 11 }, encoding: { ...enc, text: { field: 'label' } } },
    ],
  }, { kind: 'pathLength' });
}

export interface PcaTapsOptions {
  /** Scores per condition, [T, ≥3] row-major. */
  scores: ArrayLike<number>[];
  /** Components per row of `scores`. */
  k: number;
  /** Tap indices per condition. */
  taps: (ArrayLike<number> | null)[];
  labels: string[];
  /** Explained-variance ratio per component (for axis titles). */
  explained?: ArrayLike<number>;
  /** Samples drawn per condition. Default 600. */
  maxPoints?: number;
  /** Time window [from, to) in samples (taps outside it are left out). Default the whole run. */
  window?: [number, number];
  title?: string;
}

/** PCA trajectories in the three pairwise projections of PCs 1–3, taps as black dots. */
export function pcaTapsChart(o: PcaTapsOptions): Chart {
  const lines: object[] = [];
  const dots: object[] = [];
  o.scores.forEach((s, c) => {
    const T = s.length / o.k;
    const [a, b] = o.window ? [Math.max(0, o.window[0]), Math.min(T, o.window[1])] : [0, T];
    for (const i of stride(b - a, o.maxPoints ?? 600).map((k) => k + a)) lines.push({ cond: o.labels[c], i, pc1: r4(s[i * o.k]), pc2: r4(s[i * o.k + 1]), pc3: r4(s[i * o.k + 2]) });
    for (const t of Array.from(o.taps[c] ?? [])) if (t >= a && t < b) dots.push({ cond: o.labels[c], tap: true, pc1: r4(s[t * o.k]), pc2: r4(s[t * o.k + 1]), pc3: r4(s[t * o.k + 2]) });
  });
  const ax = (d: number) => (o.explained ? `PC${d} (${(100 * o.explained[d - 1]).toFixed(1)}%)` : `PC${d}`);
  // One dataset for the three panels (a panel with data of its own would repeat it three times in the spec).
  const panel = (a: number, b: number) => ({
    width: 210, height: 210,
    layer: [
      {
        transform: [{ filter: '!datum.tap' }],
        mark: { type: 'line', strokeWidth: 1, opacity: 0.8 },
        encoding: {
          x: { field: `pc${a}`, type: 'quantitative', title: ax(a), scale: { zero: false } },
          y: { field: `pc${b}`, type: 'quantitative', title: ax(b), scale: { zero: false } },
          color: { field: 'cond', type: 'nominal', sort: o.labels, title: 'period', scale: { scheme: 'viridis' } },
          order: { field: 'i', type: 'quantitative' },
        },
      },
      {
        transform: [{ filter: 'datum.tap' }],
        mark: { type: 'point', filled: true, size: 10, color: 'black' },
        encoding: { x: { field: `pc${a}`, type: 'quantitative' }, y: { field: `pc${b}`, type: 'quantitative' } },
      },
    ],
  });
  return new Chart({
    title: o.title ?? 'Free-run trajectories in PC space (taps in black)', data: { values: [...lines, ...dots] },
    hconcat: [panel(1, 2), panel(1, 3), panel(2, 3)],
  }, { kind: 'pcaTaps', points: lines.length, taps: dots.length });
}

/**
 * The reduced model's bifurcation diagram over I_cc: fixed points of Int-I (stable green, unstable red) and the
 * range of Int-I on the attractor where it oscillates (black), with optional vertical rules.
 */
export function bifurcationChart(scan: BifurcationScan, o: { rules?: { Icc: number; label: string }[]; title?: string } = {}): Chart {
  const fps: object[] = [];
  const osc: object[] = [];
  for (let i = 0; i < scan.Icc.length; i++) {
    for (const f of scan.fixedPoints[i]) fps.push({ Icc: r4(scan.Icc[i]), z: r4(f.u[2]), kind: f.stable ? 'stable fixed point' : 'unstable fixed point' });
    if (scan.oscillating[i]) {
      osc.push({ Icc: r4(scan.Icc[i]), z: r4(scan.min[i * 3 + 2]), kind: 'limit cycle (min / max)' });
      osc.push({ Icc: r4(scan.Icc[i]), z: r4(scan.max[i * 3 + 2]), kind: 'limit cycle (min / max)' });
    }
  }
  const color = { field: 'kind', type: 'nominal', title: null, scale: { domain: ['stable fixed point', 'unstable fixed point', 'limit cycle (min / max)'], range: ['#2ca02c', '#d62728', 'black'] } };
  const layer: object[] = [
    { data: { values: [...fps, ...osc] }, mark: { type: 'point', filled: true, size: 12 }, encoding: { x: { field: 'Icc', type: 'quantitative', title: 'context cue I_cc' }, y: { field: 'z', type: 'quantitative', title: 'Int-I (u3)' }, color } },
  ];
  if (o.rules?.length) {
    layer.push({ data: { values: o.rules }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: { field: 'Icc', type: 'quantitative' } } });
    layer.push({ data: { values: o.rules }, mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dy: -2, fontSize: 10, color: '#333' }, encoding: { x: { field: 'Icc', type: 'quantitative' }, y: { value: 4 }, text: { field: 'label' } } });
  }
  return new Chart({ title: o.title ?? 'Reduced model: bifurcation diagram', width: 380, height: 260, layer }, { kind: 'bifurcation' });
}

/** Period (ms) against I_cc for the oscillating cues of a scan, with reference points if given. */
export function periodCurveChart(scan: BifurcationScan, o: { reference?: { Icc: number; periodMs: number }[]; maxMs?: number; title?: string } = {}): Chart {
  const cap = o.maxMs ?? 1000;
  const values: object[] = [];
  for (let i = 0; i < scan.Icc.length; i++) {
    const p = scan.period[i] * 1000;
    if (Number.isFinite(p) && p <= cap) values.push({ Icc: r4(scan.Icc[i]), period: r4(p) });
  }
  const layer: object[] = [
    { data: { values }, mark: { type: 'line', color: '#2ca02c' }, encoding: { x: { field: 'Icc', type: 'quantitative', title: 'context cue I_cc' }, y: { field: 'period', type: 'quantitative', title: 'oscillation period (ms)', scale: { domain: [0, cap] } } } },
  ];
  if (o.reference?.length) {
    layer.push({ data: { values: o.reference.map((r) => ({ Icc: r.Icc, period: r.periodMs, kind: 'independent check' })) }, mark: { type: 'point', shape: 'cross', size: 70, color: 'black' }, encoding: { x: { field: 'Icc', type: 'quantitative' }, y: { field: 'period', type: 'quantitative' } } });
  }
  return new Chart({ title: o.title ?? 'Reduced model: period vs cue', width: 340, height: 240, layer }, { kind: 'periodCurve' });
}
