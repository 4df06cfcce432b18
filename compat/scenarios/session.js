'use strict';
// session: what login hands the client (client.session) and what describe hands it
// (client.serverInfo) on an insecure server (SPEC §1.6, §2.5 login/describe; WIRE-TRANSCRIPT
// facts 4, 12, 13).

const { isNum, isStr } = require('../lib/assert');

module.exports = [
  {
    name: 'login returns the session: id, protocol happn_4, happn {name, secure:false}, info, version',
    mode: 'insecure',
    async run(t) {
      const c = await t.client();
      const s = c.session;
      t.match(s, {
        id: isStr,
        protocol: 'happn_4',
        happn: { name: isStr, secure: false },
        info: { _browser: false, _local: false },
        version: t.clientVersion, // echoed from configure-session
        encrypted: false,
        msgCount: isNum,
        url: (u) => typeof u === 'string' && u.startsWith('/primus'),
        headers: { host: `${t.host}:${t.port}` },
        address: { ip: t.host, secure: false, port: isNum },
      }, 'session');
      t.absent(s, ['token', 'user', 'policy', '_meta'], 'insecure session');
      t.keys(s.happn, ['name', 'secure'], 'session.happn');
    },
  },
  {
    name: 'describe tells the client the server name and secure:false',
    mode: 'insecure',
    async run(t) {
      const c = await t.client();
      t.match(c.serverInfo, { name: c.session.happn.name, secure: false }, 'serverInfo');
    },
  },
  {
    name: 'info given to create() is echoed in session.info',
    async run(t) {
      const c = await t.client({ info: { app: 'compat', n: 1, nested: { k: ['v'] } } });
      t.eq(c.session.info, { app: 'compat', n: 1, nested: { k: ['v'] }, _browser: false, _local: false }, 'session.info');
    },
  },
  {
    name: 'every connection gets its own session id',
    async run(t) {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await t.client()).session.id);
      t.eq(new Set(ids).size, 3, `distinct ids ${ids}`);
    },
  },
  {
    name: 'responses echo the request eventId; the first data request after login is eventId 4',
    async run(t) {
      const c = await t.client();
      const a = await c.set(t.path('e'), { a: 1 });
      const b = await c.get(t.path('e'));
      const n = await c.count(t.path('*'));
      t.eq([a._meta.eventId, b._meta.eventId, n._meta.eventId], [4, 5, 6], 'eventIds');
      t.eq([a._meta.sessionId, b._meta.sessionId, n._meta.sessionId], [c.session.id, c.session.id, c.session.id], 'sessionIds');
    },
  },
  {
    name: 'many requests in flight on one client are all answered and matched',
    async run(t) {
      const c = await t.client();
      const writes = [];
      for (let i = 0; i < 50; i++) writes.push(c.set(t.path('many', String(i)), { i }));
      const results = await Promise.all(writes);
      t.eq(results.map((r) => r.i), [...Array(50).keys()], 'set results matched to their calls');
      const reads = await Promise.all([...Array(50).keys()].map((i) => c.get(t.path('many', String(i)))));
      t.eq(reads.map((r) => r.i), [...Array(50).keys()], 'get results matched to their calls');
      t.eq((await c.count(t.path('many', '*'))).value, 50, 'count');
    },
  },
];
