/**
 * `is_complete_request`: tslab decides complete vs incomplete (an error exactly at the end of the input
 * that more input could fix, plus an indent hint); a remaining syntax error elsewhere makes the code
 * `invalid`, since no further input can repair it.
 */
import * as ts from '@tslab/typescript-for-tslab';
import { isCompleteCode } from 'tslab/dist/converter';

export type Completeness = { status: 'complete' } | { status: 'incomplete'; indent: string } | { status: 'invalid' };

export function checkCompleteness(code: string): Completeness {
  const r = isCompleteCode(code);
  if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
  // Parsed as .ts, as the converter compiles cells (tslab parses TSX for the incomplete check only).
  const sf = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  const end = code.replace(/\s+$/, '').length;
  // Errors at the very end mean "unfinished"; with trailing blank lines tslab forces completion, and the
  // cell is then run (and reports its own error) rather than being declared invalid.
  const hard = diags.filter((d) => d.start !== undefined && d.start < end);
  return hard.length > 0 ? { status: 'invalid' } : { status: 'complete' };
}
