/**
 * Turns TypeScript diagnostics and thrown values into Jupyter `error` content (ename, evalue, traceback)
 * whose traceback points at the cell's own lines, IPython style:
 *
 *     Cell In[3], line 2
 *           1 const x = 1;
 *     ----> 2 const y: string = x;
 *                   ^
 *     TS2322: Type 'number' is not assignable to type 'string'.
 *
 * Each cell's compiled JavaScript is run under a `//# sourceURL=` name (see cells.ts), so stack frames
 * say which cell they are in; compiled lines are mapped back to source lines by `mapLines`.
 */
import * as util from 'util';
import type { Diagnostic } from 'tslab/dist/converter';
import { CellRecord, CellRegistry } from './cells';

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Name given to interrupted cells, as ipykernel does, so frontends recognise it. */
export const INTERRUPT_ENAME = 'KeyboardInterrupt';

const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const CYAN = '\x1b[36m';
const RESET = '\x1b[0m';

export function diagnosticsError(cell: CellRecord, diags: Diagnostic[]): ErrorContent {
  const lines = cell.source.split('\n');
  const traceback: string[] = [];
  for (const d of diags) {
    const where = d.fileName ? `${d.fileName}, line ${d.start.line + 1}` : `${cell.label}, line ${d.start.line + 1}`;
    const block = [`${CYAN}${where}${RESET}`];
    if (!d.fileName) block.push(...excerpt(lines, d.start.line, d.start.character, d.start.line === d.end.line ? d.end.character : undefined));
    block.push(`${RED}TS${d.code}${RESET}: ${d.messageText}`);
    traceback.push(block.join('\n'));
  }
  const first = diags[0];
  const loc = first.fileName ? `${first.fileName}:${first.start.line + 1}` : `line ${first.start.line + 1}`;
  return {
    ename: 'TSError',
    evalue: `TS${first.code}: ${first.messageText} (${loc})` + (diags.length > 1 ? ` and ${diags.length - 1} more` : ''),
    traceback,
  };
}

export function interruptError(where: string): ErrorContent {
  return { ename: INTERRUPT_ENAME, evalue: `interrupted ${where}`, traceback: [`${RED}${INTERRUPT_ENAME}${RESET}: interrupted ${where}`] };
}

/** A thrown value (Error or anything else) as error content, with frames in cells mapped to source lines. */
export function runtimeError(thrown: unknown, cells: CellRegistry): ErrorContent {
  if (!(thrown instanceof Error)) {
    const text = util.inspect(thrown, { depth: 2 });
    return { ename: 'Uncaught', evalue: text, traceback: [`${RED}Uncaught${RESET} ${text}`] };
  }
  const ename = thrown.name || thrown.constructor?.name || 'Error';
  const evalue = thrown.message ?? '';
  const traceback: string[] = [];
  for (const frame of parseStack(thrown.stack ?? '')) {
    const cell = frame.file ? cells.byUrl(frame.file) : undefined;
    // The frame of tslab's wrapper call `})(__tslab__.exports, ...)` lies past the cell's own lines.
    if (cell && frame.line !== undefined && frame.line > cell.compiledLineCount) continue;
    if (cell && frame.line !== undefined) {
      const srcLine = cell.sourceLineOf(frame.line);
      const fn = frame.fn && !/^(exports\.)?(<anonymous>|Object\.<anonymous>)$/.test(frame.fn) ? `, in ${frame.fn}` : '';
      const block = [`${CYAN}${cell.label}, line ${srcLine + 1}${fn}${RESET}`];
      block.push(...excerpt(cell.source.split('\n'), srcLine));
      traceback.push(block.join('\n'));
    } else if (frame.file && !isInternal(frame.file)) {
      traceback.push(`${GREEN}${frame.raw.trim()}${RESET}`);
    }
  }
  traceback.push(`${RED}${ename}${RESET}: ${evalue}`);
  return { ename, evalue, traceback };
}

interface Frame {
  raw: string;
  fn?: string;
  file?: string;
  line?: number;
}

/** V8 stack lines: "    at fn (file:line:col)" or "    at file:line:col". */
function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const raw of stack.split('\n')) {
    const m = /^\s+at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(raw);
    if (m) frames.push({ raw, fn: m[1], file: m[2], line: Number(m[3]) });
    else if (/^\s+at /.test(raw)) frames.push({ raw });
  }
  return frames;
}

/** Frames from node internals, tslab's executor and this kernel say nothing about the user's error. */
function isInternal(file: string): boolean {
  return file.startsWith('node:') || /[\\/]tslab[\\/]dist[\\/]/.test(file) || file.startsWith(__dirname) || file === 'evalmachine.<anonymous>';
}

/** The source line with two lines of context, an arrow on it and a caret under `col`..`endCol`. */
function excerpt(lines: string[], line: number, col?: number, endCol?: number): string[] {
  const out: string[] = [];
  const width = String(Math.min(lines.length, line + 2) + 1).length;
  for (let i = Math.max(0, line - 2); i <= Math.min(lines.length - 1, line + 2); i++) {
    const no = String(i + 1).padStart(width);
    if (i === line) {
      out.push(`${GREEN}---->${RESET} ${no} ${lines[i]}`);
      if (col !== undefined) {
        const n = Math.max(1, (endCol ?? col + 1) - col);
        out.push(' '.repeat(6 + width + 1 + col) + `${RED}${'^'.repeat(n)}${RESET}`);
      }
    } else out.push(`      ${no} ${lines[i]}`);
  }
  return out;
}
