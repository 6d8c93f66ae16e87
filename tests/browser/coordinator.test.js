// The co-op dashboard (coordinator/www) end to end in headless Chromium, against a real
// hearth-coordinator with a temp config, a private Mosquitto and a SQLite store seeded with seven
// homes' daily summaries (one ISO week with only three homes reporting, so it must be suppressed
// at k = 5): a wrong token is refused; a coordinator sees the homes and the open alert, opens the
// home's alerts and acknowledges one (the acknowledgement reaches the home's ack-in topic); an
// analyst sees the report, the charts, the suppressed week shown as suppressed, downloads the CSV
// (identical to the API's), cannot read homes, and switches to Welsh.
//
// Environment: HEARTH_COORDINATOR, HEARTH_COORDINATOR_SEED (required), HEARTH_CHROMIUM,
// HEARTH_ARTEFACTS (screenshots and logs). Tests run in order and share one coordinator.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile, execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Processes, contrast, freePort, portOpen, request, waitFor } = require('./lib/harness');
const { visibleText } = require('./lib/page_checks');

const COORDINATOR = process.env.HEARTH_COORDINATOR;
const SEED = process.env.HEARTH_COORDINATOR_SEED;
const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';
const ARTEFACTS = process.env.HEARTH_ARTEFACTS || path.join(__dirname, 'artefacts');
const K = 5;
const HOMES = ['gw-01', 'gw-02', 'gw-03', 'gw-04', 'gw-05', 'gw-06', 'gw-07'];
const ALERT_HOME = 'gw-02';
const ALERT_ID = 'smoke:z2m:kitchen/smoke';
const DESK = { width: 1280, height: 900 };
const DAY_MS = 86400000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-coop-browser-'));
const procs = new Processes(dir);
const tokens = {}; // account name -> bearer token
const catalogue = {}; // language -> messages
let mqttPort = 0;
let httpPort = 0;
let browser;
let problems = [];

// The seeded days (UTC day numbers): 63 days ending 8 days ago, so every day has settled (3 days).
const today = Math.floor(Date.now() / DAY_MS);
const firstDay = today - 70;
const lastDay = today - 8;
// The ISO week (Monday..Sunday) in which only three homes report.
const thinMonday = firstDay + 28 - ((firstDay + 28 + 3) % 7);

function iso(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function url(p) {
  return `http://127.0.0.1:${httpPort}${p}`;
}

function api(method, p, token, body = null) {
  return request(httpPort, method, p, { token, body });
}

function shot(page, name) {
  return page.screenshot({ path: path.join(ARTEFACTS, `${name}.png`), fullPage: true });
}

function coordinatorLog() {
  return procs.log('coordinator');
}

function makeToken(name) {
  const out = execFileSync(COORDINATOR, ['token', '--name', name], { encoding: 'utf8' });
  const token = /\): ([A-Za-z0-9_-]+\.[0-9a-f]{64})\n/.exec(out);
  const hash = /'(\$argon2id\$[^']+)'/.exec(out);
  assert.ok(token && hash, `unexpected output of hearth-coordinator token: ${out}`);
  tokens[name] = token[1];
  return hash[1];
}

// Seven homes, every day; in the thin week only three. Each home's first 7 days are its baseline
// (analytics.baseline_days below); afterwards it uses 10-15% less than its baseline model would say,
// so savings are positive (the swing makes weeks differ; a gap week's savings are simply not shown).
function seedLines() {
  const lines = [];
  for (let day = firstDay; day <= lastDay; day++) {
    HOMES.forEach((home, i) => {
      if (day >= thinMonday && day < thinMonday + 7 && i >= 3) return;
      // A slow swing over the weeks, so the charts have some shape; 10% less after the baseline, more later.
      const swing = 1 + 0.15 * Math.sin((day - firstDay) / 9);
      const base = (10 + i * 0.5) * swing;
      const kwh = day < firstDay + 7 ? base : base * (day < firstDay + 35 ? 0.9 : 0.85);
      const cold = (i === 0 ? 2 : 0.5) * (2 - swing);
      const rationing = i < 2 && day % 5 === 0 ? '1' : '0';
      lines.push(`summary coop-a ${home} ${iso(day)} ${kwh.toFixed(3)} ${cold} ${rationing}`);
    });
  }
  return lines.join('\n') + '\n';
}

const raisedMs = Date.now() - 5 * 60000;

function alertEvent(event, extra = {}) {
  return JSON.stringify({
    schema: 1,
    type: 'alert_event',
    message_id: `${ALERT_HOME}/smoke/${event}/1`,
    home_id: ALERT_HOME,
    event,
    event_ms: Date.now(),
    alert: {
      id: ALERT_ID,
      rule: 'smoke',
      severity: 'emergency',
      state: event,
      raised_ms: raisedMs,
      acknowledged_ms: null,
      acknowledged_by: '',
      resolved_ms: null,
      ...extra,
    },
  });
}

function publish(topic, payload) {
  return new Promise((resolve, reject) => {
    execFile('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-q', '1', '-t', topic, '-m', payload],
      (err, stdout, stderr) => (err ? reject(new Error(`mosquitto_pub: ${stderr || err.message}`)) : resolve()));
  });
}

// The first message on `topic`, as the home's gateway would receive it. `ready` resolves once the
// broker has confirmed the subscription (mosquitto_sub -d prints the SUBACK).
function subscribeOnce(topic) {
  // -d prints the protocol trace; stdbuf makes it line-buffered, so the SUBACK is seen when it
  // happens, not when the process exits.
  const child = spawn('stdbuf', ['-oL', '-eL', 'mosquitto_sub', '-d', '-h', '127.0.0.1', '-p', String(mqttPort),
    '-q', '1', '-t', topic, '-C', '1', '-W', '30']);
  let out = '';
  let debug = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (debug += d));
  const ready = waitFor('mosquitto_sub to subscribe', () => (out + debug).includes('SUBACK'), 10000, 20);
  const message = new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(line);
      else reject(new Error(`mosquitto_sub exited ${code}: ${out}${debug}`));
    });
  });
  return { ready, message };
}

async function newPage() {
  const context = await browser.newContext({ viewport: DESK, locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|403/.test(m.text())) problems.push(`${page.url()}: console: ${m.text()}`);
  });
  await page.goto(url('/'));
  await page.waitForSelector('#signin:not([hidden])');
  return page;
}

async function signIn(page, token) {
  await page.fill('#signin-token', token);
  await page.click('#signin-submit');
}

async function assertContrast(page, where) {
  const items = await page.evaluate(visibleText);
  assert.ok(items.length > 0, `${where}: no visible text found`);
  for (const item of items) {
    const ratio = contrast(item.fg, item.bg);
    const large = item.fontPx >= 24 || (item.fontPx >= 18.66 && item.weight >= 700);
    assert.ok(ratio >= (large ? 3 : 4.5), `${where}: "${item.text}" (${item.id}) contrast ${ratio.toFixed(2)}`);
  }
}

before(async () => {
  assert.ok(COORDINATOR && fs.existsSync(COORDINATOR), 'set HEARTH_COORDINATOR to the hearth-coordinator binary');
  assert.ok(SEED && fs.existsSync(SEED), 'set HEARTH_COORDINATOR_SEED to the hearth-coordinator-seed binary');
  fs.mkdirSync(ARTEFACTS, { recursive: true });

  mqttPort = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  procs.start('mosquitto', ['/usr/sbin/mosquitto', '-c', conf]);
  await waitFor('mosquitto to listen', () => portOpen(mqttPort), 10000, 20);

  const db = path.join(dir, 'coordinator.db');
  execFileSync(SEED, [db], { input: seedLines(), encoding: 'utf8' });

  httpPort = await freePort();
  fs.writeFileSync(path.join(dir, 'mqtt.password'), 'unused\n');
  const accounts = [
    ['duty-cath', 'coordinator', 'coop-a'],
    ['analyst-ana', 'analyst', 'coop-a'],
    ['duty-bob', 'coordinator', 'coop-b'],
  ].map(([name, role, coop]) => `  - {name: ${name}, role: ${role}, coop: ${coop}, token_hash: '${makeToken(name)}'}`);
  const yaml = path.join(dir, 'coordinator.yaml');
  fs.writeFileSync(yaml, [
    'mqtt:',
    `  url: tcp://127.0.0.1:${mqttPort}`,
    '  username: coordinator',
    `  password_file: ${path.join(dir, 'mqtt.password')}`,
    'store:',
    `  path: ${db}`,
    'coops:',
    `  coop-a: {gateways: [${HOMES.join(', ')}]}`,
    '  coop-b: {gateways: [gw-b1]}',
    'analytics:',
    `  k: ${K}`,
    '  baseline_days: 7',
    '  min_baseline_days: 5',
    '  kit_cost_pence: 15000',
    'http:',
    `  port: ${httpPort}`,
    'accounts:',
    ...accounts,
    '',
  ].join('\n'));
  procs.start('coordinator', [COORDINATOR, 'run', '--config', yaml, '--instance', 'browser']);
  await waitFor('hearth-coordinator to listen', () => portOpen(httpPort), 20000, 50);
  await waitFor('hearth-coordinator to reach the broker', () => /connected to/.test(coordinatorLog()), 20000);

  await publish(`hearth-uplink/v1/coop-a/${ALERT_HOME}/alert`, alertEvent('raised'));
  await waitFor('the alert to be stored', async () => {
    const homes = await api('GET', '/api/v1/coops/coop-a/homes', tokens['duty-cath']);
    return homes.json && homes.json.homes.some((h) => h.home === ALERT_HOME && h.status === 'alert');
  });
  for (const lang of ['en', 'cy']) catalogue[lang] = (await api('GET', `/api/v1/catalogue?lang=${lang}`, null)).json.messages;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  if (browser) await browser.close();
  await procs.stopAll();
  for (const name of ['coordinator', 'mosquitto']) fs.writeFileSync(path.join(ARTEFACTS, `coop-${name}.log`), procs.log(name));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('pages need no token and carry strict headers; the home dashboard\'s pages are not served here', async () => {
  const page = await api('GET', '/', null);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /text\/html/);
  const csp = page.headers['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  for (const asset of ['/static/common.js', '/static/hearth.css', '/static/coordinator.js', '/static/coordinator.css'])
    assert.equal((await api('GET', asset, null)).status, 200, asset);
  for (const other of ['/tv/', '/carer/', '/static/tv.js', '/nothing']) assert.equal((await api('GET', other, null)).status, 404, other);
  assert.equal((await api('POST', '/', null, {})).status, 405);
  assert.equal(catalogue.cy['ui.coop.title'], 'Cydweithfa Hearth');
  assert.ok(Object.keys(catalogue.en).every((key) => key.startsWith('ui.')), 'only the pages\' ui.* texts');
  const anonymous = await api('GET', '/api/v1/whoami', null);
  assert.equal(anonymous.status, 401);
  const whoami = await api('GET', '/api/v1/whoami', tokens['duty-cath']);
  assert.equal(whoami.status, 200);
  assert.equal(whoami.headers['cache-control'], 'no-store');
});

test('a wrong token is refused and nothing is kept', async () => {
  const page = await newPage();
  await signIn(page, `duty-cath.${'0'.repeat(64)}`);
  await waitFor('the refusal', async () => (await page.innerText('#signin-error')) === catalogue.en['ui.coop.signin.failed']);
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  assert.ok(await page.isHidden('#homes'));
  assert.ok(await page.isHidden('#report'));
  await page.context().close();
});

test('a coordinator sees the homes, the open alert, and acknowledges it', async () => {
  const page = await newPage();
  await signIn(page, tokens['duty-cath']);
  await page.waitForSelector('#homes-body tr[data-home]');
  assert.equal(await page.locator('#homes-body tr').count(), HOMES.length);
  const alertRow = page.locator(`#homes-body tr[data-home="${ALERT_HOME}"]`);
  assert.equal(await alertRow.getAttribute('class'), 'home-alert');
  const rowText = await alertRow.innerText();
  assert.match(rowText, new RegExp(catalogue.en['ui.coop.status.alert']));
  assert.match(rowText, /smoke:z2m:kitchen\/smoke/);
  assert.match(rowText, new RegExp(catalogue.en['ui.severity.emergency']));
  assert.equal(await page.locator('#homes-body tr.home-alert').count(), 1);
  assert.match(await page.innerText('#who'), /duty-cath/);
  // The token: in sessionStorage only; never in the URL, a cookie or localStorage.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hearth.coop.token')), tokens['duty-cath']);
  assert.equal(await page.evaluate(() => document.cookie), '');
  assert.ok(!(await page.evaluate(() => JSON.stringify(localStorage))).includes(tokens['duty-cath'].split('.')[1]));
  assert.ok(!page.url().includes(tokens['duty-cath'].split('.')[1]));
  await assertContrast(page, 'homes');
  await shot(page, 'coordinator-homes');

  await page.click(`button.open-home[data-home="${ALERT_HOME}"]`);
  const card = page.locator(`.coop-alert[data-alert="${ALERT_ID}"]`);
  await card.waitFor();
  const cardText = await card.innerText();
  for (const key of ['ui.coop.alert.raised', 'ui.coop.alert.received', 'ui.coop.alert.acknowledged', 'ui.coop.alert.resolved'])
    assert.ok(cardText.includes(catalogue.en[key]), key);
  assert.match(cardText, /\d\d\/\d\d\/\d{4} \d\d:\d\d/);

  const ackIn = subscribeOnce(`hearth-uplink/v1/coop-a/${ALERT_HOME}/ack-in`);
  await ackIn.ready;
  await card.locator('input').fill('Calling her daughter now');
  await card.locator('button.ack-button').click();
  await card.locator('.ack-queued').waitFor();
  assert.equal(await card.locator('.ack-queued').innerText(), catalogue.en['ui.coop.ack.queued']);
  const sent = JSON.parse(await ackIn.message);
  assert.equal(sent.type, 'ack');
  assert.equal(sent.alert_id, ALERT_ID);
  assert.equal(sent.by, 'duty-cath');
  assert.equal(sent.note, 'Calling her daughter now');
  assert.match(coordinatorLog(), /audit: duty-cath \(coordinator\) acknowledged alert smoke:z2m:kitchen\/smoke of home gw-02/);
  await shot(page, 'coordinator-alert-acknowledging');

  // The home confirms (as its gateway does after the TV shows it): the page shows who and when.
  await publish(`hearth-uplink/v1/coop-a/${ALERT_HOME}/alert`,
    alertEvent('acknowledged', { acknowledged_ms: Date.now(), acknowledged_by: 'duty-cath' }));
  await waitFor('the acknowledgement to be stored', async () => {
    const r = await api('GET', `/api/v1/coops/coop-a/alerts?home=${ALERT_HOME}`, tokens['duty-cath']);
    return r.json.alerts[0].acknowledged_ms !== null;
  });
  await page.click('#home-back');
  await page.click(`button.open-home[data-home="${ALERT_HOME}"]`);
  await waitFor('the acknowledged time', async () => /by duty-cath/.test(await card.innerText()));
  assert.equal(await card.locator('button.ack-button').count(), 0);

  // Someone arrives at the home: the step is on the card, and the co-op's response line counts it.
  const attend = await api('POST', '/api/v1/coops/coop-a/alerts/attend', tokens['duty-cath'],
    { home: ALERT_HOME, alert_id: ALERT_ID, note: 'Mair is fine' });
  assert.equal(attend.status, 200, JSON.stringify(attend.json));
  await page.click('#home-back');
  await waitFor('the response line', async () =>
    (await page.innerText('#homes-responses')).includes('someone arrived for 1'));
  await page.click(`button.open-home[data-home="${ALERT_HOME}"]`);
  const step = card.locator('li.step-attended');
  await step.waitFor();
  const stepText = await step.innerText();
  assert.ok(stepText.includes(catalogue.en['ui.coop.step.attended']), stepText);
  assert.ok(stepText.includes('duty-cath') && stepText.includes('(api)') && stepText.includes('Mair is fine'), stepText);
  assert.equal(await card.locator('.steps-heading').innerText(), catalogue.en['ui.coop.steps.heading']);
  await assertContrast(page, 'home with escalation steps');
  await shot(page, 'coordinator-alert-steps');

  // The API refuses an analyst's acknowledgement and another co-op's home.
  const body = { home: ALERT_HOME, alert_id: ALERT_ID };
  assert.equal((await api('POST', '/api/v1/coops/coop-a/alerts/ack', tokens['analyst-ana'], body)).status, 403);
  assert.equal((await api('POST', '/api/v1/coops/coop-a/alerts/ack', tokens['duty-bob'], body)).status, 404);
  assert.equal((await api('POST', '/api/v1/coops/coop-a/alerts/ack', tokens['duty-cath'], { ...body, home: 'gw-b1' })).status, 404);
  assert.equal((await api('POST', '/api/v1/coops/coop-a/alerts/ack', tokens['duty-cath'], { home: ALERT_HOME })).status, 400);

  // Coordinators have the report too.
  await page.click('#tab-report');
  await page.waitForSelector('#report-table:not([hidden])');
  assert.ok(await page.isHidden('#home'));
  assert.equal(await page.getAttribute('#tab-report', 'aria-pressed'), 'true');
  // On a phone the tables scroll sideways inside their panel; the page itself does not.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.click('#tab-homes');
  await page.waitForSelector('#homes-body tr[data-home]');
  const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(width[0] <= width[1], `the page scrolls sideways: ${width}`);
  await shot(page, 'coordinator-homes-phone');

  await page.click('#logout');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hearth.coop.token')), null);
  await page.context().close();
});

test('an analyst sees the k-anonymous report, charts, a suppressed week, the CSV, and Welsh; never homes', async () => {
  const query = `from=${iso(firstDay)}&to=${iso(lastDay)}&by=week`;
  const expected = (await api('GET', `/api/v1/coops/coop-a/analytics?${query}`, tokens['analyst-ana'])).json;
  const thin = expected.periods.find((p) => p.from === iso(thinMonday));
  assert.ok(thin && thin.suppressed, `the thin week is suppressed by the API: ${JSON.stringify(thin)}`);
  const shown = expected.periods.filter((p) => !p.suppressed);
  const withSavings = shown.filter((p) => !p.savings.suppressed);
  assert.ok(shown.length >= 6 && withSavings.length >= 5, JSON.stringify(expected.periods.map((p) => p.suppressed)));
  assert.ok(shown.some((p) => p.savings.suppressed), 'a baseline week: shown, but its savings suppressed');

  const page = await newPage();
  await signIn(page, tokens['analyst-ana']);
  await page.waitForSelector('#report:not([hidden])');
  assert.ok(await page.isHidden('#tabs'));
  assert.ok(await page.isHidden('#homes'));
  await page.waitForSelector('#report-table:not([hidden])'); // the default range, shown first
  await page.fill('#report-from', iso(firstDay));
  await page.fill('#report-to', iso(lastDay));
  await page.selectOption('#report-by', 'week');
  await page.click('#report-submit');
  await waitFor('the report rows', async () => (await page.locator('#report-body tr').count()) === expected.periods.length);
  await page.waitForSelector(`#report-body tr[data-period="${expected.periods[0].period}"]`);

  // The suppressed week: the words, no figure.
  const suppressedText = catalogue.en['ui.coop.report.suppressed'].replace('{k}', String(K));
  const thinRow = page.locator(`#report-body tr[data-period="${thin.period}"]`);
  assert.equal(await thinRow.locator('td').count(), 1);
  assert.equal(await thinRow.locator('td').innerText(), suppressedText);
  // A shown week: the API's figures.
  const full = withSavings[withSavings.length - 1];
  const cells = await page.locator(`#report-body tr[data-period="${full.period}"] td`).allInnerTexts();
  assert.equal(cells[0], String(full.homes));
  assert.equal(cells[1], full.electricity_kwh.toFixed(1));
  assert.equal(cells[3], full.savings.saved_kwh.toFixed(1));
  assert.equal(cells[4], `£${(full.savings.saved_pence / 100).toFixed(2)}`);
  assert.equal(cells[10], suppressedText, 'the income figure is always suppressed (no gateway sends it yet)');
  // The charts: one bar per shown figure, an outlined placeholder (no height of its own) for the thin week.
  assert.equal(await page.locator('#chart-saved rect.bar').count(), withSavings.length);
  assert.equal(await page.locator(`#chart-saved rect.bar-suppressed[data-period="${thin.period}"]`).count(), 1);
  assert.equal(await page.locator('#chart-cold rect.bar').count(), shown.length);
  assert.equal(await page.locator(`#chart-cold rect.bar-suppressed[data-period="${thin.period}"]`).count(), 1);
  // No home id anywhere, and the API refuses homes and alerts to this token.
  assert.ok(!(await page.innerText('body')).includes('gw-'));
  const refused = await page.evaluate(async () => {
    const auth = { Authorization: `Bearer ${sessionStorage.getItem('hearth.coop.token')}` };
    const homes = await fetch('/api/v1/coops/coop-a/homes', { headers: auth });
    const alerts = await fetch('/api/v1/coops/coop-a/alerts', { headers: auth });
    return [homes.status, alerts.status];
  });
  assert.deepEqual(refused, [403, 403]);
  await assertContrast(page, 'report');
  await shot(page, 'coordinator-report');

  // The CSV, through fetch with the bearer header and a Blob link: the same bytes as the API's.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')]);
  assert.equal(download.suggestedFilename(), `hearth-coop-a-${iso(firstDay)}-${iso(lastDay)}-week.csv`);
  assert.match(download.url(), /^blob:/);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  const direct = await api('GET', `/api/v1/coops/coop-a/analytics?${query}&format=csv`, tokens['analyst-ana']);
  assert.equal(csv, direct.body);
  const lines = csv.split('\r\n').filter(Boolean);
  assert.equal(lines.length, expected.periods.length + 1);
  const columns = lines[0].split(',');
  const thinLine = lines.find((l) => l.startsWith(`${thin.period},`)).split(',');
  assert.equal(thinLine.length, columns.length);
  assert.equal(thinLine[columns.indexOf('suppressed')], 'true');
  assert.ok(thinLine.slice(4).every((v) => v === ''), `suppressed row carries figures: ${thinLine}`);
  assert.ok(!csv.includes('gw-'));
  fs.copyFileSync(await download.path(), path.join(ARTEFACTS, 'coordinator-report.csv'));

  // Welsh: every word from the catalogue, suppressed cells included; remembered after a reload,
  // and the session survives the reload (sessionStorage), not a new tab.
  await page.click('#language');
  await waitFor('Welsh', async () => (await page.innerText('#report-heading')) === catalogue.cy['ui.coop.report.heading']);
  const suppressedCy = catalogue.cy['ui.coop.report.suppressed'].replace('{k}', String(K));
  assert.equal(await thinRow.locator('td').innerText(), suppressedCy);
  assert.equal(await page.innerText('#language'), catalogue.cy['ui.common.switch_language']);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'cy');
  await shot(page, 'coordinator-report-cy');
  await page.reload();
  await page.waitForSelector('#report-body tr');
  assert.equal(await page.innerText('#report-heading'), catalogue.cy['ui.coop.report.heading']);
  const other = await page.context().newPage();
  await other.goto(url('/'));
  await other.waitForSelector('#signin:not([hidden])');
  await page.context().close();
});

test('no JavaScript errors on any page', () => {
  assert.deepEqual(problems, []);
});
