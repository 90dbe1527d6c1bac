/**
 * Progress of long loops, updated in place in a notebook (one output, `update_display_data` on a display_id) and
 * printed as throttled lines in plain Node:
 *
 * ```ts
 * const p = progress({ total: 2000, label: 'train' });
 * for (let step = 1; step <= 2000; step++) { ...; p.update(step, { loss }); }
 * p.done();
 * ```
 * Shown: step/total and percent, rate (steps/s), elapsed, ETA, the fields passed to `update` (numbers to 4
 * significant digits) and, for one numeric field (default `loss`), a unicode sparkline of its recent history.
 */
import { escapeHtml, fmtNum } from './summary';
import { isNotebook, newDisplayId, sendDisplay } from './display';

export interface ProgressOptions {
  /** Number of steps, if known (no percentage or ETA without it). */
  total?: number;
  /** Shown first on the line. Default 'progress'. */
  label?: string;
  /** Minimum milliseconds between two displayed updates. Default 250 in a notebook, 2000 in plain Node. */
  throttleMs?: number;
  /** Numeric field drawn as a sparkline; `false` for none. Default 'loss'. */
  sparkline?: string | false;
  /** How many recent values the sparkline keeps. Default 40. */
  sparklineLength?: number;
  /** Where output goes. Default: the notebook (in place) when one is attached, else stdout lines. */
  target?: 'notebook' | 'stdout';
  /** Clock in milliseconds (tests inject a fake one). Default `performance.now()`. */
  now?: () => number;
}

export type ProgressFields = Record<string, number | string | boolean>;

export interface Progress {
  /** Record that `step` steps are complete (steps count from 1 up to `total`); shows if the throttle allows. */
  update(step: number, fields?: ProgressFields): void;
  /** Final display (always shown). Further `update` calls are errors. */
  done(fields?: ProgressFields): void;
  /** The current line of text, as it would be printed. */
  readonly text: string;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** Unicode sparkline of values (NaN/±Inf as spaces); log-scaled when all positive and spanning > 10×. */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const useLog = finite.every((v) => v > 0) && Math.max(...finite) / Math.min(...finite) > 10;
  const f = (v: number) => (useLog ? Math.log(v) : v);
  const lo = Math.min(...finite.map(f)), hi = Math.max(...finite.map(f));
  return values.map((v) => {
    if (!Number.isFinite(v)) return ' ';
    const k = hi > lo ? Math.round(((f(v) - lo) / (hi - lo)) * (SPARK.length - 1)) : 0;
    return SPARK[k];
  }).join('');
}

/** Seconds as `12.3s`, `4m05s` or `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds - 60 * m)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - 60 * h).padStart(2, '0')}m`;
}

function fmtField(v: number | string | boolean): string {
  return typeof v === 'number' ? fmtNum(v) : String(v);
}

function fmtRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '? it/s';
  return perSec >= 1 ? `${fmtNum(Number(perSec.toPrecision(3)))} it/s` : `${fmtNum(Number((1 / perSec).toPrecision(3)))} s/it`;
}

/** Start a progress display. See the module comment for an example. */
export function progress(opts: ProgressOptions = {}): Progress {
  const total = opts.total;
  if (total !== undefined && !(Number.isFinite(total) && total >= 0)) {
    throw new Error(`progress: total must be a finite number >= 0, got ${total}`);
  }
  const label = opts.label ?? 'progress';
  const target = opts.target ?? (isNotebook() ? 'notebook' : 'stdout');
  const throttleMs = opts.throttleMs ?? (target === 'notebook' ? 250 : 2000);
  const sparkField = opts.sparkline === undefined ? 'loss' : opts.sparkline;
  const sparkLen = opts.sparklineLength ?? 40;
  const now = opts.now ?? (() => performance.now());
  const displayId = target === 'notebook' ? newDisplayId('progress') : undefined;

  const t0 = now();
  let lastShown = -Infinity;
  let step = 0;
  let fields: ProgressFields = {};
  const history: number[] = [];
  let finished = false;
  let shownOnce = false;

  const render = () => {
    const elapsed = (now() - t0) / 1000;
    const rate = elapsed > 0 ? step / elapsed : NaN;
    const parts: string[] = [];
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, (100 * step) / total);
      parts.push(`${label} ${step}/${total} (${pct.toFixed(0)}%)`);
    } else parts.push(`${label} ${step}`);
    parts.push(fmtRate(rate), `elapsed ${formatDuration(elapsed)}`);
    if (!finished && total !== undefined && step > 0 && step < total) parts.push(`ETA ${formatDuration((total - step) / rate)}`);
    for (const [k, v] of Object.entries(fields)) parts.push(`${k}=${fmtField(v)}`);
    if (sparkField && history.length > 1) parts.push(sparkline(history));
    if (finished) parts.push('done');
    return parts.join('  ');
  };

  const html = (line: string) => {
    const frac = total && total > 0 ? Math.min(1, step / total) : finished ? 1 : 0;
    const bar = `<div style="display:inline-block;width:200px;height:10px;border:1px solid #999;vertical-align:middle;margin-right:8px">` +
      `<div style="width:${(frac * 100).toFixed(1)}%;height:100%;background:${finished ? '#4c9a2a' : '#4c78a8'}"></div></div>`;
    return `<div class="ratelab-progress" style="font-family:monospace">${bar}${escapeHtml(line)}</div>`;
  };

  const emit = () => {
    const line = render();
    lastShown = now();
    if (target === 'notebook') {
      sendDisplay({ data: { 'text/plain': line, 'text/html': html(line) }, metadata: {}, transient: { display_id: displayId } }, shownOnce);
    } else {
      process.stdout.write(line + '\n');
    }
    shownOnce = true;
  };

  const record = (s: number, f?: ProgressFields) => {
    if (finished) throw new Error(`progress "${label}": update() after done()`);
    if (!Number.isFinite(s)) throw new Error(`progress "${label}": step must be a finite number, got ${s}`);
    step = s;
    if (f) {
      fields = { ...fields, ...f };
      const v = sparkField ? f[sparkField] : undefined;
      if (typeof v === 'number') {
        history.push(v);
        if (history.length > sparkLen) history.shift();
      }
    }
  };

  // In a notebook, show the (empty) output at once so it sits above anything the loop prints.
  if (target === 'notebook') emit();

  return {
    update(s: number, f?: ProgressFields) {
      record(s, f);
      if (now() - lastShown >= throttleMs) emit();
    },
    done(f?: ProgressFields) {
      if (f) record(step, f);
      else if (finished) throw new Error(`progress "${label}": done() called twice`);
      finished = true;
      emit();
    },
    get text() {
      return render();
    },
  };
}
