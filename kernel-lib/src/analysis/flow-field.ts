/**
 * Flow field of a network on a 2-D plane through state space: a grid of states x(s₁, s₂) = c + s₁a₁ + s₂a₂
 * (by default the PC1–PC2 plane of a PCA model through its mean, the other PC scores held fixed), the velocity
 * dx/dt = (F(x, u) − x)/dt at each grid state at a constant input, its projection onto the plane (the arrows)
 * and its full length ‖dx/dt‖ (the speed, which includes the components leaving the plane). This is the "speed
 * landscape" figure of fixed-point analyses, e.g. Figure 5 of the rhythmic-timing paper.
 *
 * ```ts
 * const pca = rl.pcaFit({ data: Float64Array.from(run.states!.dataSync()), shape: [T * B, N] }, { nComponents: 3 });
 * const field = rl.flowField(model, { pca, input: [0.5], states: trajectoryRows, resolution: 40 });
 * await rl.show(rl.flowFieldChart(field, { fixedPoints: fps }));   // log-speed heat map, arrows, fixed points
 * ```
 */
import { tf } from '../backend';
import { Ctrnn } from '../models/ctrnn';
import { Dense2D } from './dense';
import { Array2D, StepFunction, systemStep } from './fixed-points';
import { PcaModel } from './pca';

export interface FlowFieldOptions {
  /** The plane: PC1–PC2 of this PCA model (x = mean + scale ⊙ (s₁c₁ + s₂c₂ + Σ_{k≥3} o_k c_k)). */
  pca?: PcaModel;
  /** `pca` only: scores of the other components, held fixed (length nComponents; entries 0 and 1 ignored). Default 0. */
  offset?: ArrayLike<number>;
  /** Or an explicit plane x = center + s₁ axes[0] + s₂ axes[1] (axes linearly independent, not necessarily orthonormal). */
  plane?: { center: ArrayLike<number>; axes: [ArrayLike<number>, ArrayLike<number>] };
  /** Grid ranges in plane coordinates. Default: the range of `states` on the plane, plus a 10 % margin. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** States [rows, N] whose projection sets the default ranges (e.g. trajectories). */
  states?: Array2D;
  /** Grid points per axis: one number for both, or [nx, ny]. Default 30. */
  resolution?: number | [number, number];
  /** Constant input (length nIn). Default zeros. */
  input?: ArrayLike<number>;
  /** `Ctrnn` only: which input matrix. Default 0. */
  inputSet?: number;
  /** Step functions only: the step in time units. Default 1. */
  dt?: number;
}

/** A flow field on a grid; arrays are row-major [ny, nx], row 0 at y[0] (the layout `speedHeatmap` reads). */
export interface FlowField {
  /** Grid coordinates on the plane (increasing). */
  x: Float64Array;
  y: Float64Array;
  shape: [number, number];
  /** In-plane components of dx/dt (ds₁/dt, ds₂/dt), per grid point. */
  u: Float64Array;
  v: Float64Array;
  /** ‖dx/dt‖ in the full state space (continuous time, independent of dt). */
  speed: Float64Array;
  /** Time step of the map the field was computed from. */
  dt: number;
  /** The plane: x = center + s₁ axes[0] + s₂ axes[1]; `project` maps states to (s₁, s₂). */
  center: Float64Array;
  axes: [Float64Array, Float64Array];
  /** Plane coordinates of states [rows, N] → [rows, 2] (PC scores for a PCA plane). */
  project(states: Array2D): Dense2D;
  /** Axis names ('PC1', 'PC2' for a PCA plane). */
  labels: [string, string];
}

function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (n === 1 ? (a + b) / 2 : a + ((b - a) * i) / (n - 1)));
}

/**
 * Velocity field of `system` (a `Ctrnn` or a step function) on a plane; see the module comment and
 * `FlowFieldOptions`. States are evaluated in batches of 2048 through the same step `findFixedPoints` uses.
 */
export function flowField(system: Ctrnn | StepFunction, opts: FlowFieldOptions): FlowField {
  const fn = 'flowField';
  if ((opts.pca == null) === (opts.plane == null)) throw new Error(`${fn}: give either 'pca' (PC1–PC2 plane) or 'plane' ({ center, axes })`);
  let N: number, center: Float64Array, axes: [Float64Array, Float64Array], proj: [Float64Array, Float64Array], labels: [string, string];
  if (opts.pca) {
    const p = opts.pca;
    N = p.mean.length;
    if (p.nComponents < 2) throw new Error(`${fn}: the PCA model has ${p.nComponents} component; the plane needs 2`);
    const comp = (k: number) => p.components.data.subarray(k * N, (k + 1) * N);
    center = Float64Array.from(p.mean);
    if (opts.offset) {
      if (opts.offset.length !== p.nComponents) throw new Error(`${fn}: offset needs ${p.nComponents} scores (one per component), got ${opts.offset.length}`);
      for (let k = 2; k < p.nComponents; k++) {
        const c = comp(k);
        for (let j = 0; j < N; j++) center[j] += opts.offset[k] * c[j] * p.scale[j];
      }
    }
    axes = [Float64Array.from(comp(0), (c, j) => c * p.scale[j]), Float64Array.from(comp(1), (c, j) => c * p.scale[j])];
    // Scores come from z-scored states: s_k = c_k · ((x − mean) / scale), so velocities project with c_k / scale.
    proj = [Float64Array.from(comp(0), (c, j) => c / p.scale[j]), Float64Array.from(comp(1), (c, j) => c / p.scale[j])];
    labels = ['PC1', 'PC2'];
  } else {
    const pl = opts.plane!;
    N = pl.center.length;
    if (pl.axes?.length !== 2 || pl.axes[0].length !== N || pl.axes[1].length !== N) {
      throw new Error(`${fn}: plane.axes must be two vectors of length ${N} (the length of plane.center)`);
    }
    center = Float64Array.from(pl.center);
    axes = [Float64Array.from(pl.axes[0]), Float64Array.from(pl.axes[1])];
    // Dual basis (G⁻¹ Aᵀ with G the Gram matrix), so that project(center + s₁a₁ + s₂a₂) = (s₁, s₂) exactly.
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, j) => s + v * b[j], 0);
    const g11 = dot(axes[0], axes[0]), g12 = dot(axes[0], axes[1]), g22 = dot(axes[1], axes[1]);
    const det = g11 * g22 - g12 * g12;
    if (!(Math.abs(det) > 1e-12 * g11 * g22)) throw new Error(`${fn}: plane.axes are (nearly) parallel`);
    proj = [
      Float64Array.from({ length: N }, (_, j) => (g22 * axes[0][j] - g12 * axes[1][j]) / det),
      Float64Array.from({ length: N }, (_, j) => (g11 * axes[1][j] - g12 * axes[0][j]) / det),
    ];
    labels = ['axis 1', 'axis 2'];
  }
  if (system instanceof Ctrnn && system.n !== N) throw new Error(`${fn}: the plane lives in ${N} dimensions, the model has N = ${system.n}`);
  const project = (states: Array2D): Dense2D => {
    const [R, C] = states.shape;
    if (C !== N || states.data.length !== R * C) throw new Error(`${fn}: project() needs states [rows, ${N}], got [${states.shape}]`);
    const out = new Float64Array(R * 2);
    for (let r = 0; r < R; r++) for (let a = 0; a < 2; a++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += proj[a][j] * (states.data[r * N + j] - center[j]);
      out[r * 2 + a] = s;
    }
    return { data: out, shape: [R, 2] };
  };
  let xr = opts.xRange, yr = opts.yRange;
  if (!xr || !yr) {
    if (!opts.states) throw new Error(`${fn}: give xRange and yRange, or 'states' to take the ranges from`);
    const s = project(opts.states);
    const range = (a: number): [number, number] => {
      let lo = Infinity, hi = -Infinity;
      for (let r = 0; r < s.shape[0]; r++) { lo = Math.min(lo, s.data[2 * r + a]); hi = Math.max(hi, s.data[2 * r + a]); }
      const m = 0.1 * (hi - lo || 1);
      return [lo - m, hi + m];
    };
    xr ??= range(0);
    yr ??= range(1);
  }
  for (const [name, r] of [['xRange', xr], ['yRange', yr]] as const) {
    if (!(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[1] > r[0])) throw new Error(`${fn}: ${name} must be [min, max] with min < max, got [${r}]`);
  }
  const res = opts.resolution ?? 30;
  const [nx, ny] = typeof res === 'number' ? [res, res] : res;
  for (const v of [nx, ny]) if (!(Number.isInteger(v) && v >= 2)) throw new Error(`${fn}: resolution must be an integer ≥ 2 (or [nx, ny]), got ${res}`);
  const xs = linspace(xr[0], xr[1], nx), ys = linspace(yr[0], yr[1], ny);

  const nIn = system instanceof Ctrnn ? system.nIn : (opts.input?.length ?? 0);
  const input = opts.input ?? new Array<number>(nIn).fill(0);
  if (input.length !== nIn) throw new Error(`${fn}: input has ${input.length} values, the model has nIn = ${nIn}`);
  const sys = systemStep(system, { inputSet: opts.inputSet, dt: opts.dt, nIn });
  const G = nx * ny;
  const u = new Float64Array(G), v = new Float64Array(G), speed = new Float64Array(G);
  const chunk = 2048;
  try {
    for (let g0 = 0; g0 < G; g0 += chunk) {
      const m = Math.min(chunk, G - g0);
      const X = new Float32Array(m * N);
      for (let i = 0; i < m; i++) {
        const g = g0 + i, s1 = xs[g % nx], s2 = ys[Math.floor(g / nx)];
        for (let j = 0; j < N; j++) X[i * N + j] = center[j] + s1 * axes[0][j] + s2 * axes[1][j];
      }
      const U = new Float32Array(m * nIn);
      for (let i = 0; i < m; i++) for (let j = 0; j < nIn; j++) U[i * nIn + j] = input[j];
      const F = tf.tidy(() => sys.step(tf.tensor2d(X, [m, N]), tf.tensor2d(U, [m, nIn])));
      const Fd = F.dataSync();
      F.dispose();
      for (let i = 0; i < m; i++) {
        let a = 0, b = 0, ss = 0;
        for (let j = 0; j < N; j++) {
          const vel = (Fd[i * N + j] - X[i * N + j]) / sys.dt;
          a += proj[0][j] * vel;
          b += proj[1][j] * vel;
          ss += vel * vel;
        }
        u[g0 + i] = a; v[g0 + i] = b; speed[g0 + i] = Math.sqrt(ss);
      }
    }
  } finally {
    sys.dispose();
  }
  return { x: xs, y: ys, shape: [ny, nx], u, v, speed, dt: sys.dt, center, axes, project, labels };
}
