/**
 * Notebooks executed by the reproduce command, opened in the classic Notebook (started the way
 * `npm run notebook` starts it) in headless Chromium: a fixture whose chart output must render as an image in a
 * trusted notebook, and the tour (when its published data is on this machine) with its table and chart.
 * Screenshots are kept in tests/.tmp/ (browser-notebook.png, browser-tour.png) for a look by eye.
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { chromium, BrowserContext } from 'playwright-core';

import { dataPath } from '../kernel-lib/src/io/registry';
import { notebookServerCommand } from '../tools/src/notebook-server';
import { rmTmp } from './helpers/python';
import { cellText, copyFixture, ensureBuilt, readCodeCells, ROOT, runReproduce, scratchDir } from './runner-harness';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(ROOT, 'tests', '.tmp');

/** True when the tour's published data file is found (it is never part of the project). */
function tourDataAvailable(): boolean {
  try {
    dataPath('pursuit/behavior_data.mat');
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', () => resolve(0));
  });
}

async function waitForServer(url: string, server: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`notebook server exited with ${server.exitCode}:\n${log()}`);
    if ((await httpStatus(url)) === 200) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`notebook server did not answer at ${url} within ${timeoutMs / 1000} s:\n${log()}`);
}

describe('browser: executed notebook in the classic Notebook', function () {
  this.timeout(180_000);
  let dir: string;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let context: BrowserContext | undefined;
  let port: number;
  let withTour = false;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip(); // apt-get install chromium (see environment.md)
    ensureBuilt();
    dir = scratchDir('browser-');
    const nb = copyFixture('browser-chart.ipynb', dir);
    withTour = tourDataAvailable();
    const tour = path.join(dir, '00-tour.ipynb');
    if (withTour) fs.copyFileSync(path.join(ROOT, 'notebooks', '00-tour.ipynb'), tour);
    const run = await runReproduce(['--figures-root', path.join(dir, 'figures'), nb, ...(withTour ? [tour] : [])]);
    assert.strictEqual(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(cellText(readCodeCells(nb)[0]), /^Chart "browser fixture traces"/, 'the chart is the cell result');

    port = await freePort();
    const cmd = notebookServerCommand(['--port', String(port), '--NotebookApp.token=', '--NotebookApp.password=', `--notebook-dir=${dir}`, '--allow-root']);
    server = spawn(cmd.command, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (d: Buffer) => { serverLog += d.toString(); });
    server.stderr?.on('data', (d: Buffer) => { serverLog += d.toString(); });
    await waitForServer(`http://127.0.0.1:${port}/api`, server, () => serverLog);

    context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await context?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    if (dir) rmTmp(dir);
  });

  it('shows the chart as an SVG image in a trusted notebook', async () => {
    const page = await context!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/notebooks/browser-chart.ipynb`);
    // Page-side code is passed as strings: the project's tsconfig has no DOM types.
    await page.waitForFunction('window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded === true', undefined, { timeout: 60_000 });

    const img = page.locator('.output_area img[src^="data:image/svg+xml"]').first();
    await img.waitFor({ state: 'visible', timeout: 30_000 });
    const size = (await img.evaluate((el: any) => ({ w: el.naturalWidth, h: el.naturalHeight, complete: el.complete }))) as {
      w: number; h: number; complete: boolean;
    };
    assert.ok(size.complete && size.w > 100 && size.h > 100, `the SVG decoded to an image (${JSON.stringify(size)})`);
    const box = await img.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `the image has a visible size (${JSON.stringify(box)})`);

    assert.strictEqual(await page.evaluate('Jupyter.notebook.trusted'), true, 'the notebook is trusted');
    assert.strictEqual(await page.locator('#notification_trusted').innerText().catch(() => ''), 'Trusted');
    assert.strictEqual(await page.locator('.output_area .output_prompt:has-text("Out[1]")').count(), 1, 'the result has its execution count');

    await page.screenshot({ path: path.join(SCREENSHOTS, 'browser-notebook.png'), fullPage: true });
    assert.deepStrictEqual(pageErrors, []);
    await page.close();
  });

  it('shows the tour with its table and chart', async function () {
    if (!withTour) this.skip(); // needs pursuit/behavior_data.mat (see data/README.md)
    const page = await context!.newPage();
    // Tall enough to hold the whole notebook: the classic Notebook scrolls inside #site, not the page.
    await page.setViewportSize({ width: 1200, height: 4200 });
    await page.goto(`http://127.0.0.1:${port}/notebooks/00-tour.ipynb`);
    await page.waitForFunction('window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded === true', undefined, { timeout: 60_000 });
    await page.locator('.output_area img[src^="data:image/svg+xml"]').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.strictEqual(await page.evaluate('Jupyter.notebook.trusted'), true, 'the tour is trusted');
    const table = page.locator('.output_area table').first();
    await table.waitFor({ state: 'visible' });
    assert.match(await table.innerText(), /target_deg[\s\S]*speed_low/);
    assert.ok((await page.locator('.output_area .output_error, .output_area .output_stderr').count()) === 0, 'no error output');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'browser-tour.png') });
    await page.close();
  });
});
