/**
 * Shared by the runner and browser tests: run the reproduce command from source (through tsx, so the tests do
 * not depend on a stale `tools/dist`), copy fixture notebooks into a scratch folder inside the project (so cells
 * can `import 'ratelab'` through the workspace's node_modules), and read the results back.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { jupyterDirs } from '../tools/src/project';
import { PYTHON } from './helpers/python';

export const ROOT = path.resolve(__dirname, '..');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'notebooks');

/** The ratelab kernelspec runs kernel/dist/main.js and cells import kernel-lib/dist: build them if missing. */
export function ensureBuilt(): void {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [pkg, entry] of [['kernel', 'dist/main.js'], ['kernel-lib', 'dist/index.js']]) {
    if (fs.existsSync(path.join(ROOT, pkg, entry))) continue;
    // tsc still emits when other files have type errors; only a missing output is fatal.
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, pkg)], { stdio: 'ignore' });
    } catch { /* checked below */ }
    if (!fs.existsSync(path.join(ROOT, pkg, entry))) throw new Error(`building ${pkg} did not produce ${entry}`);
  }
}

/** A fresh scratch folder under tests/.tmp (git-ignored). */
export function scratchDir(prefix: string): string {
  const base = path.join(ROOT, 'tests', '.tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, prefix));
}

export function copyFixture(name: string, dir: string): string {
  const dest = path.join(dir, name);
  fs.copyFileSync(path.join(FIXTURES, name), dest);
  return dest;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run reproduce -- <args>` without the build step, from the TypeScript sources. */
export function runReproduce(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'tools', 'src', 'reproduce.ts'), ...args], {
      cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface NbCell {
  cell_type: string;
  source: string | string[];
  outputs?: Array<Record<string, any>>;
  execution_count?: number | null;
}

export function readCodeCells(file: string): NbCell[] {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: NbCell[] };
  return nb.cells.filter((c) => c.cell_type === 'code');
}

export const joinText = (t: unknown): string => (Array.isArray(t) ? t.join('') : String(t ?? ''));

/** All text a cell shows: streams, text/plain of results and displays, and error name/value. */
export function cellText(cell: NbCell): string {
  return (cell.outputs ?? []).map((o) => {
    if (o.output_type === 'stream') return joinText(o.text);
    if (o.output_type === 'error') return `${o.ename}: ${o.evalue}`;
    return joinText(o.data?.['text/plain']);
  }).join('');
}

/** Whether Jupyter (nbformat's notary, with the project's notebook secret and signature DB) trusts each file. */
export function trustedFlags(files: string[]): boolean[] {
  const script = [
    'import json, sys, nbformat',
    'from nbformat.sign import NotebookNotary',
    'notary = NotebookNotary()',
    'print(json.dumps([notary.check_signature(nbformat.read(f, as_version=4)) for f in json.load(sys.stdin)]))',
  ].join('\n');
  const out = execFileSync(PYTHON, ['-c', script], {
    input: JSON.stringify(files),
    env: { ...process.env, JUPYTER_DATA_DIR: jupyterDirs(ROOT).data, PYTHONWARNINGS: 'ignore' },
  });
  return JSON.parse(out.toString('utf8')) as boolean[];
}
