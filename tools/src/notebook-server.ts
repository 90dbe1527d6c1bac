/**
 * `npm run notebook [-- jupyter-notebook flags]`: the classic Jupyter Notebook (Debian's, v6) on 127.0.0.1,
 * serving notebooks/ with the project's ratelab kernel and all Jupyter state kept inside the project.
 * Flags are passed through; ours are defaults that a flag of the same name replaces.
 */
import { spawn } from 'child_process';
import * as path from 'path';

import { JUPYTER_BIN_DIR, jupyterEnv, PROJECT_ROOT } from './project';

export interface ServerCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** True when `flag` (e.g. `--ip`) is among `args` as `--ip x` or `--ip=x`. */
function hasFlag(args: string[], ...flags: string[]): boolean {
  return args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));
}

/** The command that `npm run notebook` runs, for these pass-through flags. */
export function notebookServerCommand(userArgs: string[], base: NodeJS.ProcessEnv = process.env): ServerCommand {
  const defaults: string[] = [];
  if (!hasFlag(userArgs, '--notebook-dir', '--NotebookApp.notebook_dir')) defaults.push(`--notebook-dir=${path.join(PROJECT_ROOT, 'notebooks')}`);
  if (!hasFlag(userArgs, '--ip', '--NotebookApp.ip')) defaults.push('--ip=127.0.0.1');
  // Usually run on a remote or headless machine: print the URL instead of trying to open a browser.
  if (!hasFlag(userArgs, '--no-browser', '--NotebookApp.open_browser')) defaults.push('--no-browser');
  if (!hasFlag(userArgs, '--MappingKernelManager.default_kernel_name')) defaults.push('--MappingKernelManager.default_kernel_name=ratelab');
  // Containers and CI machines often run as root, which the server refuses without this flag.
  if (process.getuid?.() === 0 && !hasFlag(userArgs, '--allow-root', '--NotebookApp.allow_root')) defaults.push('--allow-root');
  return { command: path.join(JUPYTER_BIN_DIR, 'jupyter-notebook'), args: [...defaults, ...userArgs], env: jupyterEnv(base) };
}

/** The server's own "http://127.0.0.1:8888/?token=..." line, if `text` has one. */
export function findServerUrl(text: string): string | null {
  const m = /(https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]|[\w.-]+):\d+\/\S*)/.exec(text);
  return m ? m[1] : null;
}

function main(argv: string[]): void {
  const { command, args, env } = notebookServerCommand(argv);
  const child = spawn(command, args, { env, stdio: ['inherit', 'inherit', 'pipe'] });
  child.on('error', (e) => {
    process.stderr.write(`notebook: cannot start ${command} (${e.message}); install it with apt-get install jupyter-notebook\n`);
    process.exitCode = 1;
  });
  let announced = false;
  let pending = '';
  // The server logs to stderr; we copy it through and repeat the URL once on stdout, where it is easy to find.
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (announced) return;
    pending = (pending + chunk.toString('utf8')).slice(-4096);
    const url = findServerUrl(pending);
    if (url && /Jupyter Notebook|is running at|http/.test(pending)) {
      announced = true;
      process.stdout.write(`\nratelab notebook server: ${url}\n(notebooks/ with the ratelab kernel; Ctrl-C twice to stop)\n\n`);
    }
  });
  // Ctrl-C reaches the server too (same process group); it asks for confirmation, so we just wait for it.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (require.main === module) main(process.argv.slice(2));
