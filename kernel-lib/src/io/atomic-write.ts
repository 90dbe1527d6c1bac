/**
 * Write files so that a crash or an error never leaves a half-written file under the final name: write to a
 * temporary name in the same directory (same filesystem, so rename is atomic), then rename over the target.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A temporary sibling of `target` (same directory), unique to this process and call. */
export function tempSibling(target: string): string {
  const dir = path.dirname(path.resolve(target));
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
}

export function writeFileAtomic(target: string, data: Uint8Array | string): void {
  const tmp = tempSibling(target);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Run `write(tmpPath)` (which creates the file), then rename it to `target`; removes the temp file on error. */
export async function withAtomicTarget<T>(target: string, write: (tmp: string) => T | Promise<T>): Promise<T> {
  const tmp = tempSibling(target);
  try {
    const result = await write(tmp);
    fs.renameSync(tmp, target);
    return result;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
