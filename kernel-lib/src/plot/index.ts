/**
 * Charts: Vega-Lite specs wrapped in `Chart` objects that display themselves in a notebook and save as SVG + PNG.
 * Builders take row-major numeric arrays with explicit shapes (see each options type).
 */
export { Chart, chart, savefig, VEGALITE_MIME } from './chart';
export type { SavedFigure, SaveOptions } from './chart';
export { renderSVG, svgToPNG, pngSize } from './render';
export type { RenderResult, PngOptions } from './render';
export { loadVega, VEGA_LITE_SCHEMA } from './vegalib';
export type { VegaLiteSpec } from './vegalib';
export { THEME_CONFIG, THEME_FONT } from './theme';
export type { ChartOptions } from './shapes';
export { lineTraces, lossCurve } from './lines';
export type { LineTracesOptions, LossCurveOptions, TimeEvent } from './lines';
export { rateHeatmap, speedHeatmap } from './heatmaps';
export type { RateHeatmapOptions, SpeedHeatmapOptions } from './heatmaps';
export { pcaTrajectories, eigenSpectrum } from './state-space';
export type { PcaTrajectoriesOptions, EigenSpectrumOptions } from './state-space';
export { fixedPointChart } from './fixed-points';
export type { FixedPointChartOptions } from './fixed-points';
export { flowFieldChart } from './flow-field';
export type { FlowFieldChartOptions, FlowFieldLike } from './flow-field';
export { barChart, meanSemChart, scatterFit, histogram } from './stat-charts';
export type { BarChartOptions, MeanSemOptions, ScatterFitOptions, HistogramOptions } from './stat-charts';
