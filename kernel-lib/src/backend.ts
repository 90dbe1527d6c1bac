/**
 * Tensor backend selection. TensorFlow.js has several backends with very different speed; which one loads
 * depends on what could be installed on the machine, so the choice is made at run time and always reported.
 *
 * Order: tfjs-node-gpu, tfjs-node (native libtensorflow), wasm (XNNPACK, SIMD where available), cpu (pure JS).
 * `RATELAB_BACKEND` (one of `tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`) forces one and fails loudly if it
 * cannot be had, so a benchmark never silently runs on the wrong backend.
 */
import * as tf from '@tensorflow/tfjs';

import { enableTensorDisplay } from './notebook/summary';

// A tensor left as a cell's last value shows shape, dtype and a summary instead of tfjs's bare object dump.
enableTensorDisplay(tf);

export { tf };

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** What ratelab asked for (`tensorflow-gpu` and `tensorflow` both register tfjs's `tensorflow` backend). */
  name: BackendName;
  /** tfjs's own backend name, as `tf.getBackend()` reports it. */
  tfBackend: string;
  simd: boolean | null;
  threads: number;
  versions: Record<string, string>;
  /** Why each backend earlier in the order was skipped. */
  skipped: Record<string, string>;
  toString(): string;
}

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Which kernel runs CT-RNN scans on this backend (models/fused-scan.ts; required late: it imports this file). */
function scanKernelText(tfBackend: string): string {
  if (tfBackend !== 'cpu' && tfBackend !== 'wasm') return 'tfjs ops';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fused = require('./models/fused-scan') as typeof import('./models/fused-scan');
    const f = fused.fusedScanInfo();
    if (!f.available) return `tfjs ops (${f.reason})`;
    const threads = f.options.threads ?? fused.fusedScanWaitThreads(2000);
    return `${f.engine === 'native-avx2' ? 'native AVX2+FMA kernel' : 'WebAssembly SIMD128 kernel'}, ${threads} thread${threads === 1 ? '' : 's'}`;
  } catch (e) {
    return `tfjs ops (${errorText(e)})`;
  }
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

/**
 * danfojs-node is installed with `@tensorflow/tfjs-node` aliased to the pure-JS `@tensorflow/tfjs`, so a
 * successful `require` proves nothing: the native binding is only there if the `tensorflow` backend registered.
 */
function tryNative(pkg: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(pkg);
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(`${pkg} loaded but registered no native 'tensorflow' backend (pure-JS alias or wrong tfjs-core)`);
  }
}

async function tryBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'tensorflow-gpu':
      tryNative('@tensorflow/tfjs-node-gpu');
      break;
    case 'tensorflow':
      tryNative('@tensorflow/tfjs-node');
      break;
    case 'wasm':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-backend-wasm');
      break;
    case 'cpu':
      break;
  }
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  // setBackend resolves to false (not an exception) when a backend fails to initialise; tfjs then stays on
  // whatever it had, which is exactly the silent fallback we must not accept.
  const ok = await tf.setBackend(tfName);
  if (!ok || tf.getBackend() !== tfName) throw new Error(`tf.setBackend('${tfName}') failed`);
  await tf.ready();
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node, 'tfjs-core': tf.version_core };
  for (const pkg of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node-gpu']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      v[pkg.replace('@tensorflow/', '')] = require(`${pkg}/package.json`).version;
    } catch {
      /* not installed: nothing to report */
    }
  }
  return v;
}

async function select(): Promise<BackendInfo> {
  const forced = process.env.RATELAB_BACKEND?.trim() as BackendName | undefined;
  if (forced && !ORDER.includes(forced)) {
    throw new Error(`RATELAB_BACKEND=${forced} is not one of ${ORDER.join(', ')}`);
  }
  const candidates = forced ? [forced] : ORDER;
  const skipped: Record<string, string> = {};
  for (const name of candidates) {
    try {
      await tryBackend(name);
      const simd = name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null;
      const threads =
        name === 'wasm'
          ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))
            ? require('os').cpus().length
            : 1
          : name === 'cpu'
            ? 1
            : require('os').cpus().length;
      const info: BackendInfo = {
        name,
        tfBackend: tf.getBackend(),
        simd,
        threads,
        versions: versions(),
        skipped,
        toString() {
          const extra = name === 'wasm' ? `, SIMD ${simd ? 'on' : 'off'}` : '';
          return `ratelab backend: ${name} (tfjs '${this.tfBackend}', ${threads} thread${threads === 1 ? '' : 's'}${extra}; tfjs-core ${tf.version_core}, node ${process.versions.node}); ` +
            `recurrent scan: ${scanKernelText(this.tfBackend)}`;
        },
      };
      return info;
    } catch (e) {
      if (forced) throw new Error(`RATELAB_BACKEND=${forced} requested, but it cannot be used: ${errorText(e)}`);
      skipped[name] = errorText(e);
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised');
}

/**
 * Choose and initialise the backend once per process; later calls return the same answer. Notebooks call it
 * in their first cell so that the backend in use is printed next to the results it produced.
 */
export function init(): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  if (!pending) {
    pending = select().then((info) => {
      current = info;
      return info;
    });
    pending.catch(() => {
      pending = null;
    });
  }
  return pending;
}

/** The backend chosen by `init()`, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}
