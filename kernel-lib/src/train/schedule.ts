/** Learning-rate schedules: a function from step (0-based) to a learning rate, built from a short spec. */
export type Schedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'exponential'; decay: number }
  | { kind: 'cosine'; total: number; floor?: number }
  | { kind: 'warmup'; steps: number; then?: Schedule }
  | ((step: number, lr0: number) => number);

export function learningRate(s: Schedule | undefined, step: number, lr0: number): number {
  if (!s) return lr0;
  if (typeof s === 'function') return s(step, lr0);
  switch (s.kind) {
    case 'constant': return lr0;
    case 'step': return lr0 * s.factor ** Math.floor(step / s.every);
    case 'exponential': return lr0 * s.decay ** step;
    case 'cosine': {
      const floor = s.floor ?? 0, p = Math.min(step / s.total, 1);
      return floor + (lr0 - floor) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
    case 'warmup':
      return step < s.steps ? (lr0 * (step + 1)) / s.steps : learningRate(s.then, step - s.steps, lr0);
    default:
      throw new Error(`learning-rate schedule: unknown kind '${(s as { kind: string }).kind}'`);
  }
}
