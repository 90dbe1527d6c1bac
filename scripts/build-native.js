#!/usr/bin/env node
/*
 * Build the native fused-scan addon (kernel-lib/native/scan-node.c → kernel-lib/native/build/scan.node) for
 * x86-64 with AVX2 + FMA. Runs at `npm ci` / `npm install` (package.json "install"). Optional by design: with no
 * C compiler, no Node headers, or another architecture, it says so and exits 0, and the fused scan uses the
 * committed WebAssembly build (kernel-lib/src/models/scan-native.ts explains the choice at run time).
 *   node scripts/build-native.js            build (skip quietly where not possible)
 *   node scripts/build-native.js --strict   fail when it cannot build (for checking a machine)
 * Compiler: $CC, else clang, else cc. clang is preferred: gcc 12 keeps the register tile's accumulators in
 * memory too, and its bare products run 2.5× slower (the whole N = 256 training step measured about the same,
 * and 2× faster than the WebAssembly build). The output is written to a temporary name and renamed, so an
 * interrupted build never leaves a half-written addon behind.
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const { sourceHash: hashOf } = require('../kernel-lib/native/sources.js');

const root = path.join(__dirname, '..');
const src = path.join(root, 'kernel-lib', 'native', 'scan-node.c');
// Built in, so that scan-native.ts can refuse an addon compiled from other sources than the checkout's.
const sourceHash = hashOf(path.join(root, 'kernel-lib'));
const outDir = path.join(root, 'kernel-lib', 'native', 'build');
const out = path.join(outDir, 'scan.node');
const strict = process.argv.includes('--strict');

function skip(why) {
  // An addon left from an earlier build would not match these sources.
  fs.rmSync(out, { force: true });
  const msg = `ratelab: native scan kernel not built (${why}); the WebAssembly kernel will be used`;
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.log(msg);
  process.exit(0);
}

function works(cc) {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (process.platform !== 'linux' || process.arch !== 'x64') skip(`${process.platform}/${process.arch}: the addon is written for Linux on x86-64`);
const compilers = process.env.CC ? [process.env.CC] : ['clang', 'cc'];
const cc = compilers.find(works);
if (!cc) skip(`no C compiler (tried ${compilers.join(', ')})`);
// Node's own headers: next to the binary (Debian, NodeSource, nvm, official tarballs), or npm's nodedir.
const includeDirs = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
  path.join(path.dirname(process.execPath), '..', 'include', 'node'),
].filter(Boolean);
const include = includeDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
if (!include) skip(`Node's headers (node_api.h) not found in ${includeDirs.join(' or ')}`);

fs.mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = [
  '-O3', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-mavx2', '-mfma', '-fPIC', '-shared', '-fvisibility=hidden',
  '-I', include, '-DNODE_GEN_MODULE_NAME=ratelab_scan', `-DSCAN_SOURCE_HASH="${sourceHash}"`, '-o', tmp, src, '-lpthread',
];
try {
  execFileSync(cc, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  fs.renameSync(tmp, out);
} catch (e) {
  fs.rmSync(tmp, { force: true });
  const detail = e.stderr ? String(e.stderr).trim().split('\n').slice(0, 5).join(' | ') : e.message;
  skip(`${cc} failed: ${detail}`);
}
console.log(`ratelab: built ${path.relative(root, out)} with ${execFileSync(cc, ['--version']).toString().split('\n')[0]}`);
