'use strict';
// secure-login: logging in to a secure server as happn-3 clients do (SPEC §7.4, §2.5 login):
// the session record, bad credentials, lockout, token logins, key-pair (digest) logins, and a
// socket that never logs in. Needs the users of secure-fixture.json (the Go server reads it with
// -config; secure-reference-server.js provisions a real happn-3 with it).

const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require('ws');
const { isNum, isStr } = require('../lib/assert');

const LIMITED = { username: 'compat-limited', password: 'compat-pw' };
const KEY_USER = 'compat-key';

/** fixtureClient logs in a fixture user, saying how to get the fixture when that fails. */
async function fixtureClient(t, creds) {
  try {
    return await t.client(creds);
  } catch (e) {
    if (e && e.code === 401) e.message += ' (is the server provisioned with compat/secure-fixture.json?)';
    throw e;
  }
}

/** rawSocket opens a bare websocket and collects the decoded frames the server sends. */
function rawSocket(t) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${t.host}:${t.port}/primus`);
    const frames = [];
    let closed = false;
    ws.on('message', (m) => frames.push(JSON.parse(m)));
    ws.on('close', () => (closed = true));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        frames,
        send: (obj) => ws.send(JSON.stringify(obj)),
        isClosed: () => closed,
        close: () => ws.terminate(),
      })
    );
  });
}

function randomName(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

module.exports = [
  {
    name: 'a secure login returns the secure session record: token, user, policy, cookieName, parentId',
    mode: 'secure',
    async run(t) {
      const c = await fixtureClient(t, LIMITED);
      const s = c.session;
      t.match(s, {
        id: isStr,
        protocol: 'happn_4',
        happn: { name: isStr, secure: true },
        cookieName: 'happn_token',
        type: 1,
        user: { username: LIMITED.username, userid: isStr, custom_data: { team: 'compat' }, permissions: {} },
        timestamp: isNum,
        parentId: s.id,
        origin: s.happn.name,
        policy: { 0: { ttl: 0, inactivity_threshold: null }, 1: { ttl: 0, inactivity_threshold: null } },
        permissionSetKey: isStr,
        token: (v) => typeof v === 'string' && v.split('.').length === 3,
      }, 'session');
      t.absent(s.user, ['password', 'groups'], 'session.user');
      t.eq(c.serverInfo.secure, true, 'describe secure');
    },
  },
  {
    name: 'a wrong password is AccessDenied 401 Invalid credentials',
    mode: 'secure',
    async run(t) {
      await t.rejects(t.client({ ...LIMITED, password: 'wrong' }), { name: 'AccessDenied', code: 401, message: 'Invalid credentials' }, 'wrong password');
      await fixtureClient(t, LIMITED); // a success resets the lockout count
    },
  },
  {
    name: 'an unknown user gets the same 401 as a wrong password',
    mode: 'secure',
    async run(t) {
      await t.rejects(t.client({ username: randomName('nobody'), password: 'x' }), { name: 'AccessDenied', code: 401, message: 'Invalid credentials' }, 'unknown user');
    },
  },
  {
    name: 'after 4 failures a username is locked out: 403 Account locked out',
    mode: 'secure',
    timeout: 20000,
    async run(t) {
      const username = randomName('locked');
      for (let i = 0; i < 4; i++) {
        await t.rejects(t.client({ username, password: 'x' }), { code: 401 }, `failure ${i + 1}`);
      }
      await t.rejects(t.client({ username, password: 'x' }), { name: 'AccessDenied', code: 403, message: 'Account locked out' }, 'fifth try');
    },
  },
  {
    name: 'a token login derives a new session: same token and user, parentId = the original session',
    mode: 'secure',
    async run(t) {
      const first = await fixtureClient(t, LIMITED);
      const second = await t.client({ token: first.session.token });
      t.ok(second.session.id !== first.session.id, 'a new session id');
      t.eq(second.session.parentId, first.session.id, 'parentId');
      t.eq(second.session.token, first.session.token, 'same token');
      t.eq(second.session.user.username, LIMITED.username, 'user');
      const r = await second.set(t.path('allowed', 'tok'), { v: 1 });
      t.eq(r.v, 1, 'the derived session has the same permissions');
    },
  },
  {
    name: 'a forged token is AccessDenied 401',
    mode: 'secure',
    async run(t) {
      const first = await fixtureClient(t, LIMITED);
      const [h, p] = first.session.token.split('.');
      const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
      for (const token of [forged, 'garbage', first.session.token.slice(0, -4)]) {
        await t.rejects(t.client({ token }), { name: 'AccessDenied', code: 401, message: /^Invalid credentials/ }, `token ${token.slice(0, 12)}…`);
      }
    },
  },
  {
    name: 'a key pair logs in by digest (request-nonce, RSA-SHA256 signature)',
    mode: 'secure',
    async run(t) {
      const privateKey = fs.readFileSync(path.join(__dirname, '..', 'secure-fixture.key.pem'), 'utf8');
      const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'secure-fixture.json'), 'utf8'));
      const publicKey = fixture.users.find((u) => u.username === KEY_USER).publicKey;
      const c = await t.client({ username: KEY_USER, keyPair: { publicKey, privateKey } });
      t.eq(c.session.user.username, KEY_USER, 'user');
      t.eq(c.session.user.publicKey, publicKey, 'session.user.publicKey');
      // Someone else's key does not log in as compat-key.
      const crypto = require('node:crypto');
      const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
      await t.rejects(t.client({ username: KEY_USER, keyPair: other }), { name: 'AccessDenied', code: 401 }, 'another key pair');
    },
  },
  {
    name: 'a socket that never logged in: its first request is refused and the session ended (no-session-policy)',
    mode: 'secure',
    async run(t) {
      const ws = await rawSocket(t);
      try {
        ws.send({ action: 'configure-session', eventId: 1, data: { protocol: 'happn_4', version: t.clientVersion, browser: false } });
        await t.until(() => ws.frames.length >= 1, 'configure-session answer');
        ws.send({ action: 'get', eventId: 2, path: t.path('x') });
        await t.until(() => ws.isClosed(), 'the server to close the socket');
        t.match(ws.frames[1], { data: null, _meta: { status: 'error', eventId: 2, error: { name: 'AccessDenied', code: 403, message: 'no policy attached to session' } } }, 'answer');
        t.eq(ws.frames[2], { _meta: { type: 'system' }, data: { reason: 'no-session-policy' }, eventKey: 'server-side-disconnect' }, 'goodbye');
        t.eq(ws.frames[3], 'primus::server::close', 'primus close');
      } finally {
        ws.close();
      }
    },
  },
  {
    name: 'every data action of a socket that never logged in is refused',
    mode: 'secure',
    goOnly: true, // happn-3 answers count without any login (SPEC §2.5 count)
    async run(t) {
      const requests = [
        { action: 'set', path: t.path('x'), data: { a: 1 } },
        { action: 'get', path: t.path('x') },
        { action: 'count', path: t.path('*') },
        { action: 'remove', path: t.path('x') },
        { action: 'on', path: `/ALL@${t.path('*')}`, options: { event_type: 'all' } },
        { action: 'revoke-token' },
      ];
      for (const r of requests) {
        const ws = await rawSocket(t);
        try {
          ws.send({ action: 'configure-session', eventId: 1, data: { protocol: 'happn_4', version: t.clientVersion, browser: false } });
          ws.send({ ...r, eventId: 2 });
          await t.until(() => ws.isClosed(), `${r.action}: the server to close the socket`);
          t.match(ws.frames[1], { _meta: { status: 'error', error: { name: 'AccessDenied', code: 403, message: 'no policy attached to session' } } }, r.action);
          t.match(ws.frames[2], { eventKey: 'server-side-disconnect', data: { reason: 'no-session-policy' } }, `${r.action} goodbye`);
        } finally {
          ws.close();
        }
      }
    },
  },
];
