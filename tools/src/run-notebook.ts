/**
 * Execute one notebook headless in a fresh kernel and write it back in place, executed and signed.
 *
 * Cells run in order and the run stops at the first failing cell: a later cell depends on the earlier ones, and
 * tslab (today's engine) silently drops requests sent within 200 ms after an error anyway. A cell fails when its
 * execute_reply says so OR the kernel published an `error` message (either alone is enough: tslab reports errors
 * only as reply status + stderr text), on a timeout, or when the kernel dies. The notebook is written even then,
 * with the error in the failing cell and the cells after it cleared, so what the user opens matches what ran.
 */
import * as fs from 'fs';
import * as path from 'path';

import { CellStatus, KernelClient } from './kernel-client';
import { findKernelSpec } from './kernelspec';
import { CodeCell, ErrorOutput, joinMultiline, Notebook, readNotebook, writeNotebookAtomic } from './nbformat';
import { DisplayRegistry, OutputCollector } from './outputs';
import { stripAnsi } from './report';
import { trustNotebook } from './trust';

export type RunMode = 'quick' | 'full';

export interface RunNotebookOptions {
  /** Environment for the kernel and for jupyter-trust: the project's Jupyter variables must be set (jupyterEnv). */
  env: NodeJS.ProcessEnv;
  /** QUICK (default) runs the short configuration; FULL the paper's. Passed as RATELAB_MODE. */
  mode?: RunMode;
  /** Parameter overrides, passed as JSON in RATELAB_PARAMS. */
  params?: Record<string, unknown>;
  /** Where the notebook's `savefig` writes (RATELAB_FIGURES_DIR); created if missing. */
  figuresDir: string;
  /** Kernelspec name; default: the notebook's metadata.kernelspec.name, else "ratelab". */
  kernelName?: string;
  /** Per-cell limit in seconds; 0 or undefined: none. */
  cellTimeoutS?: number;
  /** Write the executed notebook back (default true) and sign it (default true). */
  write?: boolean;
  trust?: boolean;
  /** Progress callbacks, for the command line. */
  onCellStart?: (cell: CellRecord) => void;
  onCellEnd?: (cell: CellRecord) => void;
}

export interface CellRecord {
  /** Index among all cells of the notebook (0-based). */
  index: number;
  /** 1-based number among the code cells that have code, and how many there are. */
  number: number;
  total: number;
  source: string;
  status: CellStatus | 'pending';
  seconds: number;
  executionCount: number | null;
}

export interface CellFailure {
  /** The failing cell; absent when the kernel could not start or the notebook could not be written. */
  cell?: CellRecord;
  ename: string;
  evalue: string;
  /** Traceback lines without ANSI colour codes (may be empty). */
  traceback: string[];
  /** Everything a reader needs to see, as plain text: traceback, else `ename: evalue`, else the cell's stderr. */
  text: string;
}

export interface NotebookRunResult {
  file: string;
  name: string;
  ok: boolean;
  cells: CellRecord[];
  failure?: CellFailure;
  kernelStartSeconds: number;
  seconds: number;
  /** Files under figuresDir written during this run, relative to figuresDir. */
  figures: string[];
}

/** `notebooks/00-tour.ipynb` → `00-tour`: the name used for RATELAB_NOTEBOOK and the figures folder. */
export function notebookName(file: string): string {
  return path.basename(file).replace(/\.ipynb$/, '');
}

/** The environment variables through which `params()` in ratelab reads the run's configuration. */
export function ratelabEnv(name: string, opts: Pick<RunNotebookOptions, 'mode' | 'params' | 'figuresDir'>): Record<string, string> {
  return {
    RATELAB_MODE: opts.mode ?? 'quick',
    RATELAB_PARAMS: JSON.stringify(opts.params ?? {}),
    RATELAB_NOTEBOOK: name,
    RATELAB_FIGURES_DIR: path.resolve(opts.figuresDir),
  };
}

const now = (): number => performance.now() / 1000;

export async function runNotebook(file: string, opts: RunNotebookOptions): Promise<NotebookRunResult> {
  const t0 = now();
  const startedAtMs = Date.now();
  const abs = path.resolve(file);
  const name = notebookName(abs);
  const result: NotebookRunResult = { file: abs, name, ok: false, cells: [], kernelStartSeconds: 0, seconds: 0, figures: [] };
  let nb: Notebook;
  try {
    nb = readNotebook(abs);
  } catch (e) {
    const msg = (e as Error).message;
    return { ...result, failure: { ename: 'NotebookReadError', evalue: msg, traceback: [], text: msg }, seconds: now() - t0 };
  }

  // Clear every code cell first, so cells that do not run (after a failure) show no stale outputs.
  const code: Array<{ cell: CodeCell; index: number }> = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    cell.outputs = [];
    cell.execution_count = null;
    if (joinMultiline(cell.source).trim() !== '') code.push({ cell, index });
  });
  result.cells = code.map(({ cell, index }, i) => ({
    index, number: i + 1, total: code.length, source: joinMultiline(cell.source), status: 'pending', seconds: 0, executionCount: null,
  }));

  fs.mkdirSync(opts.figuresDir, { recursive: true });
  const env = { ...opts.env, ...ratelabEnv(name, opts) };
  const kernelName = opts.kernelName ?? nb.metadata.kernelspec?.name ?? 'ratelab';

  let kernel: KernelClient | null = null;
  const killOnExit = (): void => kernel?.kill();
  process.on('exit', killOnExit);
  try {
    try {
      const spec = findKernelSpec(kernelName, env);
      kernel = await KernelClient.start({ spec, cwd: path.dirname(abs), env, runtimeDir: env.JUPYTER_RUNTIME_DIR ?? path.dirname(abs) });
    } catch (e) {
      const msg = (e as Error).message;
      result.failure = { ename: 'KernelStartError', evalue: msg, traceback: [], text: msg };
    }
    result.kernelStartSeconds = now() - t0;
    if (kernel?.kernelInfo?.language_info) nb.metadata.language_info = kernel.kernelInfo.language_info;

    const displays = new DisplayRegistry();
    for (let i = 0; kernel && i < code.length && !result.failure; i++) {
      const { cell } = code[i];
      const rec = result.cells[i];
      opts.onCellStart?.(rec);
      const collector = new OutputCollector(displays);
      const tc = now();
      const outcome = await kernel.execute(rec.source, {
        onIopub: (m) => collector.handle(m),
        timeoutMs: (opts.cellTimeoutS ?? 0) * 1000,
      });
      rec.seconds = now() - tc;
      rec.executionCount = outcome.executionCount ?? collector.executionCount;
      const failed = outcome.status !== 'ok' || collector.errorSeen;
      rec.status = outcome.status === 'ok' && collector.errorSeen ? 'error' : outcome.status;
      if (outcome.status === 'timeout' || outcome.status === 'died') {
        // Say in the notebook itself why the cell has no (or partial) output; names as nbclient uses them.
        const ename = outcome.status === 'timeout' ? 'CellTimeoutError' : 'DeadKernelError';
        const evalue = outcome.reason ?? '';
        const log = outcome.status === 'died' ? kernel.processLog().trim().split('\n').slice(-20) : [];
        collector.outputs.push({ output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`, ...log] });
      }
      cell.outputs = collector.outputs;
      cell.execution_count = rec.executionCount;
      opts.onCellEnd?.(rec);
      if (failed) result.failure = describeFailure(rec, collector, outcome.reason, outcome.reply);
    }
  } finally {
    if (kernel) await kernel.shutdown();
    process.removeListener('exit', killOnExit);
  }

  if (opts.write !== false) {
    try {
      writeNotebookAtomic(abs, nb);
      if (opts.trust !== false) trustNotebook(abs, env);
    } catch (e) {
      const msg = (e as Error).message;
      result.failure ??= { ename: 'NotebookWriteError', evalue: msg, traceback: [], text: msg };
    }
  }
  result.ok = !result.failure;
  result.figures = filesWrittenSince(opts.figuresDir, startedAtMs);
  result.seconds = now() - t0;
  return result;
}

function describeFailure(
  cell: CellRecord, collector: OutputCollector, reason: string | undefined, reply: Record<string, any> | null,
): CellFailure {
  const err = collector.outputs.find((o): o is ErrorOutput => o.output_type === 'error');
  if (err) {
    const traceback = err.traceback.map(stripAnsi);
    const head = `${err.ename}: ${stripAnsi(err.evalue)}`;
    // Kernels differ on whether the traceback repeats "ename: evalue"; show it once either way.
    const body = traceback.join('\n');
    const text = body.includes(stripAnsi(err.evalue)) ? body : [head, body].filter(Boolean).join('\n');
    return { cell, ename: err.ename, evalue: stripAnsi(err.evalue), traceback, text };
  }
  if (reply && reply.status === 'error' && (reply.ename || reply.evalue)) {
    const traceback = Array.isArray(reply.traceback) ? reply.traceback.map((l: unknown) => stripAnsi(String(l))) : [];
    const head = `${String(reply.ename ?? 'Error')}: ${stripAnsi(String(reply.evalue ?? ''))}`;
    return { cell, ename: String(reply.ename ?? 'Error'), evalue: stripAnsi(String(reply.evalue ?? '')), traceback, text: [head, ...traceback].join('\n') };
  }
  // tslab: no error message, the compiler/runtime error is only written to the cell's stderr.
  const stderr = stripAnsi(collector.streamText('stderr')).trim();
  const status = reply ? String(reply.status) : cell.status;
  const text = stderr || reason || `the kernel reported status "${status}" without an error message`;
  return { cell, ename: status === 'aborted' ? 'Aborted' : 'Error', evalue: text.split('\n')[0], traceback: [], text };
}

/** Files (recursively) under `dir` modified at or after `sinceMs`, relative to `dir`, sorted. */
export function filesWrittenSince(dir: string, sinceMs: number): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // Allow 1 s of slack for file systems with coarse timestamps.
      else if (e.isFile() && !e.name.endsWith('.tmp') && fs.statSync(p).mtimeMs >= sinceMs - 1000) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
