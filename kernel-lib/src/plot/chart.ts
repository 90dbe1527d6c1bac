/**
 * The chart object every builder returns: a Vega-Lite spec (data until rendered, and still editable through
 * `chart.spec`) that can display itself and be saved.
 *
 * Display: `[Symbol.for("Jupyter.display")]()` returns a **Promise** of the MIME map, because rendering is async.
 * In a cell, `await show(chart)` (or make the chart the cell's last value under the ratelab kernel, which awaits
 * the promise). The MIME map holds:
 * - `application/vnd.vegalite.v5+json`: the spec object (interactive in JupyterLab),
 * - `text/html`: `<img src="data:image/svg+xml;base64,...">` (nbconvert's HTML export blanks inline `<svg>`),
 * - `image/svg+xml`: the SVG text,
 * - `text/plain`: a one-line description.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';

import { figuresDir } from '../notebook/params';
import { JUPYTER_DISPLAY, MimeData, show } from '../notebook/display';
import { escapeHtml } from '../notebook/summary';
import { writeFileAtomic } from '../io/atomic-write';
import { renderSVG, svgToPNG, RenderResult } from './render';
import { THEME_CONFIG } from './theme';
import { VEGA_LITE_SCHEMA, VegaLiteSpec } from './vegalib';

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

export interface SavedFigure {
  svg: string;
  png: string;
}

export interface SaveOptions {
  /** Folder to write into. Default `figuresDir()` (RATELAB_FIGURES_DIR, or figures/<notebook>). */
  dir?: string;
  /** PNG pixels per SVG pixel. Default 2. */
  scale?: number;
}

function deepMerge(base: VegaLiteSpec, over: VegaLiteSpec): VegaLiteSpec {
  const out: VegaLiteSpec = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? deepMerge(b, v) : v;
  }
  return out;
}

export class Chart {
  /** The Vega-Lite spec; edit it freely before showing or saving. */
  spec: VegaLiteSpec;
  /** Builder-specific numbers worth keeping (e.g. a fit's slope and r, a heat map's unit order). */
  readonly meta: Record<string, unknown>;
  private cache: { key: string; result: RenderResult } | null = null;

  /** Wrap a Vega-Lite spec; ratelab's theme and the v5 `$schema` are added (the spec's own config wins). */
  constructor(spec: VegaLiteSpec, meta: Record<string, unknown> = {}) {
    if (typeof spec !== 'object' || spec === null) throw new TypeError('Chart: spec must be a Vega-Lite spec object');
    this.spec = { $schema: VEGA_LITE_SCHEMA, ...spec, config: deepMerge(THEME_CONFIG, spec.config ?? {}) };
    this.meta = meta;
  }

  /** The title's text, if any (for messages and alt text). */
  get title(): string {
    const t = this.spec.title;
    const s = typeof t === 'string' ? t : Array.isArray(t) ? t.join(' ') : t && typeof t === 'object' ? t.text : undefined;
    return Array.isArray(s) ? s.join(' ') : typeof s === 'string' ? s : '';
  }

  /** Render (cached while the spec is unchanged); warnings are kept in the result. */
  async render(): Promise<RenderResult> {
    const key = JSON.stringify(this.spec);
    if (this.cache?.key !== key) this.cache = { key, result: await renderSVG(this.spec, `chart "${this.title || 'untitled'}"`) };
    return this.cache.result;
  }

  async toSVG(): Promise<string> {
    return (await this.render()).svg;
  }

  async toPNG(scale = 2): Promise<Buffer> {
    return svgToPNG(await this.toSVG(), { scale });
  }

  /** Write `<dir>/<name>.svg` and `.png` (atomically); returns their paths. See `savefig`. */
  save(name: string, opts: SaveOptions = {}): Promise<SavedFigure> {
    return savefig(this, name, opts);
  }

  /** Show in the notebook (`await chart.show()`), or print the text form in plain Node. */
  async show(): Promise<void> {
    await show(this);
  }

  describe(): string {
    const values = this.spec.data?.values;
    const n = Array.isArray(values) ? `, ${values.length} data rows` : '';
    const s = this.spec;
    const mark = typeof s.mark === 'string' ? s.mark : s.mark?.type ??
      (s.facet ? 'faceted' : s.layer ? 'layered' : s.hconcat || s.vconcat || s.concat ? 'panels' : 'chart');
    return `Chart "${this.title || 'untitled'}" (${mark}${n})`;
  }

  async [JUPYTER_DISPLAY](): Promise<MimeData> {
    const svg = await this.toSVG();
    const b64 = Buffer.from(svg, 'utf8').toString('base64');
    return {
      [VEGALITE_MIME]: this.spec,
      'text/html': `<img src="data:image/svg+xml;base64,${b64}" alt="${escapeHtml(this.title || 'chart')}">`,
      'image/svg+xml': svg,
      'text/plain': this.describe(),
    };
  }

  toJSON(): VegaLiteSpec {
    return this.spec;
  }

  /** tslab prints a cell's last value with util.inspect: one line, not the whole spec and its data. */
  [util.inspect.custom](): string {
    return `${this.describe()}: \`await show(chart)\` draws it`;
  }
}

/** Wrap any Vega-Lite spec as a ratelab chart (theme + v5 schema added). */
export function chart(spec: VegaLiteSpec, meta: Record<string, unknown> = {}): Chart {
  return new Chart(spec, meta);
}

/**
 * Save a chart as `<dir>/<name>.svg` and `<dir>/<name>.png`, each written to a temporary file and renamed so no
 * half-written figure is ever left. `name` may not contain path separators or an extension-like `.svg`/`.png`.
 * `dir` defaults to `figuresDir()`.
 */
export async function savefig(c: Chart | VegaLiteSpec, name: string, opts: SaveOptions = {}): Promise<SavedFigure> {
  if (typeof name !== 'string' || !/^[\w.-]+$/.test(name) || name === '.' || name === '..') {
    throw new Error(`savefig: name "${name}" must be a plain file stem (letters, digits, "_", "-", ".")`);
  }
  const stem = name.replace(/\.(svg|png)$/i, '');
  // Duck-typed, not instanceof: a notebook may hold charts from a second copy of this module (src vs dist).
  const ch = typeof (c as Chart).toSVG === 'function' ? (c as Chart) : new Chart(c);
  const dir = path.resolve(opts.dir ?? figuresDir());
  const svg = await ch.toSVG();
  const png = svgToPNG(svg, { scale: opts.scale ?? 2 });
  const out = { svg: path.join(dir, `${stem}.svg`), png: path.join(dir, `${stem}.png`) };
  for (const [file, content] of [[out.svg, svg], [out.png, png]] as const) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomic(file, content); // temp sibling + rename: no half-written figure under the final name
    } catch (e) {
      throw new Error(`savefig: could not write ${file} (${(e as Error).message})`);
    }
  }
  return out;
}
