#!/usr/bin/env node
/**
 * Entry point of the ratelab kernel: `node kernel/dist/main.js --connection-file <file>`
 * (jupyter/kernels/ratelab/kernel.json). Jupyter starts it in the notebook's directory, which is where
 * tslab resolves `import ... from 'ratelab'` and local .ts files from.
 *
 * Environment: RATELAB_KERNEL_HISTORY=<file> keeps input history across sessions (JSON lines);
 * RATELAB_KERNEL_NO_WATCHDOG=1 disables the interrupt watchdog thread (see interrupt.ts).
 */
import { readConnectionFile } from './connection';
import { Engine } from './engine';
import { History } from './history';
import { Interrupts } from './interrupt';
import { OutputRouter } from './output';
import { KernelServer } from './server';

/** Saved before the output router captures process.stderr: start-up failures must reach the terminal. */
const terminalStderr = process.stderr.write.bind(process.stderr);

function connectionFileFromArgs(argv: string[]): string {
  const i = argv.findIndex((a) => a === '--connection-file' || a === '-f');
  const file = i >= 0 ? argv[i + 1] : argv.find((a) => a.endsWith('.json'));
  if (!file) throw new Error('usage: ratelab-kernel --connection-file <kernel-*.json>');
  return file;
}

async function main(): Promise<void> {
  const conn = readConnectionFile(connectionFileFromArgs(process.argv.slice(2)));
  const output = new OutputRouter();
  const terminal = output.install();
  const log = (m: string) => terminal.stderr(`[ratelab kernel] ${m}\n`);

  let engine: Engine | undefined;
  const interrupts = new Interrupts(() => engine?.interruptAsync());
  interrupts.install(log);
  engine = new Engine(process.cwd(), interrupts, (text) => output.stream('stderr', text));
  const history = new History(process.env.RATELAB_KERNEL_HISTORY || undefined);
  const server = new KernelServer({ conn, engine, interrupts, history, output, log });

  // Errors from work a cell left running in the background: show them in the output, keep the kernel.
  process.on('uncaughtException', (err) => output.stream('stderr', `Uncaught exception: ${err.stack ?? err}\n`));
  process.on('unhandledRejection', (reason) =>
    output.stream('stderr', `Unhandled promise rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`),
  );
  process.on('SIGTERM', () => {
    void server.close().finally(() => process.exit(0));
  });
  await server.start();
}

main().catch((e: Error) => {
  terminalStderr(`[ratelab kernel] failed to start: ${e.stack ?? e}\n`);
  process.exit(1);
});
