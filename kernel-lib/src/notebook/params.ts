/**
 * Notebook parameters and output locations, set by the reproduce runner through the kernel's environment:
 *
 * - `RATELAB_MODE`: `quick` (default) or `full`: which parameter set `params()` returns.
 * - `RATELAB_PARAMS`: a JSON object whose keys override single parameters (papermill style), e.g.
 *   `{"epochs": 3, "seed": 7}`. Keys must exist in the chosen set, and values keep their type.
 * - `RATELAB_NOTEBOOK`: the notebook's name (e.g. `mante2013`), used for the figure folder.
 * - `RATELAB_FIGURES_DIR`: where figures go; overrides the default `<project root>/figures/<notebook>`.
 */
import * as fs from 'fs';
import * as path from 'path';

export type RunMode = 'quick' | 'full';

export type ParamsOf<Q> = Q & { readonly MODE: RunMode };

/** The environment `params()` reads; passed explicitly in tests. */
export interface ParamsEnv {
  RATELAB_MODE?: string;
  RATELAB_PARAMS?: string;
}

/** The run mode from `RATELAB_MODE` (quick|full; default quick). */
export function runMode(env: ParamsEnv = process.env): RunMode {
  const raw = (env.RATELAB_MODE ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'quick') return 'quick';
  if (raw === 'full') return 'full';
  throw new Error(`RATELAB_MODE="${env.RATELAB_MODE}": expected "quick" or "full"`);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Choose the QUICK or FULL parameter set by `RATELAB_MODE`, apply `RATELAB_PARAMS` overrides and return the
 * result with `MODE` added:
 *
 * ```ts
 * const P = params({ QUICK: { epochs: 20, N: 64 }, FULL: { epochs: 2000, N: 256 } });
 * P.epochs; P.MODE; // 20, 'quick'
 * ```
 * Both sets must have the same keys (a key in one only is almost always a typo). An override of a key not in
 * the set, or of a different JSON type (number vs string...), is an error naming the key: a silently ignored
 * override would make a "reproduced" figure come from the wrong parameters.
 */
export function params<Q extends Record<string, unknown>>(
  sets: { QUICK: Q; FULL: { [K in keyof Q]: Q[K] } },
  env: ParamsEnv = process.env,
): ParamsOf<Q> {
  const { QUICK, FULL } = sets;
  if (!QUICK || !FULL) throw new Error('params: expected {QUICK: {...}, FULL: {...}}');
  const qk = Object.keys(QUICK).sort(), fk = Object.keys(FULL).sort();
  const onlyQ = qk.filter((k) => !(k in FULL)), onlyF = fk.filter((k) => !(k in QUICK));
  if (onlyQ.length || onlyF.length) {
    throw new Error(`params: QUICK and FULL must have the same keys (only in QUICK: [${onlyQ.join(', ')}]; only in FULL: [${onlyF.join(', ')}])`);
  }
  const mode = runMode(env);
  const chosen: Record<string, unknown> = { ...(mode === 'full' ? FULL : QUICK) };
  const rawOverrides = env.RATELAB_PARAMS?.trim();
  if (rawOverrides) {
    let overrides: unknown;
    try {
      overrides = JSON.parse(rawOverrides);
    } catch (e) {
      throw new Error(`RATELAB_PARAMS is not valid JSON (${(e as Error).message}): ${rawOverrides.slice(0, 200)}`);
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new Error(`RATELAB_PARAMS must be a JSON object of parameter overrides, got ${typeName(overrides)}`);
    }
    for (const [k, v] of Object.entries(overrides as Record<string, unknown>)) {
      if (k === 'MODE') throw new Error('RATELAB_PARAMS: set the mode with RATELAB_MODE, not a MODE key');
      if (!(k in chosen)) throw new Error(`RATELAB_PARAMS: unknown parameter "${k}" (known: ${Object.keys(chosen).join(', ')})`);
      const was = chosen[k];
      if (was !== null && v !== null && typeName(was) !== typeName(v)) {
        throw new Error(`RATELAB_PARAMS: parameter "${k}" is a ${typeName(was)} (${JSON.stringify(was)}), got ${typeName(v)} ${JSON.stringify(v)}`);
      }
      chosen[k] = v;
    }
  }
  return Object.freeze({ ...chosen, MODE: mode }) as ParamsOf<Q>;
}

/**
 * The project root: the folder holding `kernel-lib/`. This file lives at `kernel-lib/{src,dist}/notebook/`, so the
 * root is three levels up; if that layout is not found (ratelab installed elsewhere) the working directory's
 * nearest ancestor with `kernel-lib/` is used, then the working directory itself.
 */
export function projectRoot(): string {
  const fromHere = path.resolve(__dirname, '..', '..', '..');
  if (fs.existsSync(path.join(fromHere, 'kernel-lib', 'package.json'))) return fromHere;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'kernel-lib', 'package.json'))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  return process.cwd();
}

export interface FiguresEnv {
  RATELAB_FIGURES_DIR?: string;
  RATELAB_NOTEBOOK?: string;
}

/**
 * Where figures go (not created here; `savefig` creates it): `RATELAB_FIGURES_DIR` if set, else
 * `<project root>/figures/<RATELAB_NOTEBOOK>`, else `<project root>/figures/scratch`.
 */
export function figuresDir(env: FiguresEnv = process.env): string {
  const explicit = env.RATELAB_FIGURES_DIR?.trim();
  if (explicit) return path.resolve(explicit);
  const nb = env.RATELAB_NOTEBOOK?.trim();
  // A notebook path or file name is accepted: figures/<stem>.
  const name = nb ? path.basename(nb).replace(/\.ipynb$/, '') : 'scratch';
  if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..') {
    throw new Error(`RATELAB_NOTEBOOK="${nb}": the notebook name must be letters, digits, "_", "-" or "."`);
  }
  return path.join(projectRoot(), 'figures', name);
}
