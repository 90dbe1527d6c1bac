/**
 * Finding a kernelspec (`kernels/<name>/kernel.json`) the way jupyter_client does, and turning it into a command.
 * https://jupyter-client.readthedocs.io/en/latest/kernels.html#kernel-specs
 */
import * as fs from 'fs';
import * as path from 'path';

export interface KernelSpec {
  name: string;
  /** The folder holding kernel.json: what `{resource_dir}` stands for. */
  resourceDir: string;
  argv: string[];
  displayName: string;
  language: string;
  env: Record<string, string>;
  interruptMode: 'signal' | 'message';
}

/** Folders searched for `kernels/`, in jupyter_core's order: JUPYTER_PATH, the user data dir, then system dirs. */
export function kernelSearchPath(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.JUPYTER_PATH) dirs.push(...env.JUPYTER_PATH.split(path.delimiter).filter(Boolean));
  if (env.JUPYTER_DATA_DIR) dirs.push(env.JUPYTER_DATA_DIR);
  dirs.push('/usr/local/share/jupyter', '/usr/share/jupyter');
  return dirs.map((d) => path.join(d, 'kernels'));
}

export function findKernelSpec(name: string, env: NodeJS.ProcessEnv): KernelSpec {
  const searched = kernelSearchPath(env);
  for (const dir of searched) {
    const file = path.join(dir, name, 'kernel.json');
    if (fs.existsSync(file)) return readKernelSpec(file, name);
  }
  throw new Error(`kernelspec "${name}" not found; looked for ${name}/kernel.json in ${searched.join(', ')}`);
}

export function readKernelSpec(file: string, name = path.basename(path.dirname(file))): KernelSpec {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: cannot read kernelspec (${(e as Error).message})`);
  }
  const argv = raw.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new Error(`${file}: "argv" must be a non-empty array of strings`);
  }
  const env = (raw.env ?? {}) as Record<string, string>;
  return {
    name,
    resourceDir: path.dirname(path.resolve(file)),
    argv: argv as string[],
    displayName: typeof raw.display_name === 'string' ? raw.display_name : name,
    language: typeof raw.language === 'string' ? raw.language : '',
    env,
    interruptMode: raw.interrupt_mode === 'message' ? 'message' : 'signal',
  };
}

/** The kernel's command line with `{connection_file}` and `{resource_dir}` substituted (as jupyter_client does). */
export function kernelCommand(spec: KernelSpec, connectionFile: string): string[] {
  return spec.argv.map((a) => a.replace(/\{connection_file\}/g, connectionFile).replace(/\{resource_dir\}/g, spec.resourceDir));
}
