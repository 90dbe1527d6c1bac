/**
 * Bounds-checked little/big-endian reads over a byte buffer. Every length taken from a file goes through
 * `need()` before use, so a corrupt length gives a `truncated` error instead of reading past the end.
 */
import { DataFileError } from './errors';

export class ByteReader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly littleEndian: boolean,
    /** Offset of `bytes[0]` within the file, for error messages (0 except inside decompressed elements). */
    readonly baseOffset = 0,
    /** Words to put in error messages about where we are, e.g. "compressed element at byte 128". */
    readonly context = '',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  where(offset: number): string {
    return this.context ? `${this.context}, byte ${offset}` : `byte ${offset + this.baseOffset}`;
  }

  /** Throws unless `n` bytes are available at `offset`. */
  need(offset: number, n: number, what: string): void {
    if (!Number.isFinite(n) || n < 0) {
      throw new DataFileError(this.file, 'corrupt', `invalid length ${n} for ${what} at ${this.where(offset)}`);
    }
    if (offset + n > this.bytes.byteLength) {
      throw new DataFileError(
        this.file,
        'truncated',
        `truncated ${what} at ${this.where(offset)} (needs ${offset + n - this.bytes.byteLength} more bytes)`,
      );
    }
  }

  u8(offset: number, what: string): number {
    this.need(offset, 1, what);
    return this.bytes[offset];
  }
  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, this.littleEndian);
  }
  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, this.littleEndian);
  }
  i32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getInt32(offset, this.littleEndian);
  }

  /** A view (no copy) of `n` bytes at `offset`. */
  slice(offset: number, n: number, what: string): Uint8Array {
    this.need(offset, n, what);
    return this.bytes.subarray(offset, offset + n);
  }
}
