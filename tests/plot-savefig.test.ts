import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import { chart, lineTraces, pngSize, savefig, svgToPNG } from '../kernel-lib/src/plot';
import { encodePNG } from '../kernel-lib/src/plot/raster';
import { py, rmTmp, tmpDir } from './helpers/python';

describe('plot savefig', () => {
  let dir: string;
  before(() => { dir = tmpDir('ratelab-savefig-'); });
  after(() => rmTmp(dir));

  const traces = () => lineTraces({
    y: Float64Array.from({ length: 2 * 50 }, (_, i) => Math.sin(i / 5)), shape: [2, 50, 1], title: 'Saved traces', yLabel: 'rate (Hz)',
  });

  it('writes <name>.svg and <name>.png, PNG size = SVG size × scale, no temp files left', async () => {
    const out = await savefig(traces(), 'fig1', { dir, scale: 2 });
    assert.deepEqual(out, { svg: path.join(dir, 'fig1.svg'), png: path.join(dir, 'fig1.png') });
    const svg = fs.readFileSync(out.svg, 'utf8');
    const m = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
    assert.ok(m, 'SVG starts with <svg width height>');
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(svg.includes('>Saved traces</text>'));
    const png = fs.readFileSync(out.png);
    assert.ok(png.length > 1000);
    assert.deepEqual(pngSize(png), { width: 2 * Number(m[1]), height: 2 * Number(m[2]) });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['fig1.png', 'fig1.svg']);
  });

  it('produces an SVG that a standard XML parser accepts and a PNG that Pillow decodes', async () => {
    const out = await savefig(traces(), 'fig2', { dir, scale: 1 });
    const info = py<{ root: string; size: number[]; mode: string }>(
      'import json,sys; import xml.etree.ElementTree as ET; from PIL import Image; d=json.load(sys.stdin)\n' +
      'r=ET.parse(d[0]).getroot(); im=Image.open(d[1]); im.load()\n' +
      'print(json.dumps({"root":r.tag,"size":list(im.size),"mode":im.mode}))', [out.svg, out.png]);
    assert.equal(info.root, '{http://www.w3.org/2000/svg}svg');
    assert.deepEqual(info.size, [pngSize(fs.readFileSync(out.png)).width, pngSize(fs.readFileSync(out.png)).height]);
  });

  it('draws text in the PNG (fonts found): the title band has dark pixels, an untitled chart has none', async () => {
    const base = { data: { values: [{ x: 0, y: 0 }] }, mark: 'point', width: 200, height: 100, config: { axis: { disable: true }, view: { stroke: null } } };
    const withTitle = await chart({ ...base, title: 'Text renders here' }).toPNG(1);
    const noTitle = await chart(base).toPNG(1);
    const dark = (png: Buffer) => py<number>('import json,sys,io,base64; from PIL import Image; import numpy as np\n' +
      'a=np.array(Image.open(io.BytesIO(base64.b64decode(json.load(sys.stdin)))).convert("L")); print(int((a[:30]<100).sum()))', png.toString('base64'));
    assert.ok(dark(withTitle) > 100, 'title glyphs drawn');
    assert.equal(dark(noTitle), 0);
  });

  it('defaults to figuresDir() (RATELAB_FIGURES_DIR) and creates it', async () => {
    const saved = process.env.RATELAB_FIGURES_DIR;
    const target = path.join(dir, 'nested', 'figs');
    process.env.RATELAB_FIGURES_DIR = target;
    try {
      const out = await traces().save('from-env');
      assert.equal(out.png, path.join(target, 'from-env.png'));
      assert.ok(fs.existsSync(out.svg) && fs.existsSync(out.png));
    } finally {
      if (saved === undefined) delete process.env.RATELAB_FIGURES_DIR; else process.env.RATELAB_FIGURES_DIR = saved;
    }
  });

  it('fails with the file named when the folder cannot be made (a file is in the way)', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    await assert.rejects(savefig(traces(), 'f', { dir: blocker }), /savefig: could not write .*not-a-dir\/f\.svg/);
  });

  it('rejects names with path separators', async () => {
    await assert.rejects(savefig(traces(), '../escape', { dir }), /savefig: name "\.\.\/escape" must be a plain file stem/);
    await assert.rejects(savefig(traces(), 'a/b', { dir }), /plain file stem/);
  });

  it('pngSize reads IHDR and rejects non-PNG data; encodePNG round-trips through Pillow', () => {
    assert.throws(() => pngSize(Buffer.from('GIF89a................')), /not a PNG/);
    const rgba = new Uint8Array(3 * 2 * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37) % 256;
    const png = encodePNG(3, 2, rgba);
    assert.deepEqual(pngSize(png), { width: 3, height: 2 });
    const back = py<number[]>('import json,sys,io,base64; from PIL import Image; import numpy as np\n' +
      'print(json.dumps(np.array(Image.open(io.BytesIO(base64.b64decode(json.load(sys.stdin))))).ravel().tolist()))', png.toString('base64'));
    assert.deepEqual(back, Array.from(rgba));
  });

  it('svgToPNG scales and rejects a bad scale', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="red"/></svg>';
    assert.deepEqual(pngSize(svgToPNG(svg, { scale: 3 })), { width: 120, height: 90 });
    assert.throws(() => svgToPNG(svg, { scale: 0 }), /scale must be a positive number/);
  });
});
