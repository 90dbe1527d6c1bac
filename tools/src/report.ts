/**
 * What the runner prints: one line per cell, the failure report, the summary. Plain text, no colours, so logs
 * read the same in a terminal and in CI.
 */
import * as path from 'path';

import type { CellFailure, CellRecord, NotebookRunResult } from './run-notebook';

/** Remove ANSI escape sequences (CSI colours, OSC titles/links) that kernels put into tracebacks. */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '').replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '').replace(/\x1b[@-_]/g, '');
}

/** First non-blank line of a cell, shortened to `width` characters (so a progress line fits 80 columns). */
export function sourceHead(source: string, width = 56): string {
  const line = source.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > width ? line.slice(0, width - 1) + '…' : line;
}

export function formatSeconds(s: number): string {
  return s < 100 ? `${s.toFixed(2)} s` : `${s.toFixed(0)} s`;
}

/** `  [ 3/12] 1.42 s  const model = ctrnn({...` */
export function cellLine(cell: CellRecord): string {
  const w = String(cell.total).length;
  const mark = cell.status === 'ok' ? '' : `  ${cell.status.toUpperCase()}`;
  return `  [${String(cell.number).padStart(w)}/${cell.total}] ${formatSeconds(cell.seconds).padStart(8)}  ${sourceHead(cell.source)}${mark}`;
}

/** The line shown while a cell runs (in a terminal, replaced by `cellLine` when it ends). */
export function runningLine(cell: CellRecord): string {
  const w = String(cell.total).length;
  return `  [${String(cell.number).padStart(w)}/${cell.total}] ${'…'.padStart(8)}  ${sourceHead(cell.source)}`;
}

/** The failure report: notebook, cell number, the head of the cell's source, and the error text. */
export function failureReport(result: NotebookRunResult, root: string, headLines = 5): string {
  const f = result.failure as CellFailure;
  const rel = path.relative(root, result.file) || result.file;
  const lines: string[] = [];
  if (f.cell) {
    const count = f.cell.executionCount !== null ? `, In [${f.cell.executionCount}]` : '';
    lines.push(`FAILED ${rel}: code cell ${f.cell.number} of ${f.cell.total} (notebook cell ${f.cell.index + 1}${count})`);
    const src = f.cell.source.replace(/\s+$/, '').split('\n');
    for (const l of src.slice(0, headLines)) lines.push(`    | ${l}`);
    if (src.length > headLines) lines.push(`    | … (${src.length - headLines} more lines)`);
  } else {
    lines.push(`FAILED ${rel}`);
  }
  lines.push(...f.text.replace(/\s+$/, '').split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

export function summaryLine(result: NotebookRunResult, root: string): string {
  const rel = path.relative(root, result.file) || result.file;
  const ran = result.cells.filter((c) => c.status !== 'pending').length;
  const state = result.ok ? 'ok' : 'FAILED';
  return `${state.padEnd(6)} ${rel}  (${ran}/${result.cells.length} cells, ${formatSeconds(result.seconds)}, kernel start ${formatSeconds(result.kernelStartSeconds)})`;
}
