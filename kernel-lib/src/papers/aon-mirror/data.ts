/**
 * Data of the Action Observation Network model (Guglielmi et al.): the unit labels (`InhibitoryMask.mat`,
 * `Mirror.mat`, from the AON_RNN repository) and the recorded rates `Firing_Rates.mat` (Tili et al. 2025,
 * Scientific Data), which a user supplies. Units are grouped in three areas by index: AIP 0–85, F5 86–191,
 * F6 192–354.
 *
 * Layout in ratelab: rates are time-major per task, `[task, bin, unit]` row-major. The MAT files store each
 * `FR{k}` as N × 175 (unit × bin); the loader transposes.
 */
import { dataPath } from '../../io/registry';
import { loadMat, saveMat } from '../../io/matfile';
import { asArray, MatArray, MatFile } from '../../io/mat-values';
import { MatInput } from '../../io/mat5-writer';
import { JUPYTER_DISPLAY } from '../../notebook/display';

export const AREA_NAMES = ['AIP', 'F5', 'F6'] as const;
export type AreaName = (typeof AREA_NAMES)[number];
/** Units per area in the original code (N1, N2, N3). */
export const AREA_SIZES: readonly number[] = [86, 106, 163];
/** 12 tasks: two input groups (tasks 1–6 use W_in, 7–12 W_in2) × 6 stimulus conditions. */
export const N_TASKS = 12;
export const N_CONDITIONS = 6;
/** Bins of the recorded rates (700 model steps averaged in blocks of 4). */
export const N_BINS = 175;

/** The four unit groups the perturbation analyses compare. */
export const UNIT_GROUPS = ['mirror E', 'mirror I', 'non-mirror E', 'non-mirror I'] as const;
export type UnitGroup = (typeof UNIT_GROUPS)[number];

/** Unit labels: area, inhibitory and mirror flags, one entry per unit. */
export class AonMasks {
  readonly n: number;
  readonly areaSizes: number[];
  /** Area index (0 AIP, 1 F5, 2 F6) of each unit. */
  readonly area: Int32Array;
  /** 1 = inhibitory. */
  readonly inhibitory: Uint8Array;
  /** 1 = excitatory (the complement, as the model's `excitatory` option wants it). */
  readonly excitatory: Uint8Array;
  /** 1 = mirror unit. */
  readonly mirror: Uint8Array;

  constructor(inhibitory: ArrayLike<number>, mirror: ArrayLike<number>, areaSizes: readonly number[] = AREA_SIZES) {
    const n = inhibitory.length;
    if (mirror.length !== n) throw new Error(`AON masks: ${n} inhibitory labels but ${mirror.length} mirror labels`);
    const total = areaSizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new Error(`AON masks: area sizes [${areaSizes}] sum to ${total}, but the masks have ${n} units`);
    this.n = n;
    this.areaSizes = areaSizes.slice();
    this.area = new Int32Array(n);
    let k = 0;
    areaSizes.forEach((s, a) => { for (let i = 0; i < s; i++) this.area[k++] = a; });
    this.inhibitory = Uint8Array.from(inhibitory, (v) => (v > 0.5 ? 1 : 0));
    this.excitatory = Uint8Array.from(this.inhibitory, (v) => 1 - v);
    this.mirror = Uint8Array.from(mirror, (v) => (v > 0.5 ? 1 : 0));
  }

  /** First unit of each area and one past its last. */
  areaRange(a: number): [number, number] {
    const start = this.areaSizes.slice(0, a).reduce((x, y) => x + y, 0);
    return [start, start + this.areaSizes[a]];
  }

  /** Group of a unit: mirror / non-mirror × E / I. */
  groupOf(i: number): UnitGroup {
    return `${this.mirror[i] ? 'mirror' : 'non-mirror'} ${this.inhibitory[i] ? 'I' : 'E'}` as UnitGroup;
  }

  /**
   * Unit indices selected by area (index, name or 'all') and a predicate on labels: 'all', 'mirror',
   * 'non-mirror', 'E', 'I', or one of the four UNIT_GROUPS.
   */
  select(area: number | AreaName | 'all', group: 'all' | 'mirror' | 'non-mirror' | 'E' | 'I' | UnitGroup = 'all'): number[] {
    const a = typeof area === 'number' ? area : area === 'all' ? -1 : AREA_NAMES.indexOf(area as AreaName);
    if (area !== 'all' && (a < 0 || a >= this.areaSizes.length)) throw new Error(`AON masks: unknown area '${area}'`);
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (a >= 0 && this.area[i] !== a) continue;
      const m = this.mirror[i] === 1, inh = this.inhibitory[i] === 1;
      let ok: boolean;
      switch (group) {
        case 'all': ok = true; break;
        case 'mirror': ok = m; break;
        case 'non-mirror': ok = !m; break;
        case 'E': ok = !inh; break;
        case 'I': ok = inh; break;
        default: {
          if (!(UNIT_GROUPS as readonly string[]).includes(group)) throw new Error(`AON masks: unknown unit group '${group}'`);
          ok = this.groupOf(i) === group;
        }
      }
      if (ok) out.push(i);
    }
    return out;
  }

  /** Counts per area: units, inhibitory, mirror, and the four groups. */
  counts(): Array<Record<string, number | string>> {
    const rows: Array<Record<string, number | string>> = [];
    const names = this.areaSizes.map((_, a) => (a < AREA_NAMES.length ? AREA_NAMES[a] : `area ${a}`));
    for (const [a, name] of [...names.map((nm, a) => [a, nm] as const), [-1, 'all'] as const]) {
      const sel = this.select(a < 0 ? 'all' : a);
      const row: Record<string, number | string> = {
        area: name, units: sel.length,
        inhibitory: sel.filter((i) => this.inhibitory[i]).length,
        mirror: sel.filter((i) => this.mirror[i]).length,
      };
      for (const g of UNIT_GROUPS) row[g] = sel.filter((i) => this.groupOf(i) === g).length;
      rows.push(row);
    }
    return rows;
  }

  toString(): string {
    return this.counts().map((r) => `${r.area}: ${r.units} units, ${r.inhibitory} inhibitory, ${r.mirror} mirror`).join('; ');
  }

  [JUPYTER_DISPLAY](): Record<string, string> {
    const rows = this.counts();
    const cols = Object.keys(rows[0]);
    const html = `<table><thead><tr>${cols.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>` +
      rows.map((r) => `<tr>${cols.map((c) => `<td>${r[c]}</td>`).join('')}</tr>`).join('') + '</tbody></table>';
    return { 'text/plain': this.toString(), 'text/html': html };
  }
}

function labelVector(file: MatFile, name: string, fileName: string): Float64Array {
  if (!(name in file)) throw new Error(`${fileName}: no variable '${name}' (has ${Object.keys(file).join(', ') || 'none'})`);
  const v = asArray(file[name], `${fileName}: ${name}`);
  if (!v.isVector) throw new Error(`${fileName}: '${name}' is ${v.shape.join('×')}, expected a vector (N×1)`);
  return v.vector();
}

/**
 * Load `InhibitoryMask.mat` (`inhibitory`, N×1 logical) and `Mirror.mat` (`mirror`, N×1 double), by default
 * the registered files `aon/…` (sha256-checked), or the given paths.
 */
export async function loadAonMasks(opts: { inhibitoryFile?: string; mirrorFile?: string; areaSizes?: number[] } = {}): Promise<AonMasks> {
  const inhFile = opts.inhibitoryFile ?? dataPath('aon/InhibitoryMask.mat');
  const mirFile = opts.mirrorFile ?? dataPath('aon/Mirror.mat');
  const inh = labelVector(await loadMat(inhFile), 'inhibitory', inhFile);
  const mir = labelVector(await loadMat(mirFile), 'mirror', mirFile);
  return new AonMasks(inh, mir, opts.areaSizes ?? AREA_SIZES);
}

/** Recorded (or surrogate) rates of the 12 tasks, with the optional per-task initial conditions. */
export interface AonRates {
  n: number;
  tasks: number;
  bins: number;
  /** [task, bin, unit], row-major, values in (0, 1). */
  rates: Float32Array;
  /** Initial rate r of each task, [task, unit] (`IC_FR{k}`; zeros when absent). */
  icRates: Float32Array;
  /** Initial state x of each task, [task, unit] (`IC_X{k}`; zeros when absent). */
  icStates: Float32Array;
  /** Where the rates came from: a file path, or 'surrogate'. */
  source: string;
}

/** rates[task, bin, unit]. */
export function rateAt(d: AonRates, task: number, bin: number, unit: number): number {
  return d.rates[(task * d.bins + bin) * d.n + unit];
}

/**
 * Load `Firing_Rates.mat`: `FR1`…`FR12` (each N × 175, unit × bin; values in [0, 1]), and optionally
 * `IC_FR1..12` and `IC_X1..12` (N × 1, the initial rate and state of each task; zeros when absent, as in
 * the original code, which needs both of a pair). `n` checks the unit count (355 for the paper's masks).
 */
export async function loadFiringRates(file: string, opts: { n?: number; bins?: number } = {}): Promise<AonRates> {
  return firingRatesFromMat(await loadMat(file), file, opts);
}

/** The same from already loaded MAT variables (`name` is used in messages). */
export function firingRatesFromMat(mat: MatFile, name: string, opts: { n?: number; bins?: number } = {}): AonRates {
  const first = mat.FR1;
  if (first === undefined) throw new Error(`${name}: no variable 'FR1' (need FR1…FR12, each N×175)`);
  const a1 = asArray(first, `${name}: FR1`);
  if (a1.shape.length !== 2) throw new Error(`${name}: FR1 has shape ${a1.shape.join('×')}, expected N×175`);
  const n = opts.n ?? a1.shape[0], bins = opts.bins ?? a1.shape[1];
  const rates = new Float32Array(N_TASKS * bins * n);
  const icRates = new Float32Array(N_TASKS * n), icStates = new Float32Array(N_TASKS * n);
  for (let k = 0; k < N_TASKS; k++) {
    const key = `FR${k + 1}`;
    if (mat[key] === undefined) throw new Error(`${name}: variable '${key}' is missing (need FR1…FR12)`);
    const a = asArray(mat[key], `${name}: ${key}`);
    if (a.shape.length !== 2 || a.shape[0] !== n || a.shape[1] !== bins) {
      throw new Error(`${name}: '${key}' is ${a.shape.join('×')}, expected ${n}×${bins} (units × bins)`);
    }
    const v = a.toFloat64();
    for (let i = 0; i < n; i++) for (let b = 0; b < bins; b++) {
      const x = v[i * bins + b];
      if (!(x >= 0 && x <= 1)) {
        throw new Error(`${name}: '${key}'(${i + 1}, ${b + 1}) = ${x}; rates must lie in [0, 1] (the model's rates are sigmoids)`);
      }
      rates[(k * bins + b) * n + i] = x;
    }
    const r = mat[`IC_FR${k + 1}`], x = mat[`IC_X${k + 1}`];
    // The original uses the pair only when both are present.
    if (r !== undefined && x !== undefined) {
      for (const [arr, key2, out] of [[r, `IC_FR${k + 1}`, icRates], [x, `IC_X${k + 1}`, icStates]] as const) {
        const av = asArray(arr, `${name}: ${key2}`);
        if (av.numel !== n) throw new Error(`${name}: '${key2}' has ${av.numel} values, expected ${n} (N×1)`);
        out.set(Float32Array.from(av.toFloat64()), k * n);
      }
    }
  }
  return { n, tasks: N_TASKS, bins, rates, icRates, icStates, source: name };
}

/** Write rates in the `Firing_Rates.mat` layout (FR{k} as N × bins doubles, IC_FR/IC_X as N × 1). */
export function saveFiringRates(file: string, d: AonRates): void {
  const vars: Record<string, MatInput> = {};
  for (let k = 0; k < d.tasks; k++) {
    const fr = new Float64Array(d.n * d.bins);
    for (let b = 0; b < d.bins; b++) for (let i = 0; i < d.n; i++) fr[i * d.bins + b] = d.rates[(k * d.bins + b) * d.n + i];
    vars[`FR${k + 1}`] = MatArray.from(fr, [d.n, d.bins]);
    vars[`IC_FR${k + 1}`] = MatArray.from(Float64Array.from(d.icRates.subarray(k * d.n, (k + 1) * d.n)), [d.n, 1]);
    vars[`IC_X${k + 1}`] = MatArray.from(Float64Array.from(d.icStates.subarray(k * d.n, (k + 1) * d.n)), [d.n, 1]);
  }
  saveMat(file, vars);
}
