/**
 * ratelab's one chart theme: readable font sizes at the default ~340 px width, light grids, white background,
 * Tableau-10 categories. Put in each spec's `config` (not applied at render time) so that what the notebook's
 * interactive Vega-Lite renderer shows and what `savefig` writes are the same chart.
 */
import type { VegaLiteSpec } from './vegalib';

/** Font list: Helvetica/Arial where a browser has them, the Debian fonts headless (see render.ts). */
export const THEME_FONT = 'Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif';

export const THEME_CONFIG: VegaLiteSpec = {
  font: THEME_FONT,
  background: 'white',
  padding: 8,
  view: { continuousWidth: 340, continuousHeight: 220, stroke: '#ddd' },
  title: { fontSize: 14, fontWeight: 'bold', anchor: 'start', offset: 10, subtitleFontSize: 11, subtitleColor: '#555' },
  axis: {
    labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#222', labelColor: '#333',
    gridColor: '#ececec', domainColor: '#888', tickColor: '#888', labelFlush: false,
  },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', symbolSize: 80 },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'bold' },
  range: { category: { scheme: 'tableau10' } },
  line: { strokeWidth: 1.6 },
  point: { size: 36 },
  bar: { binSpacing: 0 },
};

/** Default continuous colour scheme for heat maps (perceptually uniform, readable in greyscale). */
export const HEATMAP_SCHEME = 'viridis';
