/**
 * Independent references for the tests: Debian's numpy / scipy / h5py / sklearn, always through
 * /usr/bin/python3 (the python3 first on PATH may be a pyenv build without them).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const PYTHON = '/usr/bin/python3';

/** Run a Python script; `input` is passed as JSON on stdin, and the script's stdout is parsed as JSON. */
export function py<T = unknown>(script: string, input: unknown = null): T {
  const out = execFileSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    maxBuffer: 1 << 30,
    env: { ...process.env, PYTHONWARNINGS: 'ignore', OPENBLAS_NUM_THREADS: '1' },
  });
  return JSON.parse(out.toString('utf8')) as T;
}

/** A fresh temporary directory for one test file; removed by the caller with `rmTmp`. */
export function tmpDir(prefix = 'ratelab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmTmp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Largest absolute difference between two numeric arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
