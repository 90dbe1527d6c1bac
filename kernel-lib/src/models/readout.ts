/**
 * The linear readout o = r W_outᵀ of a scan's rates r [M, N] (M = T·B rows, N units, nOut outputs), with a
 * gradient that avoids the wasm backend's slow paths (measured on tfjs-wasm 4.22, M = 9600, N = 256):
 * - tfjs's own matMul gradient uses transposed products, which the wasm backend runs as a scalar loop;
 * - dW_out = dyᵀ r as a plain product makes XNNPACK pack r (its "weights" operand) anew each step, because r is
 *   a new tensor every step: 40–50 ms, against 1.5 ms when the same r comes back;
 * - customGrad's save() copies r (a clone is a copy on the wasm backend; at N = 1024, T = 2000, B = 64 that is
 *   another 0.5 GB).
 * So the forward pass keeps r through a reshape (which shares its data) and the backward pass reads it in place
 * and forms dW_out = dyᵀ r in a float64 loop (nOut is small), and dr = dy W_out as a plain product. Where the
 * native scan kernel is in use, its addon does all three in one pass over r each (kernel-lib/native/readout.c),
 * reading r and writing dr in tfjs's heap: this file's tfjs path is then the tests' reference.
 */
import { tf } from '../backend';
import { nativeReadout } from './fused-scan';
import { NativeReadout } from './scan-native';
import { OutputTensor, readView } from './tensor-heap';

/** Disposes kept rates whose gradient was never taken (the tape that held the closure was dropped). */
const keptFinalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<tf.Tensor>((t) => { if (!t.isDisposed) t.dispose(); }) : null;

function recordingGradients(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * acc[o·N + i] += Σ_m g[m·nOut + o] · r[m·N + i] for outputs o and o + 1 in one pass over r (half the memory
 * traffic of one pass per output). Eight rows at a time: each acc entry is loaded and stored once per eight
 * rows (the products are summed in double precision, as before), which made this loop 3–4× faster at
 * M = 9600, N = 256. A small monomorphic function, so that V8 optimises the loop.
 */
function accumulatePair(acc: Float64Array, g: Float32Array, o: number, nOut: number, r: Float32Array, M: number, N: number): void {
  const two = o + 1 < nOut;
  const a = o * N, b = a + N;
  let m = 0;
  for (; m + 8 <= M; m += 8) {
    const k = m * nOut + o, s = nOut;
    const p0 = g[k], p1 = g[k + s], p2 = g[k + 2 * s], p3 = g[k + 3 * s], p4 = g[k + 4 * s], p5 = g[k + 5 * s], p6 = g[k + 6 * s], p7 = g[k + 7 * s];
    const q0 = two ? g[k + 1] : 0, q1 = two ? g[k + 1 + s] : 0, q2 = two ? g[k + 1 + 2 * s] : 0, q3 = two ? g[k + 1 + 3 * s] : 0;
    const q4 = two ? g[k + 1 + 4 * s] : 0, q5 = two ? g[k + 1 + 5 * s] : 0, q6 = two ? g[k + 1 + 6 * s] : 0, q7 = two ? g[k + 1 + 7 * s] : 0;
    // Masked-out rows (zero gradient for every output here) cost nothing.
    if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0 && p6 === 0 && p7 === 0 &&
      q0 === 0 && q1 === 0 && q2 === 0 && q3 === 0 && q4 === 0 && q5 === 0 && q6 === 0 && q7 === 0) continue;
    const row = m * N;
    for (let i = 0; i < N; i++) {
      const j = row + i;
      const x0 = r[j], x1 = r[j + N], x2 = r[j + 2 * N], x3 = r[j + 3 * N], x4 = r[j + 4 * N], x5 = r[j + 5 * N], x6 = r[j + 6 * N], x7 = r[j + 7 * N];
      acc[a + i] += p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3 + p4 * x4 + p5 * x5 + p6 * x6 + p7 * x7;
      if (two) acc[b + i] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3 + q4 * x4 + q5 * x5 + q6 * x6 + q7 * x7;
    }
  }
  for (; m < M; m++) {
    const g0 = g[m * nOut + o], g1 = two ? g[m * nOut + o + 1] : 0;
    if (g0 === 0 && g1 === 0) continue;
    const row = m * N;
    if (two) for (let i = 0; i < N; i++) { const x = r[row + i]; acc[a + i] += g0 * x; acc[b + i] += g1 * x; }
    else for (let i = 0; i < N; i++) acc[a + i] += g0 * r[row + i];
  }
}

/** o = r wᵀ by the native addon (one pass over r). */
function nativeForward(nat: NativeReadout, r: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const [M, N] = r.shape, nOut = w.shape[0];
  const wv = w.dataSync() as Float32Array;
  const o = new Float32Array(M * nOut);
  nat.readoutForward(readView(r), M, N, wv, nOut, o);
  return tf.tensor2d(o, [M, nOut]);
}

export function readoutProduct(rates: tf.Tensor2D, wOut: tf.Tensor2D): tf.Tensor2D {
  const nat = nativeReadout();
  if (!recordingGradients()) return nat ? nativeForward(nat, rates, wOut) : tf.tidy(() => tf.matMul(rates, tf.transpose(wOut)));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [r, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([w]);
    const [M, N] = r.shape;
    // A second handle on r's data (reshape shares it), owned here and freed once the gradient is formed.
    const kept = tf.keep(tf.reshape(r, [M, N]));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const ws = saved[0] as tf.Tensor2D;
      const nOut = ws.shape[0];
      const g = dy.dataSync() as Float32Array;
      const acc = new Float64Array(nOut * N);
      let dr: tf.Tensor;
      if (nat) {
        // dr is written straight into its tensor; the views are taken after the last tfjs allocation.
        const wv = ws.dataSync() as Float32Array;
        const out = new OutputTensor(M, N);
        nat.readoutBackward(readView(kept), M, N, wv, nOut, g, acc, out.view());
        dr = out.tensor();
      } else {
        const rData = readView(kept);
        for (let o = 0; o < nOut; o += 2) accumulatePair(acc, g, o, nOut, rData, M, N);
        dr = tf.matMul(dy as tf.Tensor2D, ws);
      }
      kept.dispose();
      keptFinalizer?.unregister(kept);
      return [dr, tf.tensor2d(Float32Array.from(acc), [nOut, N])];
    };
    keptFinalizer?.register(gradFunc, kept, kept);
    return { value: nat ? nativeForward(nat, r, w) : tf.matMul(r, tf.transpose(w)), gradFunc };
  });
  return f(rates, wOut) as tf.Tensor2D;
}
