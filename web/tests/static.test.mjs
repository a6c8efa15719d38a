// The built app on a plain static file server with no API, under a sub-path: it says so, runs the
// server's evaluation in a Web Worker on the bundled demo catalog, and shows correct scores.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  cleartextScores,
  launchBrowser,
  rankIds,
  readDemoCatalog,
  readHexDump,
  screenshot,
  screenshotElement,
  startStaticServer,
  waitForRun,
  watchPage,
} from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startStaticServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('without a server the page runs locally in a Web Worker and shows correct scores', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  // The failed API request is logged by chromium as a console error: that one is expected.
  const expected = (message) =>
    message.text().startsWith('Failed to load resource') &&
    new URL(message.location().url).pathname.endsWith('/api/v1/params');
  const problems = watchPage(page, new URL(server.url).origin, expected);
  const workers = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  const posts = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posts.push(request.url());
  });
  await page.goto(server.url, { waitUntil: 'load' });

  const status = await page.waitForSelector('#status[data-state="local"]', { timeout: 30_000 });
  assert.match(await status.innerText(), /Local mode: no scoring server answers here/);
  assert.match(await status.innerText(), /Web Worker/);
  assert.match(await status.innerText(), /api\/v1\/params answered HTTP 404/);
  await waitForRun(page);

  assert.equal(workers.length, 1, 'one Web Worker evaluates');
  assert.deepEqual(posts, [], 'nothing is posted anywhere');
  assert.equal(await page.getAttribute('#evaluation', 'data-evaluator'), 'worker');
  assert.match(await page.locator('#step-6 h2').innerText(), /Web Worker/);

  // The scores are the demo catalog's, computed here from demo.toml.
  const catalog = readDemoCatalog();
  const features = ['oiliness', 'pores', 'sensitivity', 'redness', 'dehydration', 'pigmentation', 'wrinkles', 'loss_of_firmness'];
  const profile = {};
  for (const f of features) profile[f] = Number(await page.inputValue(`#feature-${f}`));
  const clear = cleartextScores(catalog, features, profile);
  const shown = await page.$$eval('#ranking tbody tr', (rows) =>
    rows.map((row) => ({ id: row.dataset.product, score: Number(row.dataset.score) })),
  );
  assert.deepEqual(shown.map((s) => s.id), rankIds(clear));
  const bound = Number(await page.getAttribute('#validation', 'data-bound'));
  assert.ok(bound > 0 && bound < 1e-9, `bound ${bound}`);
  for (const s of shown) {
    const c = clear.find((x) => x.id === s.id).score;
    assert.ok(Math.abs(s.score - c) <= bound, `${s.id}: ${s.score} vs ${c}`);
  }

  // The request still is exactly what the dump shows: its header names the preset.
  const bytes = await readHexDump(page, '#hexdump');
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('latin1'), 'BMHE');
  assert.equal(bytes.length, Number(await page.getAttribute('#hexdump', 'data-length')));

  await screenshot(page, 'app-static-local');
  await screenshotElement(page.locator('#status'), 'static-status');
  await screenshotElement(page.locator('#step-6'), 'static-step-6');

  // A slider move is evaluated by the same worker.
  const run = Number(await page.getAttribute('#progress', 'data-run'));
  await page.focus('#feature-pigmentation');
  await page.keyboard.press('End');
  await waitForRun(page, run);
  assert.equal(workers.length, 1, 'the worker is reused');
  profile.pigmentation = 1;
  assert.deepEqual(
    await page.$$eval('#ranking tbody tr', (rows) => rows.map((row) => row.dataset.product)),
    rankIds(cleartextScores(catalog, features, profile)),
  );

  // Trying the server again asks for the parameters again and lands in local mode again.
  const retried = page.waitForRequest((request) => request.url().endsWith('/api/v1/params'));
  await page.click('#retry');
  await retried;
  await page.waitForSelector('#status[data-state="local"]', { timeout: 30_000 });

  assert.deepEqual(problems, []);
  await page.close();
});
