'use strict';
// happn3-client.js — drives happn-3's OWN browser client (13.12.1 or 12.1.10, as a real happn-3 server serves
// it at /browser_client, fetched at run time, never stored in this repository) in headless Chromium
// against a happn server, and prints one PASS/FAIL line per check plus a summary.
//
//   node compat/browser/happn3-client.js --url http://127.0.0.1:55000
//        [--secure-url http://127.0.0.1:55001 --password X]  [--chromium /usr/bin/chromium]
//        [--restart-url URL]   a POST restarts the --url server on its port (reconnect check)
//        [--terminate-server URL --terminate-url URL]
//                              a server that a POST to --terminate-url stops for good (its clients
//                              must not reconnect)
//        [--version v12]       happn-3 12.1.10's browser client instead of 13.12.1's
//        [--digest-user U --digest-key priv.pem --digest-pub pub.pem]
//                              a --secure-url user with that RSA key pair (key-pair login check)
//
// The page loads only happn-3's client: as in a page written for happn-3, the client fetches
// <server>/browser_primus.js itself when it connects. Events are caused by the real happn-3 node
// client, so they are proved to cross from a foreign client into the page.

const http = require('node:http');
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const chromiumHarness = require('./chromium');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'secure-url': { type: 'string' },
    password: { type: 'string' },
    'restart-url': { type: 'string' },
    'terminate-server': { type: 'string' },
    'terminate-url': { type: 'string' },
    version: { type: 'string', default: 'v13' },
    'digest-user': { type: 'string' },
    'digest-key': { type: 'string' },
    'digest-pub': { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!args.url) {
  console.error('usage: node compat/browser/happn3-client.js --url URL [--secure-url URL --password X]');
  process.exit(2);
}

// happn3ClientScript starts a real happn-3 server just long enough to fetch the browser client it
// serves.
async function happn3ClientScript() {
  const pkg = { v13: 'happn-3', v12: 'happn-3-v12' }[args.version];
  if (!pkg) throw new Error(`unknown --version ${args.version} (want v13 or v12)`);
  const Happn = require(pkg);
  const port = await new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const server = await Happn.service.create({ port, host: '127.0.0.1' });
  try {
    const res = await fetch(`http://127.0.0.1:${port}/browser_client`);
    if (res.status !== 200) throw new Error(`happn-3 /browser_client answered ${res.status}`);
    return await res.text();
  } finally {
    await server.stop({ reconnect: false });
  }
}

function startStatic(clientScript) {
  const page = '<!doctype html><html><head><meta charset="utf-8"><script src="/happn3-client.js"></script></head><body></body></html>';
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    if (pathname === '/happn3-client.js') {
      res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8' });
      return res.end(clientScript);
    }
    if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page);
    }
    res.writeHead(404);
    res.end('not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Every path this run writes is under its own prefix, so that runs do not see each other's data.
const P = `/h3browser/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const checks = [];
function check(name, fn) {
  checks.push({ name, fn });
}

function eq(got, want, what) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

check('Primus comes from the server: /browser_primus.js is loaded and defines Primus', async ({ page }) => {
  const r = await page.evaluate(async (url) => {
    window.c = await HappnClient.create({ config: { url } });
    const scripts = performance.getEntriesByType('resource').map((e) => e.name);
    return { primus: typeof window.Primus, scripts, status: window.c.status };
  }, args.url);
  eq(r.primus, 'function', 'typeof Primus');
  if (!r.scripts.some((s) => s === args.url + '/browser_primus.js')) throw new Error('scripts loaded: ' + r.scripts.join(', '));
});

check('set, get, wildcard get, search, count and remove', async ({ page }) => {
  const r = await page.evaluate(async (P) => {
    const c = window.c;
    const set = await c.set(P + '/data/a', { n: 1, name: 'a' });
    await c.set(P + '/data/b', { n: 2, name: 'b' });
    const got = await c.get(P + '/data/a');
    const all = await c.get(P + '/data/*');
    const found = await c.get(P + '/data/*', { criteria: { n: { $gt: 1 } } });
    const count = await c.count(P + '/data/*');
    const removed = await c.remove(P + '/data/a');
    const gone = await c.get(P + '/data/a');
    return { set: set.n, got: got.name, all: all.length, found: found.map((i) => i.name), count: count.value, removed: removed.removed, gone };
  }, P);
  eq(r, { set: 1, got: 'a', all: 2, found: ['b'], count: 2, removed: 1, gone: null }, 'results');
});

check('events a happn-3 node client causes reach the page', async ({ page, other }) => {
  await page.evaluate(async (P) => {
    window.events = [];
    await window.c.on(P + '/events/*', { event_type: 'set' }, (data, meta) => window.events.push({ data, path: meta.path }));
  }, P);
  await other.set(P + '/events/1', { from: 'node' });
  const events = await page.evaluate(async () => {
    for (let i = 0; i < 100 && window.events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    return window.events;
  });
  eq(events, [{ data: { from: 'node' }, path: P + '/events/1' }], 'events');
});

check('a secure login with username and password gets a session and its token', async ({ page }) => {
  if (!args['secure-url']) return 'skip';
  const r = await page.evaluate(
    async ({ url, password, P }) => {
      const s = await HappnClient.create({ config: { url, username: '_ADMIN', password } });
      const item = await s.set(P + '/secure', { ok: true });
      const out = { user: s.session.user.username, token: typeof s.session.token, ok: item.ok };
      await s.disconnect();
      let refused = null;
      try {
        await HappnClient.create({ config: { url, username: '_ADMIN', password: 'wrong' } });
      } catch (e) {
        refused = e.name || String(e);
      }
      return Object.assign(out, { refused });
    },
    { url: args['secure-url'], password: args.password, P }
  );
  eq(r, { user: '_ADMIN', token: 'string', ok: true, refused: 'AccessDenied' }, 'secure session');
});

check('a key-pair (digest) login signs with /browser_crypto.js from the server', async ({ page }) => {
  if (!args['secure-url'] || !args['digest-user']) return 'skip';
  const r = await page.evaluate(
    async ({ url, username, privateKey, publicKey }) => {
      const s = await HappnClient.create({ config: { url, username, privateKey, publicKey, loginType: 'digest' } });
      const out = { user: s.session.user.username, crypto: typeof window.Crypto, scripts: performance.getEntriesByType('resource').map((e) => e.name) };
      await s.disconnect();
      return out;
    },
    {
      url: args['secure-url'],
      username: args['digest-user'],
      privateKey: fs.readFileSync(args['digest-key'], 'utf8'),
      publicKey: fs.readFileSync(args['digest-pub'], 'utf8'),
    }
  );
  eq(r.user, args['digest-user'], 'logged in as');
  if (!r.scripts.some((s) => s === args['secure-url'] + '/browser_crypto.js')) throw new Error('scripts loaded: ' + r.scripts.join(', '));
});

check('after the server restarts the client reconnects, logs in again and its subscription works', async ({ page }) => {
  if (!args['restart-url']) return 'skip';
  await page.evaluate(async ({ url, P }) => {
    window.r = await HappnClient.create({ config: { url } });
    window.reEvents = [];
    window.reconnected = 0;
    window.r.onEvent('reconnect-successful', () => window.reconnected++);
    await window.r.on(P + '/re/*', { event_type: 'set' }, (data) => window.reEvents.push(data));
  }, { url: args.url, P });
  const res = await fetch(args['restart-url'], { method: 'POST' });
  if (res.status !== 200) throw new Error('restart answered ' + res.status);
  await page.evaluate(async () => {
    for (let i = 0; i < 300 && window.reconnected === 0; i++) await new Promise((r) => setTimeout(r, 50));
    if (window.reconnected === 0) throw new Error('no reconnect-successful within 15 s');
  });
  const Happn = require('happn-3');
  const u = new URL(args.url);
  const fresh = await Happn.client.create({ protocol: 'http', host: u.hostname, port: Number(u.port) });
  try {
    await fresh.set(P + '/re/1', { after: 'restart' });
  } finally {
    await fresh.disconnect().catch(() => {});
  }
  const events = await page.evaluate(async () => {
    for (let i = 0; i < 100 && window.reEvents.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await window.r.disconnect();
    return window.reEvents;
  });
  eq(events, [{ after: 'restart' }], 'events after the restart');
});

check('a server stopping for good ends the session, with no reconnect', async ({ page }) => {
  if (!args['terminate-url']) return 'skip';
  await page.evaluate(async (url) => {
    window.t = await HappnClient.create({ config: { url } });
    window.tEvents = [];
    for (const e of ['connection-ended', 'session-ended', 'reconnect-scheduled', 'reconnect-successful']) {
      window.t.onEvent(e, () => window.tEvents.push(e));
    }
  }, args['terminate-server']);
  // Count the sockets opened to that server from now on: a reconnect in the background would
  // open one. (Other clients of the page may still be reconnecting to the restarted server.)
  await page.evaluate((host) => {
    window.newSockets = 0;
    const WS = window.WebSocket;
    window.WebSocket = class extends WS {
      constructor(...a) {
        super(...a);
        if (new URL(a[0]).host === host) window.newSockets++;
      }
    };
  }, new URL(args['terminate-server']).host);
  const res = await fetch(args['terminate-url'], { method: 'POST' });
  if (res.status !== 200) throw new Error('terminate answered ' + res.status);
  const r = await page.evaluate(async () => {
    for (let i = 0; i < 100 && !window.tEvents.includes('session-ended'); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 2000)); // time for a reconnect that must not come
    return { events: window.tEvents, sockets: window.newSockets };
  });
  if (!r.events.includes('session-ended')) throw new Error('no session-ended: ' + JSON.stringify(r.events));
  if (r.events.includes('reconnect-scheduled') || r.events.includes('reconnect-successful') || r.sockets !== 0) {
    throw new Error('it tried to reconnect: ' + JSON.stringify(r));
  }
});

check('disconnect ends the connection', async ({ page }) => {
  const r = await page.evaluate(async () => {
    await window.c.disconnect();
    return window.c.status;
  });
  if (r !== 3 && r !== 6 && r !== 'DISCONNECTED') eq(typeof r, 'number', 'status after disconnect');
});

async function main() {
  const script = await happn3ClientScript();
  const statik = await startStatic(script);
  const base = `http://127.0.0.1:${statik.address().port}`;
  const browser = await chromiumHarness.launch(args.chromium);
  const context = browser.context;
  const Happn = require('happn-3');
  const u = new URL(args.url);
  const other = await Happn.client.create({ protocol: 'http', host: u.hostname, port: Number(u.port) });
  const results = { pass: 0, fail: 0, skip: 0 };
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log('page error: ' + e.message));
    await page.goto(base + '/');
    for (const c of checks) {
      try {
        const outcome = await c.fn({ page, other });
        if (outcome === 'skip') {
          results.skip++;
          console.log(`SKIP ${c.name}`);
          continue;
        }
        results.pass++;
        console.log(`PASS ${c.name}`);
      } catch (e) {
        results.fail++;
        console.log(`FAIL ${c.name}: ${(e && e.message ? e.message : String(e)).split('\n')[0]}`);
      }
    }
  } finally {
    await other.disconnect().catch(() => {});
    await browser.close();
    statik.close();
  }
  return chromiumHarness.summary(results);
}

chromiumHarness.run(main, 'happn-3 browser client harness');
