/**
 * Where the project is and the environment every Jupyter process of the project runs with.
 *
 * Jupyter keeps state (notebook secret and signature DB, connection files, config) under $HOME by default. We
 * point all of it into the project's git-ignored `jupyter/` folder so a run neither depends on nor changes the
 * user's own Jupyter setup, and so the kernelspec `jupyter/kernels/ratelab` is found without being installed.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The repository root: this file lives in `tools/src` (tsx) or `tools/dist` (compiled), two levels down. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Debian's Jupyter; the `python3`/`jupyter` first on PATH may be a pyenv build without the Jupyter packages. */
export const JUPYTER_BIN_DIR = '/usr/bin';

export interface JupyterDirs {
  /** Searched for `kernels/<name>/kernel.json`. */
  path: string;
  data: string;
  runtime: string;
  config: string;
}

export function jupyterDirs(root = PROJECT_ROOT): JupyterDirs {
  const base = path.join(root, 'jupyter');
  return {
    path: base,
    data: path.join(base, 'data'),
    runtime: path.join(base, 'runtime'),
    config: path.join(base, 'config'),
  };
}

/**
 * `base` (default: this process's environment) plus the project's Jupyter variables. The data/runtime/config
 * folders are created, because Jupyter tools fail (or fall back to $HOME) when they are missing.
 */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env, root = PROJECT_ROOT): NodeJS.ProcessEnv {
  const dirs = jupyterDirs(root);
  for (const d of [dirs.data, dirs.runtime, dirs.config]) fs.mkdirSync(d, { recursive: true });
  // Keep any JUPYTER_PATH the user set, after ours, so our kernelspec wins but theirs stay visible.
  const userPath = base.JUPYTER_PATH ? path.delimiter + base.JUPYTER_PATH : '';
  return {
    ...base,
    JUPYTER_PATH: dirs.path + userPath,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    JUPYTER_CONFIG_DIR: dirs.config,
    // Every jupyter command otherwise warns about frozen modules and the debugger (harmless, but noisy).
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
}
