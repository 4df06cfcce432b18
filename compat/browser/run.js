'use strict';
// run.js — drives our happn browser client in headless Chromium against a happn server and prints
// one PASS/FAIL/SKIP line per check plus a summary. Exit status 0 only when nothing failed.
//
//   node compat/browser/run.js --url http://127.0.0.1:55000
//        [--secure-url http://127.0.0.1:55001 --password X [--user _ADMIN]]
//        [--client <file or url>]            default <url>/browser_client
//        [--digest-user U --digest-key priv.pem --digest-pub pub.pem]
//        [--heartbeat]                        also wait ~35 s for a server ping
//        [--encrypted-url URL [--encrypted-set-url URL] [--encrypted-ping-interval MS]]
//                                             a happn-go server with EncryptPayloads (same --user
//                                             and --password); a POST {path, data} to the set URL
//                                             makes an encrypting Go client set data there
//   node compat/browser/run.js --reference [--reference-version v12]
//        starts real happn-3 13.12.1 (or 12.1.10) servers in-process and loads the client from
//        browserclient/happn-client.js
//
// Other flags: --only <regex>, --chromium /usr/bin/chromium, --verbose; --ping-interval MS (the
// server's ping interval), --restart-url URL (a POST restarts the --url server on its port) and
// --security-url URL (POST <URL>/limited-user and <URL>/remove-permission change the secure server's
// directory, as the --reference servers' API does).
// "Another client" is the real happn-3 node client (compat/node_modules), so events are proved to
// cross from a foreign client into the page. Chromium is Debian's; playwright never downloads one.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const assert = require('node:assert/strict');
const { parseArgs } = require('node:util');
const chromiumHarness = require('./chromium');

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'secure-url': { type: 'string' },
    user: { type: 'string', default: '_ADMIN' },
    password: { type: 'string' },
    client: { type: 'string' },
    'digest-user': { type: 'string' },
    'digest-key': { type: 'string' },
    'digest-pub': { type: 'string' },
    reference: { type: 'boolean', default: false },
    'reference-version': { type: 'string', default: 'v13' },
    heartbeat: { type: 'boolean', default: false },
    'ping-interval': { type: 'string' },
    'restart-url': { type: 'string' },
    'security-url': { type: 'string' },
    'encrypted-url': { type: 'string' },
    'encrypted-set-url': { type: 'string' },
    'encrypted-ping-interval': { type: 'string' },
    only: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help || (!args.url && !args.reference)) {
  console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 24).join('\n'));
  process.exit(args.help ? 0 : 2);
}

const HERE = __dirname;
const DEFAULT_CLIENT_FILE = path.join(HERE, '..', '..', 'browserclient', 'happn-client.js');
const RUN = 'bh' + Date.now().toString(36); // unique path prefix: runs never see each other's data
const P = `/bcharness/${RUN}`;

// ------------------------------------------------------------------------------------------------
// tiny test framework
// ------------------------------------------------------------------------------------------------

const tests = [];
// test(name, [needs], fn[, timeoutMs]) registers a check; needs name what it requires (secure, digest,
// reference, heartbeat, pingInterval, restart, security, servedClient) so it is skipped, not failed, where that is unavailable.
function test(name, needs, fn, timeout) {
  if (typeof needs === 'function') {
    timeout = fn;
    fn = needs;
    needs = [];
  }
  tests.push({ name, needs, fn, timeout });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// environment: servers, static page server, browser, a node happn-3 client
// ------------------------------------------------------------------------------------------------

const ctx = {
  url: args.url,
  secureUrl: args['secure-url'],
  user: args.user,
  password: args.password,
  digest: null,
  clientFile: null,
  clientUrl: null,
  reference: null,
  heartbeat: args.heartbeat,
  // pingInterval (ms) and restart() come from --ping-interval and --restart-url, or from --reference.
  pingInterval: args['ping-interval'] ? Number(args['ping-interval']) : null,
  restart: args['restart-url'] ? () => restartViaUrl(args['restart-url']) : null,
  // security changes the secure server's directory: addLimitedUser(opts), removePermission(group,
  // pathPattern, action); from --security-url or --reference.
  security: args['security-url'] ? securityViaUrl(args['security-url'].replace(/\/+$/, '')) : null,
  // encryptedUrl is a happn-go server with EncryptPayloads; encryptedSet(path, data) has an
  // encrypting Go client set data there (from --encrypted-set-url); encryptedPing is its ping interval.
  encryptedUrl: args['encrypted-url'] ? args['encrypted-url'].replace(/\/+$/, '') : null,
  encryptedSet: args['encrypted-set-url'] ? (path, data) => postJSON(args['encrypted-set-url'], { path, data }) : null,
  encryptedPing: args['encrypted-ping-interval'] ? Number(args['encrypted-ping-interval']) : null,
};

async function postJSON(url, body) {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} ${await res.text()}`);
}

// securityViaUrl changes the secure server's directory through whoever started it (e.g. the Go
// test): each call is a POST of JSON that returns once the change is made.
function securityViaUrl(base) {
  const post = async (what, body) => {
    const res = await fetch(`${base}/${what}`, { method: 'POST', body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`${what}: ${base} answered ${res.status} ${await res.text()}`);
  };
  return {
    addLimitedUser: (opts) => post('limited-user', opts),
    removePermission: (group, pathPattern, action) => post('remove-permission', { group, pathPattern, action }),
  };
}

// restartViaUrl asks whoever started the server (e.g. the Go test) to restart it on its port; the
// request returns once the new server is listening.
async function restartViaUrl(url) {
  const res = await fetch(url, { method: 'POST' });
  if (res.status !== 200) throw new Error(`restart: ${url} answered ${res.status} ${await res.text()}`);
}

function loadDigestFlags() {
  if (!args['digest-user']) return null;
  if (!args['digest-key'] || !args['digest-pub']) throw new Error('--digest-user needs --digest-key and --digest-pub');
  return {
    username: args['digest-user'],
    privateKey: fs.readFileSync(args['digest-key'], 'utf8'),
    publicKey: fs.readFileSync(args['digest-pub'], 'utf8'),
  };
}

function startStatic(clientFile) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript; charset=utf-8' };
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    let file;
    if (pathname === '/happn-client.js' && clientFile) file = clientFile;
    else if (pathname === '/' || pathname === '/index.html') file = path.join(HERE, 'index.html');
    if (!file) {
      res.writeHead(404);
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function nodeClientOptions(url, extra) {
  const u = new URL(url);
  return Object.assign(
    { protocol: u.protocol.replace(':', ''), host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) },
    extra || {}
  );
}

async function nodeClient(url, extra) {
  const Happn = require('happn-3');
  return Happn.client.create(nodeClientOptions(url, Object.assign({ loginRetry: 1 }, extra || {})));
}

async function openPage(context, staticBase) {
  const page = await context.newPage();
  if (args.verbose) page.on('console', (m) => console.log(`  [page] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => {
    if (args.verbose) console.log(`  [page error] ${e.message}`);
  });
  await page.goto(`${staticBase}/index.html?client=${encodeURIComponent(ctx.clientUrl)}`);
  await page.waitForFunction(() => window.H.loaded || window.H.loadError, null, { timeout: 10000 });
  const loadError = await page.evaluate(() => window.H.loadError);
  if (loadError) throw new Error(loadError);
  return page;
}

// ev runs fn in the page with one JSON argument; errors come back as rejections with the page's message.
function ev(page, fn, arg) {
  return page.evaluate(fn, arg === undefined ? null : arg);
}

// ------------------------------------------------------------------------------------------------
// the checks
// ------------------------------------------------------------------------------------------------

test('client script loads and exposes window.HappnClient', async ({ page }) => {
  const t = await ev(page, () => [typeof window.HappnClient, typeof (window.HappnClient && window.HappnClient.create)]);
  assert.deepEqual(t, ['function', 'function']);
});

test('GET /browser_client: javascript, ETag, no-cache, 304 on If-None-Match', ['servedClient'], async () => {
  const res = await fetch(ctx.clientUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^application\/javascript/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const etag = res.headers.get('etag');
  assert.ok(etag, 'ETag header missing');
  const body = await res.text();
  assert.match(body, /HappnClient/);
  const again = await fetch(ctx.clientUrl, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

test('connect (insecure): configure-session, describe, login', async ({ page }) => {
  const r = await ev(page, async (url) => {
    H.sentMain = [];
    const c = await HappnClient.create({ url });
    H.clients.main = c;
    H.tap(c, H.sentMain);
    return { id: c.session.id, status: c.status, browser: c.session.info && c.session.info._browser, secure: c.serverInfo.secure };
  }, ctx.url);
  assert.ok(r.id, 'no session id');
  assert.equal(r.status, 1);
  assert.equal(r.secure, false);
  assert.equal(r.browser, true);
});

test('set returns the stored data and _meta', async ({ page }) => {
  const r = await ev(page, (p) => H.clients.main.set(p + '/data/a', { x: 1, s: 'one' }), P);
  assert.equal(r.x, 1);
  assert.equal(r.s, 'one');
  assert.equal(r._meta.path, `${P}/data/a`);
  assert.equal(r._meta.status, 'ok');
});

test('get exact path', async ({ page }) => {
  const r = await ev(page, (p) => H.clients.main.get(p + '/data/a'), P);
  assert.deepEqual({ x: r.x, s: r.s, path: r._meta.path }, { x: 1, s: 'one', path: `${P}/data/a` });
});

test('get missing path resolves null', async ({ page }) => {
  assert.equal(await ev(page, (p) => H.clients.main.get(p + '/data/missing'), P), null);
});

test('get wildcard returns every match (meta popped)', async ({ page }) => {
  const r = await ev(page, async (p) => {
    await H.clients.main.set(p + '/data/b', { x: 2 });
    const items = await H.clients.main.get(p + '/data/*');
    return items.map((i) => [i._meta.path, i.x]).sort();
  }, P);
  assert.deepEqual(r, [
    [`${P}/data/a`, 1],
    [`${P}/data/b`, 2],
  ]);
});

test('search: criteria + sort + limit', async ({ page }) => {
  const r = await ev(page, async (p) => {
    for (let n = 1; n <= 5; n++) await H.clients.main.set(p + '/search/' + n, { n, group: n % 2 ? 'odd' : 'even' });
    const items = await H.clients.main.get(p + '/search/*', { criteria: { group: 'odd' }, options: { sort: { n: -1 }, limit: 2 } });
    return items.map((i) => i.n);
  }, P);
  assert.deepEqual(r, [5, 3]);
});

test('search: $gt + $in + skip', async ({ page }) => {
  const r = await ev(page, async (p) => {
    const items = await H.clients.main.get(p + '/search/*', {
      criteria: { n: { $gt: 1 }, group: { $in: ['even', 'odd'] } },
      options: { sort: { n: 1 }, skip: 1, limit: 2 },
    });
    return items.map((i) => i.n);
  }, P);
  assert.deepEqual(r, [3, 4]);
});

test('count', async ({ page }) => {
  const r = await ev(page, (p) => H.clients.main.count(p + '/search/*'), P);
  assert.equal(r.value, 5);
});

test('getPaths', async ({ page }) => {
  const r = await ev(page, async (p) => (await H.clients.main.getPaths(p + '/data/*')).map((i) => i._meta.path).sort(), P);
  assert.deepEqual(r, [`${P}/data/a`, `${P}/data/b`]);
});

test('set merge', async ({ page }) => {
  const r = await ev(page, (p) => H.clients.main.set(p + '/data/a', { y: 9 }, { merge: true }), P);
  assert.deepEqual({ x: r.x, s: r.s, y: r.y }, { x: 1, s: 'one', y: 9 });
});

test('increment', async ({ page }) => {
  const r = await ev(page, async (p) => {
    await H.clients.main.increment(p + '/counter', 'hits', 2);
    const second = await H.clients.main.increment(p + '/counter', 'hits', 3);
    return { value: second.value, gauge: second.gauge };
  }, P);
  assert.deepEqual(r, { value: 5, gauge: 'hits' });
});

test('set primitive and null are wrapped as {value}', async ({ page }) => {
  const r = await ev(page, async (p) => {
    const s = await H.clients.main.set(p + '/prim/s', 'a string');
    const n = await H.clients.main.set(p + '/prim/n', null);
    const got = await H.clients.main.get(p + '/prim/n');
    return [s.value, n.value, got.value];
  }, P);
  assert.deepEqual(r, ['a string', null, null]);
});

test('setSibling stores under a new unique child path', ['sibling'], async ({ page }) => {
  const r = await ev(page, async (p) => {
    const a = await H.clients.main.setSibling(p + '/sib', { n: 1 });
    const b = await H.clients.main.setSibling(p + '/sib', { n: 2 });
    const got = await H.clients.main.get(a._meta.path);
    return { a: a._meta.path, b: b._meta.path, n: got && got.n };
  }, P);
  assert.ok(r.a.startsWith(`${P}/sib/`) && r.a.length > `${P}/sib/`.length, r.a);
  assert.notEqual(r.a, r.b);
  assert.equal(r.n, 1);
});

test('remove', async ({ page }) => {
  const r = await ev(page, async (p) => {
    await H.clients.main.set(p + '/rm/x', { a: 1 });
    const removed = await H.clients.main.remove(p + '/rm/x');
    return [removed.removed, await H.clients.main.get(p + '/rm/x')];
  }, P);
  assert.deepEqual(r, [1, null]);
});

test('node-style callbacks (set, get, error)', async ({ page }) => {
  const r = await ev(page, (p) => new Promise((resolve) => {
    const c = H.clients.main;
    c.set(p + '/cb/a', { v: 7 }, (e1, set) => {
      c.get(p + '/cb/a', (e2, got) => {
        c.set(p + '/cb/*', { v: 1 }, (e3) => resolve([e1, set && set.v, e2, got && got.v, e3 && e3.message]));
      });
    });
  }), P);
  assert.equal(r[0], null);
  assert.equal(r[1], 7);
  assert.equal(r[2], null);
  assert.equal(r[3], 7);
  assert.match(r[4], /Bad path/);
});

test('bad path rejects with an Error', async ({ page }) => {
  const r = await ev(page, (p) => H.clients.main.set(p + '/bad/$', {}).then(() => null, (e) => H.err(e)), P);
  assert.ok(r, 'expected a rejection');
  assert.match(r.message, /Bad path/);
});

test('event caused by another client (node happn-3)', async ({ page, other }) => {
  await ev(page, (p) => H.clients.main.on(p + '/ev/*', { event_type: 'set' }, H.record('ev')).then((id) => (H.evId = id)), P);
  await other.set(`${P}/ev/one`, { from: 'node' });
  const got = await ev(page, () => H.until(() => H.got('ev').length >= 1, 5000, 'event').then(() => H.got('ev')));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0].data, { from: 'node' });
  assert.equal(got[0].meta.path, `${P}/ev/one`);
  assert.equal(got[0].meta.channel, `/SET@${P}/ev/*`);
});

test('event caused by a second page', async ({ page, page2 }) => {
  await ev(page2, async (url) => {
    H.clients.second = await HappnClient.create({ url });
  }, ctx.url);
  await ev(page2, (p) => H.clients.second.set(p + '/ev/two', { from: 'page2' }), P);
  const got = await ev(page, () => H.until(() => H.got('ev').length >= 2, 5000, 'second event').then(() => H.got('ev')[1]));
  assert.deepEqual(got.data, { from: 'page2' });
});

test('off stops events', async ({ page, other }) => {
  await ev(page, () => H.clients.main.off(H.evId));
  await other.set(`${P}/ev/three`, { from: 'node' });
  await sleep(300);
  assert.equal(await ev(page, () => H.got('ev').length), 2);
});

test('remove event (event_type remove)', async ({ page, other }) => {
  await ev(page, (p) => H.clients.main.on(p + '/rmev/*', { event_type: 'remove' }, H.record('rmev')), P);
  await other.set(`${P}/rmev/x`, { a: 1 });
  await other.remove(`${P}/rmev/x`);
  const got = await ev(page, () => H.until(() => H.got('rmev')[0]));
  assert.equal(got.data.removed, 1);
  assert.equal(got.meta.channel, `/REMOVE@${P}/rmev/*`);
  await sleep(200);
  assert.equal(await ev(page, () => H.got('rmev').length), 1, 'the set must not reach a remove listener');
});

test('identical listeners share one server subscription (ref-counted)', async ({ page, other }) => {
  const ids = await ev(page, async (p) => {
    const c = H.clients.main;
    const before = H.sentMain.filter((f) => f.action === 'on').length;
    const a = await c.on(p + '/shared/*', { event_type: 'set' }, H.record('sharedA'));
    const b = await c.on(p + '/shared/*', { event_type: 'set' }, H.record('sharedB'));
    return { a, b, ons: H.sentMain.filter((f) => f.action === 'on').length - before };
  }, P);
  assert.equal(ids.ons, 1, 'second identical listener must not send another on');
  await other.set(`${P}/shared/1`, { n: 1 });
  await ev(page, () => H.until(() => H.got('sharedA').length === 1 && H.got('sharedB').length === 1));
  const offs = await ev(page, async (a) => {
    const before = H.sentMain.filter((f) => f.action === 'off').length;
    await H.clients.main.off(a);
    return H.sentMain.filter((f) => f.action === 'off').length - before;
  }, ids.a);
  assert.equal(offs, 0, 'off of a shared listener must not unsubscribe on the server');
  await other.set(`${P}/shared/2`, { n: 2 });
  await ev(page, () => H.until(() => H.got('sharedB').length === 2));
  const offs2 = await ev(page, async (b) => {
    const before = H.sentMain.filter((f) => f.action === 'off').length;
    await H.clients.main.off(b);
    return H.sentMain.filter((f) => f.action === 'off').length - before;
  }, ids.b);
  assert.equal(offs2, 1, 'off of the last listener must unsubscribe on the server');
  await other.set(`${P}/shared/3`, { n: 3 });
  await sleep(300);
  assert.deepEqual(await ev(page, () => [H.got('sharedA').length, H.got('sharedB').length]), [1, 2]);
});

test('once fires a single time', async ({ page, other }) => {
  await ev(page, (p) => H.clients.main.once(p + '/once/*', { event_type: 'set' }, H.record('once')), P);
  await other.set(`${P}/once/1`, { n: 1 });
  await other.set(`${P}/once/2`, { n: 2 });
  await ev(page, () => H.until(() => H.got('once').length >= 1));
  await sleep(300);
  assert.equal(await ev(page, () => H.got('once').length), 1);
});

test('offPath removes listeners by path', async ({ page, other }) => {
  await ev(page, async (p) => {
    await H.clients.main.on(p + '/op/a', H.record('opA'));
    await H.clients.main.on(p + '/op/b', H.record('opB'));
    await H.clients.main.offPath(p + '/op/*');
  }, P);
  await other.set(`${P}/op/a`, { n: 1 });
  await other.set(`${P}/op/b`, { n: 1 });
  await sleep(300);
  assert.deepEqual(await ev(page, () => [H.got('opA').length, H.got('opB').length]), [0, 0]);
});

test('onAll receives events for any path', async ({ page, other }) => {
  await ev(page, async () => {
    H.allId = await H.clients.main.onAll(H.record('all'));
  });
  await other.set(`${P}/anything/at/all`, { n: 1 });
  const got = await ev(page, (p) => H.until(() => H.got('all').find((e) => e.meta.path === p + '/anything/at/all')), P);
  assert.equal(got.meta.channel, '/ALL@*');
  await ev(page, () => H.clients.main.off(H.allId));
});

test('on with initialCallback (callback and promise forms)', async ({ page }) => {
  const r = await ev(page, (p) => new Promise((resolve, reject) => {
    H.clients.main.on(p + '/data/*', { event_type: 'set', initialCallback: true }, () => {}, async (e, id, items) => {
      if (e) return reject(e);
      const viaPromise = await H.clients.main.on(p + '/data/*', { event_type: 'set', initialCallback: true }, () => {});
      resolve({ id: typeof id, paths: items.map((i) => i._meta.path).sort(), promise: [typeof viaPromise[0], viaPromise[1].length] });
    });
  }), P);
  assert.equal(r.id, 'number');
  assert.deepEqual(r.paths, [`${P}/data/a`, `${P}/data/b`]);
  assert.deepEqual(r.promise, ['number', 2]);
});

test('on with initialEmit calls the handler per existing item', async ({ page }) => {
  const n = await ev(page, async (p) => {
    await H.clients.main.on(p + '/data/*', { event_type: 'set', initialEmit: true }, H.record('initialEmit'));
    return H.got('initialEmit').length;
  }, P);
  assert.equal(n, 2);
});

test('publish: subscribers get the event, response has no data', async ({ page, other }) => {
  const got = [];
  await other.on(`${P}/pub/*`, { event_type: 'set' }, (d) => got.push(d));
  const r = await ev(page, (p) => H.clients.main.publish(p + '/pub/x', { hello: 'world' }), P);
  assert.equal(r._meta.status, 'ok');
  assert.equal(r.hello, undefined);
  for (let i = 0; i < 50 && !got.length; i++) await sleep(20);
  assert.deepEqual(got, [{ hello: 'world' }]);
  assert.equal(await other.get(`${P}/pub/x`), null, 'publish must not store');
});

test('consistency DEFERRED: onPublished gets the publication result', async ({ page }) => {
  const r = await ev(page, (p) => new Promise((resolve, reject) => {
    H.clients.main
      .set(p + '/deferred/x', { a: 1 }, { consistency: 1, onPublished: (e, results) => (e ? reject(e) : resolve(results)) })
      .catch(reject);
  }), P);
  assert.equal(typeof r.successful, 'number');
  assert.equal(r.failed, 0);
});

test('consistency ACKNOWLEDGED: the browser acks before its handler runs', async ({ page, other }) => {
  await ev(page, (p) => H.clients.main.on(p + '/acked/x', { event_type: 'set' }, H.record('acked')), P);
  const results = await new Promise((resolve, reject) => {
    other.set(`${P}/acked/x`, { a: 1 }, { consistency: 3, onPublished: (e, res) => (e ? reject(e) : resolve(res)) }, (e) => e && reject(e));
  });
  assert.equal(results.acknowledged, 1);
  const meta = await ev(page, () => H.until(() => H.got('acked')[0]).then((e) => e.meta));
  assert.equal(meta.acknowledged, true);
  const sentAck = await ev(page, () => H.sentMain.some((f) => f.action === 'ack'));
  assert.ok(sentAck, 'no ack frame sent');
});

test('targetClients: only the named session receives', async ({ page, page2, other }) => {
  await ev(page, (p) => H.clients.main.on(p + '/target/x', { event_type: 'set' }, H.record('targetMain')), P);
  await ev(page2, (p) => H.clients.second.on(p + '/target/x', { event_type: 'set' }, H.record('targetSecond')), P);
  const mainId = await ev(page, () => H.clients.main.session.id);
  await other.publish(`${P}/target/x`, { only: 'main' }, { targetClients: [mainId] });
  await ev(page, () => H.until(() => H.got('targetMain').length === 1));
  await sleep(200);
  assert.equal(await ev(page2, () => H.got('targetSecond').length), 0);
});

test('variable depth subscription (/** with depth 2)', async ({ page, other }) => {
  await ev(page, (p) => H.clients.main.on(p + '/deep/**', { event_type: 'set', depth: 2 }, H.record('deep')), P);
  await other.set(`${P}/deep/a`, { d: 1 });
  await other.set(`${P}/deep/a/b`, { d: 2 });
  await other.set(`${P}/deep/a/b/c`, { d: 3 });
  await ev(page, () => H.until(() => H.got('deep').length >= 2));
  await sleep(300);
  const depths = await ev(page, () => H.got('deep').map((e) => e.data.d).sort());
  assert.deepEqual(depths, [1, 2]);
});

test('call timeout (server that never answers)', async ({ page }) => {
  const r = await ev(page, async () => {
    // A WebSocket stand-in that opens and then stays silent.
    function Silent() {
      this.readyState = 0;
      setTimeout(() => {
        this.readyState = 1;
        this.onopen && this.onopen({});
      }, 0);
    }
    Silent.prototype.send = function () {};
    Silent.prototype.close = function () {
      this.readyState = 3;
    };
    const started = Date.now();
    const e = await HappnClient.create({ url: 'http://127.0.0.1:9', WebSocket: Silent, callTimeout: 300 }).then(() => null, (err) => err);
    return { err: H.err(e), ms: Date.now() - started };
  });
  assert.ok(r.err, 'create must fail');
  assert.match(r.err.message, /timed out.*configure-session/);
  assert.ok(r.ms < 3000, `took ${r.ms} ms`);
});

test('server error response becomes an Error with name/message', async ({ page }) => {
  // An unknown action: happn-3 never answers (so callTimeout fires); happn-go answers with an error.
  const r = await ev(page, async (url) => {
    const c = await HappnClient.create({ url, callTimeout: 1500 });
    const e = await c._systemRequest('no-such-action', null).then(() => null, (err) => err);
    await c.disconnect();
    return H.err(e);
  }, ctx.url);
  assert.ok(r, 'an unknown action must not succeed');
  assert.ok(r.message.length > 0);
});

test('reconnect after the socket drops: events, new session, listeners restored', async ({ page, other }) => {
  const before = await ev(page, async (p) => {
    const c = H.clients.main;
    H.lifecycle = [];
    ['connection-ended', 'reconnect-scheduled', 'reconnect', 'reconnect-successful', 'reconnect-error'].forEach((name) =>
      c.onEvent(name, () => H.lifecycle.push(name))
    );
    await c.on(p + '/rc/*', { event_type: 'set' }, H.record('rc'));
    const id = c.session.id;
    c._conn.ws.close(); // simulate a network drop: the client did not ask for this
    return id;
  }, P);
  const after = await ev(page, async () => {
    await H.until(() => H.lifecycle.includes('reconnect-successful'), 10000, 'reconnect-successful');
    return { id: H.clients.main.session.id, status: H.clients.main.status, lifecycle: H.lifecycle };
  });
  assert.notEqual(after.id, before, 'expected a new session id');
  assert.equal(after.status, 1);
  assert.deepEqual(after.lifecycle.slice(0, 2), ['connection-ended', 'reconnect-scheduled']);
  await other.set(`${P}/rc/after`, { back: true });
  const got = await ev(page, () => H.until(() => H.got('rc')[0], 5000, 'event after reconnect'));
  assert.deepEqual(got.data, { back: true });
  const r = await ev(page, async (p) => {
    await H.clients.main.set(p + '/rc-data', { x: 1 });
    return H.clients.main.get(p + '/rc-data');
  }, P);
  assert.equal(r.x, 1);
});

test('heartbeat watchdog: silence longer than pingTimeout triggers a reconnect', async ({ page }) => {
  const r = await ev(page, async (url) => {
    const seen = [];
    const c = await HappnClient.create({ url, pingTimeout: 300, reconnect: { min: 60000 } });
    c.onEvent('connection-ended', () => seen.push('connection-ended'));
    c.onEvent('reconnect-scheduled', (o) => seen.push('reconnect-scheduled:' + o.scheduled));
    await H.until(() => seen.length >= 2, 5000, 'watchdog');
    await c.disconnect();
    return seen;
  }, ctx.url);
  assert.deepEqual(r, ['connection-ended', 'reconnect-scheduled:60000']);
});

test('heartbeat watchdog stays quiet while the server pings', ['pingInterval'], async ({ page }) => {
  const interval = ctx.pingInterval;
  const r = await ev(page, async ({ url, interval }) => {
    const seen = [];
    const c = await HappnClient.create({ url, pingTimeout: interval + 1000 });
    c.onEvent('connection-ended', () => seen.push('connection-ended'));
    await H.sleep(interval * 3 + 500);
    const out = { seen: seen.slice(), status: c.status }; // before disconnect(), which ends the connection itself
    await c.disconnect();
    return out;
  }, { url: ctx.url, interval });
  assert.deepEqual(r, { seen: [], status: 1 });
});

test('server ping is answered with a pong', ['heartbeat'], async ({ page }) => {
  const wait = ctx.pingInterval ? ctx.pingInterval * 2 + 1000 : 40000;
  const r = await ev(page, async ({ url, wait }) => {
    const c = await HappnClient.create({ url });
    const frames = H.tap(c, []);
    await H.until(() => frames.some((f) => typeof f === 'string' && f.startsWith('primus::pong::')), wait, 'pong');
    const pong = frames.find((f) => typeof f === 'string');
    const ok = (await c.set('/bcharness/heartbeat', { ok: 1 })).ok;
    await c.disconnect();
    return { pong, ok };
  }, { url: ctx.url, wait });
  assert.match(r.pong, /^primus::pong::\d+$/);
  assert.equal(r.ok, 1);
}, 60000);

test('server restart: client reconnects and resubscribes', ['restart'], async ({ page, other }) => {
  await ev(page, async (p) => {
    H.restart = [];
    H.clients.main.onEvent('reconnect-successful', () => H.restart.push('ok'));
    await H.clients.main.on(p + '/restart/*', { event_type: 'set' }, H.record('restart'));
  }, P);
  // The node client that later checks use is cut off too: wait for it as well, or its next request
  // may be written to the dead socket and lost.
  let otherBack;
  const otherReconnected = new Promise((resolve) => {
    otherBack = other.onEvent('reconnect-successful', resolve);
  });
  await ctx.restart();
  await ev(page, () => H.until(() => H.restart.length, 15000, 'reconnect after restart'));
  await withTimeout(otherReconnected, 15000, 'node client reconnect after restart');
  other.offEvent(otherBack);
  const other2 = await nodeClient(ctx.url);
  try {
    await other2.set(`${P}/restart/x`, { after: 'restart' });
    const got = await ev(page, () => H.until(() => H.got('restart')[0], 5000, 'event after restart'));
    assert.deepEqual(got.data, { after: 'restart' });
  } finally {
    await other2.disconnect();
  }
}, 30000);

test('offAll clears every listener', async ({ page, other }) => {
  await ev(page, async (p) => {
    await H.clients.main.on(p + '/offall/*', H.record('offall'));
    await H.clients.main.offAll();
  }, P);
  await other.set(`${P}/offall/x`, { n: 1 });
  await sleep(300);
  assert.equal(await ev(page, () => H.got('offall').length), 0);
});

test('disconnect: status DISCONNECTED, later calls fail fast', async ({ page }) => {
  const r = await ev(page, async () => {
    const c = H.clients.main;
    await c.disconnect();
    const e = await c.get('/x').then(() => null, (err) => err);
    return { status: c.status, err: H.err(e) };
  });
  assert.equal(r.status, 2);
  assert.match(r.err.message, /disconnected/);
});

// -------------------------------------------------------------------------------- secure server

test('secure: login as admin, token and cookie written', ['secure'], async ({ page }) => {
  const r = await ev(page, async ({ url, user, password }) => {
    document.cookie = 'happn_token=; path=/; expires=Thu, 01 Jan 1970 00:00:00 UTC;';
    const c = await HappnClient.create({ url, username: user, password });
    H.clients.secure = c;
    return {
      secure: c.serverInfo.secure,
      username: c.session.user && c.session.user.username,
      token: c.session.token,
      cookieName: c.session.cookieName,
      cookie: document.cookie,
    };
  }, { url: ctx.secureUrl, user: ctx.user, password: ctx.password });
  assert.equal(r.secure, true);
  assert.equal(r.username, ctx.user);
  assert.equal(typeof r.token, 'string');
  const name = r.cookieName || 'happn_token';
  assert.ok(r.cookie.split('; ').includes(`${name}=${r.token}`), `cookie ${name} not written: ${r.cookie}`);
});

test('secure: data round trip', ['secure'], async ({ page }) => {
  const r = await ev(page, async (p) => {
    await H.clients.secure.set(p + '/secure/a', { s: 1 });
    return (await H.clients.secure.get(p + '/secure/a')).s;
  }, P);
  assert.equal(r, 1);
});

test('secure: wrong password is AccessDenied 401', ['secure'], async ({ page }) => {
  const r = await ev(page, async ({ url, user }) => {
    const started = Date.now();
    const e = await HappnClient.create({ url, username: user, password: 'definitely-wrong' }).then(() => null, (err) => err);
    return { err: H.err(e), ms: Date.now() - started };
  }, { url: ctx.secureUrl, user: ctx.user });
  assert.ok(r.err, 'login must fail');
  assert.equal(r.err.code, 401);
  assert.equal(r.err.name, 'AccessDenied');
  assert.equal(r.err.message, 'Invalid credentials');
  assert.ok(r.ms < 4000, `401 must not be retried (took ${r.ms} ms)`);
});

test('secure: unknown user is 401', ['secure'], async ({ page }) => {
  const r = await ev(page, (url) => HappnClient.create({ url, username: 'nobody-' + Date.now(), password: 'x' }).then(() => null, (e) => H.err(e)), ctx.secureUrl);
  assert.equal(r && r.code, 401);
});

test('secure: no credentials is refused client-side', ['secure'], async ({ page }) => {
  const r = await ev(page, (url) => HappnClient.create({ url }).then(() => null, (e) => H.err(e)), ctx.secureUrl);
  assert.match(r && r.message, /please specify a username or token/);
});

test('secure: token login', ['secure'], async ({ page }) => {
  const r = await ev(page, async (url) => {
    const c = await HappnClient.create({ url, token: H.clients.secure.session.token });
    const out = { username: c.session.user.username, parent: c.session.parentId === H.clients.secure.session.id };
    await c.disconnect();
    return out;
  }, ctx.secureUrl);
  assert.deepEqual(r, { username: ctx.user, parent: true });
});

test('secure: useCookie login reads the cookie', ['secure'], async ({ page }) => {
  const r = await ev(page, async (url) => {
    const c = await HappnClient.create({ url, useCookie: true });
    const username = c.session.user.username;
    await c.disconnect();
    return username;
  }, ctx.secureUrl);
  assert.equal(r, ctx.user);
});

test('secure: digest login (RSA-SHA256 via WebCrypto)', ['digest'], async ({ page }) => {
  const r = await ev(page, async ({ url, digest }) => {
    const c = await HappnClient.create({ url, username: digest.username, keyPair: { publicKey: digest.publicKey, privateKey: digest.privateKey } });
    const username = c.session.user.username;
    await c.disconnect();
    return username;
  }, { url: ctx.secureUrl, digest: ctx.digest });
  assert.equal(r, ctx.digest.username);
});

test('secure: digest login with the wrong key is 401', ['digest'], async ({ page }) => {
  const r = await ev(page, async ({ url, digest }) => {
    const pair = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify']
    );
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const pem = '-----BEGIN PRIVATE KEY-----\n' + btoa(String.fromCharCode(...pkcs8)) + '\n-----END PRIVATE KEY-----\n';
    return HappnClient.create({ url, username: digest.username, keyPair: { publicKey: digest.publicKey, privateKey: pem } }).then(
      (c) => c.disconnect().then(() => null),
      (e) => H.err(e)
    );
  }, { url: ctx.secureUrl, digest: ctx.digest });
  assert.equal(r && r.code, 401);
});

test('secure: disconnect({deleteCookie}) expires the cookie', ['secure'], async ({ page }) => {
  const r = await ev(page, async (url) => {
    const c = await HappnClient.create({ url, token: H.clients.secure.session.token });
    const name = c.session.cookieName || 'happn_token';
    const had = document.cookie.includes(name + '=');
    await c.disconnect({ deleteCookie: true });
    const left = document.cookie.split('; ').filter((kv) => kv.startsWith(name + '=') && kv.length > name.length + 1);
    return { had, left };
  }, ctx.secureUrl);
  assert.equal(r.had, true);
  assert.deepEqual(r.left, []);
});

test('secure: revokeToken ends the session; no reconnect', ['secure'], async ({ page }) => {
  const r = await ev(page, async ({ url, user, password }) => {
    const c = await HappnClient.create({ url, username: user, password });
    const seen = [];
    c.onEvent('session-ended', (d) => seen.push('session-ended:' + (d && d.reason)));
    c.onEvent('reconnect-scheduled', () => seen.push('reconnect-scheduled'));
    c.onSystemMessage((key) => seen.push('system:' + key));
    await c.revokeToken();
    await H.until(() => seen.some((s) => s.startsWith('session-ended')), 5000, 'session-ended');
    await H.sleep(1200);
    return { seen, status: c.status };
  }, { url: ctx.secureUrl, user: ctx.user, password: ctx.password });
  assert.ok(r.seen.includes('session-ended:token-revoked'), JSON.stringify(r.seen));
  assert.ok(r.seen.includes('system:server-side-disconnect'), JSON.stringify(r.seen));
  assert.ok(!r.seen.includes('reconnect-scheduled'), 'must not reconnect after the server ended the session');
  assert.equal(r.status, 2);
});

test('secure: permission removed → security-data-changed → listener dropped', ['security'], async ({ page }) => {
  const limited = { username: 'harness-user', password: 'harness-pass', group: 'harness-group', pathPattern: `${P}/allowed/*` };
  await ctx.security.addLimitedUser(limited);
  await ev(page, async ({ url, limited, p }) => {
    const c = await HappnClient.create({ url, username: limited.username, password: limited.password });
    H.clients.limited = c;
    H.limitedSent = H.tap(c, []);
    H.limitedSystem = [];
    c.onSystemMessage((key, data) => H.limitedSystem.push([key, data && data.whatHappnd]));
    await c.on(p + '/allowed/*', { event_type: 'set' }, H.record('allowed'));
    const denied = await c.on(p + '/elsewhere/*', { event_type: 'set' }, () => {}).then(() => null, (e) => H.err(e));
    if (!denied || denied.code !== 403) throw new Error('expected 403 outside the allowed path, got ' + JSON.stringify(denied));
  }, { url: ctx.secureUrl, limited, p: P });
  await ctx.security.removePermission(limited.group, limited.pathPattern, 'on');
  const r = await ev(page, async (p) => {
    const c = H.clients.limited;
    await H.until(() => H.limitedSystem.some(([k]) => k === 'security-data-changed'), 5000, 'security-data-changed');
    await H.until(() => !c._channels['/SET@' + p + '/allowed/*'], 5000, 'listener dropped');
    const reOn = H.limitedSent.filter((f) => f.action === 'on' && f.path === '/SET@' + p + '/allowed/*').length;
    await c.disconnect();
    return { system: H.limitedSystem, reOn };
  }, P);
  assert.ok(r.system.some(([k, w]) => k === 'security-data-changed' && w === 'permission-removed'), JSON.stringify(r.system));
  assert.equal(r.reOn, 2, 'expected the original on plus one re-check');
});

// ------------------------------------------------------------------------- payload encryption
// The client's encryptPayloads option against a happn-go server with EncryptPayloads
// (docs/payload-encryption.md). The page's WebSocket is H.recorder's, so these checks read the
// frames exactly as they went over the wire, in both directions, from the socket's first frame.

const SCHEME = 'p256-hkdf-sha256-aes256gcm-v1';
const SEALED = /^\{"sealed":"([A-Za-z0-9+/]*={0,2})"\}$/;
const SECRET = 'secret-' + RUN; // set through sealed frames: must never show on the wire

const isHeartbeat = (text) => /^"primus::/.test(text);
const parseOr = (text) => {
  try {
    return JSON.parse(text);
  } catch (e) {
    return null;
  }
};

// loginOf splits one socket's recorded frames at the login: the login request and response, both
// plain, and the frames each way after them.
function loginOf(wire, sock) {
  const frames = wire.filter((f) => f.sock === sock);
  const out = frames.findIndex((f) => f.dir === 'out' && (parseOr(f.text) || {}).action === 'login');
  assert.ok(out >= 0, `socket ${sock}: no plain login frame`);
  const back = frames.findIndex((f) => f.dir === 'in' && ((parseOr(f.text) || {})._meta || {}).action === 'login');
  assert.ok(back >= 0, `socket ${sock}: no plain login response`);
  return {
    request: JSON.parse(frames[out].text),
    response: JSON.parse(frames[back].text),
    sent: frames.slice(out + 1).filter((f) => f.dir === 'out'),
    received: frames.slice(back + 1).filter((f) => f.dir === 'in'),
  };
}

// assertSealed checks that every frame but heartbeats is {"sealed": base64} whose 8-byte sequence
// numbers run 0, 1, 2, … with no gap, and that the secret never shows; it returns how many there were.
function assertSealed(frames, what) {
  const seqs = [];
  for (const f of frames) {
    assert.ok(!f.text.includes(SECRET), `${what}: the secret is readable on the wire`);
    if (isHeartbeat(f.text)) continue;
    const m = SEALED.exec(f.text);
    assert.ok(m && m[1].length % 4 === 0, `${what}: a frame after the login is not sealed: ${f.text.slice(0, 120)}`);
    const raw = Buffer.from(m[1], 'base64');
    assert.ok(raw.length >= 8 + 16, `${what}: sealed frame too short`);
    seqs.push(Number(raw.readBigUInt64BE(0)));
  }
  assert.deepEqual(seqs, seqs.map((_, i) => i), `${what}: sequence numbers`);
  return seqs.length;
}

function assertP256Offer(encryption, what) {
  assert.equal(encryption && encryption.scheme, SCHEME, `${what}: scheme`);
  const point = Buffer.from(encryption.publicKey, 'base64');
  assert.equal(point.length, 65, `${what}: public key length`);
  assert.equal(point[0], 4, `${what}: not an uncompressed point`);
}

test('encrypted: login offers a P-256 key; set, get, search, count, a 2.5 MiB value, a burst; every frame after the login is sealed', ['encrypted'], async ({ page }) => {
  const r = await ev(page, async ({ url, user, password, p, secret }) => {
    const c = await HappnClient.create({ url, username: user, password, encryptPayloads: true, WebSocket: H.recorder('enc'), reconnect: { min: 100 } });
    H.clients.enc = c;
    const set = await c.set(p + '/enc/a', { secret, n: 1 });
    await c.set(p + '/enc/b', { secret, n: 2 });
    await c.set(p + '/enc/c', { secret, n: 3 });
    const got = await c.get(p + '/enc/a');
    const found = await c.get(p + '/enc/*', { criteria: { n: { $gt: 1 } }, options: { sort: { n: -1 } } });
    const count = await c.count(p + '/enc/*');
    const missing = await c.get(p + '/enc/missing');
    // A large value, sealed and opened whole, and many requests in flight at once (sealed in order).
    const big = secret + 'é€'.repeat(1 << 19); // 2.5 MiB of UTF-8
    await c.set(p + '/big/x', { big });
    const bigBack = (await c.get(p + '/big/x')).big === big;
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => c.set(p + '/burst/' + i, { i })));
    const inOrder = burst.every((item, i) => item.i === i);
    return { status: c.status, set: set.secret, got: got && got.n, found: found.map((i) => i.n), count: count.value, missing, bigBack, inOrder };
  }, { url: ctx.encryptedUrl, user: ctx.user, password: ctx.password, p: P, secret: SECRET });
  assert.deepEqual(r, { status: 1, set: SECRET, got: 1, found: [3, 2], count: 3, missing: null, bigBack: true, inOrder: true });

  const wire = await ev(page, () => H.wires.enc);
  const w = loginOf(wire, 0);
  assertP256Offer(w.request.data.encryption, 'the login offer');
  assertP256Offer(w.response.data.encryption, "the server's answer");
  const sent = assertSealed(w.sent, 'browser → server');
  const received = assertSealed(w.received, 'server → browser');
  assert.ok(sent >= 59 && received >= 59, `too few sealed frames: ${sent} sent, ${received} received`);
});

test('encrypted: an event caused by an encrypting Go client arrives sealed', ['encrypted', 'encryptedSet'], async ({ page }) => {
  await ev(page, (p) => H.clients.enc.on(p + '/enc/ev/*', { event_type: 'set' }, H.record('encEvent')), P);
  await ctx.encryptedSet(`${P}/enc/ev/one`, { from: 'go', secret: SECRET });
  const got = await ev(page, () => H.until(() => H.got('encEvent')[0], 5000, 'event'));
  assert.deepEqual(got.data, { from: 'go', secret: SECRET });
  assert.equal(got.meta.path, `${P}/enc/ev/one`);
  const w = loginOf(await ev(page, () => H.wires.enc), 0);
  assertSealed(w.sent, 'browser → server');
  assertSealed(w.received, 'server → browser');
});

test('encrypted: heartbeats stay plain', ['encrypted', 'encryptedPing'], async ({ page }) => {
  const w = await ev(page, (ms) => H.until(() => {
    const frames = H.wires.enc.filter((f) => f.sock === 0);
    const ping = frames.find((f) => f.dir === 'in' && f.text.startsWith('"primus::ping::'));
    const pong = ping && frames.find((f) => f.dir === 'out' && f.text === ping.text.replace('ping', 'pong'));
    return pong && [ping.text, pong.text];
  }, ms, 'a ping answered by a plain pong'), ctx.encryptedPing * 3 + 1000);
  assert.match(w[0], /^"primus::ping::\d+"$/);
});

test('encrypted: a replayed, altered or unsealed frame ends the connection; it reconnects with new keys', ['encrypted'], async ({ page }) => {
  const r = await ev(page, async (p) => {
    const c = H.clients.enc;
    const sockets = H.sockets.enc;
    const seen = [];
    c.onEvent('connection-ended', () => seen.push('ended'));
    c.onEvent('reconnect-successful', () => seen.push('back'));
    c.onEvent('error', (e) => seen.push('error: ' + e.message));
    const sealedIn = (sock) => H.wires.enc.filter((f) => f.sock === sock && f.dir === 'in' && f.text.startsWith('{"sealed"'));
    const out = [];
    for (const kind of ['replayed', 'altered', 'unsealed']) {
      await c.get(p + '/enc/a'); // a sealed frame on this socket to replay or alter
      const ws = sockets[sockets.length - 1];
      const frames = sealedIn(ws.__sock);
      let frame;
      if (kind === 'replayed') frame = frames[0].text;
      else if (kind === 'unsealed') frame = JSON.stringify({ _meta: { type: 'system' }, eventKey: 'server-side-disconnect', data: {} });
      else {
        // The next sequence number with a ciphertext sealed under another: it cannot authenticate.
        const raw = Uint8Array.from(atob(JSON.parse(frames[0].text).sealed), (ch) => ch.charCodeAt(0));
        new DataView(raw.buffer).setUint32(4, frames.length);
        raw[raw.length - 1] ^= 1;
        frame = JSON.stringify({ sealed: btoa(String.fromCharCode(...raw)) });
      }
      const from = seen.length;
      const n = sockets.length;
      ws.inject(frame);
      await H.until(() => sockets.length > n && seen.slice(from).includes('back'), 5000, 'reconnect after a ' + kind + ' frame');
      const got = await c.get(p + '/enc/a');
      out.push({ kind, seen: seen.slice(from), closed: ws.readyState >= 2, works: !!got && got.n === 1 });
    }
    return out;
  }, P);
  const why = { replayed: /sealed frame 0, expected \d+/, altered: /failed authentication/, unsealed: /not sealed/ };
  for (const x of r) {
    assert.ok(x.seen.includes('ended') && x.seen.includes('back'), `${x.kind}: ${JSON.stringify(x.seen)}`);
    assert.ok(x.seen.some((s) => why[x.kind].test(s)), `${x.kind}: no error saying why: ${JSON.stringify(x.seen)}`);
    assert.ok(x.closed, `${x.kind}: the old socket is still open`);
    assert.ok(x.works, `${x.kind}: no data after the reconnect`);
  }
  // Every socket agreed its own keys and sealed from sequence number 0.
  const wire = await ev(page, () => H.wires.enc);
  const socks = [...new Set(wire.map((f) => f.sock))];
  assert.equal(socks.length, 4);
  const keys = new Set();
  for (const sock of socks) {
    const w = loginOf(wire, sock);
    keys.add(w.request.data.encryption.publicKey);
    assertSealed(w.sent, `socket ${sock}: browser → server`);
    assertSealed(w.received, `socket ${sock}: server → browser`);
  }
  assert.equal(keys.size, socks.length, 'a reconnection reused a key');
  await ev(page, () => H.clients.enc.disconnect());
}, 30000);

test('encrypted: a client that does not encrypt gets AccessDenied 403 from the server that requires it', ['encrypted'], async ({ page }) => {
  const r = await ev(page, async ({ url, user, password }) => {
    const started = Date.now();
    const e = await HappnClient.create({ url, username: user, password }).then((c) => c.disconnect().then(() => null), (err) => err);
    return { err: H.err(e), ms: Date.now() - started };
  }, { url: ctx.encryptedUrl, user: ctx.user, password: ctx.password });
  assert.ok(r.err, 'a plain login must be refused');
  assert.equal(r.err.name, 'AccessDenied');
  assert.equal(r.err.code, 403);
  assert.match(r.err.message, /requires payload encryption/);
  assert.ok(r.ms < 4000, `403 must not be retried (took ${r.ms} ms)`);
});

test('encrypted: create() fails with EncryptionRefused where the server does not encrypt; nothing is sent after the login', ['secure'], async ({ page }) => {
  const servers = [
    { name: 'refusedSecure', url: ctx.secureUrl, user: ctx.user, password: ctx.password },
    { name: 'refusedInsecure', url: ctx.url },
  ];
  for (const s of servers) {
    const r = await ev(page, async ({ name, url, user, password }) => {
      const c = await HappnClient.create({ url, username: user, password, encryptPayloads: true, WebSocket: H.recorder(name) }).then(
        (c) => c,
        (e) => e
      );
      if (c instanceof HappnClient) {
        await c.disconnect();
        return { err: null };
      }
      await H.until(() => H.sockets[name][0].readyState === 3, 3000, 'the socket closed');
      return { err: H.err(c), wire: H.wires[name] };
    }, s);
    assert.ok(r.err, `${s.url}: create() must fail`);
    assert.equal(r.err.name, 'EncryptionRefused', `${s.url}: ${r.err.text}`);
    assert.equal(r.err.code, 'ENCRYPTION_REFUSED');
    assert.match(r.err.message, /does not agree to payload encryption/);
    const w = loginOf(r.wire, 0);
    assertP256Offer(w.request.data.encryption, 'the login offer');
    assert.deepEqual(w.sent.filter((f) => !isHeartbeat(f.text)), [], `${s.url}: frames sent after a refused login`);
  }
});

// ------------------------------------------------------------------------------------------------
// main
// ------------------------------------------------------------------------------------------------

async function setupReference() {
  const reference = require('./reference');
  ctx.referenceVersion = reference.useVersion(args['reference-version']);
  const password = 'harness-' + Math.random().toString(36).slice(2);
  let insecure = await reference.startInsecure();
  const secure = await reference.startSecure(password);
  ctx.url = insecure.url;
  ctx.secureUrl = secure.url;
  ctx.user = '_ADMIN';
  ctx.password = password;
  ctx.digest = secure.digest;
  ctx.heartbeat = true;
  ctx.pingInterval = reference.PING_INTERVAL;
  ctx.restart = () => ctx.reference.restartInsecure();
  // ctx.reference is set just below: look it up when called.
  ctx.security = {
    addLimitedUser: (opts) => ctx.reference.addLimitedUser(opts),
    removePermission: (group, pathPattern, action) => ctx.reference.removePermission(group, pathPattern, action),
  };
  ctx.reference = {
    pingInterval: reference.PING_INTERVAL,
    restartInsecure: async () => {
      await reference.stop(insecure.server, true); // plain close: clients reconnect
      await sleep(200);
      insecure = await reference.startInsecure(insecure.port);
    },
    addLimitedUser: (opts) => reference.addLimitedUser(secure.server, opts),
    removePermission: (group, pathPattern, action) => reference.removePermission(secure.server, group, pathPattern, action),
    stopAll: async () => {
      await reference.stop(insecure.server, false);
      await reference.stop(secure.server, false);
    },
  };
}

function needsMet(needs) {
  for (const n of needs) {
    if (n === 'secure' && !(ctx.secureUrl && ctx.password)) return 'needs --secure-url and --password';
    if (n === 'digest' && !(ctx.secureUrl && ctx.digest)) return 'needs --secure-url and --digest-*';
    if (n === 'reference' && !ctx.reference) return 'needs --reference (uses happn-3\'s server API)';
    if (n === 'pingInterval' && !ctx.pingInterval) return 'needs --ping-interval or --reference';
    if (n === 'restart' && !ctx.restart) return 'needs --restart-url or --reference (restarts the server)';
    if (n === 'security' && !(ctx.security && ctx.secureUrl)) return 'needs --secure-url with --security-url, or --reference';
    if (n === 'encrypted' && !(ctx.encryptedUrl && ctx.password)) return 'needs --encrypted-url and --password (a happn-go server with EncryptPayloads)';
    if (n === 'encryptedSet' && !ctx.encryptedSet) return 'needs --encrypted-set-url';
    if (n === 'encryptedPing' && !ctx.encryptedPing) return 'needs --encrypted-ping-interval';
    if (n === 'heartbeat' && !ctx.heartbeat) return 'needs --heartbeat (waits ~35 s for a server ping)';
    if (n === 'sibling' && ctx.referenceVersion && !ctx.referenceVersion.startsWith('12.'))
      return 'happn-3 13.x dropped setSibling';
    if (n === 'servedClient' && ctx.clientFile) return 'client loaded from a file, not from the server';
  }
  return null;
}

async function main() {
  if (args.reference) await setupReference();
  else ctx.digest = loadDigestFlags();
  ctx.url = ctx.url.replace(/\/+$/, '');
  if (ctx.secureUrl) ctx.secureUrl = ctx.secureUrl.replace(/\/+$/, '');

  const clientArg = args.client || (args.reference ? DEFAULT_CLIENT_FILE : null);
  if (clientArg && !/^https?:\/\//.test(clientArg)) ctx.clientFile = path.resolve(clientArg);
  const statik = await startStatic(ctx.clientFile);
  const staticBase = `http://127.0.0.1:${statik.address().port}`;
  ctx.clientUrl = ctx.clientFile ? `${staticBase}/happn-client.js` : clientArg || `${ctx.url}/browser_client`;

  console.log(`browser harness: server ${ctx.url}${ctx.secureUrl ? ', secure ' + ctx.secureUrl : ''}${args.reference ? ` (happn-3 ${ctx.referenceVersion} in-process)` : ''}`);
  console.log(`browser harness: client ${ctx.clientFile || ctx.clientUrl}`);

  const browser = await chromiumHarness.launch(args.chromium);
  const context = browser.context;

  let other = null;
  const results = { pass: 0, fail: 0, skip: 0 };
  try {
    const page = await openPage(context, staticBase);
    const page2 = await openPage(context, staticBase);
    other = await nodeClient(ctx.url);
    const only = args.only ? new RegExp(args.only) : null;
    for (const t of tests) {
      if (only && !only.test(t.name)) continue;
      const why = needsMet(t.needs);
      if (why) {
        results.skip++;
        console.log(`SKIP ${t.name} (${why})`);
        continue;
      }
      const started = Date.now();
      try {
        await withTimeout(t.fn({ page, page2, other }), t.timeout || 20000, t.name);
        results.pass++;
        console.log(`PASS ${t.name} (${Date.now() - started} ms)`);
      } catch (e) {
        results.fail++;
        console.log(`FAIL ${t.name}: ${(e && e.message ? e.message : String(e)).split('\n')[0]}`);
        if (args.verbose && e && e.stack) console.log(e.stack);
      }
    }
  } finally {
    if (other) await other.disconnect().catch(() => {});
    await browser.close();
    statik.close();
    if (ctx.reference) await ctx.reference.stopAll().catch(() => {});
  }
  return chromiumHarness.summary(results);
}

chromiumHarness.run(main, 'browser harness');
