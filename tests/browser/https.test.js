// The dashboard over HTTPS (http.tls with the self-signed certificate hearthd makes on first
// start) in headless Chromium: the TV kiosk trusts this box's key alone (the SPKI pin documented in
// docs/dashboard.md) and shows the certificate's fingerprint under the setup code; a browser that
// does not trust it is refused; plain http:// is redirected; first-run setup on a phone works and
// its session cookie is Secure.
//
// Environment: as dashboard.test.js (HEARTHD required, HEARTH_CHROMIUM, HEARTH_ARTEFACTS).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Home, contrast, waitFor } = require('./lib/harness');
const { visibleText } = require('./lib/page_checks');

const HEARTHD = process.env.HEARTHD;
const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';
const ARTEFACTS = process.env.HEARTH_ARTEFACTS || path.join(__dirname, 'artefacts');
const ADMIN = { username: 'admin', password: 'admin-password-123', display_name: 'Co-op Admin' };

const home = new Home({ hearthd: HEARTHD, tls: true });
let pinned; // Chromium trusting this box's public key only
let fingerprint = '';
let setupCode = '';
const problems = [];

// Chromium's --ignore-certificate-errors-spki-list value: base64 SHA-256 of the DER SubjectPublicKeyInfo.
function spkiHash(pem) {
  const spki = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}

async function newPage(browser, viewport, options = {}) {
  const context = await browser.newContext({ viewport, locale: 'en-GB', ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  return page;
}

before(async () => {
  assert.ok(HEARTHD && fs.existsSync(HEARTHD), 'set HEARTHD to the hearthd binary');
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  await home.start('browser-tls-home', '  z2m:hall/pir: {name: Hall sensor, room: Hall}');
  pinned = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${spkiHash(home.certificate)}`],
  });
});

after(async () => {
  if (pinned) await pinned.close();
  await home.stop();
  fs.writeFileSync(path.join(ARTEFACTS, 'hearthd-https.log'), home.log());
  fs.rmSync(home.dir, { recursive: true, force: true });
});

test('hearthd gives the fingerprint of the certificate it serves', async () => {
  const setup = await home.anonymous('GET', '/api/v1/setup'); // over HTTPS, trusting hearthd.crt alone
  assert.equal(setup.status, 200, setup.body);
  assert.equal(setup.json.setup_required, true);
  setupCode = setup.json.code;
  const expected = new crypto.X509Certificate(home.certificate).fingerprint256;
  assert.equal(setup.json.tls_fingerprint_sha256, expected);
  fingerprint = expected;
  assert.match(home.log(), new RegExp(`tls: certificate SHA-256 fingerprint ${expected}`));
});

test('the TV kiosk, trusting this box only, shows the fingerprint under the setup code', async () => {
  const tv = await newPage(pinned, { width: 1920, height: 1080 });
  await tv.goto(home.url('/tv/'));
  await tv.waitForSelector('#setup-fingerprint:visible');
  assert.equal((await tv.locator('#setup-code').innerText()).trim(), setupCode);
  const shown = (await tv.locator('#setup-fingerprint').innerText()).trim().split('\n');
  assert.equal(shown.length, 4, shown.join('|'));
  assert.equal(shown.join(':'), fingerprint);
  // Readable from the sofa: WCAG AA and at least 24 px, like the rest of the TV.
  for (const item of await tv.evaluate(visibleText)) {
    const large = item.fontPx >= 24 || (item.fontPx >= 18.66 && item.weight >= 700);
    assert.ok(contrast(item.fg, item.bg) >= (large ? 3 : 4.5), `"${item.text}" contrast`);
    assert.ok(item.fontPx >= 24, `"${item.text}" is ${item.fontPx}px`);
  }
  const overflow = await tv.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  assert.ok(overflow <= 0, `the setup screen scrolls at 1080p (${overflow}px)`);
  await tv.screenshot({ path: path.join(ARTEFACTS, 'tv-setup-https.png') });
});

test('a browser that does not trust the certificate is refused, and the refusal is counted', async () => {
  const plainBrowser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await newPage(plainBrowser, { width: 800, height: 600 });
    await assert.rejects(page.goto(home.url('/tv/')), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await plainBrowser.close();
  }
  await waitFor('the failed handshake in health', async () => {
    const health = await home.api('GET', '/api/v1/health');
    return health.json && health.json.tls.handshake_failures >= 1;
  });
});

test('plain http:// to the port is redirected to https://', async () => {
  const page = await newPage(pinned, { width: 800, height: 600 });
  const plain = home.url('/setup/').replace('https://', 'http://');
  await page.goto(plain);
  assert.equal(page.url(), home.url('/setup/'));
  await page.waitForSelector('#first-run:visible');
});

test('first-run setup on a phone over HTTPS; the session cookie is Secure', async () => {
  const phone = await newPage(pinned, { width: 360, height: 740 }, { isMobile: true, hasTouch: true });
  await phone.goto(home.url('/setup/'));
  await phone.waitForSelector('#first-run:visible');
  await phone.fill('#setup-code', setupCode);
  await phone.fill('#setup-display-name', ADMIN.display_name);
  await phone.fill('#setup-username', ADMIN.username);
  await phone.fill('#setup-password', ADMIN.password);
  await phone.fill('#setup-password-repeat', ADMIN.password);
  await phone.click('#first-run-submit');
  await phone.waitForSelector('#admin:visible'); // signed in: the cookie was stored and sent back
  const cookies = await phone.context().cookies();
  const session = cookies.find((c) => c.name === 'hearth_session');
  assert.ok(session, JSON.stringify(cookies));
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  await phone.reload();
  await phone.waitForSelector('#admin:visible'); // still signed in after a reload
  assert.deepEqual(problems, []);
});
