/**
 * The paper's reported directions of effect (thesis abstract), each turned into a comparison that a
 * perturbation study can answer, with the numbers it measured:
 * 1. silencing inhibitory units strongly affects stability — |Δ spectral abscissa| of silencing the I units
 *    of an area, against silencing as many random units of that area (if the controls' abscissa was
 *    computed) or else the area's E units;
 * 2. … and especially agent (self vs other) discrimination — Δ agent accuracy of silencing all I units,
 *    against size-matched random controls;
 * 3. non-mirror E units in F5/F6 contribute to self-action representation — silencing them lowers condition
 *    decoding more in execution than in observation tasks, in both areas;
 * 4. mirror units in AIP preferentially encode observed actions — silencing them lowers condition decoding
 *    more in observation than in execution tasks.
 */
import { JUPYTER_DISPLAY } from '../../notebook/display';
import { PerturbationEffect, PerturbationStudy } from './perturbation';

export interface ClaimCheck {
  claim: string;
  test: string;
  measured: string;
  /** Whether the model shows the stated direction; null when the study lacks the sets to tell. */
  shown: boolean | null;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

function find(study: PerturbationStudy, label: string): PerturbationEffect | undefined {
  return study.effects.find((e) => !e.control && e.label === label);
}

function controlsOf(study: PerturbationStudy, label: string): PerturbationEffect[] {
  return study.effects.filter((e) => e.control && e.label.startsWith(`${label} (random`));
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);

/** Evaluate the four claims on a perturbation study (see the module comment for each test). */
export function claimChecks(study: PerturbationStudy): ClaimCheck[] {
  const I = study.intact;
  const dAbs = (e: PerturbationEffect) => Math.abs(mean([e.abscissaExecution - I.abscissaExecution, e.abscissaObservation - I.abscissaObservation]));
  const out: ClaimCheck[] = [];

  // 1. Stability.
  {
    const parts: string[] = [];
    const verdicts: boolean[] = [];
    for (const area of ['AIP', 'F5', 'F6']) {
      const inh = find(study, `${area} I`);
      if (!inh || !Number.isFinite(inh.abscissaExecution)) continue;
      const ctl = controlsOf(study, `${area} I`).filter((c) => Number.isFinite(c.abscissaExecution));
      const ref = ctl.length ? mean(ctl.map(dAbs)) : (() => { const e = find(study, `${area} E`); return e ? dAbs(e) : NaN; })();
      const refName = ctl.length ? `random ${inh.units}` : `${area} E`;
      if (!Number.isFinite(ref)) continue;
      parts.push(`${area}: I ${f3(dAbs(inh))} vs ${refName} ${f3(ref)}`);
      verdicts.push(dAbs(inh) > ref);
    }
    out.push({
      claim: 'silencing inhibitory units strongly affects stability',
      test: '|Δ spectral abscissa| (mean of execution and observation states) of each area’s I units vs its reference',
      measured: parts.join('; ') || 'no I sets with stability',
      shown: verdicts.length ? verdicts.every(Boolean) : null,
    });
  }

  // 2. Agent discrimination.
  {
    const inh = find(study, 'all I');
    const ctl = controlsOf(study, 'all I');
    const d = inh ? inh.agent - I.agent : NaN, dc = mean(ctl.map((c) => c.agent - I.agent));
    out.push({
      claim: '… and especially agent (self vs other) discrimination',
      test: 'Δ agent accuracy when all I units are silenced vs as many random units',
      measured: `intact ${f3(I.agent)}; Δ all I ${f3(d)}; Δ random ${f3(dc)}`,
      shown: inh && ctl.length ? d < dc : null,
    });
  }

  // 3. Non-mirror E units in F5/F6 and self-action.
  {
    const parts: string[] = [];
    const verdicts: boolean[] = [];
    for (const area of ['F5', 'F6']) {
      const e = find(study, `${area} non-mirror E`);
      if (!e) continue;
      const dx = e.conditionExecution - I.conditionExecution, dO = e.conditionObservation - I.conditionObservation;
      parts.push(`${area}: Δ exec ${f3(dx)}, Δ obs ${f3(dO)}`);
      verdicts.push(dx < dO);
    }
    out.push({
      claim: 'non-mirror E units in F5/F6 contribute to self-action representation',
      test: 'silencing them lowers condition accuracy more in execution than in observation tasks (both areas)',
      measured: parts.join('; ') || 'no such sets',
      shown: verdicts.length === 2 ? verdicts.every(Boolean) : null,
    });
  }

  // 4. Mirror units in AIP and observed actions.
  {
    const e = find(study, 'AIP mirror');
    const dx = e ? e.conditionExecution - I.conditionExecution : NaN, dO = e ? e.conditionObservation - I.conditionObservation : NaN;
    out.push({
      claim: 'mirror units in AIP preferentially encode observed actions',
      test: 'silencing them lowers condition accuracy more in observation than in execution tasks',
      measured: e ? `Δ exec ${f3(dx)}, Δ obs ${f3(dO)}` : 'no such set',
      shown: e ? dO < dx : null,
    });
  }
  (out as unknown as Record<symbol, unknown>)[JUPYTER_DISPLAY] = () => ({
    'text/plain': out.map((c) => `${c.claim}: ${c.measured} → ${c.shown === null ? 'not tested' : c.shown ? 'shown' : 'not shown'}`).join('\n'),
  });
  return out;
}
