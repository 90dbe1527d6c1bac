/**
 * Loads h5wasm once. h5wasm is ESM-only ("type": "module", exports map with only `import`), and TypeScript
 * compiles `import()` to `require()` under CommonJS, so a real dynamic import goes through `new Function`.
 * Its Node build (`h5wasm/node`) uses Emscripten's NODERAWFS: `new File(path)` opens real paths directly
 * (verified with h5wasm 0.10.3), so no copying in and out of a virtual filesystem is needed.
 */
export type H5Wasm = typeof import('h5wasm');
export type H5File = import('h5wasm').File;
export type H5Group = import('h5wasm').Group;
export type H5Dataset = import('h5wasm').Dataset;

import * as fs from 'fs';

import { DataFileError } from './errors';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Throw unless `file` carries the HDF5 superblock signature where the format allows it (byte 0, 512, 1024,
 * 2048, …). h5wasm does not always fail on open for a non-HDF5 file, but later with an obscure message.
 */
export function assertHdf5(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new DataFileError(file, 'not-found', `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      if (fs.readSync(fd, buf, 0, 8, off) === 8 && buf.equals(HDF5_SIGNATURE)) return;
    }
  } finally {
    fs.closeSync(fd);
  }
  throw new DataFileError(file, 'corrupt', 'not an HDF5 file (no HDF5 signature at byte 0, 512, 1024, …)');
}

/**
 * HDF5's error stack (as thrown by the throwing handler) runs to dozens of lines; its innermost entry says
 * what is actually wrong ("truncated file: eof = …"). Keep that, and the outermost for context.
 */
export function hdf5Reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const entries = [...msg.matchAll(/#\d+: .*? in (\w+)\(\): (.*)/g)].map((m) => m[2].trim());
  if (entries.length === 0) return msg.split('\n')[0];
  const first = entries[0];
  const last = entries[entries.length - 1];
  return first === last ? last : `${last} (${first})`;
}

const importESM = new Function('s', 'return import(s)') as (s: string) => Promise<{ default: H5Wasm['default'] } & H5Wasm>;

let loading: Promise<H5Wasm['default']> | undefined;

/** The h5wasm namespace (`File`, `Group`, `Dataset`, …), ready to use. */
export function h5wasmReady(): Promise<H5Wasm['default']> {
  loading ??= (async () => {
    const mod = await importESM('h5wasm/node');
    const h5 = mod.default ?? mod;
    const module = await h5.ready;
    // By default HDF5 prints its error stack to stderr and h5wasm then fails with a terse message; the
    // throwing handler puts HDF5's own explanation into the JS error instead.
    module.activate_throwing_error_handler();
    return h5;
  })();
  return loading;
}
