/**
 * Shared set-up for the kernel tests: build kernel/ once per mocha run, and a Jupyter environment that points
 * at the project's kernelspec and keeps Jupyter's data/runtime/config in a temporary folder.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PYTHON = '/usr/bin/python3';

let built = false;

/** Compile kernel/ with the project's tsc (what kernel.json runs is kernel/dist/main.js). */
export function buildKernel(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'kernel')], {
    stdio: 'inherit',
  });
  built = true;
}

export function jupyterEnv(tmp: string): NodeJS.ProcessEnv {
  for (const d of ['data', 'runtime', 'config']) fs.mkdirSync(path.join(tmp, d), { recursive: true });
  return {
    ...process.env,
    JUPYTER_PATH: path.join(ROOT, 'jupyter'),
    JUPYTER_DATA_DIR: path.join(tmp, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    PYTHONWARNINGS: 'ignore',
    // No __pycache__ next to the test scripts.
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a process to completion (asynchronously, so mocha's timeout still applies). */
export function runProcess(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: no result after ${opts.timeoutMs} ms\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
