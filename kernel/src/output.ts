/**
 * Where the cells' output goes: process.stdout/stderr writes become `stream` messages, and the display hooks
 * kernel-lib calls become `display_data` / `update_display_data` / `clear_output`. Output is addressed to the
 * execute request running now or, for output that arrives after its cell ended (timers, background
 * promises), to the last one, as ipykernel does.
 *
 * Hooks installed on globalThis (the contract with kernel-lib's display layer):
 *   [Symbol.for('ratelab.kernel.display')](bundle: {data, metadata?, transient?: {display_id?}}, update: boolean)
 *       update=false sends display_data; update=true sends update_display_data and needs transient.display_id.
 *   [Symbol.for('ratelab.kernel.clearOutput')](wait?: boolean)
 * tslab's own `display.*` API is routed through the same path.
 */
import { normalizeBundle } from './rich';
import type { Message } from './wire';

export const DISPLAY_KEY = Symbol.for('ratelab.kernel.display');
export const CLEAR_OUTPUT_KEY = Symbol.for('ratelab.kernel.clearOutput');

/** Longest time stream output waits to be coalesced with more. */
const STREAM_LATENCY_MS = 100;

type Publish = (type: string, content: unknown, parent?: Message) => void;

export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
}

export class OutputRouter {
  private publish?: Publish;
  private parent?: Message;
  private silent = false;
  private pending: { name: 'stdout' | 'stderr'; text: string }[] = [];
  private flushScheduled = false;
  private lastFlush = 0;

  attach(publish: Publish): void {
    this.publish = publish;
  }

  setParent(msg: Message, silent: boolean): void {
    this.flush();
    this.parent = msg;
    this.silent = silent;
  }

  /**
   * Writes are coalesced until the next turn of the event loop, so a printing loop sends few messages; but at
   * least every STREAM_LATENCY_MS they go out at once, so a long synchronous loop shows its progress (iopub
   * sends are synchronous, see server.ts).
   */
  stream(name: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    const last = this.pending[this.pending.length - 1];
    if (last && last.name === name) last.text += text;
    else this.pending.push({ name, text });
    if (Date.now() - this.lastFlush >= STREAM_LATENCY_MS) {
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    const out = this.pending;
    if (out.length === 0) return;
    this.pending = [];
    this.lastFlush = Date.now();
    if (!this.publish || this.silent) return;
    for (const s of out) this.publish('stream', { name: s.name, text: s.text }, this.parent);
  }

  display(bundle: DisplayBundle, update: boolean): void {
    const b = normalizeBundle(bundle, 'display');
    const transient = bundle.transient ?? {};
    if (update && !transient.display_id) throw new TypeError('display: update=true needs bundle.transient.display_id');
    if (this.silent || !this.publish) return;
    this.publish(update ? 'update_display_data' : 'display_data', { data: b.data, metadata: b.metadata, transient }, this.parent);
  }

  clearOutput(wait = false): void {
    if (this.silent || !this.publish) return;
    this.flush();
    this.publish('clear_output', { wait }, this.parent);
  }

  /** Route process.stdout/stderr and the display hooks here. Returns the original writers for kernel logs. */
  install(): { stdout: (s: string) => void; stderr: (s: string) => void } {
    const origOut = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);
    const capture = (name: 'stdout' | 'stderr') =>
      ((chunk: string | Uint8Array, encOrCb?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void): boolean => {
        const enc = typeof encOrCb === 'string' ? encOrCb : 'utf8';
        this.stream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(enc));
        const done = typeof encOrCb === 'function' ? encOrCb : cb;
        if (done) process.nextTick(done);
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = capture('stdout');
    process.stderr.write = capture('stderr');

    const g = globalThis as Record<symbol, unknown>;
    g[DISPLAY_KEY] = (bundle: DisplayBundle, update = false) => this.display(bundle, update);
    g[CLEAR_OUTPUT_KEY] = (wait?: boolean) => this.clearOutput(wait === true);
    // tslab's public `display.*` helpers write through this module-level variable.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const tslabJupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
    tslabJupyter.lastWriteDisplayData = (data: DisplayBundle, update: boolean) => this.display(data, update);
    return { stdout: (s) => origOut(s), stderr: (s) => origErr(s) };
  }
}
