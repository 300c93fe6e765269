// What the browser journeys share: the test harness (`test`, `TestRun`, the
// axe check), mail helpers, form helpers, and the `Zerda` process class, which
// can run several instances side by side, each with its own data dir, port,
// environment and configuration file.
//
// A runner (run.mjs, federation.mjs) calls `configure` once, makes its `Zerda`
// instances (each registers itself, so cleanup stops them all), calls
// `launchBrowser`, runs its tests with `test`, and hands its main function to
// `runMain`, which bounds the whole run with a watchdog, handles signals and
// cleans up whatever happens.
//
// How the accessibility check works (found by trying): in a context with
// `javaScriptEnabled: false`, `page.evaluate` still runs (it goes through the
// DevTools protocol, not through the page), but `addScriptTag` silently runs
// nothing and `axe.run` never settles because timers do not fire. In a context
// with JavaScript on, the pages' CSP (`default-src 'none'`, `script-src
// 'none'`) blocks the injected script. So the journey stays in the JS-off context, and each page it lands on
// is handed, as the exact HTML it received (with its status and headers, CSP
// included), to a second context with JavaScript on and `bypassCSP: true`: the
// page URL is answered from that copy (stylesheets and images still come from
// the server), axe-core is injected and run there. Our pages have no scripts,
// so the rendering is identical, and pages that are the answer to a POST (a
// form with errors) are checked as they were, not as a fresh GET would give
// them.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const ZERDA_BIN = process.env.ZERDA_BIN
  ? resolve(process.env.ZERDA_BIN)
  : resolve(HERE, '../../target/debug/zerda');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Every wait is bounded.
export const TIMEOUT = {
  serverStart: 30_000,
  browserLaunch: 30_000,
  action: 10_000,
  navigation: 20_000,
  axe: 30_000,
  mail: 15_000,
  test: 120_000,
  shutdown: 10_000,
  whole: 10 * 60_000,
};
export const VIEWPORT = { width: 1280, height: 800 };
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The run's shared state. `zerda` is the instance pages visit when their
// context names none (run.mjs has only that one).
export const harness = {
  artifacts: join(HERE, 'artifacts'),
  results: [],
  browser: null,
  axeContext: null,
  zerda: null,
  servers: [], // every Zerda made, stopped and cleaned up at the end
  cleanups: [], // more to undo at the end (servers of the runner's own), in order
  aborting: null, // set when the run is interrupted or out of time
  started: Date.now(),
};

// Where screenshots and logs go; wiped at the start of the run.
export function configure({ artifacts } = {}) {
  if (artifacts) harness.artifacts = artifacts;
  rmSync(harness.artifacts, { recursive: true, force: true });
  mkdirSync(harness.artifacts, { recursive: true });
}

// ---------------------------------------------------------------- helpers

export function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// Polls `probe` (sync or async) every `every` ms until it returns something
// truthy, which is returned; throws after `ms` with `what` and, when given,
// what `describe()` says of the last state.
export async function waitFor(what, probe, { ms = 20_000, every = 200, describe } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() >= deadline) {
      const last = describe ? `; ${await describe()}` : '';
      throw new Error(`${what}: not within ${ms} ms${last}`);
    }
    await sleep(every);
  }
}

// ---------------------------------------------------------------- mail

// Names of the .eml files anywhere under dir.
export function emlFiles(dir) {
  const found = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...emlFiles(path));
    else if (entry.name.endsWith('.eml')) found.push(path);
  }
  return found;
}

// A raw message split into unfolded headers (lower-case names) and body.
export function splitMessage(raw) {
  const match = raw.match(/\r?\n\r?\n/);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

// Quoted-printable (RFC 2045 6.7): soft line breaks go, =XX are bytes.
export function decodeQuotedPrintable(text) {
  const bytes = [];
  const joined = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? joined.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// The leaf parts of a MIME message: [{ type, text }], bodies decoded.
export function mimeParts(raw) {
  const { headers, body } = splitMessage(raw);
  const contentType = headers['content-type'] || 'text/plain';
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = contentType.match(/boundary="?([^";]+)"?/i)?.[1];
    if (!boundary) return [];
    const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const sections = body.split(new RegExp(`^--${escaped}(?:--)?[ \\t]*\\r?$`, 'm'));
    // Before the first boundary: the preamble; after the last: the epilogue.
    return sections.slice(1, -1).flatMap((section) => mimeParts(section.replace(/^\r?\n/, '')));
  }
  const encoding = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body);
  else if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return [{ type, headers, text }];
}

// A header of a mail, RFC 2047 encoded words decoded (UTF-8, B or Q).
export function decodeHeader(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BbQq])\?([^?]*)\?=/gi, (_, kind, text) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

// The mail files already in a server's outbox.
export const seenMails = (server = harness.zerda) => new Set(emlFiles(server.outbox));

// Waits (bounded) for a new mail to `to` whose text part holds a link to
// base + prefix + token; files in `seen` are old. Returns { link, file, subject }.
export async function waitForMailLink(seen, to, prefix, server = harness.zerda) {
  const wanted = new RegExp(`${server.base.replace(/[.]/g, '\\.')}${prefix}[A-Za-z0-9_-]+`);
  const deadline = Date.now() + TIMEOUT.mail;
  const looked = [];
  for (;;) {
    for (const file of emlFiles(server.outbox)) {
      if (seen.has(file)) continue;
      const raw = readFileSync(file, 'utf8');
      const { headers } = splitMessage(raw);
      // A file being written may not parse yet: look again next round.
      if (!(headers.to || '').includes(to)) continue;
      const plain = mimeParts(raw).find((p) => p.type === 'text/plain');
      const link = plain?.text.match(wanted)?.[0];
      if (link) {
        const encoding = plain.headers['content-transfer-encoding'] || '7bit';
        return { link, file, subject: headers.subject || '', encoding };
      }
      looked.push(file);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `no mail to ${to} with a ${prefix} link in ${server.outbox} within ${TIMEOUT.mail} ms` +
          (looked.length ? ` (looked at ${[...new Set(looked)].length} other new file(s))` : ''),
      );
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------- zerda

// One zerda process. `name` tells instances apart (log file zerda-NAME.log,
// screenshots NAME-…); `env` adds ZERDA_* settings; `config` is the text of
// a TOML configuration file written beside the data and passed with --config.
export class Zerda {
  constructor({ name = null, env = {}, config = null } = {}) {
    this.name = name;
    this.extraEnv = env;
    this.config = config;
    this.log = '';
    this.proc = null;
    this.exit = null; // { code, signal } once it stopped
    this.base = null;
    this.port = null;
    this.setupUrl = null;
    this.dataDir = null;
    this.configFile = null;
    harness.servers.push(this);
  }

  // The data dir, the port and the configuration file, before any command.
  async prepare() {
    if (this.dataDir) return;
    this.dataDir = mkdtempSync(join(tmpdir(), 'zerda-browser-'));
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    if (this.config !== null) {
      this.configFile = join(this.dataDir, 'zerda.toml');
      writeFileSync(this.configFile, this.config);
    }
  }

  get host() {
    return new URL(this.base).host;
  }

  // A clean configuration: no ZERDA_* setting from the caller's environment
  // (zerda refuses unknown ZERDA_* names, ZERDA_BIN among them), then ours.
  env() {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('ZERDA_')),
    );
    env.ZERDA_LOG = 'info';
    env.NO_COLOR = '1';
    return { ...env, ...this.extraEnv };
  }

  // The flags every command of this instance gets.
  globalArgs() {
    const args = ['--data-dir', this.dataDir, '--public-url', this.base];
    if (this.configFile) args.push('--config', this.configFile);
    return args;
  }

  // `zerda admin create-user`, the password on standard input.
  async createUser({ email, username, password, admin = false }) {
    await this.prepare();
    const args = ['admin', 'create-user', '--email', email, '--username', username, '--password-stdin'];
    if (admin) args.push('--admin');
    try {
      execFileSync(ZERDA_BIN, [...args, ...this.globalArgs()], {
        env: this.env(),
        input: `${password}\n`,
        timeout: 30_000,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      const why = String(e.stderr || e.message).trim().split('\n').slice(-1)[0];
      throw new Error(`zerda admin create-user ${username} failed: ${why}`);
    }
  }

  async start() {
    await this.prepare();
    this.proc = spawn(
      ZERDA_BIN,
      ['serve', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.port}`, '--public-url', this.base,
        ...(this.configFile ? ['--config', this.configFile] : [])],
      { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.exited = new Promise((resolveExit) => {
      this.proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
      // Not started at all (no such file): nothing to wait for.
      this.proc.on('error', () => {
        this.exit ??= { code: null, signal: null, spawnFailed: true };
        resolveExit(this.exit);
      });
    });
    const ready = new Promise((resolveReady, reject) => {
      this.proc.on('error', (e) => reject(new Error(`cannot start ${ZERDA_BIN}: ${e.message}`)));
      this.exited.then((e) =>
        reject(new Error(`zerda exited (code ${e.code}, signal ${e.signal}) before listening`)),
      );
      const onData = (chunk) => {
        // eslint-disable-next-line no-control-regex
        this.log += chunk.toString('utf8').replace(/\x1b\[[0-9;]*m/g, '');
        const setup = this.log.match(/open (http:\/\/\S+\/setup\/[A-Za-z0-9_-]+) to create the first one/);
        if (setup) this.setupUrl = setup[1];
        if (this.log.includes(`listening on ${this.base}`)) resolveReady();
      };
      this.proc.stderr.on('data', onData);
      this.proc.stdout.on('data', onData);
    });
    await withTimeout(ready, TIMEOUT.serverStart, 'waiting for zerda to listen');
  }

  get outbox() {
    return join(this.dataDir, 'outbox');
  }

  // SIGTERM, then SIGKILL if it does not stop in time. Returns how it ended.
  async stop() {
    if (!this.proc) return null;
    if (this.exit) return this.exit;
    this.proc.kill('SIGTERM');
    try {
      return await withTimeout(this.exited, TIMEOUT.shutdown, 'waiting for zerda to stop');
    } catch {
      this.proc.kill('SIGKILL');
      await withTimeout(this.exited, 5_000, 'waiting for zerda to die').catch(() => {});
      return { code: null, signal: 'SIGKILL', forced: true };
    }
  }

  // Lines of the log with an error or a panic.
  errorLines() {
    return this.log.split('\n').filter((line) => /\b(ERROR|panicked)\b/.test(line));
  }

  cleanup() {
    try {
      mkdirSync(harness.artifacts, { recursive: true });
      writeFileSync(join(harness.artifacts, this.name ? `zerda-${this.name}.log` : 'zerda.log'), this.log);
    } catch {
      /* the log is a convenience */
    }
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    this.dataDir = null;
  }
}

// ---------------------------------------------------------------- tests

// One test: its own contexts, closed at the end; a bounded run time.
export async function test(name, fn, { timeout = TIMEOUT.test } = {}) {
  if (harness.aborting) return false;
  const t = new TestRun(name);
  let error = null;
  try {
    await withTimeout(fn(t), timeout, 'test');
  } catch (e) {
    error = e;
  } finally {
    await t.close();
  }
  if (!error && t.a11y.length > 0) {
    const rules = [...new Set(t.a11y.map((v) => `${v.id} (${v.impact}) on ${v.page}`))];
    error = new Error(`accessibility violations: ${rules.join('; ')}`);
  }
  if (harness.aborting) return false; // the run is ending: this test's fate is moot
  const ok = !error;
  harness.results.push({ name, ok });
  if (ok) {
    console.log(`ok - ${name}`);
  } else {
    const [reason, ...details] = String(error.message || error).split('\n');
    console.log(`not ok - ${name}: ${reason}`);
    // Playwright's call log says what a timed-out action was waiting for.
    for (const line of details.filter((l) => l.trim()).slice(0, 12)) {
      // eslint-disable-next-line no-control-regex
      console.log(`#   ${line.replace(/\x1b\[[0-9;]*m/g, '').trim()}`);
    }
  }
  for (const line of t.notes) console.log(`# ${line}`);
  return ok;
}

export class TestRun {
  constructor(name) {
    this.name = name;
    this.slug = slug(name.split(' ')[0]);
    this.contexts = [];
    this.a11y = []; // serious and critical violations
    this.notes = [];
  }

  // A browser context with JavaScript off, the way the journeys run, on
  // `server` (by default the run's only zerda).
  async context({ locale = 'en', storageState, server = harness.zerda } = {}) {
    const context = await harness.browser.newContext({
      javaScriptEnabled: false,
      locale,
      viewport: VIEWPORT,
      storageState,
    });
    context.setDefaultTimeout(TIMEOUT.action);
    context.setDefaultNavigationTimeout(TIMEOUT.navigation);
    this.contexts.push(context);
    const page = await context.newPage();
    page.locale = locale;
    page.server = server;
    page.failedSubresources = [];
    page.on('requestfailed', (req) => {
      const why = req.failure()?.errorText || '';
      // ERR_ABORTED: cancelled by the next navigation (the favicon often is).
      if (!req.isNavigationRequest() && !why.includes('ERR_ABORTED')) {
        page.failedSubresources.push(`${req.url()} (${why})`);
      }
    });
    page.on('response', (res) => {
      if (!res.request().isNavigationRequest() && res.status() >= 400) {
        page.failedSubresources.push(`${res.url()} (HTTP ${res.status()})`);
      }
    });
    return page;
  }

  async close() {
    for (const context of this.contexts) {
      await withTimeout(context.close(), 10_000, 'closing a context').catch(() => {});
    }
    this.contexts = [];
  }

  // Opens a path (on the page's server) and checks the page; returns the response.
  async visit(page, path, pageName, expect = {}) {
    page.failedSubresources.length = 0;
    const response = await page.goto(page.server.base + path, { waitUntil: 'load' });
    assert(response, `no response for ${path}`);
    await this.check(page, response, pageName, expect);
    return response;
  }

  // Clicks a submit button (a real form submission: no JavaScript) and waits
  // for the page it ends on, after redirects. Returns that page's response.
  async submit(page, button, pageName, expect = {}) {
    const isFinalDocument = (res) =>
      res.request().isNavigationRequest() &&
      res.request().frame() === page.mainFrame() &&
      !(res.status() >= 300 && res.status() < 400);
    page.failedSubresources.length = 0;
    const [response] = await Promise.all([
      page.waitForResponse(isFinalDocument, { timeout: TIMEOUT.navigation }),
      button.click(),
    ]);
    await page.waitForLoadState('load', { timeout: TIMEOUT.navigation });
    await this.check(page, response, pageName, expect);
    return response;
  }

  // The checks for every page: status, language and direction, no script,
  // the stylesheet applied, no failed subresource, a screenshot, axe.
  async check(page, response, pageName, { status = 200, path } = {}) {
    const pathname = new URL(page.url()).pathname;
    // With several servers, which one answered.
    const where = page.server?.name ? `${pageName} (${page.server.name.toUpperCase()} ${pathname})` : `${pageName} (${pathname})`;
    assertEqual(response.status(), status, `HTTP status of ${where}`);
    if (path !== undefined) assertEqual(new URL(page.url()).pathname, path, `path after ${pageName}`);
    const html = page.locator('html');
    assertEqual(await html.getAttribute('lang'), page.locale, `<html lang> of ${where}`);
    assertEqual(await html.getAttribute('dir'), 'ltr', `<html dir> of ${where}`);
    // Data blocks (JSON-LD on event pages) are not scripts: browsers never run them.
    const scripts = await page.evaluate(
      () =>
        Array.from(document.scripts).filter((s) => {
          const type = s.type.trim().toLowerCase();
          return (
            type === '' ||
            ['module', 'importmap', 'speculationrules'].includes(type) ||
            /^(application|text)\/(x-)?(javascript|ecmascript|jscript|livescript)(1\.[0-5])?$/.test(type)
          );
        }).length,
    );
    assertEqual(scripts, 0, `executable <script> elements in ${where}`);
    // page.evaluate works with JavaScript off (it goes through the DevTools protocol).
    const bodyDisplay = await page.evaluate(() => getComputedStyle(document.body).display);
    assertEqual(bodyDisplay, 'flex', `body display in ${where} (is style.css applied?)`);
    assert(
      page.failedSubresources.length === 0,
      `subresources failed on ${where}: ${page.failedSubresources.join(', ')}`,
    );
    // Not failing, reported: the content column should line up with the header's.
    const edges = await page.evaluate(() => ({
      header: document.querySelector('.site-header .wrap')?.getBoundingClientRect().left,
      main: document.querySelector('main')?.getBoundingClientRect().left,
    }));
    if (edges.header !== undefined && edges.main !== undefined && Math.abs(edges.header - edges.main) > 1) {
      this.notes.push(
        `(not failing) layout on ${where}: <main> starts at x=${Math.round(edges.main)}, the header's .wrap at x=${Math.round(edges.header)}`,
      );
    }
    mkdirSync(harness.artifacts, { recursive: true });
    const server = page.server?.name ? `${page.server.name}-` : '';
    const file = join(harness.artifacts, `${this.slug}-${server}${page.locale}-${slug(pageName)}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: TIMEOUT.action });
    const violations = await axeCheck(page, response);
    this.report(violations, where);
  }

  report(violations, where) {
    for (const v of violations) {
      const targets = v.nodes.map((n) => n.target.join(' ')).join(', ');
      const line = `axe ${v.impact} ${v.id} on ${where}: ${targets} — ${v.help}`;
      if (v.impact === 'serious' || v.impact === 'critical') {
        this.a11y.push({ id: v.id, impact: v.impact, page: where });
        this.notes.push(line);
      } else {
        this.notes.push(`(not failing) ${line}`);
      }
    }
  }
}

// Runs axe-core on the page the journey is on: its HTML, as received, is
// served again to a JavaScript-enabled, CSP-bypassing page of the same URL.
export async function axeCheck(page, response) {
  const url = page.url();
  const html = await page.content();
  const headers = { ...(await response.allHeaders()) };
  delete headers['content-length'];
  delete headers['content-encoding'];
  delete headers['set-cookie'];
  headers['x-axe-copy'] = '1';
  return runAxe(url, { status: response.status(), headers, body: html });
}

async function runAxe(url, document) {
  const page = await harness.axeContext.newPage();
  try {
    const documentUrl = url.split('#')[0];
    await page.route(
      (u) => u.href.split('#')[0] === documentUrl,
      (route) =>
        route.request().isNavigationRequest() ? route.fulfill(document) : route.continue(),
    );
    const response = await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT.navigation });
    // Make sure axe looks at the copy, not at a fresh answer from the server.
    assert(
      response && response.status() === document.status && response.headers()['x-axe-copy'] === '1',
      `the axe page for ${url} was not served from the journey's copy`,
    );
    await page.addScriptTag({ content: AXE_SOURCE });
    const violations = await withTimeout(
      page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const result = await axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.map(String) })),
        }));
      }),
      TIMEOUT.axe,
      `axe on ${url}`,
    );
    return violations;
  } finally {
    await withTimeout(page.close(), 10_000, 'closing the axe page').catch(() => {});
  }
}

// ---------------------------------------------------------------- forms

// Field errors of a form made with partials/fields.html: shown, tied to
// their input, and only on the fields expected.
// A missing error summary fails unless `notes` is given (then it is noted).
export async function checkFieldErrors(page, expected, fieldsWithout = [], notes = null) {
  if (!(await page.locator('.form-error[role="alert"]').isVisible())) {
    if (!notes) throw new Error('no error summary');
    const path = new URL(page.url()).pathname.replace(/[A-Za-z0-9_-]{20,}/g, '<token>');
    notes.push(`(not failing) no error summary (.form-error[role="alert"]) on ${path}`);
  }
  for (const [field, message] of Object.entries(expected)) {
    const error = page.locator(`#${field}-error`);
    assert(await error.isVisible(), `no error shown for ${field}`);
    if (message !== null) assertEqual((await error.textContent()).trim(), message, `error for ${field}`);
    assertEqual(await page.getAttribute(`#${field}`, 'aria-invalid'), 'true', `aria-invalid of ${field}`);
    const describedBy = (await page.getAttribute(`#${field}`, 'aria-describedby')) || '';
    assert(describedBy.split(' ').includes(`${field}-error`), `${field} is not described by its error`);
  }
  for (const field of fieldsWithout) {
    assertEqual(await page.locator(`#${field}-error`).count(), 0, `errors shown for ${field}`);
    assertEqual(await page.getAttribute(`#${field}`, 'aria-invalid'), null, `aria-invalid of ${field}`);
  }
}

export async function flashText(page, where) {
  const flash = page.locator('.flash[role="status"]');
  assertEqual(await flash.count(), 1, `flash messages on ${where}`);
  assert(await flash.isVisible(), `the flash on ${where} is not visible`);
  return (await flash.textContent()).trim();
}

export async function logInAs(t, page, who, pageName) {
  await t.visit(page, '/login', `${pageName} form`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await t.submit(page, page.locator('main form button[type="submit"]'), pageName, { path: '/' });
  assertEqual(await flashText(page, `/ after logging in as ${who.email}`), 'You are now logged in.', 'flash');
}

// Fills templates/events/form.html; the page is on /events/create.
export async function fillEventForm(page, event) {
  await page.fill('#title', event.title);
  await page.fill('#description', event.description);
  await page.fill('#begins_on', event.begins);
  await page.fill('#ends_on', event.ends);
  await page.selectOption('#timezone', event.timezone);
  for (const [field, value] of Object.entries(event.address || {})) await page.fill(`#${field}`, value);
  if (event.latitude) await page.fill('#latitude', event.latitude);
  if (event.longitude) await page.fill('#longitude', event.longitude);
  if (event.joinOptions) await page.selectOption('#join_options', event.joinOptions);
  if (event.anonymous) await page.check('#anonymous_participation');
}

// ---------------------------------------------------------------- the run

// Debian's Chromium, and the JavaScript-on context axe runs in.
export async function launchBrowser() {
  harness.browser = await withTimeout(
    chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT.browserLaunch,
      // Our own handlers close the browser *and* zerda (Playwright's would exit at once).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    }),
    TIMEOUT.browserLaunch + 5_000,
    'launching Chromium',
  );
  harness.axeContext = await harness.browser.newContext({
    javaScriptEnabled: true,
    bypassCSP: true,
    viewport: VIEWPORT,
  });
  harness.axeContext.setDefaultTimeout(TIMEOUT.action);
}

// Closes the browser (before the servers stop, so nothing is left loading).
export async function closeBrowser() {
  if (!harness.browser) return;
  const closing = harness.browser;
  harness.browser = null;
  await withTimeout(closing.close(), 15_000, 'closing the browser').catch(() => {});
}

async function cleanup() {
  await closeBrowser();
  for (const fn of harness.cleanups) await Promise.resolve().then(fn).catch(() => {});
  for (const server of harness.servers) {
    await server.stop().catch(() => {});
    server.cleanup();
  }
}

// Ends the run once, whichever way it ends: cleanup, the closing line, exit.
let finishing = null;
function finish(problem) {
  if (!finishing) {
    finishing = (async () => {
      if (problem) {
        console.log(`not ok - run: ${problem}`);
        harness.results.push({ name: 'run', ok: false });
      }
      await withTimeout(cleanup(), 40_000, 'cleanup').catch((e) => console.log(`# ${e.message}`));
      console.log(`# ${((Date.now() - harness.started) / 1000).toFixed(1)} s; screenshots in ${harness.artifacts}`);
      const passed = harness.results.filter((r) => r.ok).length;
      const failed = harness.results.length - passed;
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed > 0 ? 1 : 0);
    })();
  }
  return finishing;
}

// Runs `main` within `whole` ms; on a signal, a timeout, an exception or the
// end, everything is cleaned up and the process exits (1 when a test failed).
export function runMain(main, { whole = TIMEOUT.whole } = {}) {
  const watchdog = setTimeout(() => {
    harness.aborting = 'timeout';
    finish(`did not finish within ${whole / 1000} s`);
  }, whole);

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (harness.aborting) return;
      harness.aborting = signal;
      finish(`interrupted by ${signal}`);
    });
  }

  main()
    .then(() => {
      clearTimeout(watchdog);
      return finish(null);
    })
    .catch((e) => {
      clearTimeout(watchdog);
      return finish(String(e && e.message ? e.message : e).split('\n')[0]);
    });
}
