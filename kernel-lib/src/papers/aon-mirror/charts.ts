/**
 * Charts of the AON notebook that no shared builder covers: area-mean rates per condition and agent, the
 * inter-area weight blocks, grouped effect bars of the perturbation study (with matched random controls), and
 * learned time constants per area and group.
 */
import { Chart } from '../../plot/chart';
import { lineTraces } from '../../plot/lines';
import { AonMasks, AonRates, AREA_NAMES, N_CONDITIONS, UNIT_GROUPS } from './data';
import { AonStimulus, N_CHANNELS } from './stimulus';
import { PerturbationStudy, PerturbationEffect } from './perturbation';
import { WeightBlocks } from './analysis';

const r4 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null);

/** Names of the six conditions (cue channel × object); 2 and 5 are the same stimulus. */
export const CONDITION_NAMES = ['cue 1, object 1', 'cue 1, object 2', 'no cue, object 3 (i)', 'cue 2, object 1', 'cue 2, object 2', 'no cue, object 3 (ii)'];

/**
 * Mean rate of each area over bins, one line per condition, one panel per area × agent (tasks 1–6 =
 * execution, 7–12 = observation). `binMs` labels the time axis (the data's bins are 4 steps).
 */
export function areaRateTraces(d: AonRates, masks: AonMasks, opts: { title: string; model?: AonRates; events?: { t: number; label?: string }[] }): Chart {
  const A = masks.areaSizes.length, P = A * 2, bins = d.bins;
  const y = new Float64Array(N_CONDITIONS * bins * P);
  const src = opts.model ?? d;
  for (let a = 0; a < A; a++) {
    const units = masks.select(a);
    for (let g = 0; g < 2; g++) for (let c = 0; c < N_CONDITIONS; c++) {
      const k = g * N_CONDITIONS + c;
      for (let b = 0; b < bins; b++) {
        let s = 0;
        for (const i of units) s += src.rates[(k * bins + b) * src.n + i];
        y[(c * bins + b) * P + a * 2 + g] = s / units.length;
      }
    }
  }
  const channels = masks.areaSizes.flatMap((_, a) => [`${AREA_NAMES[a]} execution`, `${AREA_NAMES[a]} observation`]);
  return lineTraces({
    y, shape: [N_CONDITIONS, bins, P], conditions: CONDITION_NAMES, channels, columns: 2,
    title: opts.title, timeLabel: 'bin (4 steps) after warm-up', yLabel: 'mean rate', conditionLabel: 'condition',
    events: opts.events, width: 230, height: 110,
  });
}

/** Mean W_eff per area pair, onto E and onto I units, split by presynaptic type (a 3×3 grid per panel). */
export function weightBlockChart(blocks: WeightBlocks, title: string): Chart {
  const names = blocks.meanE.map((_, a) => AREA_NAMES[a] ?? `area ${a}`);
  const rows: object[] = [];
  // A symmetric colour domain, so that 0 is white and a small negative mean is not drawn as the darkest blue.
  const m = Math.max(1e-9, ...[...blocks.meanE, ...blocks.meanI].flat().map(Math.abs));
  for (const [pre, mat] of [['from E units', blocks.meanE], ['from I units', blocks.meanI]] as const) {
    mat.forEach((row, to) => row.forEach((v, from) => rows.push({ pre, to: names[to], from: names[from], w: r4(v) })));
  }
  return new Chart({
    title,
    data: { values: rows },
    facet: { column: { field: 'pre', type: 'nominal', title: null } },
    spec: {
      width: 150, height: 150,
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: { field: 'from', type: 'nominal', sort: names, title: 'presynaptic area' },
            y: { field: 'to', type: 'nominal', sort: names, title: 'postsynaptic area' },
            color: { field: 'w', type: 'quantitative', title: 'mean W_eff', scale: { scheme: 'redblue', domain: [-m, m], reverse: true } },
          },
        },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: {
            x: { field: 'from', type: 'nominal', sort: names }, y: { field: 'to', type: 'nominal', sort: names },
            text: { field: 'w', type: 'quantitative', format: '.3f' },
          },
        },
      ],
    },
  }, { kind: 'aonWeightBlocks' });
}

type EffectKey = 'condition' | 'agent' | 'abscissa' | 'rate';

/**
 * Change caused by silencing each set, for execution (tasks 1–6) and observation (7–12) side by side; black
 * ticks mark the mean of the matched random controls. `measure`: 'condition' (Δ condition accuracy), 'agent'
 * (Δ agent accuracy, one bar per set), 'abscissa' (Δ spectral abscissa), 'rate' (RMS rate change).
 */
export function effectChart(study: PerturbationStudy, measure: EffectKey, title: string): Chart {
  const I = study.intact;
  const val = (e: PerturbationEffect, agent: 'execution' | 'observation'): number => {
    const ex = agent === 'execution';
    switch (measure) {
      case 'condition': return (ex ? e.conditionExecution : e.conditionObservation) - (ex ? I.conditionExecution : I.conditionObservation);
      case 'agent': return e.agent - I.agent;
      case 'abscissa': return (ex ? e.abscissaExecution : e.abscissaObservation) - (ex ? I.abscissaExecution : I.abscissaObservation);
      case 'rate': return ex ? e.rateChangeExecution : e.rateChangeObservation;
    }
  };
  const agents: Array<'execution' | 'observation'> = measure === 'agent' ? ['execution'] : ['execution', 'observation'];
  const sets = study.effects.filter((e) => !e.control);
  const rows: object[] = [];
  const order: string[] = [];
  sets.forEach((e) => {
    order.push(e.label);
    const controls = study.effects.filter((c) => c.control && c.label.startsWith(`${e.label} (random`));
    for (const agent of agents) {
      const cv = controls.map((c) => val(c, agent)).filter(Number.isFinite);
      rows.push({
        set: e.label, agent: measure === 'agent' ? 'both' : agent, value: r4(val(e, agent)),
        control: cv.length ? r4(cv.reduce((s, x) => s + x, 0) / cv.length) : null,
      });
    }
  });
  const yTitle = { condition: 'Δ condition accuracy', agent: 'Δ agent accuracy', abscissa: 'Δ spectral abscissa (1/step)', rate: 'RMS rate change' }[measure];
  const x = { field: 'set', type: 'nominal', sort: order, title: 'silenced', axis: { labelAngle: -40 } };
  return new Chart({
    title,
    data: { values: rows },
    width: Math.max(300, 34 * order.length), height: 200,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x, xOffset: { field: 'agent' }, y: { field: 'value', type: 'quantitative', title: yTitle },
          color: { field: 'agent', type: 'nominal', title: 'tasks', scale: { range: ['#4c78a8', '#f58518', '#54a24b'] } },
        },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 2 },
        encoding: { x, xOffset: { field: 'agent' }, y: { field: 'control', type: 'quantitative' } },
      },
    ],
  }, { kind: 'aonEffects', measure });
}

/** Learned τ (steps) of every unit, by area (x) and group (colour), as jittered points. */
export function tauChart(tau: ArrayLike<number>, masks: AonMasks, title: string): Chart {
  const rows = Array.from({ length: masks.n }, (_, i) => ({
    area: AREA_NAMES[masks.area[i]] ?? `area ${masks.area[i]}`, group: masks.groupOf(i), tau: r4(tau[i]),
  }));
  return new Chart({
    title,
    data: { values: rows },
    width: 110, height: 200,
    mark: { type: 'point', filled: true, opacity: 0.6, size: 18 },
    encoding: {
      column: { field: 'area', type: 'nominal', title: null, sort: [...AREA_NAMES] },
      x: { field: 'group', type: 'nominal', sort: [...UNIT_GROUPS], title: null, axis: { labelAngle: -40 } },
      y: { field: 'tau', type: 'quantitative', title: 'τ (steps)', scale: { type: 'log' } },
      color: { field: 'group', type: 'nominal', sort: [...UNIT_GROUPS], legend: null },
    },
  }, { kind: 'aonTau' });
}

/** The stimulus: channels 0–4 (the half-amplitude copies 5–9 are not drawn) per condition, over all steps. */
export function stimulusChart(stim: AonStimulus, title: string): Chart {
  const K = 5, T = stim.T;
  const y = new Float64Array(N_CONDITIONS * T * K);
  for (let c = 0; c < N_CONDITIONS; c++) for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) {
    y[(c * T + t) * K + k] = stim.data[(c * N_CHANNELS + k) * T + t];
  }
  return lineTraces({
    y, shape: [N_CONDITIONS, T, K], conditions: CONDITION_NAMES,
    channels: ['ch0: cue 1', 'ch1: object 1', 'ch2: object 2', 'ch3: object 3', 'ch4: cue 2'], columns: 5,
    title, timeLabel: 'step', yLabel: 'input', conditionLabel: 'condition', width: 150, height: 100,
    events: [{ t: stim.warmup, label: 'warm-up end' }],
    // The inputs are smooth (σ = 20 steps): 160 samples per trace draw them faithfully and keep the notebook small.
    maxTimePoints: 160,
  });
}

/** Modulation under execution (x) vs observation (y) per unit, coloured by mirror label, one panel per area. */
export function modulationChart(mod: { execution: ArrayLike<number>; observation: ArrayLike<number> }, masks: AonMasks, title: string): Chart {
  const rows = Array.from({ length: masks.n }, (_, i) => ({
    area: AREA_NAMES[masks.area[i]] ?? `area ${masks.area[i]}`, label: masks.mirror[i] ? 'mirror' : 'non-mirror',
    execution: r4(mod.execution[i]), observation: r4(mod.observation[i]),
  }));
  return new Chart({
    title,
    data: { values: rows },
    width: 170, height: 170,
    mark: { type: 'point', filled: true, opacity: 0.6, size: 20 },
    encoding: {
      column: { field: 'area', type: 'nominal', title: null, sort: [...AREA_NAMES] },
      x: { field: 'execution', type: 'quantitative', title: 'modulation, execution tasks' },
      y: { field: 'observation', type: 'quantitative', title: 'modulation, observation tasks' },
      color: { field: 'label', type: 'nominal', title: null },
    },
  }, { kind: 'aonModulation' });
}

/** Data and model rates of a few units in a few tasks (panels: unit × task). */
export function unitTraces(data: AonRates, model: AonRates, units: number[], tasks: number[], title: string, masks?: AonMasks): Chart {
  const P = units.length * tasks.length, bins = data.bins;
  const y = new Float64Array(2 * bins * P);
  const channels: string[] = [];
  units.forEach((i, u) => tasks.forEach((k, j) => {
    const p = u * tasks.length + j;
    channels.push(`unit ${i}${masks ? ` (${AREA_NAMES[masks.area[i]]}, ${masks.groupOf(i)})` : ''}, task ${k + 1}`);
    for (let b = 0; b < bins; b++) {
      y[(0 * bins + b) * P + p] = data.rates[(k * bins + b) * data.n + i];
      y[(1 * bins + b) * P + p] = model.rates[(k * bins + b) * model.n + i];
    }
  }));
  return lineTraces({
    y, shape: [2, bins, P], conditions: ['data', 'model'], channels, columns: tasks.length,
    title, timeLabel: 'bin', yLabel: 'rate', conditionLabel: '', width: 200, height: 90,
  });
}
