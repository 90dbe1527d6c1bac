/*
 * The sources the native scan addon is compiled from, and their hash. scripts/build-native.js compiles the hash
 * into the addon; kernel-lib/src/models/scan-native.ts compares it with the checkout's and refuses an addon built
 * from other sources (a checkout updated without `npm ci`). One recipe for both, in plain JavaScript because the
 * build script runs before anything is compiled.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

/** Relative to kernel-lib/. */
const SOURCES = ['native/scan-node.c', 'native/readout.c', 'wasm/scan.c', 'wasm/simd8.h'];

/** First 16 hex digits of the sha256 of the sources under `kernelLib`, or '' when one of them is missing. */
function sourceHash(kernelLib) {
  const files = SOURCES.map((f) => path.join(kernelLib, f));
  if (!files.every((f) => fs.existsSync(f))) return '';
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

module.exports = { SOURCES, sourceHash };
