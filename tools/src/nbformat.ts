/**
 * nbformat 4 notebooks: types for what the runner reads and writes, reading with clear errors, and writing in
 * the layout Jupyter itself writes (indent 1, sorted keys, multi-line strings as line lists) so that saving from
 * Jupyter after a reproduce run gives no spurious diff. https://nbformat.readthedocs.io/en/latest/format_description.html
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A string, or the same string split into lines (keeping the line ends), as stored on disk. */
export type MultilineString = string | string[];

export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  data: MimeBundle;
  metadata: Record<string, unknown>;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: 'code';
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  outputs: Output[];
  execution_count: number | null;
}
export interface TextCell {
  cell_type: 'markdown' | 'raw';
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: {
    kernelspec?: { name: string; display_name?: string; language?: string };
    language_info?: Record<string, unknown>;
    [key: string]: unknown;
  };
  cells: Cell[];
}

export function joinMultiline(s: MultilineString): string {
  return Array.isArray(s) ? s.join('') : s;
}

/** Python's `str.splitlines(keepends=True)` restricted to \n, which is what nbformat writes. */
export function splitLines(s: string): string[] {
  const lines = s.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  } catch (e) {
    throw new Error(`${file}: not a readable notebook (${(e as Error).message})`);
  }
  if (nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${file}: expected an nbformat 4 notebook with a "cells" list (found nbformat ${String(nb.nbformat)})`);
  }
  // nbformat 4.5 requires cell ids; a hand-written notebook may lack them, and Jupyter would then refuse to
  // validate (and so to trust) the file we write. Fill them in as Jupyter does on save.
  if (nb.nbformat_minor >= 5) for (const cell of nb.cells) cell.id ??= randomBytes(4).toString('hex');
  return nb;
}

/** MIME types whose payload is JSON (kept as objects), as opposed to text that nbformat stores as line lists. */
function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || /\+json$/.test(mime);
}

function splitBundle(data: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, v] of Object.entries(data)) out[mime] = typeof v === 'string' && !isJsonMime(mime) ? splitLines(v) : v;
  return out;
}

/** The notebook as nbformat writes it to disk (line lists for source, stream text and text MIME data). */
function toDiskForm(nb: Notebook): Notebook {
  const cells = nb.cells.map((cell): Cell => {
    const source = splitLines(joinMultiline(cell.source));
    if (cell.cell_type !== 'code') return { ...cell, source };
    const outputs = cell.outputs.map((o): Output => {
      switch (o.output_type) {
        case 'stream':
          return { ...o, text: splitLines(joinMultiline(o.text)) };
        case 'display_data':
        case 'execute_result':
          return { ...o, data: splitBundle(o.data) };
        default:
          return o;
      }
    });
    return { ...cell, source, outputs };
  });
  return { ...nb, cells };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(sortKeys(toDiskForm(nb)), null, 1) + '\n';
}

/** Write via a temporary file in the same folder and rename, so a crash never leaves half a notebook. */
export function writeNotebookAtomic(file: string, nb: Notebook): void {
  writeFileAtomic(file, serializeNotebook(nb));
}

export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, 'utf8');
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`${file}: cannot write (${(e as Error).message})`);
  }
}
