/**
 * E/I assemblies: the local plasticity update against a numpy transcription of the paper's formulas, and the
 * full steady-state gradient against numpy and against finite differences of L = ½‖h_E − ρ0‖².
 */
import { strict as assert } from 'assert';
import {
  adamStep,
  angleBetween,
  applyLocalUpdate,
  buildEINetwork,
  cloneEINetwork,
  EINetwork,
  EISteadyStateSolver,
  fullGradient,
  localDirectionIE,
  localDirections,
  weightsFromParams,
} from '../kernel-lib/src/papers/ei-assemblies';
import { maxAbsDiff, py } from './helpers/python';

function stateOf(net: EINetwork, s: number, maxDr?: number) {
  const solver = new EISteadyStateSolver(net);
  const res = solver.solve(solver.stimulusInput(s), maxDr === undefined ? {} : { maxDr, maxSteps: 400000 });
  assert.ok(res.converged, 'steady state did not converge');
  return {
    hE: Float64Array.from(solver.hE),
    rE: Float64Array.from(solver.rE),
    hI: Float64Array.from(solver.hI),
    rI: Float64Array.from(solver.rI),
  };
}

const arr = (a: ArrayLike<number>) => Array.from(a);

describe('ei-assemblies plasticity', function () {
  this.timeout(60000);
  const net = buildEINetwork({ nPerAxis: 4, nStimuli: 6, seed: 9 });
  const st = stateOf(net, 40);

  it('test state has silent and active E units (so the unrectified error matters)', () => {
    const silent = st.hE.filter((h) => h < 0).length;
    assert.ok(silent > 0 && silent < net.nE, `${silent} silent E units`);
  });

  it('local update equals the numpy formula (error × rate × σ(αv) − decay·W; anterograde δ_I; W_IE rows → 5)', () => {
    const after = cloneEINetwork(net);
    const rates = { etaEI: 3e-3, etaIE: 2e-3 };
    applyLocalUpdate(after, localDirections(after, st), rates);
    const ref = py<{ wei: number[]; wie: number[]; vei: number[]; vie: number[] }>(
      `
import json, sys
import numpy as np
d = json.load(sys.stdin)
nE, nI = d['nE'], d['nI']
sig = lambda x: 1 / (1 + np.exp(-x))
sp = lambda v, a: np.log1p(np.exp(a * v)) / a
vei = np.array(d['vei']).reshape(nE, nI); vie = np.array(d['vie']).reshape(nI, nE)
wei = np.array(d['wei']).reshape(nE, nI); wie = np.array(d['wie']).reshape(nI, nE)
zei = np.array(d['zei']).reshape(nE, nI); zie = np.array(d['zie']).reshape(nI, nE)
he, re, hi, ri = (np.array(d[k]) for k in ('hE', 'rE', 'hI', 'rI'))
e = he - 1.0
g_ei = np.outer(e, ri) * sig(d['aEI'] * vei)
delta_i = (wie @ e) * sig(hi)
g_ie = np.outer(delta_i, re) * sig(d['aIE'] * vie)
vie2 = vie + d['etaIE'] * (g_ie - 0.1 * wie)
wie2 = sp(vie2, d['aIE']) * zie
wie2 = wie2 * (5.0 / wie2.sum(axis=1))[:, None]
vei2 = vei + d['etaEI'] * (g_ei - 0.1 * wei)
wei2 = sp(vei2, d['aEI']) * zei
print(json.dumps({'wei': wei2.flatten().tolist(), 'wie': wie2.flatten().tolist(), 'vei': vei2.flatten().tolist(), 'vie': vie2.flatten().tolist()}))
`,
      {
        nE: net.nE, nI: net.nI, vei: arr(net.vEI), vie: arr(net.vIE), wei: arr(net.wEI), wie: arr(net.wIE),
        zei: arr(net.zEI), zie: arr(net.zIE), hE: arr(st.hE), rE: arr(st.rE), hI: arr(st.hI), rI: arr(st.rI),
        aEI: net.alphaEI, aIE: net.alphaIE, ...rates,
      },
    );
    assert.ok(maxAbsDiff(after.vEI, ref.vei) < 1e-10);
    assert.ok(maxAbsDiff(after.vIE, ref.vie) < 1e-10);
    assert.ok(maxAbsDiff(after.wEI, ref.wei) < 1e-10, `W_EI differs by ${maxAbsDiff(after.wEI, ref.wei)}`);
    assert.ok(maxAbsDiff(after.wIE, ref.wie) < 1e-10, `W_IE differs by ${maxAbsDiff(after.wIE, ref.wie)}`);
    // The update moved the weights (so the comparison is not vacuous).
    assert.ok(maxAbsDiff(after.wEI, net.wEI) > 1e-6 && maxAbsDiff(after.wIE, net.wIE) > 1e-6);
  });

  it('RETROGRADE E→I rule feeds the error back through W_EIᵀ and does not rescale W_IE rows (numpy)', () => {
    const retro = buildEINetwork({ nPerAxis: 4, nStimuli: 6, seed: 9, localRuleIE: 'RETROGRADE' });
    const after = cloneEINetwork(retro);
    applyLocalUpdate(after, localDirections(after, st), { etaEI: 0, etaIE: 2e-3 });
    const ref = py<{ wie: number[] }>(
      `
import json, sys
import numpy as np
d = json.load(sys.stdin)
nE, nI = d['nE'], d['nI']
sig = lambda x: 1 / (1 + np.exp(-x))
sp = lambda v, a: np.log1p(np.exp(a * v)) / a
vie = np.array(d['vie']).reshape(nI, nE); wie = np.array(d['wie']).reshape(nI, nE)
wei = np.array(d['wei']).reshape(nE, nI); zie = np.array(d['zie']).reshape(nI, nE)
he, re, hi = (np.array(d[k]) for k in ('hE', 'rE', 'hI'))
delta_i = (wei.T @ (he - 1.0)) * sig(hi)
vie2 = vie + d['eta'] * (np.outer(delta_i, re) * sig(d['aIE'] * vie) - 0.1 * wie)
print(json.dumps({'wie': (sp(vie2, d['aIE']) * zie).flatten().tolist()}))
`,
      {
        nE: retro.nE, nI: retro.nI, vie: arr(retro.vIE), wie: arr(retro.wIE), wei: arr(retro.wEI), zie: arr(retro.zIE),
        hE: arr(st.hE), rE: arr(st.rE), hI: arr(st.hI), aIE: retro.alphaIE, eta: 2e-3,
      },
    );
    assert.ok(maxAbsDiff(after.wIE, ref.wie) < 1e-10, `W_IE differs by ${maxAbsDiff(after.wIE, ref.wie)}`);
    assert.ok(maxAbsDiff(after.wIE, retro.wIE) > 1e-6);
    assert.deepEqual(after.wEI, retro.wEI); // η_EI = 0 leaves I→E alone
  });

  it('at the initial weights the anterograde E→I direction is > 90° from the gradient, the retrograde one < 90°', () => {
    // Why (see EILocalRuleIE): silent E units carry large negative errors (their h drifts under the −r leak), so
    // W_IE e < 0 at every I unit, while the gradient's back-propagated error ẽ, amplified through the E→E loop, has
    // a positive sum. W_EIᵀ e weights the errors by the I→E weights the gradient itself uses, and stays < 90°.
    const solver = new EISteadyStateSolver(net);
    let ante = 0;
    let retro = 0;
    let n = 0;
    for (let s = 0; s < net.nStim; s += 9) {
      solver.solve(solver.stimulusInput(s));
      const state = { hE: solver.hE, rE: solver.rE, hI: solver.hI, rI: solver.rI };
      const g = fullGradient(net, state);
      ante += angleBetween(g.gradIE, localDirectionIE(net, state, 'ANTEROGRADE'));
      retro += angleBetween(g.gradIE, localDirectionIE(net, state, 'RETROGRADE'));
      n++;
    }
    const deg = (x: number) => (x / n) * (180 / Math.PI);
    assert.ok(deg(ante) > 90 && deg(retro) < 90 && deg(ante) - deg(retro) > 15, `anterograde ${deg(ante)}°, retrograde ${deg(retro)}°`);
  });

  it('full gradient (logistic surrogate) equals the numpy matrix formula', () => {
    const g = fullGradient(net, st);
    const ref = py<{ gei: number[]; gie: number[] }>(
      `
import json, sys
import numpy as np
d = json.load(sys.stdin)
nE, nI = d['nE'], d['nI']
sig = lambda x: 1 / (1 + np.exp(-x))
m = lambda k, r, c: np.array(d[k]).reshape(r, c)
wee, wei, wie, wii = m('wee', nE, nE), m('wei', nE, nI), m('wie', nI, nE), m('wii', nI, nI)
vei, vie = m('vei', nE, nI), m('vie', nI, nE)
he, re, hi, ri = (np.array(d[k]) for k in ('hE', 'rE', 'hI', 'rI'))
DE, DI = np.diag(sig(he)), np.diag(sig(hi))
B = wei @ DI @ np.linalg.inv(np.eye(nI) + wii @ DI)
et = (he - 1.0) @ np.linalg.inv(np.eye(nE) - wee @ DE + B @ wie @ DE)
gei = np.outer(et, ri) * sig(d['aEI'] * vei)
gie = np.outer(et @ B, re) * sig(d['aIE'] * vie)
print(json.dumps({'gei': gei.flatten().tolist(), 'gie': gie.flatten().tolist()}))
`,
      {
        nE: net.nE, nI: net.nI, wee: arr(net.wEE), wei: arr(net.wEI), wie: arr(net.wIE), wii: arr(net.wII),
        vei: arr(net.vEI), vie: arr(net.vIE), hE: arr(st.hE), rE: arr(st.rE), hI: arr(st.hI), rI: arr(st.rI),
        aEI: net.alphaEI, aIE: net.alphaIE,
      },
    );
    const scale = Math.max(...ref.gei.map(Math.abs), ...ref.gie.map(Math.abs));
    assert.ok(maxAbsDiff(g.gradEI, ref.gei) < 1e-9 * scale, `grad EI differs by ${maxAbsDiff(g.gradEI, ref.gei)}`);
    assert.ok(maxAbsDiff(g.gradIE, ref.gie) < 1e-9 * scale, `grad IE differs by ${maxAbsDiff(g.gradIE, ref.gie)}`);
  });

  describe('finite differences on a tiny network with every unit strongly active', () => {
    // 4 E, 3 I units, high background so that no unit is near the rectification: the steady state is then a
    // smooth function of the weights and the 'step' derivative is exact.
    const tiny = buildEINetwork({
      nPerAxis: 2, nDims: 2, nStimuli: 3, nI: 3, bgInputE: 30, seed: 4,
      totalEE: 0.3, totalIE: 1, totalEI: 0.5, totalII: 0.1,
    });
    const tol = 1e-10;
    const s0 = 4;
    const st0 = stateOf(tiny, s0, tol);
    const loss = (n: EINetwork) => {
      const s = stateOf(n, s0, tol);
      let l = 0;
      for (const h of s.hE) l += 0.5 * (h - 1) ** 2;
      return l;
    };
    const fd = (which: 'EI' | 'IE', idx: number, eps: number) => {
      const diff = (sign: number) => {
        const n = cloneEINetwork(tiny);
        if (which === 'EI') {
          n.vEI[idx] += sign * eps;
          weightsFromParams(n.vEI, n.zEI, n.alphaEI, n.wMaxEI, n.wEI);
        } else {
          n.vIE[idx] += sign * eps;
          weightsFromParams(n.vIE, n.zIE, n.alphaIE, n.wMaxIE, n.wIE);
        }
        return loss(n);
      };
      return (diff(1) - diff(-1)) / (2 * eps);
    };

    it('precondition: all units active, far from 0', () => {
      for (const h of st0.hE) assert.ok(h > 12, `hE ${h}`);
      for (const h of st0.hI) assert.ok(h > 12, `hI ${h}`);
    });

    for (const surrogate of ['step', 'logistic'] as const) {
      it(`−∂L/∂v matches central differences ('${surrogate}' derivative)`, () => {
        const g = fullGradient(tiny, st0, surrogate);
        const rel = surrogate === 'step' ? 1e-5 : 2e-3;
        let checked = 0;
        for (const [which, z, grad] of [['EI', tiny.zEI, g.gradEI], ['IE', tiny.zIE, g.gradIE]] as const) {
          for (let i = 0; i < z.length; i++) {
            if (!z[i]) continue;
            const num = fd(which, i, 1e-3);
            const ana = -grad[i];
            assert.ok(Math.abs(num - ana) <= rel * Math.abs(num) + 1e-9, `${which}[${i}]: FD ${num} vs gradient ${ana}`);
            checked++;
          }
        }
        assert.ok(checked >= 10);
      });
    }
  });

  it('Adam step follows the simulator variant (constant bias correction)', () => {
    const grad = Float64Array.of(0.3, -1.2, 0.05);
    const v = Float64Array.of(1, 2, 3);
    const w = Float64Array.of(0.5, 0.1, 2);
    const mom = { m: Float64Array.of(0.1, 0, -0.2), v: Float64Array.of(0.01, 0.02, 0) };
    adamStep(grad, v, w, mom, 1e-3, 0.1, 0.9, 0.999, 1e-8);
    const ref = py<number[]>(
      `
import json
import numpy as np
g = np.array([0.3, -1.2, 0.05]) - 0.1 * np.array([0.5, 0.1, 2])
m = 0.9 * np.array([0.1, 0, -0.2]) + 0.1 * g
s = 0.999 * np.array([0.01, 0.02, 0]) + 0.001 * g ** 2
v = np.array([1, 2, 3]) + 1e-3 / (np.sqrt(s / 0.001) + 1e-8) * (m / 0.1)
print(json.dumps(v.tolist()))
`,
    );
    assert.ok(maxAbsDiff(v, ref) < 1e-14);
  });
});
