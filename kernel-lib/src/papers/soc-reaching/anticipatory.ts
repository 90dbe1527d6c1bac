/**
 * Preparation as optimal control (in the spirit of Kao, Sadabadi & Hennequin 2021, "Optimal anticipatory control
 * as a theory of motor preparation"): an input u(t) — the thalamic drive — must bring the network from its
 * spontaneous state to the preparatory state x_sp + x* by the go cue, with the least input energy ∫‖u‖²dt.
 *
 * On the dynamics linearised at x_sp, δẋ = A δx + B u with A = (W D − I)/τ, D = diag([x_sp > 0]), B = I/τ (the
 * input enters like the go cue and c), this is the finite-horizon linear-quadratic problem with a terminal
 * constraint. Its solution is classical: with the reachability Gramian over a delay T,
 *   W_c(T) = ∫₀ᵀ e^{As} B Bᵀ e^{Aᵀs} ds = P − e^{AT} P e^{AᵀT}    (A P + P Aᵀ + B Bᵀ = 0),
 * the optimal input is u(t) = Bᵀ e^{Aᵀ(T−t)} W_c(T)⁻¹ x* and its energy x*ᵀ W_c(T)⁻¹ x*. A longer delay leaves
 * time for the recurrent dynamics to do part of the work, so the energy falls with T towards x*ᵀ P⁻¹ x*.
 * For comparison, `holdEnergy` is the cost of reaching x* quickly and then holding it as a fixed point with the
 * constant input u = −τ A x*, which grows linearly with the delay.
 */
import { Dense2D, matmulNT, transposeSquare } from '../../analysis/dense';
import { expm } from '../../analysis/expm';
import { luSolve } from '../../analysis/linalg';
import { LyapunovSolver } from '../../analysis/lyapunov';
import { ReachNetwork } from './reaching';

/** A = (W D − I)/τ with D = diag([x_sp > 0]), row-major n×n. */
export function linearisedDynamics(net: ReachNetwork): Dense2D {
  const n = net.n;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) A[i * n + j] = (net.xsp[j] > 0 ? net.W[i * n + j] : 0) / net.tau;
    A[i * n + i] -= 1 / net.tau;
  }
  return { data: A, shape: [n, n] };
}

export interface PreparationEnergy {
  /** Delays T (s). */
  delays: Float64Array;
  /** Minimum input energy to reach x* exactly at T, per delay. */
  energy: Float64Array;
  /** x*ᵀ P⁻¹ x*: the limit of `energy` for long delays. */
  asymptote: number;
  /** Energy of "reach within `reachTime`, then hold with u = −τ A x*" per delay (NaN where T < reachTime). */
  holdEnergy: Float64Array;
  /** Power of the holding input ‖τ A x*‖². */
  holdPower: number;
  reachTime: number;
}

/**
 * Minimum energy to prepare x* (a deviation from x_sp) within each delay, on the linearised dynamics.
 * `reachTime` (default 0.1 s) is the reach phase of the hold strategy.
 */
export function preparationEnergy(net: ReachNetwork, xStar: ArrayLike<number>, delays: ArrayLike<number>, reachTime = 0.1): PreparationEnergy {
  const n = net.n;
  if (xStar.length !== n) throw new Error(`preparationEnergy: xStar has ${xStar.length} entries, the network ${n}`);
  const A = linearisedDynamics(net);
  const P = reachabilityGramian(A, net.tau);
  const d = Float64Array.from(xStar);
  const energyAt = (T: number) => {
    if (!(T > 0)) throw new Error(`preparationEnergy: delays must be positive, got ${T}`);
    const Wc = finiteGramian(A, P, T);
    const nu = luSolve(Wc, d);
    let e = 0;
    for (let i = 0; i < n; i++) e += d[i] * nu[i];
    return e;
  };
  const delaysOut = Float64Array.from(delays);
  const energy = delaysOut.map(energyAt);
  const nuInf = luSolve(P, d);
  let asymptote = 0;
  for (let i = 0; i < n; i++) asymptote += d[i] * nuInf[i];
  let holdPower = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A.data[i * n + j] * d[j];
    holdPower += (net.tau * s) ** 2;
  }
  const reachEnergy = energyAt(reachTime);
  const holdEnergy = delaysOut.map((T) => (T < reachTime ? NaN : reachEnergy + (T - reachTime) * holdPower));
  return { delays: delaysOut, energy, asymptote, holdEnergy, holdPower, reachTime };
}

/** P with A P + P Aᵀ + B Bᵀ = 0 for B = I/τ. */
function reachabilityGramian(A: Dense2D, tau: number): Dense2D {
  const n = A.shape[0];
  const solver = new LyapunovSolver(A);
  for (let i = 0; i < n; i++) {
    if (!(solver.schur.real[i] < 0)) throw new Error('preparationEnergy: the linearised dynamics are not stable');
  }
  const BBt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) BBt[i * n + i] = 1 / (tau * tau);
  return solver.solve({ data: BBt, shape: [n, n] });
}

/** W_c(T) = P − e^{AT} P e^{AᵀT}. */
function finiteGramian(A: Dense2D, P: Dense2D, T: number): Dense2D {
  const n = A.shape[0];
  const AT = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) AT[i] = A.data[i] * T;
  const E = expm({ data: AT, shape: [n, n] }).data;
  // E P Eᵀ = E (E Pᵀ)ᵀ with P symmetric: (E P) then (E P) Eᵀ via the A·Bᵀ kernel.
  const EP = matmulNT(E, P.data, n, n, n);
  const EPEt = matmulNT(EP, E, n, n, n);
  const W = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) W[i] = P.data[i] - EPEt[i];
  // Symmetrise against rounding.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) W[i * n + j] = W[j * n + i] = 0.5 * (W[i * n + j] + W[j * n + i]);
  return { data: W, shape: [n, n] };
}

export interface OptimalPreparation {
  /** Sample times 0..T (s). */
  t: Float64Array;
  /** Optimal input u(t), row-major [steps + 1, N]. */
  u: Float64Array;
  /** ‖u(t)‖ per sample. */
  inputNorm: Float64Array;
  /** ∫‖u‖² dt (trapezoidal on the samples) and the closed-form x*ᵀ W_c⁻¹ x*. */
  energy: number;
  energyExact: number;
}

/** The optimal input over a delay T sampled every `dt` (default the network's dt). */
export function optimalPreparationInput(net: ReachNetwork, xStar: ArrayLike<number>, T: number, dt = net.dt): OptimalPreparation {
  const n = net.n;
  const steps = Math.round(T / dt);
  if (steps < 1) throw new Error(`optimalPreparationInput: T (${T}) must be at least one dt (${dt})`);
  const A = linearisedDynamics(net);
  const P = reachabilityGramian(A, net.tau);
  const Wc = finiteGramian(A, P, steps * dt);
  const d = Float64Array.from(xStar);
  const nu = luSolve(Wc, d);
  let energyExact = 0;
  for (let i = 0; i < n; i++) energyExact += d[i] * nu[i];
  // z(t) = e^{Aᵀ(T−t)} ν, stepped back from z(T) = ν with e^{AᵀΔ}; u = z/τ.
  const At = transposeSquare(A.data, n);
  for (let i = 0; i < n * n; i++) At[i] *= dt;
  const step = expm({ data: At, shape: [n, n] }).data;
  const u = new Float64Array((steps + 1) * n);
  let z = Float64Array.from(nu);
  for (let k = steps; k >= 0; k--) {
    for (let i = 0; i < n; i++) u[k * n + i] = z[i] / net.tau;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += step[i * n + j] * z[j];
      next[i] = s;
    }
    z = next;
  }
  const inputNorm = new Float64Array(steps + 1);
  let energy = 0;
  for (let k = 0; k <= steps; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += u[k * n + i] ** 2;
    inputNorm[k] = Math.sqrt(s);
    if (k > 0) energy += 0.5 * dt * (s + inputNorm[k - 1] ** 2);
  }
  return { t: Float64Array.from({ length: steps + 1 }, (_, k) => k * dt), u, inputNorm, energy, energyExact };
}
