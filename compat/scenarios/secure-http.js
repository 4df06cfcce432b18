'use strict';
// secure-http: the HTTP side of a secure server (SPEC §7.11): GET /auth/login, and /@HTTP
// permissions on routes (compat-limited may GET /compat/allowed/*).

const http = require('node:http');

const LIMITED = { username: 'compat-limited', password: 'compat-pw' };

function get(t, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: t.host, port: t.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

module.exports = [
  {
    name: 'GET /auth/login answers a token, or 401 with happn-3\'s body',
    mode: 'secure',
    async run(t) {
      const ok = await get(t, `/auth/login?username=${LIMITED.username}&password=${LIMITED.password}`);
      t.eq(ok.status, 200, 'status');
      t.ok(/^application\/json/.test(ok.headers['content-type']), 'content-type');
      const body = JSON.parse(ok.body);
      t.match(body, { message: 'login successful', error: null, data: (v) => typeof v === 'string' && v.split('.').length === 3 }, 'body');
      t.ok(ok.body.includes('", "data":'), 'hand-built separators');
      const bad = await get(t, `/auth/login?username=${LIMITED.username}&password=wrong`);
      t.eq(bad.status, 401, 'bad status');
      t.eq(bad.body, '{"message":"login failed", "data":null, "error":{"name":"AccessDenied","code":401,"message":"Invalid credentials"}}', 'bad body');
      await t.client(LIMITED); // reset the failure count
    },
  },
  {
    name: 'a route without a token is 401, without permission 403, with both it goes through',
    mode: 'secure',
    async run(t) {
      const login = JSON.parse((await get(t, `/auth/login?username=${LIMITED.username}&password=${LIMITED.password}`)).body);
      const token = login.data;
      const none = await get(t, '/compat/allowed/x');
      t.eq([none.status, none.body, none.headers['www-authenticate']], [401, 'invalid token format or null token', 'happn-auth'], 'no token');
      const forbidden = await get(t, `/compat/forbidden/x?happn_token=${token}`);
      t.eq([forbidden.status, forbidden.body], [403, 'unauthorized access to path /@HTTP/compat/forbidden/x'], 'no permission');
      for (const [how, req] of [
        ['query', get(t, `/compat/allowed/x?happn_token=${token}`)],
        ['cookie', get(t, '/compat/allowed/x', { cookie: `happn_token=${token}` })],
        ['bearer', get(t, '/compat/allowed/x', { authorization: `Bearer ${token}` })],
      ]) {
        const r = await req;
        t.eq(r.status, 404, `${how}: authorized, and no such route`);
      }
      const garbage = await get(t, '/compat/allowed/x?happn_token=garbage');
      t.eq(garbage.status, 401, 'garbage token');
    },
  },
  {
    name: 'a revoked token is refused over HTTP too',
    mode: 'secure',
    async run(t) {
      const c = await t.client(LIMITED);
      const token = c.session.token;
      t.eq((await get(t, `/compat/allowed/x?happn_token=${token}`)).status, 404, 'before');
      await t.cb((cb) => c.revokeToken(cb));
      const after = await get(t, `/compat/allowed/x?happn_token=${token}`);
      t.eq(after.status, 403, 'after revocation');
    },
  },
];
