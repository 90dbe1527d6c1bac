/**
 * Loading vega 6 / vega-lite 6, which are ESM-only (with top-level await). TypeScript compiles `import()` to
 * `require()` under CommonJS, which cannot load them, so the import is hidden in a Function. Their type
 * declarations are reachable only through `exports` maps that our Node10 resolution ignores, so the few entry
 * points used here are typed structurally below.
 */
import { TextItem, textWidth } from './text-metrics';

/**
 * A Vega-Lite spec (JSON). Deliberately loose: notebooks tweak nested fields (`chart.spec.encoding.y.scale =
 * {type: 'log'}`) and a precise type would need a cast at every such line.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type VegaLiteSpec = { [key: string]: any };

/** The vega-util logger interface that vega-lite's compile and vega's View report through. */
export interface VegaLogger {
  level(): number;
  level(l: number): VegaLogger;
  error(...args: unknown[]): VegaLogger;
  warn(...args: unknown[]): VegaLogger;
  info(...args: unknown[]): VegaLogger;
  debug(...args: unknown[]): VegaLogger;
}

export interface VegaView {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): void;
}

export interface VegaModule {
  version: string;
  textMetrics: { width: (item: TextItem, text: unknown) => number };
  parse(spec: unknown, config?: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: 'none' | 'svg' | 'canvas'; logger?: VegaLogger; logLevel?: number }) => VegaView;
  Warn: number;
}

export interface VegaLiteModule {
  version: string;
  compile(spec: VegaLiteSpec, opts?: { logger?: VegaLogger }): { spec: unknown };
}

const importESM = new Function('s', 'return import(s)') as (s: string) => Promise<unknown>;

let loading: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | null = null;

/** vega and vega-lite, loaded once per process (about 0.3 s the first time). */
export function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  if (!loading) {
    loading = Promise.all([importESM('vega'), importESM('vega-lite')]).then(([vega, vl]) => {
      // Process-wide, like vl-convert: every headless layout uses the theme font's real glyph widths.
      (vega as VegaModule).textMetrics.width = textWidth;
      return { vega: vega as VegaModule, vl: vl as VegaLiteModule };
    });
    loading.catch(() => { loading = null; }); // a later call may retry (e.g. after a fixed install)
  }
  return loading;
}

/** The Vega-Lite v5 schema: JupyterLab's renderer registers `application/vnd.vegalite.v5+json` (no v6). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
