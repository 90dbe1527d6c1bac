/**
 * Signing executed notebooks, so Jupyter shows their HTML/SVG/JS outputs as trusted. Jupyter computes an HMAC of
 * the notebook's content with the secret in JUPYTER_DATA_DIR/notebook_secret and stores it in
 * JUPYTER_DATA_DIR/nbsignatures.db; rather than re-implementing nbformat's canonical hashing and its SQLite
 * schema, we call Debian's `jupyter-trust` with the project's Jupyter environment, so the notebook server
 * started by `npm run notebook` (same environment) sees the signature.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

import { JUPYTER_BIN_DIR } from './project';

export function trustNotebook(file: string, env: NodeJS.ProcessEnv): void {
  const bin = path.join(JUPYTER_BIN_DIR, 'jupyter-trust');
  const r = spawnSync(bin, [file], { env, encoding: 'utf8' });
  if (r.error) throw new Error(`${file}: cannot sign the notebook: ${bin} failed to start (${r.error.message})`);
  if (r.status !== 0) {
    throw new Error(`${file}: cannot sign the notebook: ${bin} exited with ${r.status}\n${(r.stderr || r.stdout).trim()}`);
  }
}
