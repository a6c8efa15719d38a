// The built app on a plain static file server with no API: it loads and says so.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, startStaticServer, watchPage } from './harness.mjs';

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

test('without a server the page loads and says the server is unreachable', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  // The failed API request itself is logged by chromium as a console error: that one is expected.
  const expected = (message) =>
    message.text().startsWith('Failed to load resource') &&
    new URL(message.location().url).pathname === '/api/v1/params';
  const problems = watchPage(page, new URL(server.url).origin, expected);
  await page.goto(server.url, { waitUntil: 'load' });

  const status = await page.waitForSelector('#status[data-state="unreachable"]', {
    timeout: 20_000,
  });
  assert.match(await status.innerText(), /scoring server is unreachable/i);
  assert.match(await status.innerText(), /\/api\/v1\/params answered HTTP 404/);
  assert.equal(await page.locator('h1').innerText(), 'Blind Mirror');
  assert.equal(await page.locator('#presets').count(), 0, 'no presets without a server');
  await screenshot(page, 'app-static-unreachable');

  // Trying again asks the server again and lands in the same state.
  const retried = page.waitForRequest((request) => request.url().endsWith('/api/v1/params'));
  await page.click('#retry');
  await retried;
  await page.waitForSelector('#status[data-state="unreachable"]', { timeout: 20_000 });

  assert.deepEqual(problems, []);
});
