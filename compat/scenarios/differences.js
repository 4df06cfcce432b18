'use strict';
// differences: where the Go server deliberately differs from happn-3 (DESIGN.md "Where we
// deliberately differ", SPEC §13). Each difference has a goOnly scenario (what the Go server
// must do; runs only with --target go) and, where the happn-3 behaviour can be observed quickly,
// a happn3Only twin that documents the happn-3 bug (runs only with --target happn3).
//
// In secure/ (later): count authorized like get; permission patterns collapse only runs of '*'.

const { raw } = require('../lib/raw');

// onPublished runs a set with the given consistency and resolves {e, results} from onPublished.
function setWithPublished(c, p, data, options) {
  return new Promise((resolve) => {
    c.set(p, data, { ...options, onPublished: (e, results) => resolve({ e: e ? e.message : null, results }) }, () => {});
  });
}

module.exports = [
  {
    name: 'several operators on one field all apply ({n:{$gte:5,$lt:8}})',
    goOnly: true,
    async run(t) {
      const c = await t.client();
      for (let i = 0; i < 12; i++) await c.set(t.path('r', String(i).padStart(2, '0')), { n: i });
      const ns = async (criteria) => (await c.get(t.path('r', '*'), { criteria })).map((x) => x.n);
      t.eq(await ns({ n: { $gte: 5, $lt: 8 } }), [5, 6, 7], '$gte+$lt');
      t.eq(await ns({ n: { $lt: 8, $gte: 5 } }), [5, 6, 7], '$lt+$gte');
      t.eq(await ns({ n: { $gt: 1, $lte: 4, $ne: 3 } }), [2, 4], '$gt+$lte+$ne');
      t.eq((await c.count(t.path('r', '*'), { criteria: { n: { $gte: 5, $lt: 8 } } })).value, 3, 'count with $gte+$lt');
    },
  },
  {
    name: 'ACKNOWLEDGED with two subscriptions on one channel of one session completes (counts frames sent)',
    goOnly: true,
    async run(t) {
      const pub = await t.client();
      const sub = await t.client();
      const p = t.path('ackdup');
      const col = t.collector();
      // different meta → two server subscriptions on the same channel → one frame
      await sub.on(p, { event_type: 'set', meta: { a: 1 } }, col.handler);
      await sub.on(p, { event_type: 'set', meta: { a: 2 } }, col.handler);
      const { e, results } = await setWithPublished(pub, p, { v: 1 }, { consistency: 3, onPublishedTimeout: 4000 });
      t.eq(e, null, 'onPublished error');
      t.match(results, { successful: 1, failed: 0, acknowledged: 1 }, 'results');
      await col.wait(2);
    },
  },
  {
    name: 'ACKNOWLEDGED with two subscriptions on one channel of one session never completes',
    happn3Only: true,
    async run(t) {
      const pub = await t.client();
      const sub = await t.client();
      const p = t.path('ackdup');
      await sub.on(p, { event_type: 'set', meta: { a: 1 } }, () => {});
      await sub.on(p, { event_type: 'set', meta: { a: 2 } }, () => {});
      const { e } = await setWithPublished(pub, p, { v: 1 }, { consistency: 3, onPublishedTimeout: 1500 });
      t.eq(e, 'publish timed out', 'happn-3 waits for an ack that is never due (60 s server timeout)');
    },
  },
  {
    name: 'ACKNOWLEDGED with no subscribers completes at once with zero counts',
    goOnly: true,
    async run(t) {
      const pub = await t.client();
      const { e, results } = await setWithPublished(pub, t.path('acknone'), { v: 1 }, { consistency: 3, onPublishedTimeout: 4000 });
      t.eq(e, null, 'onPublished error');
      t.eq(results, { successful: 0, failed: 0, skipped: 0, acknowledged: 0, queued: 0 }, 'results');
    },
  },
  {
    name: 'ACKNOWLEDGED with no subscribers gets no result for 60 s',
    happn3Only: true,
    async run(t) {
      const pub = await t.client();
      const { e } = await setWithPublished(pub, t.path('acknone'), { v: 1 }, { consistency: 3, onPublishedTimeout: 1500 });
      t.eq(e, 'publish timed out', 'happn-3 answers only after acknowledgeTimeout');
    },
  },
  {
    name: 'an unknown action gets an error response',
    goOnly: true,
    async run(t) {
      const c = await t.client();
      const e = await t.rejects(raw(c, 'frobnicate', t.path('x')), {}, 'unknown action');
      t.ok(typeof e.message === 'string' && e.message.length > 0 && !/timed out/.test(e.message), `an error from the server, got ${e.message}`);
      t.eq(t.strip(await c.set(t.path('after'), { ok: 1 })), { ok: 1 }, 'connection still usable');
    },
  },
  {
    name: 'an unknown action gets no response at all',
    happn3Only: true,
    async run(t) {
      const c = await t.client();
      await t.rejects(raw(c, 'frobnicate', t.path('x'), null, { timeout: 1000 }), { message: /^api request timed out/ }, 'unknown action');
      t.eq(t.strip(await c.set(t.path('after'), { ok: 1 })), { ok: 1 }, 'connection still usable');
    },
  },
  {
    name: 'get with options.options.count does not crash the server',
    goOnly: true, // happn-3 13.x dies on it (WIRE-TRANSCRIPT fact 28): never run against happn-3
    async run(t) {
      const c = await t.client();
      await c.set(t.path('c', '1'), { a: 1 });
      await c.set(t.path('c', '2'), { a: 2 });
      try {
        await raw(c, 'get', t.path('c', '*'), null, { options: { count: true } });
      } catch (e) {
        t.ok(!/timed out/.test(e.message), `answered (error is fine): ${e.message}`);
      }
      const fresh = await t.client();
      t.eq((await fresh.count(t.path('c', '*'))).value, 2, 'the server still answers');
    },
  },
  {
    name: '/_SYSTEM is not readable over the wire',
    goOnly: true,
    async run(t) {
      const c = await t.client();
      const denied = async (label, p, fn) => {
        try {
          return await fn(p);
        } catch (e) {
          return null; // an error is an acceptable way to refuse
        }
      };
      const items = await denied('get /_SYSTEM/*', '/_SYSTEM/*', (p) => c.get(p));
      t.ok(items === null || (Array.isArray(items) && items.length === 0), `get /_SYSTEM/* refused or empty, got ${items && items.length} item(s)`);
      const admin = await denied('get admin', '/_SYSTEM/_SECURITY/_USER/_ADMIN', (p) => c.get(p));
      t.eq(admin, null, 'get of the _ADMIN user record');
      const secret = await denied('get secret', '/_SYSTEM/_SECURITY/SESSION_TOKEN_SECRET', (p) => c.get(p));
      t.eq(secret, null, 'get of the token secret');
      const all = await denied('get *', '*', (p) => c.get(p));
      t.ok(all === null || !all.some((i) => i._meta.path.startsWith('/_SYSTEM')), "get('*') lists no /_SYSTEM records");
      const n = await denied('count', '/_SYSTEM/*', (p) => c.count(p));
      t.ok(n === null || n.value === 0, `count /_SYSTEM/* refused or 0, got ${n && n.value}`);
    },
  },
  {
    name: 'an insecure happn-3 serves /_SYSTEM records (users, token secret) to any client',
    happn3Only: true,
    mode: 'insecure',
    async run(t) {
      const c = await t.client();
      const paths = (await c.get('/_SYSTEM/*')).map((i) => i._meta.path);
      t.ok(paths.includes('/_SYSTEM/_SECURITY/_USER/_ADMIN'), `_ADMIN user readable (${paths.length} records)`);
      t.ok(paths.includes('/_SYSTEM/_SECURITY/SESSION_TOKEN_SECRET'), 'token secret readable');
      t.ok((await c.count('/_SYSTEM/*')).value >= 5, 'countable');
    },
  },
  {
    name: 'set with {ttl} expires the document; its subscribers get a remove event marked expired',
    goOnly: true,
    async run(t) {
      const c = await t.client();
      const sub = await t.client();
      const p = t.path('ttl', 'a');
      const col = t.collector();
      await sub.on(p, col.handler);
      await c.set(p, { online: true }, { ttl: 150 });
      t.eq(t.strip(await c.get(p)), { online: true }, 'before the ttl');
      await col.wait(2);
      t.eq(col.data(), [{ online: true }, { removed: 1 }], 'set, then the expiry');
      t.match(col.events[1].meta, { action: '/REMOVE@' + p, path: p, expired: true }, 'expiry meta');
      t.eq(await c.get(p), null, 'after the ttl');
      await c.set(p, { online: true }, { ttl: 150 });
      await c.set(p, { online: false }); // without ttl: permanent again
      await t.sleep(300);
      t.eq(t.strip(await c.get(p)), { online: false }, 'a set without ttl keeps it');
    },
  },
  {
    name: 'happn-3 ignores a set\'s ttl option: the document stays',
    happn3Only: true,
    async run(t) {
      const c = await t.client();
      const p = t.path('ttl', 'a');
      await c.set(p, { online: true }, { ttl: 100 });
      await t.sleep(250);
      t.eq(t.strip(await c.get(p)), { online: true }, 'still there');
    },
  },
];
