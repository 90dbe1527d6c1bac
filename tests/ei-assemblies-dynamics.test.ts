/**
 * E/I assemblies: the steady-state solver against an independent numpy Euler integration of the paper's
 * equations, and against long integration / the fixed-point equations.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildEINetwork, EISteadyStateSolver } from '../kernel-lib/src/papers/ei-assemblies';
import { EULER_WASM_BASE64 } from '../kernel-lib/src/papers/ei-assemblies/euler-wasm';
import { maxAbsDiff, py } from './helpers/python';

const EULER_PY = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
nE, nI = d['nE'], d['nI']
wee = np.array(d['wee']).reshape(nE, nE); wei = np.array(d['wei']).reshape(nE, nI)
wie = np.array(d['wie']).reshape(nI, nE); wii = np.array(d['wii']).reshape(nI, nI)
inp = np.array(d['input']); kE, kI, rmax, bg, maxdr, maxsteps = d['kE'], d['kI'], 1000.0, 5.0, d['maxDr'], d['maxSteps']
he = np.ones(nE); re = he.copy(); hi = np.full(nI, bg); ri = hi.copy()
t = 0; conv = False
while not conv and t < maxsteps:
    de = inp - wei @ ri + wee @ re - re
    di = wie @ re - wii @ ri - ri + bg
    he = he + kE * de; hi = hi + kI * di
    re = np.clip(he, 0, rmax); ri = np.clip(hi, 0, rmax)
    okE = (he >= 0) & (he <= rmax); okI = (hi >= 0) & (hi <= rmax)
    gE = np.abs(de[okE]).max() if okE.any() else 0.0
    gI = np.abs(di[okI]).max() if okI.any() else 0.0
    t += 1
    conv = gE < maxdr and gI < maxdr
print(json.dumps({'steps': t, 'conv': bool(conv), 'he': he.tolist(), 'hi': hi.tolist(), 're': re.tolist(), 'ri': ri.tolist()}))
`;

describe('ei-assemblies steady state', function () {
  this.timeout(60000);
  const net = buildEINetwork({ nPerAxis: 4, nStimuli: 6, seed: 5 });
  const solver = new EISteadyStateSolver(net);
  const jsSolver = new EISteadyStateSolver(net, { engine: 'js' });
  const payload = (s: number, maxDr: number, maxSteps: number) => ({
    nE: net.nE,
    nI: net.nI,
    wee: Array.from(net.wEE),
    wei: Array.from(net.wEI),
    wie: Array.from(net.wIE),
    wii: Array.from(net.wII),
    input: Array.from(solver.stimulusInput(s)),
    kE: net.params.dt / net.params.tauE,
    kI: net.params.dt / net.params.tauI,
    maxDr,
    maxSteps,
  });

  it('uses the WebAssembly engine by default, the JavaScript one on request', () => {
    assert.equal(solver.engine, 'wasm');
    assert.equal(jsSolver.engine, 'js');
  });

  for (const s of [0, 77, 150]) {
    it(`matches numpy Euler step count and state (stimulus ${s}, paper's criterion, both engines)`, () => {
      const ref = py<{ steps: number; conv: boolean; he: number[]; hi: number[]; re: number[]; ri: number[] }>(
        EULER_PY,
        payload(s, 0.5, 1500),
      );
      for (const sv of [solver, jsSolver]) {
        const res = sv.solve(sv.stimulusInput(s));
        assert.equal(res.converged, ref.conv);
        assert.equal(res.steps, ref.steps);
        // h of silent units drifts, so h itself (not only r) must agree: it enters the plasticity error.
        assert.ok(maxAbsDiff(sv.hE, ref.he) < 1e-9, `${sv.engine}: hE differs by ${maxAbsDiff(sv.hE, ref.he)}`);
        assert.ok(maxAbsDiff(sv.hI, ref.hi) < 1e-9);
        assert.ok(maxAbsDiff(sv.rE, ref.re) < 1e-9);
        assert.ok(maxAbsDiff(sv.rI, ref.ri) < 1e-9);
      }
    });
  }

  it('WebAssembly and JavaScript engines agree on every stimulus, and at full size (odd nI too)', () => {
    const check = (n: ReturnType<typeof buildEINetwork>, stimuli: number[], maxDr?: number) => {
      const a = new EISteadyStateSolver(n);
      const b = new EISteadyStateSolver(n, { engine: 'js' });
      for (const s of stimuli) {
        const ra = a.solve(a.stimulusInput(s), { maxDr });
        const rb = b.solve(b.stimulusInput(s), { maxDr });
        assert.deepEqual(ra, rb, `stimulus ${s}`);
        assert.ok(maxAbsDiff(a.hE, b.hE) < 1e-10 && maxAbsDiff(a.hI, b.hI) < 1e-10, `stimulus ${s}: states differ`);
      }
    };
    check(net, Array.from({ length: net.nStim }, (_, s) => s));
    check(buildEINetwork({ nPerAxis: 3, nStimuli: 5, nI: 5, seed: 8 }), [0, 31, 99], 0.05);
    check(buildEINetwork({ seed: 2 }), [0, 700, 1500]);
  });

  it('the embedded WebAssembly is euler.c as built by scripts/build-ei-assemblies-wasm.sh (needs clang 14)', function () {
    let version = '';
    try {
      version = execFileSync('clang', ['--version'], { encoding: 'utf8' });
    } catch {
      this.skip();
    }
    if (!/clang version 14\./.test(version)) this.skip();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ei-wasm-')), 'euler-wasm.ts');
    execFileSync('sh', [path.join(__dirname, '..', 'scripts', 'build-ei-assemblies-wasm.sh'), out], { stdio: 'pipe' });
    const rebuilt = /'([A-Za-z0-9+/=]+)'/.exec(fs.readFileSync(out, 'utf8'))?.[1];
    assert.equal(rebuilt, EULER_WASM_BASE64, 'euler-wasm.ts is stale: run scripts/build-ei-assemblies-wasm.sh');
  });

  it('the converged rates agree with 20000 Euler steps, which satisfy the fixed-point equations', () => {
    const p = net.params;
    for (const s of [3, 100, 200]) {
      const input = solver.stimulusInput(s);
      const res = solver.solve(input);
      assert.ok(res.converged);
      const rE = Float64Array.from(solver.rE);
      const rI = Float64Array.from(solver.rI);
      const long = solver.solve(input, { maxDr: 0, maxSteps: 20000 });
      assert.equal(long.steps, 20000);
      // |drive| < 0.5 at convergence bounds the distance to the fixed point by a few rate units.
      const dE = maxAbsDiff(rE, solver.rE);
      const dI = maxAbsDiff(rI, solver.rI);
      assert.ok(dE < 2 && dI < 2, `converged vs long-run rates differ by ${dE} (E), ${dI} (I)`);
      // Fixed point: r = clip(drive terms) on active units, negative drive on silent ones.
      const { nE, nI } = net;
      for (let i = 0; i < nE; i++) {
        let x = input[i];
        for (let j = 0; j < nE; j++) x += net.wEE[i * nE + j] * solver.rE[j];
        for (let k = 0; k < nI; k++) x -= net.wEI[i * nI + k] * solver.rI[k];
        if (solver.rE[i] > 0) assert.ok(Math.abs(x - solver.rE[i]) < 1e-6, `E ${i}: rate ${solver.rE[i]} vs drive ${x}`);
        else assert.ok(x < 0 && solver.hE[i] < 0);
      }
      for (let k = 0; k < nI; k++) {
        let x = p.bgInputI;
        for (let j = 0; j < nE; j++) x += net.wIE[k * nE + j] * solver.rE[j];
        for (let m = 0; m < nI; m++) x -= net.wII[k * nI + m] * solver.rI[m];
        if (solver.rI[k] > 0) assert.ok(Math.abs(x - solver.rI[k]) < 1e-6);
      }
    }
  });
});
