// Shared pieces of the browser tests: starting servers on free loopback ports, launching
// Debian chromium through playwright-core, and collecting console errors.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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

/** A plain static file server over `dist/`, with no API behind it. */
export function startStaticServer() {
  return startProcess(
    'python3',
    ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', DIST],
    /Serving HTTP on 127\.0\.0\.1 port (\d+)/,
    (match) => `http://127.0.0.1:${match[1]}/`,
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
