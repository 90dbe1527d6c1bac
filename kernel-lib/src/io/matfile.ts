/**
 * `loadMat` / `saveMat`: one entry point for MAT files. The format is sniffed from the header:
 * - "MATLAB 7.3 MAT-file" text with the HDF5 signature at byte 512 (or a bare HDF5 file) → v7.3 reader (h5wasm);
 * - otherwise a v5 header ('IM'/'MI' at byte 126, version 0x0100) → v5 reader (MAT v5/v6/v7, any endianness);
 * - anything else → a `not-a-mat-file` error naming the file.
 * Values follow the conventions in `mat-values.ts`: MATLAB dims as `shape`, data converted to row-major.
 *
 *   const m = await loadMat(dataPath('pursuit/behavior_data.mat'));
 *   const d = m.Data as MatStructArray;            // 1×28 struct array
 *   (d.get(0).highCont as MatStruct).wide          // {hvel, vvel}
 */
import * as fs from 'fs';

import { writeFileAtomic } from './atomic-write';
import { DataFileError } from './errors';
import { parseMat5, readMat5Header } from './mat5-reader';
import { encodeMat5, MatInput, SaveMatOptions } from './mat5-writer';
import { readMat73 } from './mat73-reader';
import { LoadMatOptions, MatFile } from './mat-values';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export type MatFormat = 'v5' | 'v7.3';

export interface MatFileInfo {
  format: MatFormat;
  /** The descriptive text at the start of the header ('MATLAB 5.0 MAT-file, Platform: …'). */
  headerText: string;
  littleEndian: boolean;
}

function readHead(file: string, n: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new DataFileError(file, 'not-found', `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(n);
    const got = fs.readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

function sniff(head: Uint8Array, file: string): MatFileInfo {
  const text = Buffer.from(head.subarray(0, Math.min(116, head.length))).toString('latin1').replace(/[\s\0]+$/, '');
  const hdf5At = (off: number) => head.length >= off + 8 && Buffer.from(head.subarray(off, off + 8)).equals(HDF5_SIGNATURE);
  if (hdf5At(0)) return { format: 'v7.3', headerText: '', littleEndian: true };
  if (text.startsWith('MATLAB 7.3 MAT-file')) {
    if (!hdf5At(512)) {
      throw new DataFileError(file, head.length < 520 ? 'truncated' : 'corrupt',
        'MAT v7.3 header but no HDF5 signature at byte 512 (truncated or damaged file)');
    }
    return { format: 'v7.3', headerText: text, littleEndian: true };
  }
  const h = readMat5Header(head, file);
  return { format: 'v5', headerText: h.text, littleEndian: h.littleEndian };
}

/** Format and header of a MAT file, without reading its variables. */
export function matInfo(file: string): MatFileInfo {
  return sniff(readHead(file, 520), file);
}

/**
 * Read all variables of a MAT file (v5/v7 or v7.3). Async because the v7.3 path loads h5wasm.
 * Throws `DataFileError` naming the file for anything it cannot read (truncated, corrupt, unsupported class).
 */
export async function loadMat(file: string, opts: LoadMatOptions = {}): Promise<MatFile> {
  const info = matInfo(file);
  if (info.format === 'v7.3') return readMat73(file, opts);
  return parseMat5(fs.readFileSync(file), file, opts);
}

/** Parse MAT v5 bytes already in memory (`name` is used in error messages). v7.3 needs a file: use `loadMat`. */
export function parseMat(bytes: Uint8Array, name = '<buffer>', opts: LoadMatOptions = {}): MatFile {
  const info = sniff(bytes.subarray(0, 520), name);
  if (info.format === 'v7.3') {
    throw new DataFileError(name, 'unsupported', 'MAT v7.3 (HDF5) data must be read from a file with loadMat');
  }
  return parseMat5(bytes, name, opts);
}

/**
 * Write variables to a MAT v5 file (zlib-compressed, readable by MATLAB and scipy.io.loadmat), atomically:
 * the file appears complete under its name or not at all. See `MatInput` for the accepted values.
 */
export function saveMat(file: string, vars: Record<string, MatInput>, opts: SaveMatOptions = {}): void {
  writeFileAtomic(file, encodeMat5(vars, file, opts));
}
