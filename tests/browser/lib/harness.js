// Test harness for the browser tests: a private Mosquitto on a free loopback port, a real hearthd
// with a temporary config and database, small HTTP/MQTT helpers, and WCAG colour maths.
'use strict';

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const API_TOKEN = 'browser-test-token-0123456789abcdef0123';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `check` (sync or async) until it returns a truthy value; throws with `what` on timeout.
async function waitFor(what, check, timeoutMs = 15000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// One HTTP request to hearthd on loopback; resolves {status, headers, body, json}. With `ca` (PEM)
// it is HTTPS, trusting that certificate alone.
function request(port, method, urlPath, { token = API_TOKEN, body = null, ca = null } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const payload = body === null ? null : JSON.stringify(body);
    if (payload !== null) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const transport = ca ? https : http;
    const req = transport.request({ host: '127.0.0.1', port, method, path: urlPath, headers, ca: ca || undefined }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let json = null;
        try {
          json = JSON.parse(text);
        } catch (e) {
          json = null;
        }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    if (payload !== null) req.write(payload);
    req.end();
  });
}

class Processes {
  constructor(dir) {
    this.dir = dir;
    this.children = [];
  }

  start(name, argv) {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.children.push({ name, child });
    return child;
  }

  log(name) {
    const file = path.join(this.dir, `${name}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  async stopAll() {
    for (const { child } of this.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]);
      if (!done) child.kill('SIGKILL');
    }
    this.children = [];
  }
}

// Mosquitto + hearthd in a temporary directory. `devices` is the YAML block under "devices:".
// With `tls`, hearthd serves HTTPS with the self-signed certificate it makes on first start.
class Home {
  constructor({ hearthd, mosquitto = '/usr/sbin/mosquitto', mosquittoPub = 'mosquitto_pub', tls = false }) {
    this.hearthd = hearthd;
    this.tls = tls;
    this.mosquitto = mosquitto;
    this.mosquittoPub = mosquittoPub;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-browser-'));
    this.procs = new Processes(this.dir);
  }

  async start(homeId, devicesYaml) {
    this.mqttPort = await freePort();
    const conf = path.join(this.dir, 'mosquitto.conf');
    fs.writeFileSync(conf, `listener ${this.mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    this.procs.start('mosquitto', [this.mosquitto, '-c', conf]);
    await waitFor('mosquitto to listen', () => portOpen(this.mqttPort), 10000, 20);

    this.httpPort = await freePort();
    const yaml = path.join(this.dir, 'hearth.yaml');
    fs.writeFileSync(
      yaml,
      [
        `home_id: ${homeId}`,
        'mqtt:',
        `  url: tcp://127.0.0.1:${this.mqttPort}`,
        'store:',
        `  path: ${path.join(this.dir, 'hearth.db')}`,
        'http:',
        '  address: 127.0.0.1',
        `  port: ${this.httpPort}`,
        `  api_token: ${API_TOKEN}`,
        ...(this.tls ? ['  tls: {enabled: true}'] : []),
        // The test broker has no accounts: claimed devices get credentials it does not check.
        'provisioning:',
        '  accounts: none',
        'devices:',
        devicesYaml,
        '',
      ].join('\n'),
    );
    this.procs.start('hearthd', [this.hearthd, '--config', yaml]);
    await waitFor('hearthd to listen', () => portOpen(this.httpPort), 20000, 50);
    if (this.tls) this.certificate = fs.readFileSync(path.join(this.dir, 'tls', 'hearthd.crt'), 'utf8');
    await waitFor(
      'hearthd to connect to the broker',
      async () => {
        const health = await this.api('GET', '/api/v1/health');
        return health.json && health.json.mqtt && health.json.mqtt.connected === true;
      },
      20000,
    );
  }

  url(p) {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.httpPort}${p}`;
  }

  api(method, urlPath, body = null) {
    return request(this.httpPort, method, urlPath, { body, ca: this.certificate });
  }

  // As the TV on the box sees it: loopback, no token, no cookie.
  anonymous(method, urlPath, body = null) {
    return request(this.httpPort, method, urlPath, { token: null, body, ca: this.certificate });
  }

  publish(topic, payload) {
    return new Promise((resolve, reject) => {
      execFile(this.mosquittoPub, ['-h', '127.0.0.1', '-p', String(this.mqttPort), '-q', '1', '-t', topic, '-m', payload],
        (err, stdout, stderr) => (err ? reject(new Error(`mosquitto_pub: ${stderr || err.message}`)) : resolve()));
    });
  }

  async alert(id) {
    const all = await this.api('GET', '/api/v1/alerts?state=all');
    return ((all.json && all.json.alerts) || []).find((a) => a.id === id) || null;
  }

  async stop() {
    await this.procs.stopAll();
  }

  log() {
    return this.procs.log('hearthd');
  }
}

/* ---- WCAG 2.x contrast ---- */

function channel(c8) {
  const c = c8 / 255;
  return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function luminance([r, g, b]) {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function contrast(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

module.exports = { API_TOKEN, Home, Processes, contrast, freePort, luminance, portOpen, request, sleep, waitFor };
