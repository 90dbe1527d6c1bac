/**
 * Tensors whose data kernel-lib's C kernels read or write in place: on tfjs's wasm backend a tensor's values
 * live in that module's heap, and a view of them (valid until tfjs runs another op, which may grow the heap)
 * saves copying 10–500 MB results; on other backends plain arrays.
 */
import { tf } from '../backend';

interface WasmBackendApi {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** tfjs-wasm's heap access (internal, so checked), or null on other backends. */
export function wasmBackendApi(): WasmBackendApi | null {
  if (tf.getBackend() !== 'wasm') return null;
  const be = tf.backend() as unknown as Partial<WasmBackendApi>;
  return typeof be.makeOutput === 'function' && typeof be.typedArrayFromHeap === 'function' ? (be as WasmBackendApi) : null;
}

/**
 * A [rows, cols] float32 output filled chunk by chunk. On the wasm backend it is allocated in tfjs's heap and
 * filled in place (a 10–500 MB result is then copied once, not three times: into a JS array, into the heap,
 * plus the garbage); elsewhere a plain array that becomes the tensor's storage.
 */
export class OutputTensor {
  private readonly api: WasmBackendApi | null;
  private readonly info: tf.TensorInfo | null = null;
  private readonly array: Float32Array | null = null;
  constructor(private readonly rows: number, private readonly cols: number) {
    this.api = wasmBackendApi();
    if (this.api) {
      try { this.info = this.api.makeOutput([rows, cols], 'float32'); } catch { this.api = null; }
    }
    if (!this.info) this.array = new Float32Array(rows * cols);
  }
  /** The destination (valid until tfjs runs another op: its heap may grow). */
  view(): Float32Array {
    return this.array ?? this.api!.typedArrayFromHeap(this.info!);
  }
  tensor(): tf.Tensor2D {
    if (this.array) return tf.tensor2d(this.array, [this.rows, this.cols]);
    return tf.engine().makeTensorFromTensorInfo(this.info!) as tf.Tensor2D;
  }
  /** Free the heap block of an output that never became a tensor (on errors). */
  discard(): void {
    if (this.info) tf.backend().disposeData(this.info.dataId);
  }
}

/** A tensor's values without a copy where the backend allows it (read before tfjs runs another op). */
export function readView(t: tf.Tensor): Float32Array {
  const api = t.dtype === 'float32' ? wasmBackendApi() : null;
  if (api) {
    try { return api.typedArrayFromHeap(t as unknown as tf.TensorInfo); } catch { /* fall back to a copy */ }
  }
  return t.dataSync() as Float32Array;
}
