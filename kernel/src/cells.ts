/**
 * What the kernel remembers about each executed cell: its TypeScript source, the JavaScript tslab compiled
 * it to, and the `//# sourceURL=` name the JavaScript ran under, so runtime stack frames (even from functions
 * defined in an earlier cell) can be traced to a cell and a source line.
 *
 * tslab's converter emits no source map, so compiled lines are mapped to source lines by `mapLines`: an
 * order-preserving alignment maximising token overlap. TypeScript's emit keeps statement order and most
 * identifiers, which makes this reliable for the line that threw; helper lines emitted by TypeScript
 * (`__importStar` and friends) map to the nearest plausible line.
 */

/** How many cells are kept for stack mapping; older ones are labelled by name only. */
const MAX_CELLS = 1000;

export class CellRecord {
  private lineMap?: number[];

  constructor(
    readonly url: string,
    /** "Cell In[3]" or "Cell (silent #5)". */
    readonly label: string,
    readonly source: string,
    public compiled = '',
  ) {}

  get compiledLineCount(): number {
    return this.compiled.split('\n').length;
  }

  /** 0-based source line for a 1-based line of the compiled JavaScript. */
  sourceLineOf(compiledLine: number): number {
    this.lineMap ??= mapLines(this.compiled.split('\n'), this.source.split('\n'));
    const i = Math.min(Math.max(compiledLine - 1, 0), this.lineMap.length - 1);
    return i >= 0 ? this.lineMap[i] : 0;
  }
}

export class CellRegistry {
  private readonly cells = new Map<string, CellRecord>();
  private seq = 0;

  create(source: string, executionCount: number | null): CellRecord {
    this.seq++;
    const url = `ratelab-cell-${this.seq}.ts`;
    const label = executionCount !== null ? `Cell In[${executionCount}]` : `Cell (silent #${this.seq})`;
    const rec = new CellRecord(url, label, source);
    this.cells.set(url, rec);
    if (this.cells.size > MAX_CELLS) this.cells.delete(this.cells.keys().next().value as string);
    return rec;
  }

  byUrl(url: string): CellRecord | undefined {
    return this.cells.get(url);
  }
}

const NOISE = new Set(['exports', 'void', 'var', 'let', 'const', 'tsLastExpr']);

function tokens(line: string): Set<string> {
  const out = new Set<string>();
  for (const m of line.matchAll(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g)) {
    if (!NOISE.has(m[0])) out.add(m[0].replace(/^["']|["']$/g, ''));
  }
  return out;
}

function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  return common / (a.size + b.size - common);
}

/**
 * For each compiled line, the 0-based source line it most likely came from: dynamic programming over
 * non-decreasing assignments (compiled order follows source order) maximising summed Jaccard similarity.
 */
export function mapLines(compiled: string[], source: string[]): number[] {
  const m = compiled.length;
  const n = Math.max(source.length, 1);
  const ct = compiled.map(tokens);
  const st = source.map(tokens);
  let prev = new Float64Array(n);
  const from: Int32Array[] = [];
  for (let i = 0; i < m; i++) {
    const cur = new Float64Array(n);
    const back = new Int32Array(n);
    let bestPrev = -Infinity;
    let bestPrevAt = 0;
    for (let j = 0; j < n; j++) {
      // A tiny bias towards the proportional position breaks ties, so unmatched helper lines do not all pile on line 0.
      const p = i === 0 ? 0 : prev[j];
      if (p > bestPrev) {
        bestPrev = p;
        bestPrevAt = j;
      }
      cur[j] = bestPrev + similarity(ct[i], st[j] ?? new Set()) - 1e-9 * Math.abs(j - (i * n) / Math.max(m, 1));
      back[j] = bestPrevAt;
    }
    from.push(back);
    prev = cur;
  }
  const out = new Array<number>(m);
  let j = 0;
  for (let k = 1; k < n; k++) if (prev[k] > prev[j]) j = k;
  for (let i = m - 1; i >= 0; i--) {
    out[i] = j;
    j = from[i][j];
  }
  return out;
}
