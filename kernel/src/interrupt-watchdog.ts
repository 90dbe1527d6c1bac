/**
 * Worker thread: stops synchronous JavaScript on the (blocked) main thread when SIGINT arrives, the one case
 * no handler on the main thread can serve (see interrupt.ts). Workers receive no signals, so a relay child
 * process in the kernel's process group (Jupyter signals the whole group) reports each SIGINT on a pipe.
 */
import { spawn } from 'child_process';
import * as inspector from 'inspector';
import { parentPort, workerData } from 'worker_threads';
import { Phase, SHARED } from './interrupt';

/** How long the main thread gets to handle a SIGINT itself before it is considered blocked. */
const GRACE_MS = 300;
/** How often the kernel checks that the process which started it is still alive. */
const PARENT_POLL_MS = 1000;

const { buffer, relay } = workerData as { buffer: SharedArrayBuffer; relay: string };
const ints = new Int32Array(buffer, 0, 2);
const floats = new Float64Array(buffer);

const session = new inspector.Session();
session.connectToMainThread();

const child = spawn(process.execPath, [relay], { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdout.on('data', (chunk: Buffer) => {
  for (let i = 0; i < chunk.length; i++) onSigint();
});
child.on('error', (e) => parentPort?.postMessage({ error: `sigint relay: ${e.message}` }));

function onSigint(): void {
  const at = Date.now();
  const run = Atomics.load(ints, SHARED.RUN);
  const timer = setInterval(() => {
    // The relay may report slightly after the main thread saw the same signal: allow a little skew.
    const handled = floats[SHARED.HANDLED_AT_F64] >= at - 100;
    const phase = Atomics.load(ints, SHARED.PHASE);
    if (handled || Atomics.load(ints, SHARED.RUN) !== run || phase === Phase.Idle) {
      clearInterval(timer);
    } else if (phase === Phase.Async) {
      clearInterval(timer);
      session.post('Runtime.terminateExecution', () => undefined);
    } else if (phase === Phase.TopLevel) {
      // The signal came while the cell was compiling (main thread busy, vm's watchdog not yet armed) and the
      // cell is now in its synchronous top level: signal again, to the kernel alone, for vm to catch.
      clearInterval(timer);
      process.kill(process.pid, 'SIGINT');
    }
    // Phase.Compiling: keep waiting for the cell to start running.
  }, GRACE_MS);
}

/**
 * Exit with the parent, as ipykernel's ParentPoller does: a kernel whose Jupyter died (or a test client that
 * crashed) must not spin on forever. Checked here rather than on the main thread, which may be stuck in a
 * cell. JPY_PARENT_PID is set by jupyter_client; without it, being re-parented is the sign.
 */
const parentPid = Number(process.env.JPY_PARENT_PID) || process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !isAlive(parentPid)) {
    child.kill();
    // SIGKILL: the main thread may be busy and cannot run a SIGTERM handler; there is nothing left to save.
    process.kill(process.pid, 'SIGKILL');
  }
}, PARENT_POLL_MS);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
