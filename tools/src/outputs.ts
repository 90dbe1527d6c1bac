/**
 * Turning a cell's iopub messages into nbformat outputs, as nbclient does: consecutive stream chunks merge,
 * `clear_output(wait)` defers the clear to the next output, and `update_display_data` replaces every output
 * (in any cell of the notebook) that was displayed with the same `transient.display_id`.
 */
import type { MimeBundle, Output } from './nbformat';
import type { Message } from './wire';

/** The outputs of one cell, plus the display ids that live in it (shared across a notebook run). */
export class OutputCollector {
  readonly outputs: Output[] = [];
  /** Execution count announced by execute_input or an execute_result, if any. */
  executionCount: number | null = null;
  /** Set when the kernel sent an iopub `error` message. */
  errorSeen = false;
  private clearPending = false;

  constructor(private readonly displays: DisplayRegistry) {}

  /** Apply one iopub message whose parent is this cell's execute_request. Unknown types are ignored. */
  handle(msg: Message): void {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case 'execute_input':
        if (typeof c.execution_count === 'number') this.executionCount = c.execution_count;
        return;
      case 'stream':
        this.add({ output_type: 'stream', name: c.name === 'stderr' ? 'stderr' : 'stdout', text: String(c.text ?? '') });
        return;
      case 'display_data': {
        const out: Output = { output_type: 'display_data', data: (c.data ?? {}) as MimeBundle, metadata: c.metadata ?? {} };
        this.add(out);
        const id = c.transient?.display_id;
        if (typeof id === 'string') this.displays.register(id, out);
        return;
      }
      case 'update_display_data': {
        const id = c.transient?.display_id;
        if (typeof id === 'string') this.displays.update(id, (c.data ?? {}) as MimeBundle, c.metadata ?? {});
        return;
      }
      case 'execute_result': {
        const count = typeof c.execution_count === 'number' ? c.execution_count : null;
        if (count !== null) this.executionCount = count;
        const out: Output = { output_type: 'execute_result', data: (c.data ?? {}) as MimeBundle, metadata: c.metadata ?? {}, execution_count: count };
        this.add(out);
        const id = c.transient?.display_id;
        if (typeof id === 'string') this.displays.register(id, out);
        return;
      }
      case 'error':
        this.errorSeen = true;
        this.add({
          output_type: 'error',
          ename: String(c.ename ?? 'Error'),
          evalue: String(c.evalue ?? ''),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        });
        return;
      case 'clear_output':
        if (c.wait) this.clearPending = true;
        else this.clear();
        return;
      default:
        return;
    }
  }

  /** Concatenated text of the cell's stream outputs with this name. */
  streamText(name: 'stdout' | 'stderr'): string {
    return this.outputs.map((o) => (o.output_type === 'stream' && o.name === name ? String(o.text) : '')).join('');
  }

  private clear(): void {
    this.clearPending = false;
    this.outputs.length = 0;
  }

  private add(out: Output): void {
    if (this.clearPending) this.clear();
    const last = this.outputs[this.outputs.length - 1];
    if (out.output_type === 'stream' && last?.output_type === 'stream' && last.name === out.name) {
      last.text = String(last.text) + String(out.text);
      return;
    }
    this.outputs.push(out);
  }
}

/** display_id → the outputs shown with it; one registry per notebook run, since updates may target earlier cells. */
export class DisplayRegistry {
  private readonly byId = new Map<string, Array<{ data: MimeBundle; metadata: Record<string, unknown> }>>();

  register(id: string, out: { data: MimeBundle; metadata: Record<string, unknown> }): void {
    const list = this.byId.get(id) ?? [];
    list.push(out);
    this.byId.set(id, list);
  }

  update(id: string, data: MimeBundle, metadata: Record<string, unknown>): void {
    for (const out of this.byId.get(id) ?? []) {
      out.data = data;
      out.metadata = metadata;
    }
  }
}
