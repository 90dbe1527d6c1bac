/**
 * Text widths for headless layout. Without node-canvas vega estimates every string as 0.8 × length × font size,
 * about 1.5× too wide for Helvetica-like fonts: a long y-axis title then "overflows" the plot and vega pads the
 * chart with empty space. vega supports replacing `textMetrics.width` (vl-convert does the same); we use the
 * advance widths of Liberation Sans (metric-compatible with Arial/Helvetica, the theme's fonts), in 1/1000 em,
 * read from the Debian font files with fontTools.
 */

const CHARS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~−…λ±µ×°²³·–—";
const REGULAR = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 584, 1000, 500, 549, 576, 584, 400, 333, 333, 278, 556, 1000];
const BOLD = [278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 584, 1000, 556, 549, 576, 584, 400, 333, 333, 278, 556, 1000];
/** Width of characters not in the table (most glyphs of other scripts are close to this). */
const FALLBACK = 556;

const regular = new Map<string, number>();
const bold = new Map<string, number>();
for (let i = 0; i < CHARS.length; i++) {
  regular.set(CHARS[i], REGULAR[i]);
  bold.set(CHARS[i], BOLD[i]);
}

/** The fields of a vega text item that decide its width. */
export interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  if (typeof weight === 'number') return weight >= 600;
  return /bold|black|heavy/i.test(weight) || Number(weight) >= 600;
}

/** Width in pixels of `text` drawn in the theme font at the item's size and weight. */
export function textWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const s = text == null ? '' : String(text).trim();
  if (size <= 0 || !s) return 0;
  const table = isBold(item.fontWeight) ? bold : regular;
  let units = 0;
  for (const ch of s) units += table.get(ch) ?? FALLBACK;
  return (units * size) / 1000;
}
