/**
 * The published-data registry (`data/registry.json`): which files a notebook may load, where they come
 * from, their licence, and their sha256. Files are never part of the project; `dataPath` looks for them in
 *   1. each directory in $RATELAB_DATA (separated by ':' on POSIX),
 *   2. <project>/data/,
 *   3. <project>/../shared/data,
 * where <project> is the first directory holding `data/registry.json` above this module or above the
 * working directory. Every registered file is checked against its sha256 before it is handed out.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { DataFileError } from './errors';
import { loadMat } from './matfile';
import { MatFile } from './mat-values';

export interface RegistryFile {
  /** Path relative to a data directory, e.g. 'pursuit/behavior_data.mat'. */
  path: string;
  role: 'data' | 'notice' | 'licence';
  bytes: number;
  sha256: string;
  format?: string;
  contents?: string;
}

export interface DatasetInfo {
  id: string;
  title: string;
  files: RegistryFile[];
  source: { repository: string; commit?: string; note?: string };
  citation: string;
  licence: { code?: string; data?: string };
  /** How to get the files, in words. */
  obtain: string;
}

export interface RegistryOptions {
  /** Project root (the directory holding data/registry.json); found automatically when omitted. */
  root?: string;
  /** Directories to search instead of the default order. */
  searchPaths?: string[];
}

export interface LoadedDataset {
  info: DatasetInfo;
  /** Absolute paths of the verified files, by registry path. */
  paths: Record<string, string>;
  /** Variables of each MAT data file, by file name (e.g. 'behavior_data.mat'). */
  files: Record<string, MatFile>;
}

/** Walk up from `start` to the first directory containing data/registry.json. */
function findRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'data', 'registry.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** sha256 of a file, hex. */
export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export class DataRegistry {
  readonly root: string;
  readonly datasets: DatasetInfo[];
  private readonly explicitSearch?: string[];
  private readonly verified = new Map<string, string>(); // abs path → "size:mtime" when its hash matched

  constructor(opts: RegistryOptions = {}) {
    const root = opts.root ?? findRoot(__dirname) ?? findRoot(process.cwd());
    if (!root) {
      throw new Error(`data registry: no data/registry.json found above ${__dirname} or ${process.cwd()}`);
    }
    this.root = root;
    const file = path.join(root, 'data', 'registry.json');
    let parsed: { datasets?: DatasetInfo[] };
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`data registry ${file}: cannot read: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed.datasets)) throw new Error(`data registry ${file}: no "datasets" list`);
    this.datasets = parsed.datasets;
    this.explicitSearch = opts.searchPaths;
  }

  /** Directories searched, in order. */
  searchPaths(): string[] {
    if (this.explicitSearch) return this.explicitSearch.map((p) => path.resolve(p));
    const env = (process.env.RATELAB_DATA ?? '').split(path.delimiter).filter(Boolean).map((p) => path.resolve(p));
    return [...env, path.join(this.root, 'data'), path.resolve(this.root, '..', 'shared', 'data')];
  }

  info(id: string): DatasetInfo {
    const d = this.datasets.find((x) => x.id === id);
    if (!d) throw new Error(`data registry: no dataset '${id}' (known: ${this.datasets.map((x) => x.id).join(', ')})`);
    return d;
  }

  private entry(rel: string): { ds: DatasetInfo; file: RegistryFile } {
    const norm = rel.split(path.sep).join('/').replace(/^\.\//, '');
    for (const ds of this.datasets) {
      const file = ds.files.find((f) => f.path === norm);
      if (file) return { ds, file };
    }
    const known = this.datasets.flatMap((d) => d.files.filter((f) => f.role === 'data').map((f) => f.path));
    throw new DataFileError(rel, 'not-found', `not in data/registry.json (registered data files: ${known.join(', ')})`);
  }

  /**
   * Absolute path of a registered file, after checking its sha256. Throws `DataFileError` ('not-found' with
   * the places searched and how to obtain the file, or 'checksum').
   */
  path(rel: string): string {
    const { ds, file } = this.entry(rel);
    const searched = this.searchPaths();
    for (const dir of searched) {
      const abs = path.join(dir, file.path);
      if (!fs.existsSync(abs)) continue;
      this.verify(abs, file, ds);
      return abs;
    }
    const env = process.env.RATELAB_DATA ? '' : ' ($RATELAB_DATA is not set)';
    throw new DataFileError(file.path, 'not-found',
      `data file not found. Searched: ${searched.join(', ')}${env}. To obtain it: ${ds.obtain}; ` +
      `or set RATELAB_DATA to a directory holding ${file.path}. See data/README.md.`);
  }

  private verify(abs: string, file: RegistryFile, ds: DatasetInfo): void {
    const st = fs.statSync(abs);
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (this.verified.get(abs) === stamp) return;
    const got = sha256File(abs);
    if (got !== file.sha256) {
      throw new DataFileError(abs, 'checksum',
        `checksum mismatch: sha256 ${got}, registry expects ${file.sha256} (${st.size} bytes, expected ${file.bytes}). ` +
        `The file is damaged or a different version; re-obtain it: ${ds.obtain}.`);
    }
    this.verified.set(abs, stamp);
  }

  /** Verify and load every MAT data file of a dataset. */
  async load(id: string): Promise<LoadedDataset> {
    const info = this.info(id);
    const paths: Record<string, string> = {};
    const files: Record<string, MatFile> = {};
    for (const f of info.files) {
      paths[f.path] = this.path(f.path);
      if (f.role === 'data' && f.path.endsWith('.mat')) files[path.basename(f.path)] = await loadMat(paths[f.path]);
    }
    return { info, paths, files };
  }
}

let defaultRegistry: DataRegistry | undefined;
function registry(): DataRegistry {
  defaultRegistry ??= new DataRegistry();
  return defaultRegistry;
}

/** Absolute, sha256-verified path of a registered data file, e.g. `dataPath('pursuit/behavior_data.mat')`. */
export function dataPath(rel: string): string {
  return registry().path(rel);
}

/** Load all MAT files of a registered dataset, e.g. `(await loadDataset('aon')).files['Mirror.mat'].mirror`. */
export function loadDataset(id: string): Promise<LoadedDataset> {
  return registry().load(id);
}

/** Registry entry of a dataset: files, source, citation, licence. */
export function datasetInfo(id: string): DatasetInfo {
  return registry().info(id);
}

/** Ids of all registered datasets. */
export function listDatasets(): string[] {
  return registry().datasets.map((d) => d.id);
}

/** Where data files are looked for, in order. */
export function dataSearchPaths(): string[] {
  return registry().searchPaths();
}
