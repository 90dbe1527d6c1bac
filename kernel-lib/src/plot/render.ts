/**
 * Headless rendering of Vega-Lite specs: SVG through vega's `renderer: 'none'` view (no DOM, no canvas), PNG
 * through resvg (Rust, no Cairo). Without node-canvas, vega estimates text widths, so label layout can differ a
 * little from a browser.
 *
 * Fonts: resvg draws no text without fonts; it loads the system fonts and the theme asks for
 * Helvetica/Arial/Liberation Sans/DejaVu Sans in that order. Liberation Sans (Arial metrics) and DejaVu Sans come
 * with Debian's fonts-liberation / fonts-dejavu (pulled in by chromium); `sans-serif` maps to Liberation Sans.
 */
import { loadVega, VegaLiteSpec, VegaLogger } from './vegalib';

export interface RenderResult {
  svg: string;
  /** Warnings from vega-lite's compiler and vega's view (e.g. an unknown field); empty for a clean chart. */
  warnings: string[];
}

/** A logger that collects messages instead of printing them to the console. */
function collectingLogger(warnings: string[], errors: string[]): VegaLogger {
  let lvl = 2;
  const fmt = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  const logger: VegaLogger = {
    level(l?: number) {
      if (l === undefined) return lvl as never;
      lvl = l;
      return logger as never;
    },
    error: (...a: unknown[]) => { errors.push(fmt(a)); return logger; },
    warn: (...a: unknown[]) => { warnings.push(fmt(a)); return logger; },
    info: () => logger,
    debug: () => logger,
  } as VegaLogger;
  return logger;
}

/**
 * Compile a Vega-Lite spec and render it to an SVG string. Errors reported by vega (which logs rather than
 * throws for many of them) are thrown, naming `what`; warnings are returned.
 */
export async function renderSVG(spec: VegaLiteSpec, what = 'chart'): Promise<RenderResult> {
  const { vega, vl } = await loadVega();
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger = collectingLogger(warnings, errors);
  let compiled: unknown;
  try {
    compiled = vl.compile(spec, { logger }).spec;
  } catch (e) {
    throw new Error(`${what}: vega-lite could not compile the spec: ${(e as Error).message}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger, logLevel: vega.Warn });
  let svg: string;
  try {
    svg = await view.toSVG();
  } catch (e) {
    throw new Error(`${what}: vega could not render the chart: ${(e as Error).message}`);
  } finally {
    view.finalize();
  }
  if (errors.length) throw new Error(`${what}: vega reported errors: ${errors.join('; ')}`);
  return { svg, warnings };
}

export interface PngOptions {
  /** Pixels per SVG pixel. Default 2 (crisp on high-DPI screens and in papers). */
  scale?: number;
}

type ResvgCtor = new (svg: string, opts: unknown) => { render(): { asPng(): Buffer; width: number; height: number } };
let resvgCtor: ResvgCtor | null = null;

/** Rasterize an SVG string to PNG bytes. */
export function svgToPNG(svg: string, opts: PngOptions = {}): Buffer {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`svgToPNG: scale must be a positive number, got ${scale}`);
  // resvg is a native addon; loaded on first use so `require('ratelab')` stays fast.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  resvgCtor ??= (require('@resvg/resvg-js') as { Resvg: ResvgCtor }).Resvg;
  // vega writes `image-rendering: optimizeSpeed; image-rendering: pixelated` for unsmoothed images (heat maps);
  // resvg does not know `pixelated` and would fall back to smoothing.
  const forResvg = svg.replace(/image-rendering: pixelated;/g, '');
  const r = new resvgCtor(forResvg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans' },
    background: 'white',
  });
  return r.render().asPng();
}

/** Width and height in pixels from a PNG's IHDR chunk (throws if `png` is not a PNG). */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || sig.some((b, i) => png[i] !== b)) throw new Error('pngSize: not a PNG (bad signature)');
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.toString('latin1', 12, 16) !== 'IHDR') throw new Error('pngSize: first chunk is not IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
