// Checks that need no browser: the pages' JavaScript parses as ES5 (old TV browsers), pages load
// only local assets, and every message key the pages use exists in the catalogue in English and Welsh.
// The co-op dashboard (coordinator/www, served by hearth-coordinator) shares the catalogue and the checks,
// except that its script may use fetch() (co-op staff's browsers, not TVs).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const acorn = require('acorn');
const { contrast } = require('./lib/harness');

const ROOT = path.resolve(__dirname, '..', '..');
const WWW = path.join(ROOT, 'dashboard', 'www');
const PAGES = ['tv', 'carer', 'setup'].map((p) => path.join(WWW, p, 'index.html'));
const SCRIPTS = fs
  .readdirSync(path.join(WWW, 'static'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => path.join(WWW, 'static', f));
const COOP_WWW = path.join(ROOT, 'coordinator', 'www');
const COOP_PAGES = [path.join(COOP_WWW, 'index.html')];
const COOP_SCRIPTS = fs
  .readdirSync(path.join(COOP_WWW, 'static'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => path.join(COOP_WWW, 'static', f));

// Keys built at run time from data (severity, state, role, room state) rather than written out.
const DYNAMIC_KEYS = [
  ...['info', 'warning', 'urgent', 'emergency'].map((s) => `ui.severity.${s}`),
  ...['raised', 'notified', 'acknowledged', 'resolved'].map((s) => `ui.alert.state.${s}`),
  ...['householder', 'carer', 'coordinator', 'admin'].map((r) => `ui.role.${r}`),
  ...['warm', 'ok', 'cool', 'cold'].map((s) => `ui.room.state.${s}`),
  // appliance_kinds() in gateway/config.cpp; a C++ test checks each has its ui.kind.* entry
  ...[
    'kettle', 'fridge', 'tv', 'heater', 'cooker', 'microwave', 'washing_machine', 'medical', 'lamp', 'other',
    'dishwasher', 'tumble_dryer', 'freezer', 'fridge_freezer', 'set_top_box', 'av', 'hifi', 'games_console',
    'computer', 'monitor', 'printer', 'coffee_machine', 'speaker', 'charger', 'router', 'storage_heater',
    'panel_heater', 'fan_heater', 'oil_heater', 'mains', 'gas_meter', 'outdoor',
  ].map((k) => `ui.kind.${k}`),
];

// The ui.* entries of rules/messages.cpp: key -> {en, cy}.
function catalogue() {
  const source = fs.readFileSync(path.join(ROOT, 'rules', 'messages.cpp'), 'utf8');
  const entries = {};
  const re = /Entry\{"(ui\.[a-z0-9_.]+)",\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\}/g;
  let m;
  while ((m = re.exec(source)) !== null) entries[m[1]] = { en: m[2], cy: m[3] };
  return entries;
}

function usedKeys() {
  const keys = new Set(DYNAMIC_KEYS);
  for (const file of [...PAGES, ...SCRIPTS, ...COOP_PAGES, ...COOP_SCRIPTS]) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/data-t(?:-placeholder|-label)?="(ui\.[a-z0-9_.]+)"/g)) keys.add(m[1]);
    for (const m of text.matchAll(/['"](ui\.[a-z0-9_]+(?:\.[a-z0-9_]+)+)['"]/g)) keys.add(m[1]);
  }
  return keys;
}

test('every script parses as ES5 (no let/const, arrow functions, classes or modules)', () => {
  assert.ok(SCRIPTS.length >= 5, `expected common, tv, carer, setup and charts scripts, found ${SCRIPTS.length}`);
  for (const file of SCRIPTS) {
    const source = fs.readFileSync(file, 'utf8');
    assert.doesNotThrow(() => acorn.parse(source, { ecmaVersion: 5, sourceType: 'script' }), path.basename(file));
    assert.doesNotMatch(source, /\bfetch\s*\(/, `${path.basename(file)} uses fetch()`);
  }
});

test('the co-op dashboard\'s scripts parse as ES5 too (fetch allowed) and keep the token out of URLs and storage', () => {
  assert.ok(COOP_SCRIPTS.length >= 1, 'coordinator/www/static/coordinator.js missing');
  for (const file of COOP_SCRIPTS) {
    const source = fs.readFileSync(file, 'utf8');
    assert.doesNotThrow(() => acorn.parse(source, { ecmaVersion: 5, sourceType: 'script' }), path.basename(file));
    assert.doesNotMatch(source, /localStorage\.setItem\([^)]*[Tt]oken/, `${path.basename(file)} puts a token in localStorage`);
    assert.doesNotMatch(source, /document\.cookie/, `${path.basename(file)} touches cookies`);
    assert.doesNotMatch(source, /[?&]token=/, `${path.basename(file)} puts a token in a URL`);
  }
});

test('the ES5 check rejects newer syntax (so the test above can fail)', () => {
  assert.throws(() => acorn.parse('const f = () => 1;', { ecmaVersion: 5 }));
});

test('pages load only local assets by absolute /static/ paths (no CDN, no inline script)', () => {
  for (const page of [...PAGES, ...COOP_PAGES]) {
    const html = fs.readFileSync(page, 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length > 0, page);
    for (const ref of refs.filter((r) => r !== 'data:,')) { // data:, = no favicon request
      assert.match(ref, /^\/(static|carer|setup|tv)\//, `${path.relative(ROOT, page)} refers to ${ref}`);
      // The co-op page's /static/ is its own folder plus the home dashboard's common.js and hearth.css.
      if (ref.startsWith('/static/'))
        assert.ok(fs.existsSync(path.join(WWW, ref)) || fs.existsSync(path.join(COOP_WWW, ref)), `${ref} missing`);
    }
    assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'inline script');
    assert.doesNotMatch(html, /\son[a-z]+="/, 'inline event handler');
  }
});

test('every message key the pages use is in the catalogue, in English and Welsh', () => {
  const entries = catalogue();
  const used = usedKeys();
  assert.ok(used.size > 50, `only ${used.size} keys found: the scan is broken`);
  const missing = [...used].filter((k) => !entries[k]);
  assert.deepEqual(missing, [], 'keys used by dashboard/www but missing from rules/messages.cpp');
  for (const key of used) {
    assert.ok(entries[key].en.length > 0 && entries[key].cy.length > 0, key);
    assert.notEqual(entries[key].en, entries[key].cy, `${key}: Welsh is a copy of the English`);
  }
  const unused = Object.keys(entries).filter((k) => !used.has(k));
  assert.deepEqual(unused, [], 'ui.* keys nothing uses');
});

test('contrast maths matches WCAG reference values', () => {
  assert.equal(contrast([0, 0, 0], [255, 255, 255]), 21);
  assert.equal(contrast([255, 255, 255], [255, 255, 255]), 1);
  assert.ok(Math.abs(contrast([0x76, 0x76, 0x76], [255, 255, 255]) - 4.54) < 0.01);
});
