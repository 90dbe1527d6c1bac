/**
 * Tables for notebooks, backed by danfojs-node behind this one module (so it can be replaced).
 *
 * danfojs-node is loaded on the first `table()` call, not at `require('ratelab')`: it pulls in a pure-JS copy of
 * tfjs and takes ~2.8 s to load on the project machine.
 *
 * ```ts
 * const t = table([{ model: 'ctrl', r2: 0.91 }, { model: 'dale', r2: 0.87 }]);   // rows
 * const u = table({ model: ['ctrl', 'dale'], r2: [0.91, 0.87] });               // columns
 * await show(t); t.toRows(); t.frame.describe();                                // danfo DataFrame
 * ```
 */
import * as util from 'util';

import { escapeHtml, fmtNum } from './notebook/summary';
import { JUPYTER_DISPLAY, MimeData } from './notebook/display';

export type Cell = number | string | boolean | null;
export type Row = Record<string, Cell>;
/** Column name -> values (plain or typed arrays, all the same length). */
export type Columns = Record<string, ArrayLike<Cell>>;

/** The part of danfo's DataFrame this module relies on (its own types are not exported for Node10 resolution). */
export interface DanfoFrame {
  columns: string[];
  values: unknown[][];
  shape: [number, number];
  dtypes: string[];
}

type DanfoModule = { DataFrame: new (data: unknown, opts?: { columns?: string[] }) => DanfoFrame };
let danfo: DanfoModule | null = null;

/** danfojs-node, loaded on first use. */
function loadDanfo(): DanfoModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  danfo ??= require('danfojs-node') as DanfoModule;
  return danfo;
}

export interface TableOptions {
  /** Column order; default the order of first appearance. */
  columns?: string[];
  /** Rows shown by the display (head and tail halves when longer). Default 40. */
  maxRows?: number;
  /** Caption above the table. */
  caption?: string;
}

function columnsFromRows(rows: readonly Row[], order?: string[]): Columns {
  const names = order ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cols: Record<string, Cell[]> = {};
  for (const n of names) cols[n] = rows.map((r) => (r[n] === undefined ? null : r[n]));
  return cols;
}

function fmtCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : fmtNum(v);
  return String(v);
}

export class Table {
  /** The danfo DataFrame holding the data (use danfo's API for group-by, describe, sorting, ...). */
  readonly frame: DanfoFrame;
  readonly caption?: string;
  private readonly maxRows: number;

  constructor(frame: DanfoFrame, opts: TableOptions = {}) {
    this.frame = frame;
    this.caption = opts.caption;
    this.maxRows = opts.maxRows ?? 40;
  }

  get columns(): string[] {
    return [...this.frame.columns];
  }

  get shape(): [number, number] {
    return [this.frame.shape[0], this.frame.shape[1]];
  }

  /** Rows as plain objects (column name -> value); danfo stores missing values as null / NaN. */
  toRows(): Row[] {
    const cols = this.frame.columns;
    return this.frame.values.map((vals) => {
      const r: Row = {};
      cols.forEach((c, j) => { r[c] = vals[j] as Cell; });
      return r;
    });
  }

  /** Indices of the rows the display shows: all, or head and tail with a gap marker (-1) between. */
  private shownRows(): number[] {
    const n = this.frame.shape[0];
    if (n <= this.maxRows) return Array.from({ length: n }, (_, i) => i);
    const h = Math.ceil(this.maxRows / 2), t = Math.floor(this.maxRows / 2);
    return [...Array.from({ length: h }, (_, i) => i), -1, ...Array.from({ length: t }, (_, i) => n - t + i)];
  }

  toText(): string {
    const cols = this.frame.columns;
    const shown = this.shownRows();
    const cells = shown.map((i) => (i < 0 ? cols.map(() => '…') : this.frame.values[i].map(fmtCell)));
    const idx = shown.map((i) => (i < 0 ? '…' : String(i)));
    const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
    const iw = Math.max(0, ...idx.map((s) => s.length));
    const line = (first: string, parts: string[]) => [first.padStart(iw), ...parts.map((p, j) => p.padStart(widths[j]))].join('  ');
    const out = [line('', cols), ...cells.map((r, k) => line(idx[k], r))];
    if (this.caption) out.unshift(this.caption);
    out.push(`[${this.frame.shape[0]} rows × ${cols.length} columns]`);
    return out.join('\n');
  }

  toHTML(): string {
    const cols = this.frame.columns;
    const num = this.frame.dtypes.map((d) => /int|float/.test(d));
    const head = `<thead><tr><th></th>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
    const body = this.shownRows().map((i) => {
      if (i < 0) return `<tr><th>…</th>${cols.map(() => '<td>…</td>').join('')}</tr>`;
      const tds = this.frame.values[i].map((v, j) => `<td style="text-align:${num[j] ? 'right' : 'left'}">${escapeHtml(fmtCell(v))}</td>`);
      return `<tr><th>${i}</th>${tds.join('')}</tr>`;
    }).join('');
    const cap = this.caption ? `<caption>${escapeHtml(this.caption)}</caption>` : '';
    return `<table class="ratelab-table dataframe">${cap}${head}<tbody>${body}</tbody></table>` +
      `<p style="font-size:smaller;color:#666">${this.frame.shape[0]} rows × ${cols.length} columns</p>`;
  }

  /** tslab prints a cell's last value with util.inspect: the text table, not danfo's internals. */
  [util.inspect.custom](): string {
    return this.toText();
  }

  [JUPYTER_DISPLAY](): MimeData {
    return { 'text/html': this.toHTML(), 'text/plain': this.toText() };
  }
}

function isDanfoFrame(x: unknown): x is DanfoFrame {
  const f = x as Partial<DanfoFrame>;
  return typeof x === 'object' && x !== null && Array.isArray(f.columns) && Array.isArray(f.values) && Array.isArray(f.shape);
}

/**
 * A table from rows (array of objects), columns (object of equal-length arrays) or an existing danfo DataFrame.
 * Typed arrays are accepted as columns. Loads danfojs-node on first use.
 */
export function table(data: readonly Row[] | Columns | DanfoFrame, opts: TableOptions = {}): Table {
  if (isDanfoFrame(data)) return new Table(data, opts);
  let cols: Columns;
  if (Array.isArray(data)) {
    if (!data.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
      throw new Error('table: rows must be plain objects ({column: value})');
    }
    cols = columnsFromRows(data as readonly Row[], opts.columns);
  } else if (typeof data === 'object' && data !== null) {
    cols = data as Columns;
  } else {
    throw new Error(`table: expected rows, columns or a DataFrame, got ${typeof data}`);
  }
  const names = opts.columns ?? Object.keys(cols);
  if (names.length === 0) throw new Error('table: no columns');
  for (const n of names) if (!(n in cols)) throw new Error(`table: column "${n}" not in the data`);
  const n = cols[names[0]].length;
  for (const c of names) {
    if (cols[c].length !== n) throw new Error(`table: column "${c}" has ${cols[c].length} values, column "${names[0]}" has ${n}`);
  }
  // danfo wants plain arrays; an empty table needs its column names given separately.
  const plain: Record<string, Cell[]> = {};
  for (const c of names) plain[c] = Array.from(cols[c]);
  const { DataFrame } = loadDanfo();
  const frame = n === 0 ? new DataFrame([], { columns: names }) : new DataFrame(plain);
  return new Table(frame, opts);
}
