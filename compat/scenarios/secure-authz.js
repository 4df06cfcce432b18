'use strict';
// secure-authz: what a user with limited permissions may and may not do (SPEC §7.3): the group
// compat-limited of secure-fixture.json may get/set/on/remove under <prefix>/allowed/, only
// get/on under <prefix>/readonly/, nothing under <prefix>/allowed/forbidden/, and everything
// under <prefix>/own/<its username>/ (a templated permission).

const LIMITED = { username: 'compat-limited', password: 'compat-pw' };
const DENIED = { name: 'AccessDenied', code: 403, message: 'unauthorized' };

// prohibitedBelowWildcard has the admin write <prefix>/allowed/ok and the prohibited
// <prefix>/allowed/forbidden/x, and the limited client get <prefix>/allowed/*.
async function prohibitedBelowWildcard(t) {
  const admin = await t.client();
  const c = await t.client(LIMITED);
  await admin.set(t.path('allowed', 'ok'), { v: 1 });
  await admin.set(t.path('allowed', 'forbidden', 'x'), { v: 2 });
  const got = await c.get(t.path('allowed', '*'));
  return { admin, c, got };
}

module.exports = [
  {
    name: 'set, get, on and remove where the permissions reach',
    mode: 'secure',
    async run(t) {
      const c = await t.client(LIMITED);
      const got = t.collector('allowed events');
      await c.on(t.path('allowed', '*'), { event_type: 'all' }, got.handler);
      const r = await c.set(t.path('allowed', 'a'), { v: 1 });
      t.eq(r.v, 1, 'set');
      t.eq((await c.get(t.path('allowed', 'a'))).v, 1, 'get');
      t.eq((await c.get(t.path('allowed', '*'))).length, 1, 'wildcard get');
      await c.remove(t.path('allowed', 'a'));
      await got.wait(2);
    },
  },
  {
    name: 'set, get, on and remove where they do not: AccessDenied 403 unauthorized',
    mode: 'secure',
    async run(t) {
      const admin = await t.client();
      await admin.set(t.path('readonly', 'a'), { v: 1 });
      const c = await t.client(LIMITED);
      t.eq((await c.get(t.path('readonly', 'a'))).v, 1, 'readonly get');
      await t.rejects(c.set(t.path('readonly', 'a'), { v: 2 }), DENIED, 'set readonly');
      await t.rejects(c.remove(t.path('readonly', 'a')), DENIED, 'remove readonly');
      await t.rejects(c.get(t.path('other', 'a')), DENIED, 'get elsewhere');
      await t.rejects(c.set(t.path('other', 'a'), {}), DENIED, 'set elsewhere');
      await t.rejects(c.on(t.path('other', '*'), { event_type: 'all' }, () => {}), DENIED, 'on elsewhere');
      await t.rejects(c.get(t.path('*')), DENIED, 'a wildcard wider than the permission');
      t.eq((await admin.get(t.path('readonly', 'a'))).v, 1, 'readonly untouched');
    },
  },
  {
    name: 'a prohibit wins over a wider grant',
    mode: 'secure',
    async run(t) {
      const c = await t.client(LIMITED);
      await c.set(t.path('allowed', 'ok'), { v: 1 });
      for (const p of [t.path('allowed', 'forbidden', 'x'), t.path('allowed', 'forbidden', 'deep', 'x')]) {
        await t.rejects(c.set(p, { v: 1 }), DENIED, `set ${p}`);
        await t.rejects(c.get(p), DENIED, `get ${p}`);
      }
    },
  },
  {
    name: 'a prohibition below a wildcard grant holds through wildcard get, count, on and remove',
    mode: 'secure',
    goOnly: true,
    async run(t) {
      const { admin, c, got } = await prohibitedBelowWildcard(t);
      t.eq(got.map((i) => i._meta.path), [t.path('allowed', 'ok')], 'wildcard get leaves the prohibited document out');
      t.eq((await c.count(t.path('allowed', '*'))).value, 1, 'count');
      const col = t.collector();
      await c.on(t.path('allowed', '*', '*'), {}, col.handler);
      await admin.set(t.path('allowed', 'forbidden', 'x'), { v: 3 });
      await admin.set(t.path('allowed', 'other', 'x'), { v: 4 });
      await col.wait(1);
      await col.quiet(200, 1);
      t.eq(col.metas().map((m) => m.path), [t.path('allowed', 'other', 'x')], 'only the event it may see');
      t.eq((await c.remove(t.path('allowed', '*'))).removed, 2, 'wildcard remove removes what it may');
      t.eq((await admin.get(t.path('allowed', 'forbidden', 'x'))).v, 3, 'the prohibited document is still there');
    },
  },
  {
    name: 'happn-3 returns, publishes and removes documents under a prohibition through wildcards',
    mode: 'secure',
    happn3Only: true,
    async run(t) {
      const { admin, c, got } = await prohibitedBelowWildcard(t);
      t.eq(got.map((i) => i._meta.path).sort(), [t.path('allowed', 'forbidden', 'x'), t.path('allowed', 'ok')], 'wildcard get includes the prohibited document');
      const col = t.collector();
      await c.on(t.path('allowed', '*', '*'), {}, col.handler);
      await admin.set(t.path('allowed', 'forbidden', 'x'), { v: 3 });
      await col.wait(1);
      t.eq(col.metas()[0].path, t.path('allowed', 'forbidden', 'x'), 'the event of the prohibited document arrives');
      t.eq((await c.remove(t.path('allowed', '*'))).removed, 2, 'wildcard remove removes it too');
      t.eq(await admin.get(t.path('allowed', 'forbidden', 'x')), null, 'gone');
    },
  },
  {
    name: 'a templated permission {{user.username}} grants the user its own subtree only',
    mode: 'secure',
    async run(t) {
      const c = await t.client(LIMITED);
      t.eq((await c.set(t.path('own', LIMITED.username, 'x'), { v: 1 })).v, 1, 'own subtree');
      await t.rejects(c.set(t.path('own', 'somebody-else', 'x'), { v: 1 }), DENIED, "someone else's subtree");
    },
  },
  {
    name: 'events reach a limited subscriber with eventOrigin naming the publisher',
    mode: 'secure',
    async run(t) {
      const admin = await t.client();
      const c = await t.client(LIMITED);
      const got = t.collector('events');
      await c.on(t.path('allowed', '*'), { event_type: 'set' }, got.handler);
      await admin.set(t.path('allowed', 'e'), { v: 7 });
      await got.wait(1);
      t.eq(got.data()[0], { v: 7 }, 'data');
      t.match(got.metas()[0], { path: t.path('allowed', 'e'), eventOrigin: { username: t.credentials.username, id: admin.session.id } }, 'meta');
    },
  },
  {
    name: 'a path-traversal spelling does not reach outside the permission',
    mode: 'secure',
    async run(t) {
      const admin = await t.client();
      await admin.set(t.path('secret'), { s: 1 });
      const c = await t.client(LIMITED);
      // Paths are plain keys: this is a key under allowed/, not the secret.
      await c.set(t.path('allowed', '..', '..', 'secret'), { s: 'overwritten?' });
      t.eq((await admin.get(t.path('secret'))).s, 1, 'the secret is untouched');
      await t.rejects(c.get(t.path('secret')), DENIED, 'the secret stays unreadable');
    },
  },
  {
    name: 'count is authorized like get',
    mode: 'secure',
    goOnly: true, // happn-3 never authorizes count (SPEC §2.5 count)
    async run(t) {
      const c = await t.client(LIMITED);
      await c.set(t.path('allowed', 'a'), { v: 1 });
      t.eq((await c.count(t.path('allowed', '*'))).value, 1, 'count where get is allowed');
      await t.rejects(c.count(t.path('other', '*')), DENIED, 'count elsewhere');
      await t.rejects(c.count('/_SYSTEM/*'), DENIED, 'count of /_SYSTEM');
    },
  },
  {
    name: 'a permission does not grant the same path in another case',
    mode: 'secure',
    goOnly: true, // happn-3 matches permissions case-insensitively (SPEC §5.3)
    async run(t) {
      const c = await t.client(LIMITED);
      const upper = t.path('ALLOWED', 'a');
      await t.rejects(c.set(upper, { v: 1 }), DENIED, 'set in upper case');
      await t.rejects(c.get(t.path('ALLOWED', '*')), DENIED, 'get in upper case');
    },
  },
  {
    name: '/_SYSTEM is not readable over the wire, not even by _ADMIN',
    mode: 'secure',
    goOnly: true, // happn-3 serves /_SYSTEM (password hashes, token secret) to _ADMIN
    async run(t) {
      const admin = await t.client();
      await t.rejects(admin.get('/_SYSTEM/*'), DENIED, 'get /_SYSTEM/*');
      await t.rejects(admin.get('/_SYSTEM/_SECURITY/_USER/_ADMIN'), DENIED, 'get the admin record');
      const all = await admin.get('/*');
      t.ok(!all.some((i) => i._meta.path.startsWith('/_SYSTEM')), 'get /* hides /_SYSTEM');
    },
  },
  {
    name: 'onBehalfOf: _ADMIN acts with another user\'s permissions; others may not',
    mode: 'secure',
    async run(t) {
      const admin = await t.client();
      const as = { onBehalfOf: LIMITED.username };
      await admin.set(t.path('allowed', 'obo'), { v: 1 }, as);
      const got = await admin.get(t.path('allowed', 'obo'), as);
      t.eq(got.v, 1, 'get on behalf');
      await t.rejects(admin.set(t.path('other', 'obo'), { v: 1 }, as), DENIED, 'set where the user may not');
      await t.rejects(admin.get(t.path('other', 'obo'), as), DENIED, 'get where the user may not');
      await t.rejects(admin.set(t.path('allowed', 'obo'), { v: 1 }, { onBehalfOf: 'compat-nobody' }), DENIED, 'an unknown user');
      const c = await t.client(LIMITED);
      await t.rejects(c.set(t.path('allowed', 'x'), {}, { onBehalfOf: 'compat-short' }), DENIED, 'a user that is not a delegate');
    },
  },
];
