/**
 * Interrupting cells (kernelspec `interrupt_mode: "signal"`: Jupyter sends SIGINT to the kernel's process
 * group). The cases and their mechanisms:
 *
 * 1. Synchronous top-level code of a cell: tslab runs it with `vm`'s `breakOnSigint`, so V8 stops it and the
 *    cell fails with KeyboardInterrupt.
 * 2. A cell awaiting something (a training loop with `await` inside): our SIGINT handler calls tslab's
 *    `executor.interrupt()`, which rejects the cell's promise, and aborts the cell's AbortSignal. The awaited
 *    work is abandoned; long loops should poll the signal (see below) to actually stop.
 * 3. Synchronous code running *after* an `await` (in a microtask, timer or I/O callback): the main thread is
 *    busy, so no JavaScript handler can run. A watchdog worker (interrupt-watchdog.ts) learns of the SIGINT
 *    from a relay child process in the same process group and, if the main thread has not handled it within
 *    GRACE_MS, stops the running JavaScript through the inspector's `Runtime.terminateExecution`; then the
 *    pending SIGINT handler runs and case 2 applies. The watchdog terminates only in the Async phase:
 *    terminating the top-level `vm` run or the compiler would unwind the kernel's own frames. Terminating
 *    inside a timer callback trips Node's async-hooks consistency check, hence `--no-force-async-hooks-checks`
 *    in kernel.json.
 * 4. SIGINT while the cell is still compiling: the main thread is busy and vm's watchdog is not armed yet, so
 *    the worker waits for the cell to start and, if it is in its synchronous top level, signals the kernel
 *    again (case 1 then applies; in the Async phase case 3 does).
 * `interrupt_request` on the control channel (message mode) is honoured for case 2. The worker also ends the
 * kernel when the process that started it has died (see interrupt-watchdog.ts).
 *
 * Cooperative cancellation for library code (kernel-lib's training loops):
 *   globalThis[Symbol.for('ratelab.kernel.abortSignal')]  the running cell's AbortSignal (a new one per cell)
 *   globalThis[Symbol.for('ratelab.kernel.interrupted')]  () => boolean, true once the running cell is interrupted
 */
import * as path from 'path';
import { Worker } from 'worker_threads';

export const ABORT_SIGNAL_KEY = Symbol.for('ratelab.kernel.abortSignal');
export const INTERRUPTED_KEY = Symbol.for('ratelab.kernel.interrupted');
/** Called by the first statement of every compiled cell (engine.ts injects it). */
export const ENTER_CELL_KEY = Symbol.for('ratelab.kernel.enterCell');

/** What the main thread is doing, as seen by the watchdog. */
export enum Phase {
  /** No cell: nothing to interrupt. */
  Idle = 0,
  /** Compiling a cell (main thread busy in TypeScript): wait for it to run. */
  Compiling = 3,
  /** The cell's synchronous top level inside `vm` (breakOnSigint covers it): never terminate, re-signal. */
  TopLevel = 1,
  /** The cell's asynchronous continuations: terminate if the main thread ignores SIGINT. */
  Async = 2,
}

/** Layout of the buffer shared with the watchdog worker. */
export const SHARED = {
  /** Int32 index: a Phase. */
  PHASE: 0,
  /** Int32 index: incremented per cell, so a late check never stops the next cell. */
  RUN: 1,
  /** Float64 index (in an 8-byte aligned view): Date.now() when the main thread last handled SIGINT. */
  HANDLED_AT_F64: 1,
  BYTES: 16,
} as const;

export class Interrupts {
  private controller = new AbortController();
  private readonly buffer = new SharedArrayBuffer(SHARED.BYTES);
  private readonly ints = new Int32Array(this.buffer, 0, 2);
  private readonly floats = new Float64Array(this.buffer);
  private watchdog?: Worker;

  constructor(private readonly onInterrupt: () => void) {
    this.publish();
  }

  /** Listen for SIGINT and start the watchdog (skipped when RATELAB_KERNEL_NO_WATCHDOG is set). */
  install(log: (msg: string) => void): void {
    process.on('SIGINT', () => {
      this.floats[SHARED.HANDLED_AT_F64] = Date.now();
      this.interrupt();
    });
    if (process.env.RATELAB_KERNEL_NO_WATCHDOG) return;
    try {
      this.watchdog = new Worker(path.join(__dirname, 'interrupt-watchdog.js'), {
        workerData: { buffer: this.buffer, relay: path.join(__dirname, 'sigint-relay.js') },
      });
      this.watchdog.on('error', (e) => log(`interrupt watchdog failed: ${e.message}`));
      this.watchdog.unref();
    } catch (e) {
      log(`interrupt watchdog not started: ${(e as Error).message}`);
    }
  }

  /** A fresh AbortSignal for the cell about to run. */
  beginCell(): void {
    this.controller = new AbortController();
    Atomics.add(this.ints, SHARED.RUN, 1);
    Atomics.store(this.ints, SHARED.PHASE, Phase.Compiling);
    this.publish();
  }

  /** The cell's top level starts; once it has returned (the next microtask), only async work remains. */
  enterCell(): void {
    const run = Atomics.load(this.ints, SHARED.RUN);
    Atomics.store(this.ints, SHARED.PHASE, Phase.TopLevel);
    queueMicrotask(() => {
      if (Atomics.load(this.ints, SHARED.RUN) === run && Atomics.load(this.ints, SHARED.PHASE) === Phase.TopLevel) {
        Atomics.store(this.ints, SHARED.PHASE, Phase.Async);
      }
    });
  }

  endCell(): void {
    Atomics.store(this.ints, SHARED.PHASE, Phase.Idle);
  }

  /** Abort the running cell's signal and reject its pending promise. */
  interrupt(): void {
    if (!this.controller.signal.aborted) {
      const reason = new Error('KeyboardInterrupt: the cell was interrupted');
      reason.name = 'KeyboardInterrupt';
      this.controller.abort(reason);
    }
    this.onInterrupt();
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Mark the signal aborted without re-triggering the executor (the interrupt already ended the cell). */
  markAborted(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Error('KeyboardInterrupt'));
  }

  async close(): Promise<void> {
    await this.watchdog?.terminate();
  }

  private publish(): void {
    const g = globalThis as Record<symbol, unknown>;
    g[ABORT_SIGNAL_KEY] = this.controller.signal;
    g[INTERRUPTED_KEY] = () => (g[ABORT_SIGNAL_KEY] as AbortSignal).aborted;
    g[ENTER_CELL_KEY] ??= () => this.enterCell();
  }
}
