// Shared pieces of the browser tests: starting servers on free loopback ports, launching
// Debian chromium through playwright-core, and collecting console errors.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.resolve(ROOT, process.env.BLIND_MIRROR_DIST ?? 'dist');
export const SERVER_BIN = path.resolve(
  ROOT,
  process.env.BLIND_MIRROR_SERVER_BIN ?? 'target/debug/blind-mirror-server',
);
export const ARTIFACTS = path.resolve(ROOT, 'artifacts');

const STARTUP_MS = 30_000;

/**
 * Runs `command args`, waits until a line of its output matches `pattern`, and returns
 * `{ url, stop }` where `url` is built from the match by `toUrl`.
 */
async function startProcess(command, args, pattern, toUrl) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not start in ${STARTUP_MS} ms:\n${output}`)),
      STARTUP_MS,
    );
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(toUrl(match));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

/** The Blind Mirror server serving the API and `dist/`, on a port the system picks. */
export function startAppServer() {
  return startProcess(
    SERVER_BIN,
    ['--bind', '127.0.0.1:0', '--static-dir', DIST],
    /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
    (match) => match[1],
  );
}

/**
 * A plain static file server with no API behind it, serving the parent folder of `dist/` so the
 * app lives under a sub-path (`/dist/`), as on a project page of a static host.
 */
export function startStaticServer() {
  const parent = path.dirname(DIST);
  const folder = path.basename(DIST);
  return startProcess(
    'python3',
    ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', parent],
    /Serving HTTP on 127\.0\.0\.1 port (\d+)/,
    (match) => `http://127.0.0.1:${match[1]}/${folder}/`,
  );
}

/** Headless Debian chromium; playwright-core downloads no browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Records console errors, uncaught page errors, and requests to any other origin.
 * `allowed(message)` may accept expected console errors.
 */
export function watchPage(page, origin, allowed = () => false) {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' || allowed(message)) return;
    problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.origin !== origin) {
      problems.push(`request to another origin: ${request.url()}`);
    }
  });
  return problems;
}

/** Saves a full-page screenshot as artifacts/NAME.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Saves a screenshot of one element as artifacts/NAME.png and returns its path. */
export async function screenshotElement(locator, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await locator.screenshot({ path: file });
  return file;
}

/** Waits until the run numbered above `afterRun` finished every step, with no re-run pending. */
export async function waitForRun(page, afterRun = 0, timeout = 60_000) {
  await page.waitForFunction(
    (after) => {
      const p = document.querySelector('#progress');
      return (
        p !== null &&
        Number(p.dataset.run) > after &&
        p.dataset.pending === 'false' &&
        (p.dataset.stage === 'done' || p.dataset.stage === 'failed')
      );
    },
    afterRun,
    { timeout },
  );
  const stage = await page.getAttribute('#progress', 'data-stage');
  if (stage !== 'done') {
    const message = await page.locator('#run-error').innerText().catch(() => '(no message)');
    throw new Error(`the run failed: ${message}`);
  }
  return Number(await page.getAttribute('#progress', 'data-run'));
}

/** The number of the current run. */
export async function currentRun(page) {
  return Number(await page.getAttribute('#progress', 'data-run'));
}

/**
 * Reads every byte of a virtualized hex dump by scrolling it from top to bottom (only the rows
 * in view exist in the page at any time).
 */
export async function readHexDump(page, selector) {
  const total = Number(await page.getAttribute(selector, 'data-length'));
  const rows = Math.ceil(total / 16);
  const bytes = new Uint8Array(total);
  const seen = new Uint8Array(rows);
  const scroller = page.locator(`${selector} .hex-scroll`);
  const { rowHeight, height } = await scroller.evaluate((el) => ({
    rowHeight: el.querySelector('.hex-row').getBoundingClientRect().height,
    height: el.clientHeight,
  }));
  for (let top = 0; ; top += height) {
    await scroller.evaluate((el, t) => {
      el.scrollTop = t;
    }, top);
    // The last row in view was not rendered for the previous position: once it is there, the
    // dump has re-rendered for this one.
    const first = Math.min(Math.floor(top / rowHeight), rows - 1);
    const last = Math.min(Math.floor((top + height - 1) / rowHeight), rows - 1);
    for (const row of [first, last]) {
      await page.waitForSelector(`${selector} .hex-row[data-offset="${row * 16}"]`);
    }
    const shown = await page.$$eval(`${selector} .hex-row`, (list) =>
      list.map((row) => [Number(row.dataset.offset), row.querySelector('.hex-bytes').textContent]),
    );
    for (const [offset, text] of shown) {
      const hex = text.trim().split(/\s+/);
      hex.forEach((h, i) => {
        bytes[offset + i] = parseInt(h, 16);
      });
      if (offset + hex.length === Math.min(offset + 16, total)) seen[offset / 16] = 1;
    }
    if (top + height >= rows * rowHeight) break;
  }
  const missing = seen.indexOf(0);
  if (missing !== -1) throw new Error(`hex dump row ${missing} was never rendered`);
  return bytes;
}

/**
 * The demo catalog, read from scoring/catalogs/demo.toml with a parser for the subset the file
 * uses (arrays of tables, one sub-table, strings, numbers, arrays of strings, comments).
 */
export function readDemoCatalog() {
  const text = readFileSync(path.join(ROOT, 'scoring', 'catalogs', 'demo.toml'), 'utf8');
  const products = [];
  let table = null;
  const value = (raw) => {
    raw = raw.trim();
    if (raw.startsWith('"')) return JSON.parse(raw);
    if (raw.startsWith('[')) return JSON.parse(raw);
    const number = Number(raw);
    if (Number.isNaN(number)) throw new Error(`unreadable value ${raw}`);
    return number;
  };
  for (const line of text.split('\n')) {
    const bare = line.replace(/\s+#.*$/, '').trim();
    if (bare === '' || bare.startsWith('#')) continue;
    if (bare === '[[products]]') {
      table = { weights: {} };
      products.push(table);
    } else if (bare === '[products.weights]') {
      table = products[products.length - 1].weights;
    } else {
      const [key, ...rest] = bare.split('=');
      table[key.trim()] = value(rest.join('='));
    }
  }
  return products;
}

/** Cleartext scores `bias + sum_i w_i f_i` of `products` for `profile` (feature name -> value). */
export function cleartextScores(products, features, profile) {
  return products.map((p) => {
    let score = p.bias;
    for (const f of features) score += p.weights[f] * profile[f];
    return { id: p.id, name: p.name, score };
  });
}

/** Ids ordered best first (ties keep catalog order). */
export function rankIds(scores) {
  return scores
    .map((s, index) => ({ ...s, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((s) => s.id);
}

/** Writes a JSON artifact. */
export async function writeArtifact(name, value) {
  const { writeFileSync } = await import('node:fs');
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), `${JSON.stringify(value, null, 2)}\n`);
}
