/**
 * The linear readout o = r W_outᵀ of a scan's rates [M, N] (M = T·B rows), with a gradient made of
 * non-transposed products only. tfjs's own matMul gradient is dy·W and rᵀ·dy as *transposed* products, which
 * the wasm backend runs as a scalar loop (~30× slower than its XNNPACK path; shared/notes/toolchain.md): at
 * T·B = 9600 rows and N = 256 that was ~60 ms of a training step. Here rᵀ·dy becomes (dyᵀ)·r with dyᵀ
 * [nOut, M] copied explicitly (nOut is small), and dy·W is already non-transposed.
 */
import { tf } from '../backend';

export function readoutProduct(rates: tf.Tensor2D, wOut: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [r, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([r, w]);
    return {
      value: tf.matMul(r as tf.Tensor2D, tf.transpose(w as tf.Tensor2D)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [rs, ws] = saved as tf.Tensor2D[];
        return [tf.matMul(dy as tf.Tensor2D, ws), tf.matMul(tf.transpose(dy as tf.Tensor2D), rs)];
      },
    };
  });
  return f(rates, wOut) as tf.Tensor2D;
}
