// The app served by blind-mirror-server: the page must show what /api/v1/params says.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, startAppServer, watchPage } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startAppServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the page renders the presets and products the API describes', async () => {
  const response = await fetch(new URL('api/v1/params', server.url));
  assert.equal(response.status, 200);
  const doc = await response.json();
  assert.ok(doc.presets.length > 0 && doc.products.length > 0, 'the API describes something');

  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems = watchPage(page, new URL(server.url).origin);
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });

  const presetRows = await page.$$eval('#presets tbody tr', (rows) =>
    rows.map((row) => ({
      name: row.getAttribute('data-preset'),
      cells: [...row.querySelectorAll('th, td')].map((cell) => cell.textContent.trim()),
    })),
  );
  assert.deepEqual(
    presetRows.map((row) => row.name),
    doc.presets.map((preset) => preset.name),
  );
  for (const [index, preset] of doc.presets.entries()) {
    const cells = presetRows[index].cells;
    assert.ok(cells[0].startsWith(preset.name), `row ${index} names ${preset.name}`);
    assert.equal(cells[1], String(preset.ring_degree));
    assert.equal(cells[2], String(preset.log2_q));
    assert.equal(cells[3], `${preset.security_bits} bits`);
  }
  const defaultRow = presetRows.find((row) => row.name === doc.default_preset);
  assert.ok(defaultRow?.cells[0].includes('default'), 'the default preset is marked');

  const products = await page.$$eval('#products li', (items) =>
    items.map((item) => ({ id: item.getAttribute('data-product'), name: item.textContent.trim() })),
  );
  assert.deepEqual(
    products,
    doc.products.map((product) => ({ id: product.id, name: product.name })),
  );

  await screenshot(page, 'app-served');
  assert.deepEqual(problems, []);
});

test('the page shows whatever the API sends, not built-in names', async () => {
  const real = await (await fetch(new URL('api/v1/params', server.url))).json();
  const token = Math.random().toString(36).slice(2, 8);
  const doc = {
    ...real,
    presets: real.presets.map((preset) => ({ ...preset, name: `${preset.name}-${token}` })),
    default_preset: `${real.default_preset}-${token}`,
    products: [
      ...real.products.map((product) => ({ ...product, name: `${product.name} ${token}` })),
      { id: `extra-${token}`, name: `Extra product ${token}` },
    ],
  };
  const page = await browser.newPage();
  const problems = watchPage(page, new URL(server.url).origin);
  await page.route('**/api/v1/params', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(doc) }),
  );
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
  assert.deepEqual(
    await page.$$eval('#presets tbody tr', (rows) => rows.map((row) => row.dataset.preset)),
    doc.presets.map((preset) => preset.name),
  );
  assert.deepEqual(
    await page.$$eval('#products li', (items) => items.map((item) => item.textContent.trim())),
    doc.products.map((product) => product.name),
  );
  assert.deepEqual(problems, []);
});

test('unknown API paths answer with a problem document, not the app', async () => {
  const response = await fetch(new URL('api/v1/unknown', server.url));
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const problem = await response.json();
  assert.equal(problem.status, 404);
});
