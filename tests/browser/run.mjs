#!/usr/bin/env node
// Browser journeys of zerda with JavaScript switched off, checked with axe-core.
//
// Starts its own zerda (ZERDA_BIN, default ../../target/debug/zerda) on a free
// loopback port with a fresh data dir, drives Debian's Chromium through
// playwright-core, prints `ok - NAME` / `not ok - NAME: REASON` per test and
// ends with `N passed, N failed`. Exit status 1 when a test failed.
//
// The harness (tests, pages checked with axe-core, the zerda process) is in
// lib.mjs, which also says how axe runs on pages without JavaScript. The "axe
// self-test" runs a deliberately bad page through the same path and fails
// unless axe reports its violations.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  TIMEOUT,
  Zerda,
  assert,
  assertEqual,
  axeCheck,
  checkFieldErrors,
  closeBrowser,
  configure,
  decodeHeader,
  emlFiles,
  fillEventForm,
  flashText,
  harness,
  launchBrowser,
  logInAs,
  mimeParts,
  runMain,
  seenMails,
  sleep,
  test,
  waitForMailLink,
  withTimeout,
} from './lib.mjs';

let zerda = null; // the one zerda of this run (harness.zerda)

const ADMIN = {
  email: 'admin@example.org',
  username: 'admin_1',
  password: 'correct horse battery staple',
};

// A visitor who registers (the registration and password reset journeys).
const USER = {
  email: 'ada@example.org',
  username: 'ada_l',
  displayName: 'Ada Lovelace',
  password: 'analytical engine notes',
  newPassword: 'difference engine number two',
};
// The second profile the same account makes (the profiles journey, in French).
const PROFILE = {
  username: 'atelier_ada',
  displayName: "Atelier d'Ada",
  summary: 'Ateliers de programmation le samedi matin.\n\nOuverts à toutes et à tous, débutants bienvenus.',
};
const USERNAME_RULE = 'A username has at most 30 characters: lowercase letters a to z, digits and _ only.';
const PASSWORD_RULE = 'A password needs at least 8 characters.';

// What each locale shows; the French texts come from locales/fr.po.
const TEXT = {
  en: {
    home: 'Home',
    about: 'About this instance',
    terms: 'Terms of service',
    privacy: 'Privacy policy',
    rules: 'Instance rules',
    login: 'Log in',
    loginError:
      'Your e-mail address or password is not right, or this account cannot log in. ' +
      'If you just registered, confirm your address first with the link we sent you.',
    notFound: 'Page not found',
  },
  fr: {
    home: 'Accueil',
    about: 'À propos de cette instance',
    terms: "Conditions d'utilisation",
    privacy: 'Politique de confidentialité',
    rules: "Règles de l'instance",
    login: 'Se connecter',
    loginError:
      'Votre adresse e-mail ou votre mot de passe est incorrect, ou ce compte ne peut pas se connecter. ' +
      "Si vous venez de vous inscrire, confirmez d'abord votre adresse grâce au lien que nous vous avons envoyé.",
    notFound: 'Page introuvable',
  },
};

// A small valid PNG (8-bit RGB, no alpha), built at run time: no binary
// fixture in the repository. Chunks are length, type, data, CRC-32 of type+data.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

// A width×height picture: a warm gradient with a dark diagonal band, so the
// avatar is easy to recognise on a screenshot.
function makePng(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, no filter, no interlace
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    rows[row] = 0; // filter type: none
    for (let x = 0; x < width; x++) {
      const band = Math.abs(x - y) < width / 8;
      const i = row + 1 + x * 3;
      rows[i] = band ? 40 : 200 + Math.round((55 * x) / width);
      rows[i + 1] = band ? 60 : 90 + Math.round((120 * y) / height);
      rows[i + 2] = band ? 110 : 40;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// What the JS-off page shows of an <img> (page.evaluate works there).
async function imageShown(image) {
  return image.evaluate((img) => ({
    src: img.getAttribute('src'),
    complete: img.complete,
    width: img.naturalWidth,
    height: img.naturalHeight,
  }));
}

// A stored picture fetched from zerda: 200, a picture type, bytes of that type.
async function fetchPicture(path) {
  const response = await withTimeout(fetch(zerda.base + path), TIMEOUT.navigation, `fetching ${path}`);
  assertEqual(response.status, 200, `HTTP status of ${path}`);
  const type = response.headers.get('content-type') || '';
  assert(type === 'image/jpeg' || type === 'image/png', `content-type of ${path}: ${type}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const magic = type === 'image/jpeg' ? [0xff, 0xd8, 0xff] : [0x89, 0x50, 0x4e, 0x47];
  assert(magic.every((b, i) => bytes[i] === b), `${path} is served as ${type} but its bytes are not`);
  return { type, size: bytes.length, headers: response.headers };
}

// ---------------------------------------------------------------- journeys

// A page with known problems, served through the same path as real pages
// (JS-off journey page, then the axe context), under zerda's own CSP.
async function axeSelfTest(t) {
  const page = await t.context({ locale: 'en' });
  const url = `${zerda.base}/__axe-self-test`;
  const bad = `<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8"><title>bad</title></head>
<body><main><h1>Bad page</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#c8c8c8;background:#ffffff">Pale text on white.</p>
<form><input type="text" name="q"></form></main></body></html>`;
  const csp = (await fetch(zerda.base + '/')).headers.get('content-security-policy') || '';
  assert(/default-src 'none'/.test(csp), `zerda's CSP is not what the test expects: ${csp}`);
  await page.route(url, (route) =>
    route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp },
      body: bad,
    }),
  );
  const response = await page.goto(url);
  const violations = await axeCheck(page, response);
  const found = new Map(violations.map((v) => [v.id, v.impact]));
  for (const [id, impact] of [
    ['image-alt', 'critical'],
    ['color-contrast', 'serious'],
    ['label', 'critical'],
  ]) {
    assertEqual(found.get(id), impact, `axe's verdict on a page breaking ${id}`);
  }
  t.notes.push(`axe ${violations.length} violations found on the bad page: ${[...found.keys()].join(', ')}`);
}

async function publicPages(locale) {
  const text = TEXT[locale];
  const pages = [
    ['home', '/', async (page) => {
      const current = page.locator('.site-header nav a[aria-current="page"]');
      assertEqual((await current.textContent()).trim(), text.home, 'current nav link');
    }],
    ['about', '/about/instance', null, text.about],
    ['terms', '/terms', null, text.terms],
    ['privacy', '/privacy', null, text.privacy],
    ['rules', '/rules', null, text.rules],
    ['login', '/login', null, text.login],
  ];
  for (const [name, path, extra, heading] of pages) {
    await test(`pages ${locale}: ${name}`, async (t) => {
      const page = await t.context({ locale });
      await t.visit(page, path, name);
      if (heading) assertEqual((await page.locator('h1').textContent()).trim(), heading, `h1 of ${path}`);
      if (extra) await extra(page);
    });
  }
  await test(`pages ${locale}: wrong login`, async (t) => {
    const page = await t.context({ locale });
    await t.visit(page, '/login', 'login');
    await page.fill('#email', 'nobody@example.org');
    await page.fill('#password', 'not the password');
    await t.submit(page, page.locator('main form button[type="submit"]'), 'wrong login', {
      status: 422,
      path: '/login',
    });
    const error = page.locator('#login-error');
    assert(await error.isVisible(), 'the login error is not shown');
    assertEqual((await error.textContent()).trim(), text.loginError, 'login error text');
    assertEqual(await error.getAttribute('role'), 'alert', 'role of the login error');
    assertEqual(await page.inputValue('#email'), 'nobody@example.org', 'e-mail kept in the form');
    assertEqual(await page.inputValue('#password'), '', 'password field after a failure');
  });
  await test(`pages ${locale}: missing page`, async (t) => {
    const page = await t.context({ locale });
    await t.visit(page, '/no/such/page', 'missing page', { status: 404 });
    assertEqual((await page.locator('h1').textContent()).trim(), text.notFound, 'h1 of the 404 page');
  });
}

let adminState = null; // the logged-in browser state the setup journey ends with

async function setupJourney(t) {
  assert(zerda.setupUrl, 'zerda printed no setup URL');
  const setupPath = new URL(zerda.setupUrl).pathname;
  const page = await t.context({ locale: 'en' });
  await t.visit(page, setupPath, 'setup form');
  assertEqual(
    (await page.locator('h1').textContent()).trim(),
    'Create the first administrator',
    'h1 of the setup page',
  );

  // Invalid input: every field wrong.
  await page.fill('#email', 'not an address');
  await page.fill('#username', 'Admin');
  await page.fill('#password', 'short');
  await t.submit(page, page.locator('main form button[type="submit"]'), 'setup errors', {
    status: 422,
    path: setupPath,
  });
  assert(await page.locator('.form-error[role="alert"]').isVisible(), 'no error summary');
  const expected = {
    email: 'This is not a valid e-mail address.',
    username: USERNAME_RULE,
    password: PASSWORD_RULE,
  };
  for (const [field, message] of Object.entries(expected)) {
    const error = page.locator(`#${field}-error`);
    assert(await error.isVisible(), `no error shown for ${field}`);
    assertEqual((await error.textContent()).trim(), message, `error for ${field}`);
    assertEqual(await page.getAttribute(`#${field}`, 'aria-invalid'), 'true', `aria-invalid of ${field}`);
    const describedBy = (await page.getAttribute(`#${field}`, 'aria-describedby')) || '';
    assert(describedBy.split(' ').includes(`${field}-error`), `${field} is not described by its error`);
  }
  assertEqual(await page.inputValue('#username'), 'Admin', 'username kept in the form');
  assertEqual(await page.inputValue('#password'), '', 'password field after errors');

  // Valid input: lands on /admin, logged in.
  await page.fill('#email', ADMIN.email);
  await page.fill('#username', ADMIN.username);
  await page.fill('#password', ADMIN.password);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'admin after setup', {
    path: '/admin',
  });
  assertEqual(
    (await page.locator('.flash[role="status"]').textContent()).trim(),
    'Welcome! Your administrator account is ready.',
    'flash after setup',
  );
  assert(await page.locator('.site-header button:has-text("Log out")').isVisible(), 'no log-out button');
  adminState = await page.context().storageState();

  // The link works once.
  await t.visit(page, setupPath, 'setup used', { status: 404 });
}

async function adminJourney(t) {
  assert(adminState, 'the setup journey did not leave a logged-in administrator');
  const page = await t.context({ locale: 'en', storageState: adminState });
  await t.visit(page, '/admin', 'dashboard');
  assertEqual((await page.locator('h1').textContent()).trim(), 'Administration', 'h1 of /admin');

  const before = emlFiles(zerda.outbox).length;
  assertEqual(await page.inputValue('#test-mail-email'), ADMIN.email, 'recipient prefilled');
  await t.submit(page, page.locator('form:has(#test-mail-email) button[type="submit"]'), 'test mail sent', {
    path: '/admin',
  });
  assertEqual(
    (await page.locator('.flash[role="status"]').textContent()).trim(),
    'The test e-mail is queued. It is sent in the background.',
    'flash after the test e-mail',
  );
  const deadline = Date.now() + TIMEOUT.mail;
  let files = emlFiles(zerda.outbox);
  while (files.length <= before && Date.now() < deadline) {
    await sleep(200);
    files = emlFiles(zerda.outbox);
  }
  assert(files.length > before, `no .eml file in ${zerda.outbox} after ${TIMEOUT.mail} ms`);
  const mail = readFileSync(files[files.length - 1], 'utf8');
  assert(mail.includes(ADMIN.email), 'the .eml file does not name the recipient');
  t.notes.push(`mail written: ${files.length - before} file(s) in the outbox`);

  // Log out with the header button.
  await t.submit(page, page.locator('.site-header button:has-text("Log out")'), 'logged out', { path: '/' });
  assertEqual(
    (await page.locator('.flash[role="status"]').textContent()).trim(),
    'You are now logged out.',
    'flash after logging out',
  );
  assert(await page.locator('.site-header a:has-text("Log in")').isVisible(), 'no log-in link after logout');
  const dashboard = await page.goto(zerda.base + '/admin');
  assertEqual(new URL(page.url()).pathname, '/login', 'where /admin sends a logged-out visitor');
  assertEqual(dashboard.status(), 200, 'status of the login page /admin redirects to');

  // Log in again through /login.
  await t.visit(page, '/login', 'login again');
  await page.fill('#email', ADMIN.email);
  await page.fill('#password', ADMIN.password);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'logged in', { path: '/' });
  assertEqual(
    (await page.locator('.flash[role="status"]').textContent()).trim(),
    'You are now logged in.',
    'flash after logging in',
  );
  assert(await page.locator('.site-header button:has-text("Log out")').isVisible(), 'no log-out button');
  await t.visit(page, '/admin', 'dashboard again');
}

async function languagePicker(t) {
  const page = await t.context({ locale: 'en' });
  await t.visit(page, '/about/instance', 'about');
  assertEqual((await page.locator('h1').textContent()).trim(), TEXT.en.about, 'h1 in English');
  await page.selectOption('#locale-picker', 'fr');
  page.locale = 'fr'; // what the next page must be in
  await t.submit(page, page.locator('form.locale-form button[type="submit"]'), 'about after switch', {
    path: '/about/instance',
  });
  assertEqual((await page.locator('h1').textContent()).trim(), TEXT.fr.about, 'h1 after switching');
  assertEqual(await page.inputValue('#locale-picker'), 'fr', 'the picker shows the new language');
  // The choice sticks, whatever Accept-Language says.
  await t.visit(page, '/', 'home after switch');
  assertEqual(
    (await page.locator('.site-header nav a[aria-current="page"]').textContent()).trim(),
    TEXT.fr.home,
    'nav in French',
  );
}

// Field errors of a form made with partials/fields.html: shown, tied to

let userState = null; // the browser state the registration journey ends with

async function registrationJourney(t) {
  const page = await t.context({ locale: 'en' });
  await t.visit(page, '/', 'home');
  // The header's link, as a visitor would find the page.
  await t.submit(page, page.locator('.site-header a[href="/register"]'), 'register form', {
    path: '/register',
  });
  assertEqual((await page.locator('h1').textContent()).trim(), 'Create an account', 'h1 of /register');
  assertEqual(
    await page.getAttribute('.site-header a[href="/register"]', 'aria-current'),
    'page',
    'aria-current of the header link on /register',
  );

  // Bad input: capitals in the username, a short password.
  await page.fill('#email', USER.email);
  await page.fill('#username', 'Ada');
  await page.fill('#display_name', USER.displayName);
  await page.fill('#password', 'short');
  await t.submit(page, page.locator('main form button[type="submit"]'), 'register errors', {
    status: 422,
    path: '/register',
  });
  await checkFieldErrors(page, { username: USERNAME_RULE, password: PASSWORD_RULE }, ['email', 'display_name']);
  for (const field of ['username', 'password']) {
    const describedBy = (await page.getAttribute(`#${field}`, 'aria-describedby')) || '';
    assert(describedBy.split(' ').includes(`${field}-hint`), `${field} lost its hint`);
  }
  assertEqual(await page.inputValue('#email'), USER.email, 'e-mail kept in the form');
  assertEqual(await page.inputValue('#username'), 'Ada', 'username kept in the form');
  assertEqual(await page.inputValue('#display_name'), USER.displayName, 'display name kept in the form');
  assertEqual(await page.inputValue('#password'), '', 'password field after errors');

  // Valid input: back to /login with a flash, and a mail on its way.
  const before = seenMails();
  await page.fill('#username', USER.username);
  await page.fill('#password', USER.password);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'registered', { path: '/login' });
  assertEqual(
    await flashText(page, '/login after registering'),
    'Almost done: we sent you an e-mail. Open the link in it to confirm your address.',
    'flash after registering',
  );

  // Not confirmed yet: the login is refused.
  await page.fill('#email', USER.email);
  await page.fill('#password', USER.password);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'login unconfirmed', {
    status: 422,
    path: '/login',
  });
  assertEqual((await page.locator('#login-error').textContent()).trim(), TEXT.en.loginError, 'login error');
  assert(await page.locator('.site-header a[href="/login"]').isVisible(), 'logged in before confirming');

  // The link in the mail.
  const mail = await waitForMailLink(before, USER.email, '/validate/email/');
  t.notes.push(`confirmation mail: "${mail.subject}", text part ${mail.encoding}`);
  const confirmPath = new URL(mail.link).pathname;
  await t.visit(page, confirmPath, 'confirm page');
  assertEqual((await page.locator('h1').textContent()).trim(), 'Confirm your address', 'h1 of the confirm page');
  await t.submit(page, page.locator('main form button:has-text("Confirm my address")'), 'confirmed', {
    path: '/',
  });
  assertEqual(await flashText(page, '/ after confirming'), 'Your address is confirmed. Welcome!', 'flash');
  const userLink = page.locator('.site-header .nav-user a');
  assertEqual(await userLink.getAttribute('href'), '/settings', 'where the display name links');
  assertEqual(
    (await userLink.locator('[dir="auto"]').textContent()).trim(),
    USER.displayName,
    'display name in the header',
  );
  assert(await page.locator('.site-header button:has-text("Log out")').isVisible(), 'no log-out button');
  // The link works once.
  await t.visit(page, confirmPath, 'confirm used', { status: 404 });

  // Settings, through the display name in the header. Clicked on the name:
  // Playwright aims at the link's first box, which is the 1×1 clipped
  // "Settings:" span (.visually-hidden), where the <li> gets the click.
  await t.submit(page, userLink.locator('[dir="auto"]'), 'settings', { path: '/settings' });
  assertEqual(await userLink.getAttribute('aria-current'), 'page', 'aria-current of the header link');
  assertEqual(
    await page.getAttribute('.subnav a[href="/settings"]', 'aria-current'),
    'page',
    'aria-current in the settings navigation',
  );
  assertEqual(await page.inputValue('#locale'), 'en', 'language before the change');
  assertEqual(await page.inputValue('#timezone'), 'Etc/UTC', 'time zone before the change');
  assert((await page.locator('main').textContent()).includes(USER.email), 'the address is not shown');
  await page.selectOption('#locale', 'fr');
  await page.selectOption('#timezone', 'Europe/Paris');
  page.locale = 'fr'; // what the next pages must be in
  await t.submit(page, page.locator('main form[action="/settings"] button[type="submit"]'), 'settings saved', {
    path: '/settings',
  });
  const saved = await flashText(page, '/settings after saving');
  assert(saved.length > 0, 'the flash after saving is empty');
  if (saved === 'Your preferences are saved.') {
    t.notes.push('(not failing) the flash after saving the preferences is still in English');
  }
  assertEqual(await page.inputValue('#locale'), 'fr', 'language after the change');
  assertEqual(await page.inputValue('#timezone'), 'Europe/Paris', 'time zone after the change');
  assertEqual(await page.inputValue('#locale-picker'), 'fr', 'the footer picker follows');
  assertEqual(
    (await page.locator('.site-header nav a[href="/"]').textContent()).trim(),
    TEXT.fr.home,
    'nav in French',
  );

  // The other settings pages, in French.
  for (const [name, path, field] of [
    ['settings email', '/settings/email', '#email'],
    ['settings password', '/settings/password', '#old_password'],
    ['settings delete', '/settings/delete', '#password'],
  ]) {
    await t.visit(page, path, name);
    assertEqual(
      await page.getAttribute(`.subnav a[href="${path}"]`, 'aria-current'),
      'page',
      `aria-current in the settings navigation on ${path}`,
    );
    assertEqual(await page.locator('.subnav a[aria-current]').count(), 1, `current links on ${path}`);
    assert(await page.locator(`main form ${field}`).isVisible(), `no ${field} field on ${path}`);
    assertEqual(await page.locator('h1').count(), 1, `h1 elements on ${path}`);
  }
  userState = await page.context().storageState();
}

async function passwordResetJourney(t) {
  assert(userState, 'the registration journey did not leave a logged-in account');
  const page = await t.context({ locale: 'fr', storageState: userState });
  await t.visit(page, '/', 'home');
  await t.submit(page, page.locator('.site-header button[type="submit"]'), 'logged out', { path: '/' });
  assert((await flashText(page, '/ after logging out')).length > 0, 'empty flash');
  const login = page.locator('.site-header a[href="/login"]');
  assertEqual((await login.textContent()).trim(), TEXT.fr.login, 'log-in link after logging out');

  await t.submit(page, login, 'login', { path: '/login' });
  await t.submit(page, page.locator('main a[href="/password-reset"]'), 'reset request', {
    path: '/password-reset',
  });
  // A wrong address first.
  await page.fill('#email', 'ada at example.org');
  await t.submit(page, page.locator('main form button[type="submit"]'), 'reset request error', {
    status: 422,
    path: '/password-reset',
  });
  const error = page.locator('#email-error');
  assert(await error.isVisible(), 'no error for the address');
  assertEqual(await page.getAttribute('#email', 'aria-invalid'), 'true', 'aria-invalid of email');
  assertEqual(await page.inputValue('#email'), 'ada at example.org', 'address kept in the form');

  const before = seenMails();
  await page.fill('#email', USER.email);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'reset requested', { path: '/login' });
  assert((await flashText(page, '/login after the request')).length > 0, 'empty flash');

  const mail = await waitForMailLink(before, USER.email, '/password-reset/');
  t.notes.push(`reset mail: "${mail.subject}", text part ${mail.encoding}`);
  const resetPath = new URL(mail.link).pathname;
  await t.visit(page, resetPath, 'reset form');
  await page.fill('#password', 'short');
  await t.submit(page, page.locator('main form button[type="submit"]'), 'reset form error', {
    status: 422,
    path: resetPath,
  });
  // templates/accounts/reset.html has no error summary, unlike the other forms.
  await checkFieldErrors(page, { password: null }, [], t.notes);
  assertEqual(await page.inputValue('#password'), '', 'password field after an error');
  await page.fill('#password', USER.newPassword);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'password set', { path: '/login' });
  assert((await flashText(page, '/login after the reset')).length > 0, 'empty flash');
  // The link works once.
  await t.visit(page, resetPath, 'reset used', { status: 404 });

  // The old password no longer works; the new one does.
  await t.visit(page, '/login', 'login old password');
  await page.fill('#email', USER.email);
  await page.fill('#password', USER.password);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'old password refused', {
    status: 422,
    path: '/login',
  });
  assertEqual((await page.locator('#login-error').textContent()).trim(), TEXT.fr.loginError, 'login error');
  await page.fill('#password', USER.newPassword);
  await t.submit(page, page.locator('main form button[type="submit"]'), 'logged in', { path: '/' });
  assert((await flashText(page, '/ after logging in')).length > 0, 'empty flash');
  assertEqual(
    (await page.locator('.site-header .nav-user a [dir="auto"]').textContent()).trim(),
    USER.displayName,
    'display name in the header',
  );
  resetState = await page.context().storageState();
}

let resetState = null; // the browser state the password reset journey ends with (logged in again)

const MEDIA_PATH = /^\/media\/[A-Za-z0-9_-]{43}\.(jpg|png)$/;

async function profilesJourney(t) {
  assert(resetState, 'the password reset journey did not leave a logged-in account');
  const files = mkdtempSync(join(tmpdir(), 'zerda-uploads-'));
  try {
    await profilesSteps(t, files);
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}

async function profilesSteps(t, files) {
  const page = await t.context({ locale: 'fr', storageState: resetState });
  const header = page.locator('.site-header .nav-user a [dir="auto"]');
  const items = page.locator('main .profile-list > li');
  const itemOf = (username) => items.filter({ has: page.locator('.muted', { hasText: `@${username}` }) });

  // The list, reached through the settings navigation: the first profile only.
  await t.visit(page, '/settings', 'settings');
  await t.submit(page, page.locator('.subnav a[href="/settings/profiles"]'), 'profiles', {
    path: '/settings/profiles',
  });
  assertEqual(
    await page.getAttribute('.subnav a[href="/settings/profiles"]', 'aria-current'),
    'page',
    'aria-current in the settings navigation',
  );
  assertEqual(await items.count(), 1, 'profiles listed at first');
  const first = itemOf(USER.username);
  assertEqual((await first.locator('strong').textContent()).trim(), USER.displayName, 'first profile name');
  assertEqual((await first.locator('.badge-current').textContent()).trim(), 'actuel', 'badge of the current profile');
  assertEqual((await first.locator('.badge-default').textContent()).trim(), 'par défaut', 'the first profile is the default');
  assertEqual(await first.locator('button').count(), 0, 'buttons beside the only profile');

  // A second profile, with an avatar through the file input.
  const avatarFile = join(files, 'avatar.png');
  writeFileSync(avatarFile, makePng(96, 96));
  await page.fill('#username', PROFILE.username);
  await page.fill('#display_name', PROFILE.displayName);
  await page.fill('#summary', PROFILE.summary);
  await page.setInputFiles('#avatar', avatarFile);
  await t.submit(page, page.locator('main form button:has-text("Créer le profil")'), 'profile created', {
    path: '/settings/profiles',
  });
  assertEqual(await flashText(page, '/settings/profiles after creating'), 'Le nouveau profil est prêt.', 'flash');
  assertEqual(await items.count(), 2, 'profiles listed after creating');
  const second = itemOf(PROFILE.username);
  assertEqual(await second.count(), 1, `list items for @${PROFILE.username}`);
  assertEqual((await second.locator('strong').textContent()).trim(), PROFILE.displayName, 'new profile name');
  const listed = await imageShown(second.locator('img.avatar-small'));
  assert(MEDIA_PATH.test(listed.src), `avatar src in the list: ${listed.src}`);
  assert(listed.complete && listed.width > 0, `the avatar in the list did not load (${JSON.stringify(listed)})`);
  assertEqual(await second.locator('img.avatar-small').getAttribute('alt'), '', 'alt of the list avatar');
  assertEqual(await first.locator('img').count(), 0, 'avatar of the first profile (none uploaded)');
  const picture = await fetchPicture(listed.src);
  t.notes.push(
    `avatar stored as ${picture.type}, ${listed.width}×${listed.height}, ${picture.size} bytes (sent: a 96×96 PNG)`,
  );
  assertEqual(listed.width, listed.height, 'the avatar is square');

  // Act as it: the header follows.
  await t.submit(page, second.locator(`button:has-text("Utiliser ${PROFILE.username}")`), 'switched', {
    path: '/settings/profiles',
  });
  assertEqual(await flashText(page, '/settings/profiles after switching'), 'Vous utilisez désormais ce profil.', 'flash');
  assertEqual((await header.textContent()).trim(), PROFILE.displayName, 'display name in the header');
  assertEqual((await second.locator('.badge-current').textContent()).trim(), 'actuel', 'badge after switching');
  assertEqual(await first.locator('.badge-current').count(), 0, 'badge left on the first profile');
  assertEqual(await second.locator('button:has-text("Utiliser")').count(), 0, 'act-as button on the current one');

  // Its public page, through the list's link.
  await t.submit(page, second.locator('a:has-text("Page publique")'), 'public page', {
    path: `/@${PROFILE.username}`,
  });
  assertEqual((await page.locator('main h1').textContent()).trim(), PROFILE.displayName, 'h1 of the public page');
  const shown = await imageShown(page.locator('main .profile img.avatar'));
  assertEqual(shown.src, listed.src, 'avatar on the public page');
  assert(shown.complete && shown.width > 0, `the avatar on the public page did not load (${JSON.stringify(shown)})`);
  await fetchPicture(shown.src);
  assertEqual(await page.locator('main .profile img.banner').count(), 0, 'banner (none uploaded)');
  const article = (await page.locator('main .profile').textContent()).replace(/\s+/g, ' ');
  for (const paragraph of PROFILE.summary.split('\n\n')) {
    assert(article.includes(paragraph), `the description is not shown: "${paragraph}"`);
  }
  assert(article.includes(`@${PROFILE.username}@`), 'the handle is not shown');

  // The edit page: a text file named .png as banner is refused.
  await t.visit(page, '/settings/profiles', 'profiles again');
  await t.submit(page, second.locator(`a:has-text("Modifier ${PROFILE.username}")`), 'edit form', {
    path: `/settings/profiles/${PROFILE.username}`,
  });
  assertEqual((await page.locator('h1').textContent()).trim(), `Modifier ${PROFILE.username}`, 'h1 of the edit page');
  assertEqual(await page.inputValue('#display_name'), PROFILE.displayName, 'display name in the edit form');
  assertEqual(await page.inputValue('#summary'), PROFILE.summary, 'description in the edit form');
  assertEqual(await page.locator('main form #username').count(), 0, 'username field on the edit page');
  const current = await imageShown(page.locator('main img.avatar'));
  assertEqual(current.src, listed.src, 'current avatar on the edit page');
  assert(current.width > 0, 'the current avatar on the edit page did not load');
  const textFile = join(files, 'notes.txt');
  writeFileSync(textFile, 'Pas une image : juste du texte.\n');
  const fakePng = join(files, 'banniere.png');
  renameSync(textFile, fakePng);
  await page.fill('#display_name', `${PROFILE.displayName} (modifié)`);
  await page.setInputFiles('#banner', fakePng);
  await t.submit(page, page.locator('main form button:has-text("Enregistrer")'), 'edit errors', {
    status: 422,
    path: `/settings/profiles/${PROFILE.username}`,
  });
  await checkFieldErrors(
    page,
    { banner: 'Seules les images JPEG, PNG, WebP et GIF peuvent être envoyées.' },
    ['display_name', 'summary', 'avatar'],
  );
  const bannerHelp = ((await page.getAttribute('#banner', 'aria-describedby')) || '').split(' ');
  assert(bannerHelp.includes('banner-hint'), 'the banner lost its hint');
  assertEqual(await page.inputValue('#display_name'), `${PROFILE.displayName} (modifié)`, 'display name kept');
  assertEqual(await page.inputValue('#summary'), PROFILE.summary, 'description kept');
  // Nothing was saved.
  const publicHtml = await (
    await withTimeout(fetch(`${zerda.base}/@${PROFILE.username}`), TIMEOUT.navigation, 'fetching the public page')
  ).text();
  assert(!publicHtml.includes('class="banner"'), 'a banner appeared after the refused upload');
  assert(!publicHtml.includes('(modifié)'), 'the display name changed after the refused form');

  // Delete it (the profile this session acts as): one profile again.
  await t.submit(page, page.locator('main a[href="/settings/profiles"]'), 'profiles before delete', {
    path: '/settings/profiles',
  });
  await t.submit(page, second.locator(`button:has-text("Supprimer ${PROFILE.username}")`), 'profile deleted', {
    path: '/settings/profiles',
  });
  assertEqual(await flashText(page, '/settings/profiles after deleting'), 'Le profil a été supprimé.', 'flash');
  assertEqual(await items.count(), 1, 'profiles listed after deleting');
  assertEqual(await second.count(), 0, 'the deleted profile is still listed');
  assertEqual((await first.locator('.badge-current').textContent()).trim(), 'actuel', 'badge after deleting');
  assertEqual(await first.locator('button').count(), 0, 'buttons beside the only profile');
  assertEqual((await header.textContent()).trim(), USER.displayName, 'display name in the header after deleting');
  await t.visit(page, `/@${PROFILE.username}`, 'deleted public page', { status: 404 });
  const orphan = await withTimeout(fetch(zerda.base + listed.src), TIMEOUT.navigation, 'fetching the old avatar');
  if (orphan.status === 200) {
    t.notes.push(`(not failing) the deleted profile's avatar is still served: ${listed.src} answers 200`);
  }
}

// ---------------------------------------------------------------- events

// The organiser is the administrator of the setup journey (logged in again
// here); the guest registers in this journey, lives in Paris and gets a name
// in Cyrillic, so the PDF export has to carry a non-Latin script.
const GUEST = {
  email: 'dmitri@example.org',
  username: 'dmitri_s',
  firstName: 'Dmitri Shostakovich',
  displayName: 'Дмитрий Шостакович',
  password: 'leningrad symphony seven',
};
const VISITOR = { email: 'walk-in@example.net', message: 'I will bring a friend.' };
// June 2027: British Summer Time in London, CEST in Paris.
const EVENT = {
  title: 'Canal walk and picnic',
  description: "A slow walk along the **Regent's Canal**, then a picnic by the water.\n\nBring something to share.",
  begins: '2027-06-12T12:00',
  ends: '2027-06-12T15:00',
  timezone: 'Europe/London',
  address: {
    address_description: 'Granary Square',
    address_street: '1 Granary Square',
    address_postal_code: 'N1C 4AA',
    address_locality: 'London',
    address_country: 'United Kingdom',
  },
  latitude: '51.5381',
  longitude: '-0.1025',
  anonymous: true,
  // As event pages write them (time::span): the date in words, 24-hour times, the zone.
  london: 'Saturday 12 June 2027, 12:00 – 15:00 BST',
  paris: 'Saturday 12 June 2027, 13:00 – 16:00 CEST',
  startUtc: '2027-06-12T11:00:00+00:00',
  endUtc: '2027-06-12T14:00:00+00:00',
};
const APPROVAL_EVENT = {
  title: 'Bookbinding workshop',
  description: 'Sew a notebook by hand. Six places, so the organiser approves each participant.',
  begins: '2027-06-19T10:00',
  ends: '2027-06-19T12:00',
  timezone: 'Europe/London',
  joinOptions: 'restricted',
};
const EVENT_PATH = /^\/events\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// What the events journey passes from one test to the next.
const events = { organiserState: null, guestState: null, path: null, approvalPath: null };

// A folder for downloaded files, removed afterwards.
async function withTempDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'zerda-downloads-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A file through the browser context (its cookies, no page: JS-off pages
// cannot save a download by themselves). Returns { bytes, headers }.
async function download(page, path, contentType) {
  const response = await page.context().request.get(zerda.base + path, { timeout: TIMEOUT.navigation });
  assertEqual(response.status(), 200, `HTTP status of ${path}`);
  const headers = response.headers();
  assertEqual((headers['content-type'] || '').split(';')[0], contentType, `content-type of ${path}`);
  return { bytes: await response.body(), headers };
}

function runTool(file, args, what) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${what} failed: ${String(e.stderr || e.message).trim().split('\n').slice(-1)[0]}`);
  }
}

// Publishes the filled form; returns the new event's path.
async function publishEvent(t, page, pageName) {
  await t.submit(page, page.locator('main form button[name="draft"][value="false"]'), pageName);
  const path = new URL(page.url()).pathname;
  assert(EVENT_PATH.test(path), `where publishing leads: ${path}`);
  assertEqual(await flashText(page, `${path} after publishing`), 'The event is published.', 'flash after publishing');
  return path;
}

const whenOf = (page) => page.locator('main .event-facts dd').first();
const statusLine = (page) => page.locator('main .participation .status-line');
const goingLine = (page) => page.locator('main .participation > p').first();

async function eventsPublish(t) {
  const page = await t.context({ locale: 'en' });
  await logInAs(t, page, ADMIN, 'organiser logged in');
  // The home page's button, as an organiser would find the form.
  await t.submit(page, page.locator('main a[href="/events/create"]'), 'new event form', { path: '/events/create' });
  assertEqual((await page.locator('h1').textContent()).trim(), 'New event', 'h1 of /events/create');
  await fillEventForm(page, EVENT);
  const path = await publishEvent(t, page, 'event published');
  events.path = path;

  assertEqual((await page.locator('main h1').textContent()).trim(), EVENT.title, 'h1 of the event page');
  const time = page.locator('main .event-facts time');
  assertEqual((await time.textContent()).trim(), EVENT.london, 'time of the event, in London');
  assertEqual(await time.getAttribute('datetime'), EVENT.startUtc, 'datetime attribute of <time>');
  const when = (await whenOf(page).textContent()).replace(/\s+/g, ' ').trim();
  assert(when.includes('(Europe/London)'), `the event's zone is not named: "${when}"`);
  const own = when.match(/In your time zone: (.*)$/)?.[1];
  t.notes.push(`organiser (${ADMIN.username}) sees: "${when}"`);
  if (own) assert(!own.includes('BST'), `"In your time zone" repeats the event's zone: ${own}`);

  const address = (await page.locator('main .event-facts address').innerText()).split('\n').map((l) => l.trim());
  for (const value of Object.values(EVENT.address)) {
    assert(address.includes(value), `address line "${value}" not shown (shown: ${address.join(' | ')})`);
  }
  const map = page.locator('main .event-facts a', { hasText: 'See on OpenStreetMap' });
  assertEqual(await map.count(), 1, 'OpenStreetMap links');
  const mapUrl = new URL(await map.getAttribute('href'));
  assertEqual(mapUrl.host, 'www.openstreetmap.org', 'host of the map link');
  assertEqual(mapUrl.searchParams.get('mlat'), EVENT.latitude, 'latitude in the map link');
  assertEqual(mapUrl.searchParams.get('mlon'), EVENT.longitude, 'longitude in the map link');

  const description = await page.locator('main .rich-text strong').textContent();
  assertEqual(description, "Regent's Canal", 'Markdown of the description');
  assertEqual((await statusLine(page).textContent()).trim(), 'You organise this event.', 'status line');
  assertEqual((await goingLine(page).textContent()).trim(), '1 person going', 'people going at first');
  const ics = page.locator('main a', { hasText: 'Add to my calendar (.ics)' });
  assertEqual(await ics.getAttribute('href'), `${path}/export/ics`, 'link to the .ics file');

  // The schema.org data block: valid JSON, the same instant.
  const ld = JSON.parse(await page.locator('script[type="application/ld+json"]').textContent());
  assertEqual(ld['@type'], 'Event', 'schema.org type');
  assertEqual(ld.name, EVENT.title, 'schema.org name');
  assertEqual(new Date(ld.startDate).toISOString(), new Date(EVENT.startUtc).toISOString(), 'schema.org startDate');
  events.organiserState = await page.context().storageState();
}

async function eventsGuest(t) {
  assert(events.path, 'no event was published');
  const page = await t.context({ locale: 'en' });

  // A new account, as in the registration journey.
  await t.visit(page, '/register', 'guest register form');
  await page.fill('#email', GUEST.email);
  await page.fill('#username', GUEST.username);
  await page.fill('#display_name', GUEST.firstName);
  await page.fill('#password', GUEST.password);
  const before = seenMails();
  await t.submit(page, page.locator('main form button[type="submit"]'), 'guest registered', { path: '/login' });
  const mail = await waitForMailLink(before, GUEST.email, '/validate/email/');
  await t.visit(page, new URL(mail.link).pathname, 'guest confirm page');
  await t.submit(page, page.locator('main form button:has-text("Confirm my address")'), 'guest confirmed', {
    path: '/',
  });
  assertEqual(await flashText(page, '/ after confirming'), 'Your address is confirmed. Welcome!', 'flash');

  // Paris time, and a name in Cyrillic.
  await t.visit(page, '/settings', 'guest settings');
  await page.selectOption('#timezone', 'Europe/Paris');
  await t.submit(page, page.locator('main form[action="/settings"] button[type="submit"]'), 'guest settings saved', {
    path: '/settings',
  });
  assertEqual(await flashText(page, '/settings after saving'), 'Your preferences are saved.', 'flash');
  assertEqual(await page.inputValue('#timezone'), 'Europe/Paris', 'time zone after saving');
  await t.visit(page, `/settings/profiles/${GUEST.username}`, 'guest profile edit');
  await page.fill('#display_name', GUEST.displayName);
  await t.submit(page, page.locator('main form button:has-text("Save")'), 'guest profile saved', {
    path: '/settings/profiles',
  });
  assertEqual(await flashText(page, '/settings/profiles after saving'), 'The profile is saved.', 'flash');
  assertEqual(
    (await page.locator('.site-header .nav-user a [dir="auto"]').textContent()).trim(),
    GUEST.displayName,
    'display name in the header',
  );

  // Found by a word of it (no accents needed), from the header's search link.
  await page.locator('.site-header nav a[href="/search"]').click();
  await page.fill('#q', 'granary canal');
  await t.submit(page, page.locator('main form[role="search"] button[type="submit"]'), 'search results', {
    path: '/search',
  });
  const found = page.locator(`main .event-list a[href="${events.path}"]`);
  assertEqual((await found.textContent()).trim(), EVENT.title, 'the event in the search results');
  // A handle on another server is offered a lookup button (the search itself fetches nothing).
  await page.fill('#q', '@someone@mobilizon.example');
  await t.submit(page, page.locator('main form[role="search"] button[type="submit"]'), 'search for a handle', {
    path: '/search',
  });
  assert(await page.getByRole('button', { name: 'Look up @someone@mobilizon.example' }).isVisible(), 'no lookup button');

  // The event in both zones.
  await t.visit(page, events.path, 'event in paris time');
  assertEqual((await page.locator('main .event-facts time').textContent()).trim(), EVENT.london, 'London time');
  const when = (await whenOf(page).textContent()).replace(/\s+/g, ' ').trim();
  assert(when.includes(`In your time zone: ${EVENT.paris}`), `no Paris time in "${when}"`);

  // Going (free participation): one click.
  await page.fill('#join-message', 'До встречи!');
  await t.submit(page, page.getByRole('button', { name: 'Participate', exact: true }), 'guest going', {
    path: events.path,
  });
  assertEqual(await flashText(page, `${events.path} after joining`), 'You are going. See you there!', 'flash');
  assertEqual((await statusLine(page).textContent()).trim(), 'You are going.', 'status line');
  assertEqual((await goingLine(page).textContent()).trim(), '2 people going', 'people going');
  events.guestState = await page.context().storageState();
}

async function eventsAnonymous(t) {
  assert(events.path, 'no event was published');
  const page = await t.context({ locale: 'en' });
  await t.visit(page, events.path, 'event for a visitor');
  const goingBefore = (await goingLine(page).textContent()).trim();
  const countBefore = Number(goingBefore.match(/^(\d+) (person|people) going$/)?.[1]);
  assert(countBefore >= 1, `people going before: "${goingBefore}"`);
  assert(await page.locator('main a', { hasText: 'Log in to participate' }).isVisible(), 'no log-in link');
  assertEqual(
    (await page.locator('main .participation h3').textContent()).trim(),
    'Participate without an account',
    'heading of the form without account',
  );
  await page.fill('#anonymous-email', VISITOR.email);
  await page.fill('#anonymous-message', VISITOR.message);
  const before = seenMails();
  await t.submit(page, page.getByRole('button', { name: 'Participate', exact: true }), 'visitor mail sent', {
    path: `${events.path}/join/email`,
  });
  const notice = (await page.locator('main .notice[role="status"]').textContent()).replace(/\s+/g, ' ');
  assert(notice.includes(`We sent a message to ${VISITOR.email}.`), `what the page says: "${notice.trim()}"`);

  const mail = await waitForMailLink(before, VISITOR.email, '/participation/email/confirm/');
  t.notes.push(`participation mail: "${decodeHeader(mail.subject)}", text part ${mail.encoding}`);
  const confirmPath = new URL(mail.link).pathname;
  await t.visit(page, confirmPath, 'participation confirm page');
  assertEqual((await page.locator('h1').textContent()).trim(), 'Confirm my participation', 'h1 of the link page');
  // Opening the link changed nothing.
  const html = await (await withTimeout(fetch(zerda.base + events.path), TIMEOUT.navigation, 'event page')).text();
  assert(html.includes(`<p>${goingBefore}`), `opening the confirmation link changed "${goingBefore}"`);

  const confirmed = seenMails();
  await t.submit(page, page.locator('main form button:has-text("Confirm my participation")'), 'visitor confirmed', {
    path: events.path,
  });
  assertEqual(
    await flashText(page, `${events.path} after confirming`),
    'Your participation is confirmed. A mail with a cancellation link is on its way.',
    'flash after confirming',
  );
  assertEqual((await goingLine(page).textContent()).trim(), `${countBefore + 1} people going`, 'people going');
  // Then a mail with the cancellation link: /participation/email/cancel/<participation>/<token>.
  const cancel = await waitForMailLink(confirmed, VISITOR.email, '/participation/email/cancel/');
  const cancelText = mimeParts(readFileSync(cancel.file, 'utf8')).find((p) => p.type === 'text/plain').text;
  assert(
    /\/participation\/email\/cancel\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{20,}/.test(cancelText),
    'no whole cancellation link in the mail after confirming',
  );
  t.notes.push(`cancellation mail: "${decodeHeader(cancel.subject)}"`);
  // The link works once. Its page may still show the button (it does not
  // look the token up); the button then refuses.
  const invalid = 'This link is not valid: it was already used, or it expired.';
  page.failedSubresources.length = 0;
  const again = await page.goto(zerda.base + confirmPath, { waitUntil: 'load' });
  if (again.status() === 200) {
    t.notes.push(
      '(not failing) a used participation confirmation link still opens a page with the button (200), ' +
        'where used registration and reset links answer 404',
    );
    await t.check(page, again, 'participation confirm used', { status: 200 });
    await t.submit(page, page.locator('main form button:has-text("Confirm my participation")'), 'participation confirm refused', {
      status: 404,
      path: confirmPath,
    });
  } else {
    await t.check(page, again, 'participation confirm used', { status: 404 });
  }
  assertEqual((await page.locator('main p').first().textContent()).trim(), invalid, 'text for a used link');
  assertEqual(await page.locator('main form button').count(), 0, 'buttons for a used link');
}

async function eventsParticipants(t) {
  assert(events.organiserState && events.guestState, 'the earlier events tests did not finish');
  const page = await t.context({ locale: 'en', storageState: events.organiserState });
  await t.visit(page, events.path, 'event with participants');
  const participantsPath = `${events.path}/participants`;
  await t.submit(page, page.locator('main .organiser-tools a', { hasText: 'Participants' }), 'participants', {
    path: participantsPath,
  });
  assertEqual((await page.locator('h1').textContent()).trim(), 'Participants', 'h1 of the participants page');
  assertEqual(
    (await page.locator('main .subnav a[aria-current="page"]').textContent()).trim(),
    'Going',
    'current filter',
  );
  const rows = page.locator('main table tbody tr');
  assertEqual(await rows.count(), 3, 'people going listed');
  const names = (await rows.locator('td:first-child').allTextContents()).map((n) => n.replace(/\s+/g, ' ').trim());
  assert(names.includes('Anonymous participant'), `no anonymous participant in ${JSON.stringify(names)}`);
  assert(
    names.includes(`${GUEST.displayName} @${GUEST.username}`),
    `the guest is not listed by name and handle: ${JSON.stringify(names)}`,
  );
  const main = await page.locator('main').textContent();
  assert(!main.includes(VISITOR.email), 'the anonymous participant’s e-mail address is shown');
  assert(main.includes(VISITOR.message), 'the anonymous participant’s message is not shown');

  const links = {};
  for (const format of ['csv', 'ods', 'pdf']) {
    const href = await page.locator('main a', { hasText: new RegExp(`^${format}$`, 'i') }).getAttribute('href');
    assertEqual(href, `${participantsPath}/export/${format}?role=going`, `${format.toUpperCase()} link`);
    links[format] = href;
  }

  const csv = await download(page, links.csv, 'text/csv');
  assert(/attachment/.test(csv.headers['content-disposition'] || ''), 'the CSV is not sent as an attachment');
  const csvText = csv.bytes.toString('utf8');
  for (const expected of ['Anonymous participant', GUEST.displayName, VISITOR.message]) {
    assert(csvText.includes(expected), `"${expected}" is not in the CSV`);
  }
  assert(!csvText.includes(VISITOR.email), 'the anonymous e-mail address is in the CSV');

  await withTempDir(async (dir) => {
    const ods = await download(page, links.ods, 'application/vnd.oasis.opendocument.spreadsheet');
    const head = ods.bytes.subarray(0, 100).toString('latin1');
    assert(head.startsWith('PK\x03\x04'), 'the ODS file is not a ZIP');
    assert(
      head.includes('mimetypeapplication/vnd.oasis.opendocument.spreadsheet'),
      'the ODS file does not start with its uncompressed mimetype entry',
    );
    const odsFile = join(dir, 'participants.ods');
    writeFileSync(odsFile, ods.bytes);
    const zip = JSON.parse(
      runTool(
        '/usr/bin/python3',
        [
          '-c',
          'import json, sys, zipfile\n' +
            'z = zipfile.ZipFile(sys.argv[1])\n' +
            'assert z.testzip() is None\n' +
            'first = z.infolist()[0]\n' +
            'print(json.dumps({"first": first.filename, "stored": first.compress_type == zipfile.ZIP_STORED,' +
            ' "content": z.read("content.xml").decode("utf-8")}))',
          odsFile,
        ],
        'reading the ODS with python3 zipfile',
      ),
    );
    assertEqual(zip.first, 'mimetype', 'first entry of the ODS');
    assert(zip.stored, 'the mimetype entry of the ODS is compressed');
    for (const expected of ['Anonymous participant', GUEST.displayName]) {
      assert(zip.content.includes(expected), `"${expected}" is not in the ODS content.xml`);
    }

    const pdf = await download(page, links.pdf, 'application/pdf');
    assert(pdf.bytes.subarray(0, 5).toString('latin1') === '%PDF-', 'the PDF does not start with %PDF-');
    const pdfFile = join(dir, 'participants.pdf');
    writeFileSync(pdfFile, pdf.bytes);
    const text = runTool('pdftotext', ['-enc', 'UTF-8', pdfFile, '-'], 'pdftotext').replace(/\s+/g, ' ');
    for (const expected of ['Anonymous participant', GUEST.displayName, EVENT.title]) {
      assert(text.includes(expected), `"${expected}" is not in the PDF text: "${text.slice(0, 300)}"`);
    }
    t.notes.push(`exports: CSV ${csv.bytes.length} B, ODS ${ods.bytes.length} B, PDF ${pdf.bytes.length} B`);
  });
}

async function eventsApproval(t) {
  assert(events.organiserState && events.guestState, 'the earlier events tests did not finish');
  const organiser = await t.context({ locale: 'en', storageState: events.organiserState });
  const guest = await t.context({ locale: 'en', storageState: events.guestState });

  await t.visit(organiser, '/events/create', 'new approval event form');
  await fillEventForm(organiser, APPROVAL_EVENT);
  const path = await publishEvent(t, organiser, 'approval event published');
  events.approvalPath = path;

  await t.visit(guest, path, 'approval event for the guest');
  assertEqual(
    (await guest.locator('main .participation .hint').textContent()).trim(),
    'The organisers approve each participant.',
    'hint beside the button',
  );
  await t.submit(guest, guest.getByRole('button', { name: 'Ask to participate', exact: true }), 'guest asked', {
    path,
  });
  assertEqual(
    await flashText(guest, `${path} after asking`),
    'Your request is sent. The organisers will approve it or not.',
    'flash after asking',
  );
  assertEqual(
    (await statusLine(guest).textContent()).trim(),
    "Your request waits for the organisers' approval.",
    'status line while waiting',
  );

  await t.visit(organiser, path, 'approval event with a request');
  assertEqual(
    (await organiser.locator('main .participation a', { hasText: 'request waiting' }).textContent()).trim(),
    '1 request waiting',
    'requests waiting',
  );
  await t.submit(organiser, organiser.locator('main .organiser-tools a', { hasText: 'Participants' }), 'approval participants', {
    path: `${path}/participants`,
  });
  await t.submit(organiser, organiser.locator('main .subnav a', { hasText: 'Waiting for approval' }), 'waiting for approval', {
    path: `${path}/participants`,
  });
  assertEqual(new URL(organiser.url()).search, '?role=pending', 'query of the filter');
  const row = organiser.locator('main table tbody tr', { hasText: `@${GUEST.username}` });
  assertEqual(await row.count(), 1, 'rows for the guest among those waiting');
  const before = seenMails();
  await t.submit(organiser, row.getByRole('button', { name: 'Approve', exact: true }), 'guest approved', {
    path: `${path}/participants`,
  });
  assertEqual(
    await flashText(organiser, `${path}/participants after approving`),
    'The participant is approved and told by e-mail.',
    'flash after approving',
  );

  const mail = await waitForMailLink(before, GUEST.email, '/events/');
  const subject = decodeHeader(mail.subject);
  assert(subject.includes('is approved'), `subject of the mail to the guest: "${subject}"`);
  assert(subject.includes(APPROVAL_EVENT.title), `the mail does not name the event: "${subject}"`);
  assertEqual(new URL(mail.link).pathname, path, 'the link in the approval mail');
  t.notes.push(`approval mail: "${subject}"`);

  await t.visit(guest, path, 'approval event guest going');
  assertEqual((await statusLine(guest).textContent()).trim(), 'You are going.', 'status line after approval');
}

async function eventsCalendarFile(t) {
  assert(events.path, 'no event was published');
  const page = await t.context({ locale: 'en' });
  await t.visit(page, events.path, 'event for the calendar');
  const href = await page.locator('main a', { hasText: 'Add to my calendar (.ics)' }).getAttribute('href');
  const ics = await download(page, href, 'text/calendar');
  await withTempDir(async (dir) => {
    const file = join(dir, 'event.ics');
    writeFileSync(file, ics.bytes);
    const parsed = JSON.parse(
      runTool(
        '/usr/bin/python3',
        [
          '-c',
          'import datetime, icalendar, json, sys\n' +
            'cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())\n' +
            'found = cal.walk("VEVENT")\n' +
            'out = {"count": len(found)}\n' +
            'if found:\n' +
            '    e = found[0]\n' +
            '    def utc(name):\n' +
            '        d = e.decoded(name) if name in e else None\n' +
            '        if d is None: return None\n' +
            '        if getattr(d, "tzinfo", None) is None: return "floating " + d.isoformat()\n' +
            '        return d.astimezone(datetime.timezone.utc).isoformat()\n' +
            '    out.update(start=utc("DTSTART"), end=utc("DTEND"), summary=str(e.get("SUMMARY")),\n' +
            '               location=str(e.get("LOCATION", "")), url=str(e.get("URL", "")))\n' +
            'print(json.dumps(out))',
          file,
        ],
        'reading the .ics with python3-icalendar',
      ),
    );
    assertEqual(parsed.count, 1, 'VEVENTs in the .ics');
    assertEqual(parsed.start, EVENT.startUtc, 'DTSTART in UTC');
    assertEqual(parsed.end, EVENT.endUtc, 'DTEND in UTC');
    assertEqual(parsed.summary, EVENT.title, 'SUMMARY');
    assert(parsed.location.includes(EVENT.address.address_locality), `LOCATION: ${parsed.location}`);
    assertEqual(parsed.url, zerda.base + events.path, 'URL of the event');
  });
}

// ---------------------------------------------------------------- groups

const GROUP = {
  username: 'riverside_climbers',
  name: 'Riverside Climbers',
  summary: 'Weekly **bouldering** meetups by the river.',
};
const GROUP_EVENT = {
  title: 'Evening bouldering session',
  description: 'Bring chalk and shoes.',
  begins: '2027-06-24T19:00',
  ends: '2027-06-24T21:30',
  timezone: 'Europe/London',
};

// The administrator founds a moderated group; Ada asks to join, is approved
// and made a moderator, drafts an event for the group and publishes it.
async function groupsJourney(t) {
  assert(events.organiserState && resetState, 'earlier journeys left no logged-in administrator or user');
  const group = `/@${GROUP.username}`;
  const admin = await t.context({ locale: 'en', storageState: events.organiserState });
  await t.visit(admin, '/groups/me', 'my groups, none yet');
  await t.submit(admin, admin.locator('main a[href="/groups/create"]'), 'new group form', { path: '/groups/create' });
  // A username that breaks the rule is explained and creates nothing.
  await admin.fill('#username', 'Riverside Climbers');
  await admin.fill('#name', GROUP.name);
  await t.submit(admin, admin.locator('main form button[type="submit"]'), 'group form with an error', { status: 422 });
  await checkFieldErrors(admin, { username: USERNAME_RULE }, ['name']);
  await admin.fill('#username', GROUP.username);
  await admin.fill('#summary', GROUP.summary);
  await admin.selectOption('#openness', 'moderated');
  await t.submit(admin, admin.locator('main form button[type="submit"]'), 'group created', { path: group });
  assertEqual(await flashText(admin, group), 'The group is ready.', 'flash after creating the group');
  assertEqual((await admin.locator('main h1').textContent()).trim(), GROUP.name, 'h1 of the group page');
  assertEqual(await admin.locator('main .rich-text strong').textContent(), 'bouldering', 'Markdown of the summary');

  // Ada (who reads French) finds the group and asks to join with her first profile.
  const ada = await t.context({ locale: 'fr', storageState: resetState });
  await t.visit(ada, group, 'group page for a visitor');
  await ada.selectOption('#join-profile', USER.username);
  await t.submit(ada, ada.locator('main form button', { hasText: 'Demander à rejoindre le groupe' }), 'join requested', {
    path: group,
  });
  assertEqual(
    await flashText(ada, `${group} after asking`),
    'Votre demande est envoyée ; les modérateurs du groupe y répondront.',
    'flash after asking to join',
  );
  await t.visit(ada, `${group}/members`, 'members page before approval', { status: 404 });

  // The administrator approves her and makes her a moderator.
  await t.visit(admin, `${group}/members`, 'members page with a request');
  await t.submit(admin, admin.locator('main button', { hasText: `Approve ${USER.username}` }), 'request approved', {
    path: `${group}/members`,
  });
  await admin.getByLabel(`Role of ${USER.username}`).selectOption('moderator');
  await t.submit(admin, admin.locator('main button', { hasText: `Change the role of ${USER.username}` }), 'role changed', {
    path: `${group}/members`,
  });

  // Ada drafts an event for the group: only moderators see the draft.
  await t.visit(ada, `/events/create?group=${GROUP.username}`, 'event form for the group');
  assertEqual(await ada.locator('#group').inputValue(), GROUP.username, 'the group is chosen in the form');
  await fillEventForm(ada, GROUP_EVENT);
  await t.submit(ada, ada.locator('main form button[name="draft"][value="true"]'), 'group event drafted');
  const path = new URL(ada.url()).pathname;
  assert(EVENT_PATH.test(path), `where saving a draft leads: ${path}`);
  await t.visit(admin, group, 'group page with a draft');
  assert(await admin.locator('main a', { hasText: GROUP_EVENT.title }).count() > 0, 'the draft is listed for moderators');
  const visitor = await t.context({ locale: 'en' });
  await t.visit(visitor, path, 'the draft for a visitor', { status: 404 });
  // She publishes it; the event names the group and her.
  await t.visit(ada, path, 'group event draft');
  await t.submit(ada, ada.locator('main .organiser-tools button', { hasText: 'Publier' }), 'group event published', {
    path,
  });
  const organiser = (await ada.locator('main .event-facts dd a').allTextContents()).map((s) => s.trim());
  assert(organiser.includes(GROUP.name), `the event is not organised by the group: ${organiser.join(' | ')}`);
  await t.visit(visitor, group, 'group page for an anonymous visitor');
  assert(await visitor.locator('main a', { hasText: GROUP_EVENT.title }).count() > 0, 'the event is on the group page');
  await t.visit(ada, `${group}/timeline`, 'group timeline');
  const timeline = await ada.locator('main .timeline').innerText();
  assert(timeline.includes(`a créé l'événement ${GROUP_EVENT.title}`), `timeline: ${timeline}`);
  await t.visit(ada, '/groups/me', 'my groups');
}

async function serverStops() {
  const exit = await zerda.stop();
  assert(exit && !exit.forced, `zerda did not stop within ${TIMEOUT.shutdown} ms of SIGTERM`);
  assert(exit.code === 0, `zerda stopped with code ${exit.code}, signal ${exit.signal}`);
}

function serverLogClean() {
  const bad = zerda.log
    .split('\n')
    .filter((line) => /\b(ERROR|panicked)\b/.test(line));
  assert(bad.length === 0, `the server logged errors: ${bad.slice(0, 3).join(' | ')}`);
}

// ---------------------------------------------------------------- main

async function main() {
  configure();

  zerda = new Zerda();
  harness.zerda = zerda;
  let startError = null;
  try {
    await zerda.start();
  } catch (e) {
    startError = e;
  }
  await test('server starts', async () => {
    if (startError) throw startError;
  });
  if (startError) return;
  await launchBrowser();
  await test('axe self-test', axeSelfTest);
  for (const locale of ['en', 'fr']) await publicPages(locale);
  await test('setup journey', setupJourney);
  await test('admin journey', adminJourney);
  await test('language picker', languagePicker);
  await test('registration journey', registrationJourney);
  await test('password reset journey', passwordResetJourney);
  await test('profiles journey', profilesJourney);
  await test('events journey: organiser publishes', eventsPublish);
  await test('events journey: participant in another time zone', eventsGuest);
  await test('events journey: participation without an account', eventsAnonymous);
  await test('events journey: participants and exports', eventsParticipants);
  await test('events journey: approval', eventsApproval);
  await test('events journey: calendar file', eventsCalendarFile);
  await test('groups journey: a moderated group and its first event', groupsJourney);
  if (harness.aborting) return;
  await closeBrowser();
  await test('server stops on SIGTERM', serverStops);
  await test('server log has no errors', serverLogClean);
}

runMain(main);
