/**
 * Bad input: truncated files, bit flips inside compressed streams and in header lengths, unsupported classes,
 * non-MAT files. Each must give a DataFileError whose message names the file and the problem — never a
 * crash, a hang or garbage values. A seeded fuzz pass flips random bytes to look for anything else.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { loadMat, parseMat, DataFileError, DataErrorKind } from '../kernel-lib/src/io';
import { rng } from '../kernel-lib/src/random';
import { makeMatFixtures } from './fixtures/io/mat-canon';
import { rmTmp, tmpDir } from './helpers/python';

function expectError(kinds: DataErrorKind[], name: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof DataFileError, `expected DataFileError, got ${(e as Error)?.stack ?? e}`);
    assert.ok(kinds.includes(e.kind), `kind ${e.kind} not in ${kinds}: ${e.message}`);
    assert.ok(e.message.startsWith(`${name}:`), `message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  };
}

describe('io: corrupt MAT input gives clear errors', function () {
  this.timeout(60_000);
  let dir: string;
  let raw: Buffer;
  let zipped: Buffer;

  before(() => {
    dir = tmpDir('ratelab-io-corrupt-');
    makeMatFixtures(dir);
    raw = fs.readFileSync(path.join(dir, 'types_v5_raw.mat'));
    zipped = fs.readFileSync(path.join(dir, 'types_v5.mat'));
  });
  after(() => rmTmp(dir));

  const write = (name: string, bytes: Uint8Array) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it('truncated files: names the file, says truncated and how many bytes are missing', async () => {
    for (const [label, src] of [['raw', raw], ['zip', zipped]] as const) {
      for (const cut of [140, 200, Math.floor(src.length / 2), src.length - 1]) {
        const p = write(`cut-${label}-${cut}.mat`, src.subarray(0, cut));
        await assert.rejects(loadMat(p), expectError(['truncated'], path.basename(p), /truncated .* \(needs \d+ more bytes\)/));
      }
    }
    const tiny = write('tiny.mat', raw.subarray(0, 60));
    await assert.rejects(loadMat(tiny), expectError(['truncated'], 'tiny.mat', /only 60 bytes/));
  });

  it('a truncated v7.3 file is reported, not crashed on', async () => {
    const v73 = fs.readFileSync(path.join(dir, 'types_v73.mat'));
    const p = write('cut73.mat', v73.subarray(0, 400));
    await assert.rejects(loadMat(p), expectError(['truncated'], 'cut73.mat', /no HDF5 signature at byte 512/));
    const q = write('half73.mat', v73.subarray(0, Math.floor(v73.length / 2)));
    await assert.rejects(loadMat(q), expectError(['truncated'], 'half73.mat', /cannot open as HDF5 \(MAT v7\.3\): truncated file: eof = \d+/));
  });

  it('bit flips inside a compressed stream: decompression failure naming the element', async () => {
    const n = zipped.readUInt32LE(132); // first element: miCOMPRESSED tag at byte 128
    assert.strictEqual(zipped.readUInt32LE(128), 15);
    const r = rng(11);
    for (let k = 0; k < 12; k++) {
      const bad = Buffer.from(zipped);
      const at = 136 + r.int(n);
      bad[at] ^= 1 << r.int(8);
      const p = write(`flip-z-${k}.mat`, bad);
      await assert.rejects(loadMat(p), expectError(['decompression'], path.basename(p), /decompression failed for compressed element at byte 128/));
    }
  });

  it('bit flips in a header length or a dimension: truncated / corrupt, not garbage', async () => {
    const big = Buffer.from(raw);
    big.writeUInt32LE(raw.readUInt32LE(132) | 0x40000000, 132); // first element's byte count
    await assert.rejects(loadMat(write('len.mat', big)), expectError(['truncated'], 'len.mat', /truncated top-level element at byte 136/));
    const zbig = Buffer.from(zipped);
    zbig[135] ^= 0x10;
    await assert.rejects(loadMat(write('zlen.mat', zbig)), expectError(['truncated', 'decompression'], 'zlen.mat', /truncated|decompression/));
    // variable 'd' (3×4): dims live at bytes 160..167 of the uncompressed file
    assert.strictEqual(raw.readInt32LE(164), 4);
    const dims = Buffer.from(raw);
    dims.writeInt32LE(4000, 164);
    await assert.rejects(loadMat(write('dims.mat', dims)), expectError(['corrupt'], 'dims.mat', /'d': real part has 12 values but the dimensions need 12000/));
  });

  it('unsupported classes and non-MAT files are named as such', async () => {
    const fn = Buffer.from(raw);
    fn[144] = 16; // class byte of the first variable's array flags → mxFUNCTION_CLASS
    await assert.rejects(loadMat(write('fn.mat', fn)), expectError(['unsupported'], 'fn.mat', /'d': unsupported MATLAB class function_handle/));
    const skipped: string[] = [];
    const rest = await loadMat(path.join(dir, 'fn.mat'), { unsupported: 'skip', skipped });
    assert.ok(!('d' in rest) && 'f32' in rest && 'sparse' in rest, 'only the unsupported variable is left out');
    assert.strictEqual(skipped.length, 1);
    assert.match(skipped[0], /'d': unsupported MATLAB class function_handle/);
    const text = write('notes.mat', Buffer.from('this is just some text that happens to be long enough '.repeat(4)));
    await assert.rejects(loadMat(text), expectError(['not-a-mat-file'], 'notes.mat', /not a MAT v5 file/));
    await assert.rejects(loadMat(write('empty.mat', Buffer.alloc(0))), expectError(['not-a-mat-file'], 'empty.mat', /not a MAT file/));
    await assert.rejects(loadMat(path.join(dir, 'missing.mat')), expectError(['not-found'], 'missing.mat', /cannot open: ENOENT/));
  });

  it('fuzz: random byte flips and cuts either load or raise DataFileError (seeded)', () => {
    const r = rng(2026);
    let errors = 0;
    for (let k = 0; k < 400; k++) {
      const src = k % 2 ? raw : zipped;
      const bad = Buffer.from(src);
      const flips = 1 + r.int(3);
      for (let j = 0; j < flips; j++) bad[128 + r.int(src.length - 128)] = r.int(256);
      const bytes = k % 5 === 0 ? bad.subarray(0, 128 + r.int(src.length - 128)) : bad;
      try {
        parseMat(bytes, `fuzz-${k}.mat`);
      } catch (e) {
        if (!(e instanceof DataFileError)) assert.fail(`case ${k}: ${(e as Error).stack}`);
        assert.ok(e.message.startsWith(`fuzz-${k}.mat:`));
        errors++;
      }
    }
    assert.ok(errors > 100, `most damaged files are rejected (${errors}/400)`);
  });
});
