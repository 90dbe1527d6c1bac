/**
 * `npm run reproduce [-- [options] [notebook ...]]`: execute the project's notebooks headless, each in a fresh
 * ratelab kernel, write them back executed and signed, and exit non-zero if any cell of any notebook failed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';

import { jupyterEnv, PROJECT_ROOT } from './project';
import { cellLine, failureReport, runningLine, summaryLine } from './report';
import { NotebookRunResult, notebookName, RunMode, runNotebook } from './run-notebook';

const USAGE = `Usage: npm run reproduce -- [options] [notebook ...]

Executes notebooks headless in the ratelab kernel (all of notebooks/*.ipynb when none is named), writes each
back with its outputs (signed, so charts render as trusted), and exits 1 if a cell failed.
A notebook may be named as a path or by name (00-tour, 00-tour.ipynb, notebooks/00-tour.ipynb).

Options:
  --quick               short configuration (default; or RATELAB_MODE from the environment)
  --full                the paper's full configuration
  --param key=value     override a notebook parameter (repeatable); value is JSON if it parses, else a string
  --timeout seconds     give up on a cell after this long (default: no limit)
  --figures-root dir    figures go to <dir>/<notebook>/ (default: figures/)
  --kernel name         kernelspec to use (default: the notebook's own, else ratelab)
  -h, --help            this text
`;

export interface ReproduceArgs {
  notebooks: string[];
  mode: RunMode;
  params: Record<string, unknown>;
  timeoutS: number;
  figuresRoot: string;
  kernel?: string;
}

class UsageError extends Error {}

/** `key=value` → [key, value]; the value is parsed as JSON when it is valid JSON (numbers, booleans, arrays). */
export function parseParam(s: string): [string, unknown] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param "${s}": expected key=value`);
  const key = s.slice(0, eq).trim();
  const raw = s.slice(eq + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

export function parseReproduceArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ReproduceArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      full: { type: 'boolean' },
      param: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'figures-root': { type: 'string' },
      kernel: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (values.quick && values.full) throw new UsageError('--quick and --full exclude each other');
  let mode: RunMode = values.full ? 'full' : 'quick';
  if (!values.quick && !values.full && env.RATELAB_MODE) {
    if (env.RATELAB_MODE !== 'quick' && env.RATELAB_MODE !== 'full') {
      throw new UsageError(`RATELAB_MODE="${env.RATELAB_MODE}": expected quick or full`);
    }
    mode = env.RATELAB_MODE;
  }
  // Overrides already in the environment apply first; --param wins over them.
  let params: Record<string, unknown> = {};
  if (env.RATELAB_PARAMS) {
    try {
      params = JSON.parse(env.RATELAB_PARAMS) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`RATELAB_PARAMS is not valid JSON (${(e as Error).message})`);
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new UsageError('RATELAB_PARAMS must be a JSON object');
  }
  for (const p of values.param ?? []) {
    const [k, v] = parseParam(p);
    params[k] = v;
  }
  const timeoutS = values.timeout === undefined ? 0 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw new UsageError(`--timeout "${values.timeout}": expected a number of seconds`);
  return {
    notebooks: positionals,
    mode,
    params,
    timeoutS,
    figuresRoot: values['figures-root'] ? path.resolve(env.INIT_CWD ?? process.cwd(), values['figures-root']) : path.join(PROJECT_ROOT, 'figures'),
    kernel: values.kernel,
  };
}

const NOTEBOOKS_DIR = path.join(PROJECT_ROOT, 'notebooks');

/**
 * A path as given, else a name in notebooks/ with or without `.ipynb`. Relative paths are taken from where the
 * user typed the command: npm runs scripts in the project root but keeps the original folder in INIT_CWD.
 */
export function resolveNotebook(arg: string, cwd = process.env.INIT_CWD ?? process.cwd()): string {
  const candidates = [path.resolve(cwd, arg), path.join(NOTEBOOKS_DIR, arg), path.join(NOTEBOOKS_DIR, `${arg}.ipynb`)];
  const found = candidates.find((c) => c.endsWith('.ipynb') && fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) throw new UsageError(`notebook "${arg}" not found (looked for ${candidates.join(', ')}); available: ${listNotebooks().map((f) => path.basename(f)).join(', ') || 'none'}`);
  return found;
}

export function listNotebooks(dir = NOTEBOOKS_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort().map((f) => path.join(dir, f));
}

async function main(argv: string[]): Promise<number> {
  let args: ReproduceArgs | 'help';
  let files: string[];
  try {
    args = parseReproduceArgs(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    files = args.notebooks.length ? args.notebooks.map((n) => resolveNotebook(n)) : listNotebooks();
    if (files.length === 0) throw new UsageError(`no notebooks in ${NOTEBOOKS_DIR}`);
  } catch (e) {
    process.stderr.write(`reproduce: ${(e as Error).message}\n\n${e instanceof UsageError ? USAGE : ''}`);
    return 2;
  }

  const env = jupyterEnv(process.env);
  const live = process.stdout.isTTY === true;
  const paramText = Object.keys(args.params).length ? `, params ${JSON.stringify(args.params)}` : '';
  console.log(`ratelab reproduce: ${files.length} notebook${files.length > 1 ? 's' : ''}, ${args.mode.toUpperCase()} mode${paramText}`);

  const results: NotebookRunResult[] = [];
  for (const file of files) {
    console.log(`\n${path.relative(PROJECT_ROOT, file) || file}`);
    const figuresDir = path.join(args.figuresRoot, notebookName(file));
    const result = await runNotebook(file, {
      env,
      mode: args.mode,
      params: args.params,
      figuresDir,
      kernelName: args.kernel,
      cellTimeoutS: args.timeoutS,
      // In a terminal, show the running cell and overwrite the line when it is done; in logs, one line per cell.
      onCellStart: (c) => { if (live) process.stdout.write(runningLine(c)); },
      onCellEnd: (c) => process.stdout.write(`${live ? '\r\x1b[K' : ''}${cellLine(c)}\n`),
    });
    results.push(result);
    if (result.figures.length) {
      console.log(`  figures in ${path.relative(PROJECT_ROOT, figuresDir) || figuresDir}/: ${result.figures.join(', ')}`);
    }
    if (result.failure) process.stderr.write(`\n${failureReport(result, PROJECT_ROOT)}\n`);
  }

  console.log('');
  for (const r of results) console.log(summaryLine(r, PROJECT_ROOT));
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  // Ctrl-C: exit so the 'exit' handlers kill the kernel (it would otherwise outlive us).
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: Error) => {
      process.stderr.write(`reproduce: ${e.stack ?? e.message}\n`);
      process.exitCode = 1;
    },
  );
}
