import { strict as assert } from 'assert';
import { inspect } from 'util';
import { execFileSync } from 'child_process';
import * as path from 'path';

import { mimeBundle } from '../kernel-lib/src/notebook/display';
import { table } from '../kernel-lib/src/tables';

const ROOT = path.resolve(__dirname, '..');

describe('tables', () => {
  it('does not load danfojs, tfjs, vega or resvg when the display, plot and table modules are required', () => {
    // A fresh process: other test files in this one may already have loaded them.
    const script = "require('./kernel-lib/src/tables'); require('./kernel-lib/src/plot'); require('./kernel-lib/src/notebook');" +
      "const k=Object.keys(require.cache); console.log(JSON.stringify(['danfojs','@resvg','vega-lite','vega/','@tensorflow'].filter(n=>k.some(p=>p.includes('node_modules/'+n)))))";
    const out = execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT }).toString().trim();
    assert.deepEqual(JSON.parse(out.split('\n').pop() as string), []);
  });

  it('builds from rows: HTML and text contain the values, HTML is escaped', async () => {
    const t = table([{ model: 'ctrl', r2: 0.912345, n: 3 }, { model: 'dale <E/I>', r2: 0.87, n: 4 }], { caption: 'Fits' });
    assert.deepEqual(t.columns, ['model', 'r2', 'n']);
    assert.deepEqual(t.shape, [2, 3]);
    const b = await mimeBundle(t);
    const html = b['text/html'] as string;
    assert.match(html, /<table class="ratelab-table dataframe"><caption>Fits<\/caption>/);
    for (const cell of ['<th>model</th>', '<th>r2</th>', '>ctrl</td>', '>0.9123</td>', '>dale &lt;E/I&gt;</td>', '>0.87</td>', '>4</td>']) {
      assert.ok(html.includes(cell), `HTML lacks ${cell}`);
    }
    const text = b['text/plain'] as string;
    assert.equal(inspect(t), text);
    assert.match(text, /^Fits\n +model +r2 +n\n0 +ctrl +0\.9123 +3\n1 +dale <E\/I> +0\.87 +4\n\[2 rows × 3 columns\]$/);
  });

  it('builds from columns (typed arrays too) and returns the rows, missing values as null/NaN', () => {
    const t = table({ unit: Int32Array.of(1, 2, 3), rate: Float64Array.of(1.5, NaN, 3), area: ['PFC', 'FEF', null] });
    const rows = t.toRows();
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0], { unit: 1, rate: 1.5, area: 'PFC' });
    assert.equal(rows[2].rate, 3);
    assert.ok(rows[1].rate === null || Number.isNaN(rows[1].rate as number));
  });

  it('exposes the danfo DataFrame', () => {
    const t = table({ a: [1, 2, 3], b: [4, 5, 6] });
    assert.equal(t.frame.constructor.name, 'DataFrame');
    assert.deepEqual(t.frame.values, [[1, 4], [2, 5], [3, 6]]);
    const again = table(t.frame);
    assert.equal(again.frame, t.frame);
  });

  it('shows head and tail of long tables', async () => {
    const t = table({ i: Array.from({ length: 100 }, (_, k) => k) }, { maxRows: 6 });
    const text = (await mimeBundle(t))['text/plain'] as string;
    assert.deepEqual(text.split('\n').map((l) => l.trim().split(/ +/).join(' ')), ['i', '0 0', '1 1', '2 2', '… …', '97 97', '98 98', '99 99', '[100 rows × 1 columns]']);
  });

  it('rejects ragged columns and non-object rows, naming the column', () => {
    assert.throws(() => table({ a: [1, 2], b: [1] }), /column "b" has 1 values, column "a" has 2/);
    assert.throws(() => table([1, 2] as never), /rows must be plain objects/);
    assert.throws(() => table({ a: [1] }, { columns: ['z'] }), /column "z" not in the data/);
  });
});
