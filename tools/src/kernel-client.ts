/**
 * A minimal Jupyter client over zeromq: launches a kernel from its kernelspec, waits until it answers on shell
 * and iopub, runs code with `execute_request`, and shuts it down. Written for the headless runner, so every way a
 * cell can end (reply ok/error/aborted, an iopub `error`, a timeout, the kernel dying) is reported, never hidden.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as zmq from 'zeromq';

import { KernelSpec, kernelCommand } from './kernelspec';
import { decode, encode, Message, newMessage, Signer } from './wire';

export interface KernelLaunchOptions {
  spec: KernelSpec;
  /** The kernel's working directory (the notebook's folder, as Jupyter does). */
  cwd: string;
  /** Environment of the kernel process; the kernelspec's own `env` is applied on top. */
  env: NodeJS.ProcessEnv;
  /** Where the connection file goes (JUPYTER_RUNTIME_DIR). */
  runtimeDir: string;
  /** How long the kernel may take to answer its first kernel_info_request. Default 60 s. */
  startTimeoutMs?: number;
}

export type CellStatus = 'ok' | 'error' | 'aborted' | 'timeout' | 'died';

export interface ExecuteOutcome {
  status: CellStatus;
  /** From execute_reply (or execute_input); null when the kernel gave none. */
  executionCount: number | null;
  /** The execute_reply content, when one came. */
  reply: Record<string, any> | null;
  /** Why the cell did not finish normally, for timeouts and dead kernels. */
  reason?: string;
}

export interface ExecuteOptions {
  /** Called with every iopub message of this request (stream, display_data, error, ...), in order. */
  onIopub: (msg: Message) => void;
  /** Abandon the cell after this many ms (0 or undefined: no limit). */
  timeoutMs?: number;
}

interface Pending {
  reply: Message | null;
  idle: boolean;
  onIopub: (msg: Message) => void;
  done: () => void;
}

const TAIL_BYTES = 64 * 1024;

/** Ports that were free a moment ago (the usual way jupyter_client picks them; the race is tiny in practice). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export class KernelClient {
  private readonly session = randomUUID();
  private readonly pending = new Map<string, Pending>();
  private sendChain: Promise<void> = Promise.resolve();
  private stderrBuf = '';
  /** The kernel_info_reply content (language_info etc.), once the kernel is ready. */
  kernelInfo: Record<string, any> | null = null;
  private exitInfo: string | null = null;
  private closed = false;

  private constructor(
    readonly spec: KernelSpec,
    private readonly proc: ChildProcess,
    private readonly connectionFile: string,
    private readonly signer: Signer,
    private readonly shell: zmq.Dealer,
    private readonly control: zmq.Dealer,
    private readonly iopub: zmq.Subscriber,
  ) {
    const keep = (chunk: Buffer): void => {
      this.stderrBuf = (this.stderrBuf + chunk.toString('utf8')).slice(-TAIL_BYTES);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('exit', (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      for (const p of this.pending.values()) p.done();
    });
    // A command that cannot be started emits 'error' and never 'exit': count it as dead all the same.
    proc.on('error', (e) => {
      this.exitInfo ??= `failed (${e.message})`;
      for (const p of this.pending.values()) p.done();
    });
    void this.readLoop(shell, (m) => this.onShell(m));
    void this.readLoop(iopub, (m) => this.onIopub(m));
    void this.readLoop(control, () => undefined);
  }

  /** Start the kernel and wait until it answers a kernel_info_request and its iopub messages reach us. */
  static async start(opts: KernelLaunchOptions): Promise<KernelClient> {
    const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = await freePorts(5);
    const key = randomBytes(32).toString('hex');
    fs.mkdirSync(opts.runtimeDir, { recursive: true });
    const connectionFile = path.join(opts.runtimeDir, `kernel-${randomUUID()}.json`);
    const conn = {
      shell_port: shellPort, iopub_port: iopubPort, stdin_port: stdinPort, control_port: controlPort, hb_port: hbPort,
      ip: '127.0.0.1', key, transport: 'tcp', signature_scheme: 'hmac-sha256', kernel_name: opts.spec.name,
    };
    fs.writeFileSync(connectionFile, JSON.stringify(conn, null, 1), { mode: 0o600 });

    const [cmd, ...args] = kernelCommand(opts.spec, connectionFile);
    let proc: ChildProcess;
    try {
      proc = spawn(cmd, args, { cwd: opts.cwd, env: { ...opts.env, ...opts.spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      fs.rmSync(connectionFile, { force: true });
      throw new Error(`kernel "${opts.spec.name}": cannot run ${JSON.stringify(cmd)} (${(e as Error).message})`);
    }

    const addr = (port: number): string => `tcp://127.0.0.1:${port}`;
    const shell = new zmq.Dealer({ linger: 0 });
    const control = new zmq.Dealer({ linger: 0 });
    const iopub = new zmq.Subscriber({ linger: 0 });
    shell.connect(addr(shellPort));
    control.connect(addr(controlPort));
    iopub.connect(addr(iopubPort));
    iopub.subscribe();

    const client = new KernelClient(opts.spec, proc, connectionFile, new Signer(key, conn.signature_scheme), shell, control, iopub);
    try {
      await client.waitReady(opts.startTimeoutMs ?? 60_000);
    } catch (e) {
      await client.shutdown();
      throw e;
    }
    return client;
  }

  /** What the kernel process printed on its own stdout/stderr (not cell output): the last 64 KB. */
  processLog(): string {
    return this.stderrBuf;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /**
   * A SUB socket drops what is published before its subscription reaches the kernel, so "replied on shell" is
   * not enough: we resend kernel_info_request until one of them is also seen on iopub (its busy/idle status).
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let replied = false;
    let iopubSeen = false;
    while (!(replied && iopubSeen)) {
      if (!this.alive) {
        const cmd = kernelCommand(this.spec, this.connectionFile).join(' ');
        throw new Error(`kernel "${this.spec.name}" ${this.exitInfo} while starting\n  command: ${cmd}\n${this.processLog().trim()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`kernel "${this.spec.name}" did not answer within ${timeoutMs / 1000} s:\n${this.processLog().trim()}`);
      }
      const msg = this.message('kernel_info_request', {});
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => finish(), 1000);
        const finish = (): void => {
          clearTimeout(timer);
          this.pending.delete(msg.header.msg_id);
          resolve();
        };
        this.pending.set(msg.header.msg_id, {
          reply: null, idle: false,
          onIopub: () => { iopubSeen = true; },
          done: () => {
            const p = this.pending.get(msg.header.msg_id);
            if (p?.reply) {
              replied = true;
              this.kernelInfo = p.reply.content;
            }
            if (!this.alive || (replied && iopubSeen)) finish();
          },
        });
        // A failed send shows up as no answer: the loop retries, and stops when the kernel is gone.
        this.send(this.shell, msg).catch(() => undefined);
      });
    }
  }

  /** Run one cell. Resolves when both the execute_reply and the matching iopub `idle` arrived (or it failed). */
  async execute(code: string, opts: ExecuteOptions): Promise<ExecuteOutcome> {
    if (!this.alive) return { status: 'died', executionCount: null, reply: null, reason: `the kernel ${this.exitInfo}` };
    const msg = this.message('execute_request', {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
    });
    const id = msg.header.msg_id;
    return new Promise<ExecuteOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: ExecuteOutcome): void => {
        if (timer) clearTimeout(timer);
        this.pending.delete(id);
        resolve(outcome);
      };
      const entry: Pending = {
        reply: null,
        idle: false,
        onIopub: opts.onIopub,
        done: () => {
          if (entry.reply && entry.idle) {
            const c = entry.reply.content;
            const raw = String(c.status);
            const status: CellStatus = raw === 'ok' ? 'ok' : raw === 'error' ? 'error' : raw === 'aborted' || raw === 'abort' ? 'aborted' : 'error';
            const count = typeof c.execution_count === 'number' ? c.execution_count : null;
            finish({ status, executionCount: count, reply: c });
          } else if (!this.alive) {
            finish({ status: 'died', executionCount: null, reply: entry.reply?.content ?? null, reason: `the kernel ${this.exitInfo}` });
          }
        },
      };
      this.pending.set(id, entry);
      if (opts.timeoutMs && opts.timeoutMs > 0) {
        timer = setTimeout(() => finish({
          status: 'timeout', executionCount: null, reply: null,
          reason: `the cell did not finish within ${opts.timeoutMs! / 1000} s`,
        }), opts.timeoutMs);
      }
      this.send(this.shell, msg).catch((e: Error) => finish({ status: 'died', executionCount: null, reply: null, reason: `cannot send to the kernel: ${e.message}` }));
    });
  }

  /** Ask the kernel to shut down (control channel), then make sure the process is gone, and clean up. */
  async shutdown(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    if (this.alive) {
      const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
      void this.send(this.control, this.message('shutdown_request', { restart: false })).catch(() => undefined);
      const wait = (ms: number): Promise<boolean> =>
        Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
      if (!(await wait(graceMs)) && this.alive) {
        this.proc.kill('SIGTERM');
        if (!(await wait(2000)) && this.alive) this.proc.kill('SIGKILL');
        await wait(2000);
      }
    }
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) s.close();
    fs.rmSync(this.connectionFile, { force: true });
  }

  /** Kill at once (for Ctrl-C and process exit); synchronous so it can run in an 'exit' handler. */
  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
    fs.rmSync(this.connectionFile, { force: true });
  }

  private message(type: string, content: Record<string, unknown>): Message {
    return newMessage(type, content, this.session);
  }

  /** zeromq.js allows one send at a time per socket, so sends are chained. */
  private send(sock: zmq.Dealer, msg: Message): Promise<void> {
    const next = this.sendChain.then(() => sock.send(encode(msg, this.signer)));
    this.sendChain = next.catch(() => undefined);
    return next;
  }

  private async readLoop(sock: zmq.Dealer | zmq.Subscriber, handle: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: Message;
        try {
          msg = decode(frames, this.signer);
        } catch (e) {
          process.stderr.write(`ratelab runner: ignoring a kernel message: ${(e as Error).message}\n`);
          continue;
        }
        handle(msg);
      }
    } catch (e) {
      // Closing the socket ends the loop with an error on some zeromq versions; after close that is expected.
      if (!this.closed) process.stderr.write(`ratelab runner: kernel socket failed: ${(e as Error).message}\n`);
    }
  }

  private onShell(msg: Message): void {
    const p = this.pending.get(msg.parent_header.msg_id ?? '');
    if (!p) return;
    p.reply = msg;
    p.done();
  }

  private onIopub(msg: Message): void {
    const p = this.pending.get(msg.parent_header.msg_id ?? '');
    if (!p) return;
    if (msg.header.msg_type === 'status') {
      if (msg.content.execution_state === 'idle') p.idle = true;
      p.onIopub(msg);
      p.done();
      return;
    }
    p.onIopub(msg);
  }
}
