/**
 * Input history for `history_request` (tail / range / search), kept in memory and, when a path is given
 * (env RATELAB_KERNEL_HISTORY), appended to a JSON-lines file so later sessions can search earlier ones.
 * Sessions are numbered like IPython's: this kernel's session is one more than the largest in the file.
 */
import * as fs from 'fs';

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  /** text/plain of the execute_result, if the cell had one. */
  output: string | null;
}

export interface HistoryRequest {
  hist_access_type: 'tail' | 'range' | 'search';
  output?: boolean;
  raw?: boolean;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

export class History {
  private readonly entries: HistoryEntry[] = [];
  readonly session: number;
  /** The file ends in a torn line: start our first entry on a fresh line so it is not torn too. */
  private needsNewline = false;

  constructor(private readonly file?: string) {
    let maxSession = 0;
    if (file && fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      this.needsNewline = text.length > 0 && !text.endsWith('\n');
      const lines = text.split('\n');
      lines.forEach((text, i) => {
        if (!text.trim()) return;
        try {
          const e = JSON.parse(text) as HistoryEntry;
          if (typeof e.session === 'number' && typeof e.line === 'number' && typeof e.input === 'string') {
            this.entries.push({ ...e, output: e.output ?? null });
            maxSession = Math.max(maxSession, e.session);
          }
        } catch {
          // A torn last line (kernel killed mid-append) is skipped rather than failing the kernel start.
          process.emitWarning(`${file}: history line ${i + 1} is not JSON; skipped`);
        }
      });
    }
    this.session = maxSession + 1;
  }

  add(line: number, input: string, output: string | null): void {
    const e: HistoryEntry = { session: this.session, line, input, output };
    this.entries.push(e);
    if (this.file) {
      try {
        // One appended line per cell: a crash loses at most that line, and the loader skips a torn one.
        fs.appendFileSync(this.file, (this.needsNewline ? '\n' : '') + JSON.stringify(e) + '\n');
        this.needsNewline = false;
      } catch (err) {
        process.emitWarning(`${this.file}: cannot append history (${(err as Error).message})`);
      }
    }
  }

  query(req: HistoryRequest): HistoryRow[] {
    let rows: HistoryEntry[];
    switch (req.hist_access_type) {
      case 'tail':
        rows = tail(this.entries, req.n ?? 10);
        break;
      case 'range': {
        // As in IPython: session 0 (or absent) is the current one, negative counts back from it.
        let s = req.session ?? 0;
        if (s <= 0) s += this.session;
        const start = req.start ?? 0;
        const stop = req.stop ?? Infinity;
        rows = this.entries.filter((e) => e.session === s && e.line >= start && e.line < stop);
        break;
      }
      case 'search': {
        const re = globToRegExp(req.pattern ?? '*');
        let found = this.entries.filter((e) => re.test(e.input));
        if (req.unique) {
          const seen = new Set<string>();
          // Keep the latest occurrence of each input, in chronological order.
          found = found.reverse().filter((e) => !seen.has(e.input) && (seen.add(e.input), true)).reverse();
        }
        rows = req.n ? tail(found, req.n) : found;
        break;
      }
      default:
        rows = [];
    }
    return rows.map((e) => (req.output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }
}

function tail<T>(xs: T[], n: number): T[] {
  return n > 0 ? xs.slice(Math.max(0, xs.length - n)) : [];
}

/** sqlite GLOB semantics as IPython uses them: `*`, `?`, `[...]`, case-sensitive, whole-string match. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('^')) body = '\\^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}
