/**
 * Runs cells with tslab's own converter (TypeScript 5.0.4 fork) and executor, and turns what they report into
 * structured outcomes: the last expression's value, TypeScript diagnostics, or the thrown value.
 *
 * tslab's executor reports through the `console` it is given: diagnostics and thrown values on `error`, the
 * last expression's value on `log`. We pass a recording console, and wrap the converter to keep each cell's
 * compiled JavaScript and to name it with a `//# sourceURL=` comment for stack traces.
 */
import * as util from 'util';
import { createConverter, CompletionInfo, Converter, ConvertResult } from 'tslab/dist/converter';
import { createExecutor, ConverterSet, Executor } from 'tslab/dist/executor';
import { printQuickInfo } from 'tslab/dist/inspect';
import { CellRecord, CellRegistry } from './cells';
import { diagnosticsError, ErrorContent, interruptError, runtimeError } from './errors';
import { ENTER_CELL_KEY, Interrupts } from './interrupt';

export type CellOutcome = { status: 'ok'; hasValue: boolean; value?: unknown } | { status: 'error'; error: ErrorContent };

interface Recording {
  cell: CellRecord;
  converted?: ConvertResult;
  hasValue: boolean;
  value?: unknown;
  errors: unknown[][];
}

export class Engine {
  readonly cells = new CellRegistry();
  private readonly executor: Executor;
  private readonly node: Converter;
  private browser?: Converter;
  private rec?: Recording;

  constructor(
    rootDir: string,
    private readonly interrupts: Interrupts,
    private readonly stderr: (text: string) => void,
  ) {
    this.node = this.wrapConverter(createConverter({ isJS: false, isBrowser: false }));
    const self = this;
    const convs: ConverterSet = {
      node: this.node,
      get browser(): Converter {
        self.browser ??= createConverter({ isJS: false, isBrowser: true });
        return self.browser;
      },
      close: () => {
        this.node.close();
        this.browser?.close();
      },
    };
    this.executor = createExecutor(rootDir, convs, {
      log: (value?: unknown) => {
        if (this.rec) {
          this.rec.hasValue = true;
          this.rec.value = value;
        }
      },
      error: (...args: unknown[]) => {
        if (this.rec) this.rec.errors.push(args);
        else this.stderr(util.format(...args) + '\n');
      },
    });
  }

  /** Compile and run one cell. Never throws: failures come back as `{status: 'error'}`. */
  async run(code: string, executionCount: number | null): Promise<CellOutcome> {
    const rec: Recording = { cell: this.cells.create(code, executionCount), hasValue: false, errors: [] };
    this.rec = rec;
    this.interrupts.beginCell();
    let ok: boolean;
    try {
      ok = await this.executor.execute(code);
    } catch (e) {
      // tslab's executor catches user errors itself; this is a failure of tslab or of the kernel.
      return { status: 'error', error: runtimeError(e, this.cells) };
    } finally {
      this.interrupts.endCell();
      this.rec = undefined;
    }
    if (ok) {
      // `//@module` cells report their diagnostics but still succeed, as in tslab.
      for (const args of rec.errors) this.stderr(util.format(...args) + '\n');
      // tslab prints only non-null last values; a cell ending in an expression that is `null` shows `null`
      // (as IPython shows None), while `undefined` (statements, void calls) shows nothing.
      const lastVar = rec.converted?.lastExpressionVar;
      if (!rec.hasValue && lastVar && Object.prototype.hasOwnProperty.call(this.executor.locals, lastVar)) {
        const v = this.executor.locals[lastVar];
        delete this.executor.locals[lastVar];
        if (v === null) return { status: 'ok', hasValue: true, value: null };
      }
      return { status: 'ok', hasValue: rec.hasValue, value: rec.value };
    }
    if (rec.converted && rec.converted.diagnostics.length > 0) {
      return { status: 'error', error: diagnosticsError(rec.cell, rec.converted.diagnostics) };
    }
    const thrown = rec.errors.length > 0 ? rec.errors[rec.errors.length - 1][0] : new Error('cell failed without an error');
    if (isInterrupt(thrown)) {
      this.interrupts.markAborted();
      const sync = (thrown as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
      return { status: 'error', error: interruptError(sync ? 'while running synchronously' : 'while awaiting') };
    }
    return { status: 'error', error: runtimeError(thrown, this.cells) };
  }

  complete(code: string, cursor: number): CompletionInfo {
    return this.executor.complete(code, cursor);
  }

  /** Hover text for the symbol at `cursor`, or undefined. */
  inspect(code: string, cursor: number): string | undefined {
    const info = this.executor.inspect(code, cursor);
    return info ? printQuickInfo(info) : undefined;
  }

  /** Reject the running cell's pending promise (tslab's asynchronous interrupt). */
  interruptAsync(): void {
    this.executor.interrupt();
  }

  close(): void {
    this.executor.close();
  }

  private wrapConverter(real: Converter): Converter {
    return {
      ...real,
      convert: (prevDecl: string, src: string): ConvertResult => {
        const r = real.convert(prevDecl, src);
        const rec = this.rec;
        if (rec) {
          rec.converted = r;
          if (r.output) {
            // On the first line, so line numbers stay those of the compiled cell (see interrupt.ts).
            rec.cell.compiled = r.output;
            r.output = `globalThis[Symbol.for("${ENTER_CELL_KEY.description}")]();` + r.output + `\n//# sourceURL=${rec.cell.url}`;
          }
        }
        return r;
      },
    };
  }
}

function isInterrupt(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' || e.message === 'Interrupted asynchronously';
}
