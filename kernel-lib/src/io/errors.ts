/**
 * One error type for everything the I/O layer rejects, so callers can tell "this file is bad" apart from bugs.
 * The message always starts with the file's name, then says what is wrong and where.
 */
import * as path from 'path';

export type DataErrorKind =
  | 'not-found'
  | 'truncated'
  | 'not-a-mat-file'
  | 'corrupt'
  | 'unsupported'
  | 'decompression'
  | 'checksum'
  | 'invalid-input';

export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  constructor(
    /** The file concerned (as given by the caller, or its absolute path). */
    readonly file: string,
    /** Machine-readable category of the problem. */
    readonly kind: DataErrorKind,
    detail: string,
  ) {
    super(`${path.basename(file)}: ${detail}${path.basename(file) !== file ? ` (${file})` : ''}`);
  }
}
