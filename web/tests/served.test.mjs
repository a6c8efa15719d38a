// The app served by blind-mirror-server: the whole flow on real keys and bytes, checked against
// what the page sends, what the server answers, and the cleartext model of the demo catalog.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  cleartextScores,
  currentRun,
  launchBrowser,
  rankIds,
  readDemoCatalog,
  readHexDump,
  screenshot,
  screenshotElement,
  startAppServer,
  waitForRun,
  watchPage,
  writeArtifact,
} from './harness.mjs';

let server;
let browser;
let doc;
const catalog = readDemoCatalog();

before(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
  const response = await fetch(new URL('api/v1/params', server.url));
  assert.equal(response.status, 200);
  doc = await response.json();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page on the served app with every score request and answer recorded. */
async function openApp(viewport = { width: 1100, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const problems = watchPage(page, new URL(server.url).origin);
  const exchanges = [];
  page.on('response', async (response) => {
    if (!new URL(response.url()).pathname.endsWith('/api/v1/score')) return;
    const request = response.request();
    exchanges.push({
      sent: request.postDataBuffer(),
      status: response.status(),
      received: await response.body().catch(() => null),
    });
  });
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('#status[data-state="server"]', { timeout: 30_000 });
  return { page, problems, exchanges };
}

/** The profile shown by the sliders, by feature name. */
async function sliderProfile(page) {
  const profile = {};
  for (const f of doc.features) {
    profile[f] = Number(await page.inputValue(`#feature-${f}`));
  }
  return profile;
}

/** The ranking table: ids in order and their decrypted scores. */
async function ranking(page) {
  return page.$$eval('#ranking tbody tr', (rows) =>
    rows.map((row) => ({ id: row.dataset.product, score: Number(row.dataset.score) })),
  );
}

function presetInfo(name) {
  const info = doc.presets.find((p) => p.name === name);
  assert.ok(info, `the server offers ${name}`);
  return info;
}

test('the whole flow: bytes, ranking and validation match the server and the cleartext model', async () => {
  const { page, problems, exchanges } = await openApp();
  const run = await waitForRun(page);
  const exact = presetInfo(doc.default_preset);

  // Step 5: the hex dump is the POST body, byte for byte.
  assert.equal(exchanges.length, 1, 'one score request per run');
  const [{ sent, status, received }] = exchanges;
  assert.equal(status, 200);
  assert.equal(sent.length, exact.request_bytes);
  const dumped = await readHexDump(page, '#hexdump');
  assert.equal(dumped.length, sent.length);
  assert.ok(Buffer.from(dumped).equals(sent), 'the hex dump differs from the POST body');

  // The annotated header fields name the header's bytes, and the fields cover the request.
  const fields = await page.$$eval('#hexdump table.fields tbody tr', (rows) =>
    rows.map((r) => ({ name: r.dataset.field, offset: Number(r.dataset.offset), len: Number(r.dataset.len) })),
  );
  assert.deepEqual(fields.slice(0, 4), [
    { name: 'magic', offset: 0, len: 4 },
    { name: 'version', offset: 4, len: 1 },
    { name: 'preset id', offset: 5, len: 4 },
    { name: 'kind', offset: 9, len: 1 },
  ]);
  assert.equal(sent.subarray(0, 4).toString('latin1'), 'BMHE');
  assert.equal(sent.readUInt32LE(5), exact.id);
  let next = 0;
  for (const f of fields) {
    assert.equal(f.offset, next, `field ${f.name} starts where the previous one ended`);
    next = f.offset + f.len;
  }
  assert.equal(next, sent.length);

  // Step 6: the answer's dump is the response body.
  await page.click('#step-6 details summary');
  const answer = await readHexDump(page, '#hexdump-response');
  assert.ok(Buffer.from(answer).equals(received), 'the response dump differs from the answer');
  assert.equal(received.length, exact.response_bytes);
  const evalMs = Number(await page.getAttribute('#time-eval', 'data-ms'));
  assert.ok(evalMs > 0 && evalMs < 10_000, `Server-Timing eval ${evalMs}`);
  assert.equal(await page.getAttribute('#evaluation', 'data-evaluator'), 'server');
  assert.match(await page.locator('#catalog-size').innerText(), new RegExp(`^${catalog.length} products`));

  // Step 7: the ranking matches the scores computed here from demo.toml.
  const profile = await sliderProfile(page);
  const expected = cleartextScores(catalog, doc.features, profile);
  const shown = await ranking(page);
  assert.deepEqual(
    shown.map((s) => s.id),
    rankIds(expected),
  );
  for (const s of shown) {
    const clear = expected.find((e) => e.id === s.id).score;
    assert.ok(Math.abs(s.score - clear) <= exact.error_bound, `${s.id}: ${s.score} vs ${clear}`);
  }
  assert.match(await page.locator('#headline').innerText(), /high sensitivity \(0\.65\) and moderate redness \(0\.48\): Sensitive Soothing Lotion/);

  // Step 8: every error under the preset's bound; the cleartext column is this test's.
  const bound = Number(await page.getAttribute('#validation', 'data-bound'));
  assert.equal(bound, exact.error_bound);
  const rows = await page.$$eval('#validation tbody tr', (list) =>
    list.map((r) => ({ id: r.dataset.product, error: Number(r.dataset.error), clear: Number(r.dataset.cleartext) })),
  );
  assert.equal(rows.length, catalog.length);
  for (const r of rows) {
    assert.ok(r.error <= bound, `${r.id}: error ${r.error} above ${bound}`);
    assert.ok(Math.abs(r.clear - expected.find((e) => e.id === r.id).score) < 1e-12);
  }
  assert.ok(Number(await page.getAttribute('#validation', 'data-max-error')) <= bound);

  // Step 9: the captured request looks uniform; the lattice estimate is above 128 bits.
  assert.ok(Number(await page.getAttribute('#uniformity', 'data-p-value')) > 1e-6);
  assert.ok(Number(await page.getAttribute('#lattice', 'data-bits')) >= 128);
  const wrong = await page.$$eval('#wrong-key tbody tr', (list) => list.map((r) => Number(r.dataset.wrong)));
  assert.equal(wrong.length, catalog.length);
  wrong.forEach((w, i) => assert.ok(Math.abs(w - expected[i].score) > 1e-6, `wrong key hit ${expected[i].id}`));

  // Every step's time is in the summary.
  for (const id of ['sum-keygen', 'sum-encrypt', 'sum-eval', 'sum-decrypt', 'sum-attack']) {
    assert.ok(Number(await page.getAttribute(`#${id}`, 'data-ms')) >= 0, id);
  }

  await screenshot(page, 'app-served');
  for (const id of ['status', 'step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'step-6', 'step-7', 'step-8', 'step-9', 'summary']) {
    await screenshotElement(page.locator(`#${id}`), `served-${id}`);
  }
  assert.equal(await currentRun(page), run, 'no extra run started');
  assert.deepEqual(problems, []);
  await page.close();
});

test('moving sliders re-runs the flow and the ranking follows the cleartext model', async () => {
  const { page, problems, exchanges } = await openApp();
  let run = await waitForRun(page);
  // Keyboard only: focus a slider, Home sets 0, End sets 1, arrows move by 0.01.
  for (const [feature, key] of [
    ['sensitivity', 'Home'],
    ['redness', 'Home'],
    ['oiliness', 'Home'],
    ['pores', 'Home'],
    ['dehydration', 'End'],
  ]) {
    await page.focus(`#feature-${feature}`);
    await page.keyboard.press(key);
  }
  run = await waitForRun(page, run);
  const profile = await sliderProfile(page);
  assert.equal(profile.sensitivity, 0);
  assert.equal(profile.dehydration, 1);
  const expected = rankIds(cleartextScores(catalog, doc.features, profile));
  const shown = await ranking(page);
  assert.deepEqual(shown.map((s) => s.id), expected);
  assert.equal(expected[0], 'quotidien-hydrating-serum', 'the model puts the serum first');
  assert.match(await page.locator('#headline').innerText(), /Quotidien Hydrating Serum/);

  // The newest request carries the new profile: its bytes are what the dump shows.
  const last = exchanges[exchanges.length - 1];
  assert.ok(Buffer.from(await readHexDump(page, '#hexdump')).equals(last.sent));

  // Arrow keys: one step of 0.01 each.
  await page.focus('#feature-wrinkles');
  const before = Number(await page.inputValue('#feature-wrinkles'));
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await waitForRun(page, run);
  assert.ok(Math.abs(Number(await page.inputValue('#feature-wrinkles')) - (before + 0.02)) < 1e-9);
  await screenshotElement(page.locator('#step-4'), 'served-step-4-moved');
  await screenshotElement(page.locator('#step-7'), 'served-step-7-moved');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a server error is shown as a readable message, and the page recovers', async () => {
  const { page, problems } = await openApp();
  const run = await waitForRun(page);
  const problem = {
    type: '/problems/preset-not-served',
    title: 'Preset not served',
    status: 422,
    detail: 'this server scores requests of preset compact only',
  };
  await page.route('**/api/v1/score**', (route) =>
    route.fulfill({ status: 422, contentType: 'application/problem+json', body: JSON.stringify(problem) }),
  );
  await page.focus('#feature-pores');
  await page.keyboard.press('ArrowLeft');
  const error = await page.waitForSelector('#run-error', { timeout: 30_000 });
  const text = await error.innerText();
  assert.match(text, /The scoring server refused your request\./);
  assert.match(text, /HTTP 422 Preset not served/);
  assert.match(text, /this server scores requests of preset compact only/);
  assert.equal(await page.getAttribute('#progress', 'data-stage'), 'failed');
  assert.equal(await page.getAttribute('#step-6', 'data-status'), 'failed');
  await screenshotElement(page.locator('#run-error'), 'served-server-error');
  await screenshot(page, 'app-server-error');

  await page.unroute('**/api/v1/score**');
  await page.click('#run-error button');
  await waitForRun(page, run + 1);
  assert.equal(await page.locator('#run-error').count(), 0);
  // The 422 itself is logged by chromium as a failed resource load; nothing else.
  assert.deepEqual(
    problems.filter((p) => !/Failed to load resource.*422/.test(p)),
    [],
  );
  await page.close();
});

test('switching presets, wiping keys, phone layout, and timings of the client steps', async () => {
  const { page, problems } = await openApp();
  let run = await waitForRun(page);
  const timings = {};
  for (const name of doc.presets.map((p) => p.name)) {
    const info = presetInfo(name);
    if ((await page.getAttribute('#parameters', 'data-preset')) !== name) {
      await page.check(`#preset-${name}`);
      run = await waitForRun(page, run);
    }
    assert.equal(await page.getAttribute('#parameters', 'data-preset'), name);
    assert.equal(Number(await page.getAttribute('#hexdump', 'data-length')), info.request_bytes);
    assert.ok(Number(await page.getAttribute('#validation', 'data-max-error')) <= info.error_bound, name);
    const single = {};
    for (const step of ['keygen', 'encrypt', 'decrypt']) {
      single[step] = Number(await page.getAttribute(`#time-${step}`, 'data-ms'));
    }
    await page.click('#bench');
    await page.waitForSelector('#benchmark', { timeout: 120_000 });
    const median = async (id) => Number(await page.getAttribute(`#bench-${id}`, 'data-median'));
    timings[name] = {
      runs: Number(await page.getAttribute('#benchmark', 'data-runs')),
      keygen_ms: await median('keygen'),
      encrypt_ms: await median('encrypt'),
      decrypt_ms: await median('decrypt'),
      total_ms: Number(await page.getAttribute('#benchmark', 'data-total')),
      first_run: single,
    };
    assert.equal(timings[name].runs, 20);
    assert.ok(timings[name].total_ms > 0 && timings[name].total_ms < 1000, JSON.stringify(timings[name]));
    await screenshotElement(page.locator('#summary'), `served-summary-${name}`);
  }
  const userAgent = await page.evaluate(() => navigator.userAgent);
  await writeArtifact('browser-timings.json', { userAgent, timings });
  console.log('browser timings (medians of 20, ms):', JSON.stringify(timings));

  // Wiping the keys: the session is dropped and nothing runs until new keys are made.
  await page.click('#reset');
  await page.waitForSelector('#keys-wiped');
  assert.equal(await page.locator('#hexdump').count(), 0, 'the request is gone with the keys');
  await screenshotElement(page.locator('#step-3'), 'served-step-3-wiped');
  run = await currentRun(page);
  await page.click('#start');
  await waitForRun(page, run);
  assert.equal(await page.locator('#keys-wiped').count(), 0);

  // A phone-sized viewport: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await screenshot(page, 'app-phone');
  for (const id of ['step-4', 'step-5', 'step-7']) {
    await screenshotElement(page.locator(`#${id}`), `phone-${id}`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page shows whatever the API sends, not built-in names', async () => {
  const real = await (await fetch(new URL('api/v1/params', server.url))).json();
  const token = Math.random().toString(36).slice(2, 8);
  const renamed = {
    ...real,
    products: real.products.map((product) => ({ ...product, name: `${product.name} ${token}` })),
  };
  const page = await browser.newPage();
  const problems = watchPage(page, new URL(server.url).origin);
  await page.route('**/api/v1/params', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(renamed) }),
  );
  await page.goto(server.url, { waitUntil: 'load' });
  await waitForRun(page);
  assert.deepEqual(
    await page.$$eval('#products li .product-name', (items) => items.map((item) => item.textContent.trim())),
    renamed.products.map((product) => product.name),
  );
  const names = await page.$$eval('#ranking tbody th', (cells) => cells.map((c) => c.textContent.trim()));
  assert.ok(names.every((n) => n.endsWith(token)), names.join(', '));
  assert.deepEqual(problems, []);
  await page.close();
});

test('unknown API paths answer with a problem document, not the app', async () => {
  const response = await fetch(new URL('api/v1/unknown', server.url));
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const problem = await response.json();
  assert.equal(problem.status, 404);
});
