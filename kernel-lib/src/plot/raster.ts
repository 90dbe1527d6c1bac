/**
 * Heat maps drawn as one embedded PNG image (Vega-Lite `image` mark) instead of one rect per cell. A 60 × 200
 * rect heat map is ~3 MB of SVG (and again in base64 in the notebook's HTML); the same map as an image is a few
 * KB. Colours come from the same piecewise-linear RGB schemes vega uses ('viridis', 'magma'), and an invisible
 * layer carries the colour scale so the legend matches the pixels.
 */
import * as zlib from 'zlib';

/** vega-scale's anchor colours (vega-scale/src/schemes.js), interpolated linearly in RGB like vega does. */
const SCHEMES: Record<string, string> = {
  viridis: '440154470e61481a6c482575472f7d443a834144873d4e8a39568c35608d31688e2d708e2a788e27818e23888e21918d1f988b1fa08822a8842ab07f35b77943bf7154c56866cc5d7ad1518fd744a5db36bcdf27d2e21be9e51afde725',
  magma: '0000040404130b0924150e3720114b2c11603b0f704a107957157e651a80721f817f24828c29819a2e80a8327db6377ac43c75d1426fde4968e95462f1605df76f5cfa7f5efc8f65fe9f6dfeaf78febf84fece91fddea0fcedaffcfdbf',
};

export type RasterScheme = keyof typeof SCHEMES & string;

function anchors(scheme: string): number[][] {
  const hex = SCHEMES[scheme];
  if (!hex) throw new Error(`raster: unknown colour scheme "${scheme}" (known: ${Object.keys(SCHEMES).join(', ')})`);
  const out: number[][] = [];
  for (let i = 0; i < hex.length; i += 6) out.push([0, 2, 4].map((k) => parseInt(hex.slice(i + k, i + k + 2), 16)));
  return out;
}

/** RGB (0..255) of the scheme at t in [0, 1] (clamped). */
export function schemeColor(scheme: string, t: number): [number, number, number] {
  const a = anchors(scheme);
  const x = Math.min(1, Math.max(0, t)) * (a.length - 1);
  const i = Math.min(a.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(a[i][k] + (a[i + 1][k] - a[i][k]) * f)) as [number, number, number];
}

let crcTable: Uint32Array | null = null;
function crc32(buf: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = crcTable[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encode 8-bit RGBA pixels (row-major, top row first) as a PNG. */
export function encodePNG(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`encodePNG: ${rgba.length} bytes for ${width}×${height} RGBA (needs ${width * height * 4})`);
  const stride = width * 4 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter type None
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * stride + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface RasterLayerOptions {
  /** Row-major values, `rows × cols`, row 0 drawn at the TOP; non-finite values are transparent. */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Data coordinates of the image's edges. */
  x: [number, number];
  /** y of the top and bottom edges (top may be larger or smaller than bottom: the y scale decides). */
  yTop: number;
  yBottom: number;
  scheme: RasterScheme;
  /** Colour range; default the finite min and max of `values`. */
  domain?: [number, number];
  xTitle: string;
  yTitle: string;
  colorTitle: string;
  /** y scale domain; default [min(yTop, yBottom), max(...)] ascending upward. */
  yDomain?: [number, number];
  /** Length of the colour legend's gradient in pixels (keep it ≤ the plot height). Default 200. */
  legendLength?: number;
}

/**
 * Two Vega-Lite layers: the image (filling the view: its width/height follow the `width`/`height` signals, pixels
 * drawn unsmoothed) and an invisible two-point layer that defines the x/y/colour scales and thus the axes and legend.
 */
export function rasterLayers(o: RasterLayerOptions): { layers: object[]; domain: [number, number]; pngBytes: number } {
  const n = o.rows * o.cols;
  if (o.values.length !== n) throw new Error(`raster: ${o.values.length} values for ${o.rows}×${o.cols}`);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = o.values[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const domain: [number, number] = o.domain ?? (lo <= hi ? [lo, hi] : [0, 1]);
  const span = domain[1] - domain[0];
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const v = o.values[i];
    if (!Number.isFinite(v)) continue; // alpha 0
    const [r, g, b] = schemeColor(o.scheme, span > 0 ? (v - domain[0]) / span : 0.5);
    rgba[4 * i] = r; rgba[4 * i + 1] = g; rgba[4 * i + 2] = b; rgba[4 * i + 3] = 255;
  }
  const png = encodePNG(o.cols, o.rows, rgba);
  const url = `data:image/png;base64,${png.toString('base64')}`;
  const yDomain = o.yDomain ?? [Math.min(o.yTop, o.yBottom), Math.max(o.yTop, o.yBottom)];
  const xScale = { domain: o.x, nice: false, zero: false };
  const yScale = { domain: yDomain, nice: false, zero: false };
  return {
    domain,
    pngBytes: png.length,
    layers: [
      {
        // Placed in pixels (top-left corner, view-sized): anchoring it by data fields made vega reserve ~30 px of
        // empty space above the plot. The invisible layer below carries the scales, axes and legend.
        data: { values: [{ url }] },
        mark: { type: 'image', width: { expr: 'width' }, height: { expr: 'height' }, aspect: false, align: 'left', baseline: 'top', smooth: false },
        encoding: { x: { value: 0 }, y: { value: 0 }, url: { field: 'url', type: 'nominal' } },
      },
      {
        data: { values: [{ x: o.x[0], y: yDomain[0], c: domain[0] }, { x: o.x[1], y: yDomain[1], c: domain[1] }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: xScale },
          y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: yScale },
          color: { field: 'c', type: 'quantitative', title: o.colorTitle, scale: { scheme: o.scheme, domain }, legend: { gradientLength: o.legendLength ?? 200 } },
        },
      },
    ],
  };
}
