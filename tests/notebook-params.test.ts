import { strict as assert } from 'assert';
import * as path from 'path';

import { figuresDir, params, projectRoot, runMode } from '../kernel-lib/src/notebook/params';

const SETS = {
  QUICK: { epochs: 20, N: 64, lr: 1e-3, task: 'cdm', dale: true },
  FULL: { epochs: 2000, N: 256, lr: 1e-3, task: 'cdm', dale: true },
};

describe('notebook params', () => {
  it('returns the QUICK set by default and when RATELAB_MODE=quick, with MODE', () => {
    for (const env of [{}, { RATELAB_MODE: 'quick' }, { RATELAB_MODE: ' Quick ' }]) {
      const P = params(SETS, env);
      assert.deepEqual({ ...P }, { ...SETS.QUICK, MODE: 'quick' });
    }
  });

  it('returns the FULL set when RATELAB_MODE=full', () => {
    const P = params(SETS, { RATELAB_MODE: 'full' });
    assert.equal(P.epochs, 2000);
    assert.equal(P.N, 256);
    assert.equal(P.MODE, 'full');
  });

  it('applies RATELAB_PARAMS overrides to single keys of the chosen set', () => {
    const P = params(SETS, { RATELAB_MODE: 'full', RATELAB_PARAMS: '{"epochs": 3, "task": "pursuit"}' });
    assert.deepEqual({ ...P }, { epochs: 3, N: 256, lr: 1e-3, task: 'pursuit', dale: true, MODE: 'full' });
    assert.ok(Object.isFrozen(P));
  });

  it('rejects bad modes, unknown keys, wrong types and malformed JSON, naming the problem', () => {
    assert.throws(() => runMode({ RATELAB_MODE: 'fast' }), /RATELAB_MODE="fast": expected "quick" or "full"/);
    assert.throws(() => params(SETS, { RATELAB_PARAMS: '{"epoch": 3}' }), /unknown parameter "epoch"/);
    assert.throws(() => params(SETS, { RATELAB_PARAMS: '{"epochs": "3"}' }), /"epochs" is a number \(20\), got string "3"/);
    assert.throws(() => params(SETS, { RATELAB_PARAMS: '{epochs: 3}' }), /RATELAB_PARAMS is not valid JSON/);
    assert.throws(() => params(SETS, { RATELAB_PARAMS: '[1]' }), /must be a JSON object/);
    assert.throws(() => params(SETS, { RATELAB_PARAMS: '{"MODE": "full"}' }), /set the mode with RATELAB_MODE/);
  });

  it('requires QUICK and FULL to have the same keys', () => {
    const bad = { QUICK: { a: 1, b: 2 }, FULL: { a: 1, c: 2 } } as unknown as { QUICK: { a: number; b: number }; FULL: { a: number; b: number } };
    assert.throws(() => params(bad, {}), /only in QUICK: \[b\]; only in FULL: \[c\]/);
  });

  it('reads process.env when no environment is passed', () => {
    const saved = { m: process.env.RATELAB_MODE, p: process.env.RATELAB_PARAMS };
    process.env.RATELAB_MODE = 'full';
    process.env.RATELAB_PARAMS = '{"N": 8}';
    try {
      const P = params(SETS);
      assert.equal(P.MODE, 'full');
      assert.equal(P.N, 8);
    } finally {
      if (saved.m === undefined) delete process.env.RATELAB_MODE; else process.env.RATELAB_MODE = saved.m;
      if (saved.p === undefined) delete process.env.RATELAB_PARAMS; else process.env.RATELAB_PARAMS = saved.p;
    }
  });
});

describe('notebook figuresDir', () => {
  const root = path.resolve(__dirname, '..');

  it('finds the project root (the folder holding kernel-lib/)', () => {
    assert.equal(projectRoot(), root);
  });

  it('is RATELAB_FIGURES_DIR, else figures/<RATELAB_NOTEBOOK>, else figures/scratch', () => {
    assert.equal(figuresDir({ RATELAB_FIGURES_DIR: '/tmp/figs', RATELAB_NOTEBOOK: 'x' }), '/tmp/figs');
    assert.equal(figuresDir({ RATELAB_NOTEBOOK: 'mante2013' }), path.join(root, 'figures', 'mante2013'));
    assert.equal(figuresDir({ RATELAB_NOTEBOOK: 'notebooks/mante2013.ipynb' }), path.join(root, 'figures', 'mante2013'));
    assert.equal(figuresDir({}), path.join(root, 'figures', 'scratch'));
  });

  it('rejects a notebook name that would escape the figures folder', () => {
    assert.throws(() => figuresDir({ RATELAB_NOTEBOOK: '..' }), /RATELAB_NOTEBOOK=".."/);
  });
});
