/**
 * The Jupyter protocol layer: five zmq sockets, request dispatch, busy/idle status, output routing and the
 * execute queue with ipykernel's abort semantics (after a failing cell with `stop_on_error`, the execute
 * requests already queued are answered `aborted`; anything sent after the error reply runs normally).
 */
import { randomUUID } from 'crypto';
import * as os from 'os';
import * as zmq from 'zeromq';
import { checkCompleteness } from './completeness';
import { ConnectionInfo, endpoint } from './connection';
import { OutputRouter } from './output';
import { Engine } from './engine';
import { History, HistoryRequest } from './history';
import { Interrupts } from './interrupt';
import { bundleForValue, inspectValue } from './rich';
import { decode, encode, makeMessage, Message, Signer } from './wire';
import { kernelInfo } from './kernel-info';

interface Queued {
  msg: Message;
  abort: boolean;
}

/**
 * Sends on one socket. All sockets have sendTimeout 0, so zeromq sends synchronously (or fails at once, where
 * a peer's queue is full) instead of awaiting writability: output produced inside a long synchronous cell
 * leaves immediately, and concurrent sends never hit zeromq's "one pending send" rule.
 */
class SocketSender {
  constructor(
    private readonly sock: zmq.Writable,
    private readonly log: (m: string) => void,
  ) {}
  send(frames: Buffer[]): Promise<void> {
    try {
      return this.sock.send(frames).catch((e: Error) => this.log(`send failed: ${e.message}`));
    } catch (e) {
      this.log(`send failed: ${(e as Error).message}`);
      return Promise.resolve();
    }
  }
}

export interface ServerOptions {
  conn: ConnectionInfo;
  engine: Engine;
  interrupts: Interrupts;
  history: History;
  output: OutputRouter;
  log: (m: string) => void;
}

export class KernelServer {
  private readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  private readonly hb = new zmq.Reply();
  private readonly shellOut: SocketSender;
  private readonly controlOut: SocketSender;
  private readonly iopubOut: SocketSender;
  private readonly queue: Queued[] = [];
  private wake?: () => void;
  private executionCount = 0;
  private closing = false;

  constructor(private readonly o: ServerOptions) {
    this.signer = new Signer(o.conn.key, o.conn.signature_scheme);
    this.shellOut = new SocketSender(this.shell, o.log);
    this.controlOut = new SocketSender(this.control, o.log);
    this.iopubOut = new SocketSender(this.iopub, o.log);
    o.output.attach((type, content, parent) => this.publish(type, content, parent));
  }

  async start(): Promise<void> {
    const c = this.o.conn;
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) {
      s.linger = 0;
      s.sendTimeout = 0;
    }
    await Promise.all([
      this.shell.bind(endpoint(c, c.shell_port)),
      this.control.bind(endpoint(c, c.control_port)),
      this.stdin.bind(endpoint(c, c.stdin_port)),
      this.iopub.bind(endpoint(c, c.iopub_port)),
      this.hb.bind(endpoint(c, c.hb_port)),
    ]);
    void this.heartbeat();
    void this.receiveShell();
    void this.processShell();
    void this.receiveControl();
    this.publish('status', { execution_state: 'starting' });
  }

  // ---- sockets -------------------------------------------------------------------------------

  private async heartbeat(): Promise<void> {
    try {
      for await (const frames of this.hb) await this.hb.send(frames);
    } catch (e) {
      if (!this.closing) this.o.log(`heartbeat stopped: ${(e as Error).message}`);
    }
  }

  private async receiveShell(): Promise<void> {
    try {
      for await (const frames of this.shell) {
        const msg = this.decodeOrLog(frames, 'shell');
        if (!msg) continue;
        this.queue.push({ msg, abort: false });
        this.wake?.();
      }
    } catch (e) {
      if (!this.closing) this.o.log(`shell socket stopped: ${(e as Error).message}`);
    }
  }

  /** Shell requests run one at a time, in arrival order. */
  private async processShell(): Promise<void> {
    while (!this.closing) {
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      await this.withStatus(item.msg, () => this.guarded(this.shellOut, item.msg, () => this.dispatchShell(item)));
    }
  }

  private async receiveControl(): Promise<void> {
    try {
      for await (const frames of this.control) {
        const msg = this.decodeOrLog(frames, 'control');
        if (msg) await this.withStatus(msg, () => this.guarded(this.controlOut, msg, () => this.dispatchControl(msg)));
      }
    } catch (e) {
      if (!this.closing) this.o.log(`control socket stopped: ${(e as Error).message}`);
    }
  }

  private decodeOrLog(frames: Buffer[], channel: string): Message | undefined {
    try {
      return decode(frames, this.signer);
    } catch (e) {
      this.o.log(`${channel}: dropped a message: ${(e as Error).message}`);
      return undefined;
    }
  }

  private async withStatus(msg: Message, body: () => Promise<void>): Promise<void> {
    this.publish('status', { execution_state: 'busy' }, msg);
    try {
      await body();
    } finally {
      this.o.output.flush();
      this.publish('status', { execution_state: 'idle' }, msg);
    }
  }

  /** A request whose handler fails still gets its reply (status "error"), so the client does not wait forever. */
  private async guarded(via: SocketSender, msg: Message, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.o.log(`${msg.header.msg_type} failed: ${err.stack ?? err}`);
      const type = msg.header.msg_type;
      if (type.endsWith('_request')) {
        await this.reply(via, msg, type.replace(/_request$/, '_reply'), {
          status: 'error',
          ename: err.name,
          evalue: err.message,
          traceback: (err.stack ?? err.message).split('\n'),
        });
      }
    }
  }

  private reply(via: SocketSender, req: Message, type: string, content: unknown): Promise<void> {
    return via.send(encode(makeMessage(type, content, this.session, req), this.signer));
  }

  publish(type: string, content: unknown, parent?: Message): void {
    if (type !== 'stream') this.o.output.flush();
    void this.iopubOut.send(encode(makeMessage(type, content, this.session, parent, [Buffer.from(type)]), this.signer));
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private async dispatchShell(item: Queued): Promise<void> {
    const { msg } = item;
    const c = msg.content as Record<string, any>;
    switch (msg.header.msg_type) {
      case 'execute_request':
        return item.abort ? this.reply(this.shellOut, msg, 'execute_reply', { status: 'aborted', execution_count: this.executionCount }) : this.execute(msg);
      case 'kernel_info_request':
        return this.reply(this.shellOut, msg, 'kernel_info_reply', kernelInfo());
      case 'complete_request': {
        const info = this.o.engine.complete(String(c.code ?? ''), Number(c.cursor_pos ?? 0));
        return this.reply(this.shellOut, msg, 'complete_reply', {
          status: 'ok',
          matches: info.candidates,
          cursor_start: info.start,
          cursor_end: info.end,
          metadata: {},
        });
      }
      case 'inspect_request': {
        const text = this.o.engine.inspect(String(c.code ?? ''), Number(c.cursor_pos ?? 0));
        return this.reply(this.shellOut, msg, 'inspect_reply', {
          status: 'ok',
          found: text !== undefined,
          data: text !== undefined ? { 'text/plain': text } : {},
          metadata: {},
        });
      }
      case 'is_complete_request':
        return this.reply(this.shellOut, msg, 'is_complete_reply', checkCompleteness(String(c.code ?? '')));
      case 'history_request':
        return this.reply(this.shellOut, msg, 'history_reply', { status: 'ok', history: this.o.history.query(c as unknown as HistoryRequest) });
      case 'comm_info_request':
        return this.reply(this.shellOut, msg, 'comm_info_reply', { status: 'ok', comms: {} });
      case 'comm_open':
        // No comm targets are registered: close it so the frontend does not wait for one.
        this.publish('comm_close', { comm_id: c.comm_id, data: {} }, msg);
        return;
      case 'comm_msg':
      case 'comm_close':
        return;
      case 'shutdown_request':
        return this.shutdown(this.shellOut, msg);
      default:
        this.o.log(`shell: unsupported message type ${msg.header.msg_type}`);
    }
  }

  private async dispatchControl(msg: Message): Promise<void> {
    switch (msg.header.msg_type) {
      case 'shutdown_request':
        return this.shutdown(this.controlOut, msg);
      case 'interrupt_request':
        this.o.interrupts.interrupt();
        return this.reply(this.controlOut, msg, 'interrupt_reply', { status: 'ok' });
      case 'kernel_info_request':
        return this.reply(this.controlOut, msg, 'kernel_info_reply', kernelInfo());
      case 'usage_request':
        return this.reply(this.controlOut, msg, 'usage_reply', { hostname: os.hostname(), kernel_memory: process.memoryUsage().rss, pid: process.pid });
      default:
        this.o.log(`control: unsupported message type ${msg.header.msg_type}`);
    }
  }

  private async execute(msg: Message): Promise<void> {
    const c = msg.content as {
      code?: string;
      silent?: boolean;
      store_history?: boolean;
      stop_on_error?: boolean;
    };
    const code = String(c.code ?? '');
    const silent = c.silent === true;
    const storeHistory = silent ? false : c.store_history !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    this.o.output.setParent(msg, silent);
    if (!silent) this.publish('execute_input', { code, execution_count: count }, msg);

    const outcome = await this.o.engine.run(code, storeHistory ? count : null);
    let resultText: string | null = null;
    if (outcome.status === 'ok') {
      if (outcome.hasValue && !silent) {
        let bundle;
        try {
          bundle = await bundleForValue(outcome.value);
        } catch (e) {
          this.o.output.stream('stderr', `Jupyter.display failed (${(e as Error).message}); showing the value as text.\n`);
          bundle = { data: { 'text/plain': inspectValue(outcome.value) }, metadata: {} };
        }
        resultText = typeof bundle.data['text/plain'] === 'string' ? (bundle.data['text/plain'] as string) : null;
        this.publish('execute_result', { execution_count: count, data: bundle.data, metadata: bundle.metadata }, msg);
      }
      if (storeHistory) this.o.history.add(count, code, resultText);
      return this.reply(this.shellOut, msg, 'execute_reply', { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
    }

    if (storeHistory) this.o.history.add(count, code, null);
    const err = outcome.error;
    if (!silent) this.publish('error', err, msg);
    if (c.stop_on_error !== false) await this.abortQueuedExecutes();
    return this.reply(this.shellOut, msg, 'execute_reply', { status: 'error', execution_count: count, ...err });
  }

  /**
   * Mark every execute request that reached the kernel before this error reply as aborted. The sockets are
   * drained first: while a synchronous cell ran, requests piled up inside zmq, not yet in our queue.
   */
  private async abortQueuedExecutes(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const before = this.queue.length;
      await new Promise((r) => setTimeout(r, 5));
      if (round >= 1 && this.queue.length === before) break;
    }
    for (const q of this.queue) if (q.msg.header.msg_type === 'execute_request') q.abort = true;
  }

  private async shutdown(via: SocketSender, msg: Message): Promise<void> {
    const restart = (msg.content as { restart?: boolean }).restart === true;
    await this.reply(via, msg, 'shutdown_reply', { status: 'ok', restart });
    this.publish('shutdown_reply', { status: 'ok', restart }, msg);
    this.publish('status', { execution_state: 'idle' }, msg);
    // Jupyter restarts by starting a new process; either way this one exits after the replies are out.
    this.closing = true;
    setTimeout(() => {
      void this.close().finally(() => process.exit(0));
    }, 50);
  }

  /** Close sockets and the compiler; resolves once the watchdog thread (and its inspector session) is gone. */
  async close(): Promise<void> {
    this.closing = true;
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
    this.o.engine.close();
    await this.o.interrupts.close();
  }
}
