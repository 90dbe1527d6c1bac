/**
 * Rich display for notebooks: turn any value into a Jupyter MIME bundle and send it to the frontend.
 *
 * ## How a value says how it renders (Deno's convention)
 * Any object may implement `[Symbol.for("Jupyter.display")]()`. It returns a MIME map
 * (`{"text/plain": "...", "text/html": "...", ...}`) **or a Promise of one**: ratelab charts render their SVG
 * asynchronously (vega's `toSVG()` is async), so a kernel that shows a cell's last value must `await` the result.
 * ratelab's charts, tables, array summaries and results implement it.
 *
 * ## Transport: the kernel display hook (contract for the kernel implementer)
 * A kernel that wants ratelab's displays installs ONE function before running cells:
 *
 * ```ts
 * globalThis[Symbol.for('ratelab.kernel.display')] = (
 *   bundle: {
 *     data: Record<string, unknown>;          // MIME type -> value; JSON types (vegalite) are objects, not strings
 *     metadata: Record<string, unknown>;      // sent as-is (usually {})
 *     transient?: { display_id?: string };    // present when the output may be updated later
 *   },
 *   update: boolean,                         // false: send `display_data`; true: send `update_display_data`
 * ) => void;
 * ```
 *
 * - `update === false`: send an iopub `display_data` with content `{data, metadata, transient}` to the cell being
 *   executed (or the cell that started the work, for output arriving after the cell finished).
 * - `update === true`: send an iopub `update_display_data` with the same content; `transient.display_id` is always
 *   set then, and names an output sent earlier with `update === false` and that display_id.
 * - The hook must not throw for a well-formed bundle; it is called synchronously, possibly many times a second
 *   (progress bars are throttled to about 4 updates/s).
 *
 * Without the hook, under tslab (today's engine), bundles go through tslab's internal
 * `require('tslab/dist/jupyter').lastWriteDisplayData(content, update)`, which sends exactly those two message
 * types (it reads `transient.display_id` for updates). In plain Node (scripts, tests) `text/plain` goes to stdout.
 */
import * as util from 'util';

import { summaryBundle, isArraySummarizable } from './summary';

/** The Deno / ratelab protocol symbol: `obj[JUPYTER_DISPLAY]()` returns a MIME map or a Promise of one. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');
/** Where a kernel installs its display function (see the contract at the top of this file). */
export const KERNEL_DISPLAY_HOOK: unique symbol = Symbol.for('ratelab.kernel.display');

/** MIME type -> payload (string, or a JSON object for `application/*+json` types). */
export type MimeData = Record<string, unknown>;

/** What is sent to the frontend: the content of a `display_data` / `update_display_data` message. */
export interface DisplayContent {
  data: MimeData;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** The function a kernel installs at `globalThis[Symbol.for('ratelab.kernel.display')]`. */
export type KernelDisplayHook = (bundle: DisplayContent, update: boolean) => void;

/** Something that can render itself in a notebook. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeData | Promise<MimeData>;
}

/** Which route `sendDisplay` takes now: the ratelab kernel hook, tslab's internal writer, or plain stdout. */
export type DisplayTransport = 'kernel-hook' | 'tslab' | 'stdout';

type TslabJupyterModule = { lastWriteDisplayData: ((content: DisplayContent, update: boolean) => void) | null };

/**
 * tslab's writer is module state set while a cell executes. We look for the module among those already loaded
 * rather than `require`-ing it, so plain Node never loads tslab (and finds no writer, correctly).
 */
function tslabWriter(): TslabJupyterModule['lastWriteDisplayData'] {
  for (const key of Object.keys(require.cache)) {
    if (/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(key)) {
      const mod = require.cache[key]?.exports as TslabJupyterModule | undefined;
      if (mod && typeof mod.lastWriteDisplayData === 'function') return mod.lastWriteDisplayData;
    }
  }
  return null;
}

function kernelHook(): KernelDisplayHook | null {
  const hook = (globalThis as Record<symbol, unknown>)[KERNEL_DISPLAY_HOOK];
  return typeof hook === 'function' ? (hook as KernelDisplayHook) : null;
}

/** The transport a display sent now would use. */
export function displayTransport(): DisplayTransport {
  if (kernelHook()) return 'kernel-hook';
  if (tslabWriter()) return 'tslab';
  return 'stdout';
}

/** True when displays reach a notebook frontend (rich MIME types are seen), false in plain Node. */
export function isNotebook(): boolean {
  return displayTransport() !== 'stdout';
}

/**
 * Send one bundle. `update` replaces the output sent earlier with the same `transient.display_id`; in plain Node
 * updates are printed as new lines (there is nothing to replace).
 */
export function sendDisplay(content: DisplayContent, update = false): void {
  if (update && !content.transient?.display_id) {
    throw new Error('sendDisplay: an update needs transient.display_id (the id of the output to replace)');
  }
  const full: DisplayContent = { data: content.data, metadata: content.metadata ?? {}, transient: content.transient ?? {} };
  const hook = kernelHook();
  if (hook) return hook(full, update);
  const tslab = tslabWriter();
  if (tslab) return tslab(full, update);
  const text = content.data['text/plain'];
  process.stdout.write((typeof text === 'string' ? text : util.inspect(content.data)) + '\n');
}

let displayCounter = 0;
/** A display id unique in this process, for outputs updated in place (`show(x, {displayId})`). */
export function newDisplayId(prefix = 'ratelab'): string {
  displayCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${displayCounter}`;
}

function hasJupyterDisplay(x: unknown): x is Displayable {
  return (typeof x === 'object' || typeof x === 'function') && x !== null &&
    typeof (x as Partial<Displayable>)[JUPYTER_DISPLAY] === 'function';
}

/**
 * The MIME map for a value: its own `[Symbol.for("Jupyter.display")]()` if it has one (awaited), a shape/dtype
 * summary for typed arrays, tfjs tensors and `{data, shape}` arrays, else `util.inspect` as text/plain.
 * `text/plain` is always present.
 */
export async function mimeBundle(x: unknown): Promise<MimeData> {
  let data: MimeData;
  if (hasJupyterDisplay(x)) {
    const raw = await x[JUPYTER_DISPLAY]();
    if (typeof raw !== 'object' || raw === null) {
      throw new TypeError(`Symbol.for("Jupyter.display") of ${describeType(x)} returned ${typeof raw}, expected a MIME map`);
    }
    data = { ...raw };
  } else if (isArraySummarizable(x)) {
    data = summaryBundle(x);
  } else if (typeof x === 'string') {
    data = { 'text/plain': x };
  } else {
    data = { 'text/plain': util.inspect(x, { depth: 4, maxArrayLength: 50, breakLength: 110 }) };
  }
  if (typeof data['text/plain'] !== 'string') data['text/plain'] = util.inspect(x, { depth: 2, maxArrayLength: 20 });
  return data;
}

function describeType(x: unknown): string {
  const ctor = (x as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `a ${ctor}` : typeof x;
}

export interface ShowOptions {
  /** Give the output this id so it can be replaced later (`show(y, {displayId, update: true})`). */
  displayId?: string;
  /** Replace the output with `displayId` instead of adding a new one. Default false. */
  update?: boolean;
  /** Extra per-MIME metadata, sent as-is (e.g. `{"image/png": {width: 400}}`). */
  metadata?: Record<string, unknown>;
}

/**
 * Display a value in the notebook (or print its text form in plain Node). Async because charts render
 * asynchronously: in a cell write `await show(chart)`. Resolves to the display id used, if any.
 */
export async function show(x: unknown, opts: ShowOptions = {}): Promise<string | undefined> {
  const data = await mimeBundle(x);
  const transient = opts.displayId ? { display_id: opts.displayId } : {};
  sendDisplay({ data, metadata: opts.metadata ?? {}, transient }, opts.update === true);
  return opts.displayId;
}
