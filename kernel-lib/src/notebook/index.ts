/** Notebook-facing helpers: rich display, progress of long loops, run parameters and figure locations. */
export {
  show, mimeBundle, sendDisplay, newDisplayId, displayTransport, isNotebook,
  JUPYTER_DISPLAY, KERNEL_DISPLAY_HOOK,
} from './display';
export type { MimeData, DisplayContent, KernelDisplayHook, Displayable, DisplayTransport, ShowOptions } from './display';
export { arrayStats, summaryBundle, enableTensorDisplay } from './summary';
export type { ArrayStats } from './summary';
export { progress, sparkline, formatDuration } from './progress';
export type { Progress, ProgressOptions, ProgressFields } from './progress';
export { params, runMode, figuresDir, projectRoot } from './params';
export type { RunMode, ParamsOf, ParamsEnv, FiguresEnv } from './params';
