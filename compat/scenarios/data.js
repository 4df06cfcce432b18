'use strict';
// data: set / get / getPaths / count / remove / increment / publish — what the happn-3 client
// hands back for each call (SPEC §2.5, §4; WIRE-TRANSCRIPT facts 14–17, 24, 26).

const { isNum, isStr } = require('../lib/assert');

// responseMeta is what every successful data response carries in _meta (fact 9).
function responseMeta(t, c, action, extra = {}) {
  return { type: 'response', status: 'ok', action, sessionId: c.session.id, eventId: isNum, ...extra };
}

module.exports = [
  {
    name: 'set stores a plain object and returns it with _meta',
    async run(t) {
      const c = await t.client();
      const p = t.path('item');
      const r = await c.set(p, { a: 1, b: 'x', nested: { deep: [1, 2, { z: null }] } });
      t.eq(t.strip(r), { a: 1, b: 'x', nested: { deep: [1, 2, { z: null }] } }, 'set result data');
      t.match(r._meta, responseMeta(t, c, 'set', { path: p, created: isNum, modified: isNum, published: true }), 'set _meta');
      t.eq(r._meta.created, r._meta.modified, 'created == modified on insert');
      t.absent(r._meta, ['_id', 'error'], 'set _meta');
    },
  },
  {
    name: 'get of an exact path returns the stored object and its created/modified',
    async run(t) {
      const c = await t.client();
      const p = t.path('item');
      const s = await c.set(p, { a: 1, b: 'x' });
      const g = await c.get(p);
      t.eq(t.strip(g), { a: 1, b: 'x' }, 'get data');
      t.match(g._meta, responseMeta(t, c, 'get', { path: p, created: s._meta.created, modified: s._meta.modified, published: false }), 'get _meta');
      t.absent(g._meta, ['_id'], 'get _meta');
    },
  },
  {
    name: 'get of a missing path returns null',
    async run(t) {
      const c = await t.client();
      t.eq(await c.get(t.path('nope')), null, 'missing get');
      t.eq(await c.get(t.path('nope', 'deeper', 'still')), null, 'missing deep get');
    },
  },
  {
    name: 'set without merge replaces the whole document; created is kept, modified moves',
    async run(t) {
      const c = await t.client();
      const p = t.path('doc');
      const first = await c.set(p, { a: 1, b: 2 });
      await t.sleep(5);
      const second = await c.set(p, { c: 3 });
      t.eq(t.strip(second), { c: 3 }, 'second set result');
      t.eq(t.strip(await c.get(p)), { c: 3 }, 'stored after replace');
      t.eq(second._meta.created, first._meta.created, 'created kept');
      t.ok(second._meta.modified > first._meta.modified, `modified moves (${first._meta.modified} -> ${second._meta.modified})`);
    },
  },
  {
    name: 'set merge:true merges shallowly into the existing document',
    async run(t) {
      const c = await t.client();
      const p = t.path('doc');
      await c.set(p, { a: 1, keep: 'me', nested: { x: 1, y: 1 } });
      const r = await c.set(p, { b: 2, nested: { y: 2 } }, { merge: true });
      const merged = { a: 1, keep: 'me', nested: { y: 2 }, b: 2 };
      t.eq(t.strip(r), merged, 'merge result (nested objects are replaced, not merged)');
      t.eq(t.strip(await c.get(p)), merged, 'stored after merge');
    },
  },
  {
    name: 'set merge:true on a missing path creates the document',
    async run(t) {
      const c = await t.client();
      const p = t.path('fresh');
      const r = await c.set(p, { only: 1 }, { merge: true });
      t.eq(t.strip(r), { only: 1 }, 'merge-create result');
      t.eq(t.strip(await c.get(p)), { only: 1 }, 'stored');
    },
  },
  {
    name: 'an object read with get can be written back (its _meta is not stored)',
    async run(t) {
      const c = await t.client();
      const p = t.path('roundtrip');
      await c.set(p, { a: 1 });
      const got = await c.get(p);
      got.a = 2;
      const r = await c.set(p, got);
      t.eq(t.strip(r), { a: 2 }, 'set result');
      const again = await c.get(p);
      t.eq(t.strip(again), { a: 2 }, 'stored data has no _meta key');
      t.eq(again._meta.path, p, 'path');
    },
  },
  {
    name: 'primitives and arrays are wrapped as {value}',
    async run(t) {
      const c = await t.client();
      const cases = [
        ['str', 'a string'],
        ['num', 42],
        ['float', -3.25],
        ['zero', 0],
        ['bool', true],
        ['false', false],
        ['empty', ''],
        ['arr', [1, 'two', { three: 3 }]],
        ['emptyarr', []],
      ];
      for (const [name, value] of cases) {
        const p = t.path(name);
        const r = await c.set(p, value);
        t.eq(t.strip(r), { value }, `set ${name} result`);
        t.eq(t.strip(await c.get(p)), { value }, `get ${name}`);
      }
    },
  },
  {
    name: 'set null (callback form) stores {value:null}',
    async run(t) {
      const c = await t.client();
      const p = t.path('null');
      // The promise form set(path, null) is broken in the real client (SPEC §13.12): use callbacks.
      const [r] = await t.cb((done) => c.set(p, null, done));
      t.eq(t.strip(r), { value: null }, 'set null result');
      t.eq(r._meta.path, p, 'path');
      t.eq(t.strip(await c.get(p)), { value: null }, 'get null');
    },
  },
  {
    name: 'an empty object is stored and returned as {}',
    async run(t) {
      const c = await t.client();
      const p = t.path('emptyobj');
      t.eq(t.strip(await c.set(p, {})), {}, 'set result');
      const g = await c.get(p);
      t.eq(t.strip(g), {}, 'get');
      t.eq(g._meta.path, p, 'get path');
    },
  },
  {
    name: 'strings with unicode, quotes and U+2028 survive a round trip',
    async run(t) {
      const c = await t.client();
      const p = t.path('unicode');
      const data = { s: 'héllo wörld ✓ 漢字 😀 "quoted" \\ back\nline\u2028sep\u2029para\ttab', k: { 'key with spaces': 1, 'ü': 2 } };
      t.eq(t.strip(await c.set(p, data)), data, 'set result');
      t.eq(t.strip(await c.get(p)), data, 'get');
    },
  },
  {
    name: 'a 1 MiB value round-trips',
    async run(t) {
      const c = await t.client();
      const p = t.path('big');
      const big = 'y'.repeat(1024 * 1024);
      const r = await c.set(p, { big });
      t.eq(r.big.length, big.length, 'set result length');
      const g = await c.get(p);
      t.ok(g.big === big, 'get returns the same 1 MiB string');
    },
  },
  {
    name: 'path characters allowed by happn-3 ( ){}+=&:%@._- and spaces round-trip',
    async run(t) {
      const c = await t.client();
      const p = t.path('factory1@I&J(western-cape)', 'plant 1:conveyer_2', 'stats=true', 'capacity=10%', 'a.b-c+{d}');
      const r = await c.set(p, { ok: 1 });
      t.eq(r._meta.path, p, 'set path');
      t.eq(t.strip(await c.get(p)), { ok: 1 }, 'get');
    },
  },
  {
    name: 'a trailing slash makes a different record',
    async run(t) {
      const c = await t.client();
      const p = t.path('slash');
      await c.set(p, { which: 'plain' });
      await c.set(p + '/', { which: 'slash' });
      t.eq(t.strip(await c.get(p)), { which: 'plain' }, 'without slash');
      const g = await c.get(p + '/');
      t.eq(t.strip(g), { which: 'slash' }, 'with slash');
      t.eq(g._meta.path, p + '/', 'path keeps the trailing slash');
    },
  },
  {
    name: "'x/y' and '/x/y' are different records",
    async run(t) {
      const c = await t.client();
      const abs = t.path('lead');
      const rel = abs.slice(1); // same path without the leading slash
      try {
        await c.set(abs, { which: 'abs' });
        await c.set(rel, { which: 'rel' });
        t.eq(t.strip(await c.get(abs)), { which: 'abs' }, 'absolute');
        const g = await c.get(rel);
        t.eq(t.strip(g), { which: 'rel' }, 'relative');
        t.eq(g._meta.path, rel, 'relative path stored verbatim');
      } finally {
        await c.remove(rel); // outside the scenario prefix, so the janitor would not see it
      }
    },
  },
  {
    name: "get with '*' matches across '/' and returns items in path order",
    async run(t) {
      const c = await t.client();
      const rel = ['a/b', 'a/b/c', 'a/bc', 'a/b/c/d', 'ab', 'a/10', 'a/9', 'x/y'];
      for (const r of rel) await c.set(t.path(r), { r });
      const paths = async (pattern) => (await c.get(t.path(pattern))).map((i) => i._meta.path.slice(t.prefix.length + 1));
      t.eq(await paths('a/*'), ['a/10', 'a/9', 'a/b', 'a/b/c', 'a/b/c/d', 'a/bc'], 'a/*');
      t.eq(await paths('a/b*'), ['a/b', 'a/b/c', 'a/b/c/d', 'a/bc'], 'a/b* (partial segment)');
      t.eq(await paths('a*'), ['a/10', 'a/9', 'a/b', 'a/b/c', 'a/b/c/d', 'a/bc', 'ab'], 'a*');
      t.eq(await paths('a/*/c'), ['a/b/c'], 'a/*/c');
      t.eq(await paths('a/**'), ['a/10', 'a/9', 'a/b', 'a/b/c', 'a/b/c/d', 'a/bc'], 'a/** is the same as a/*');
      t.eq(await paths('a/b/*'), ['a/b/c', 'a/b/c/d'], 'a/b/*');
      t.eq(await paths('*'), ['a/10', 'a/9', 'a/b', 'a/b/c', 'a/b/c/d', 'a/bc', 'ab', 'x/y'], 'everything under the prefix');
    },
  },
  {
    name: "get with '*' returns each item with its data and _meta {path, created, modified}",
    async run(t) {
      const c = await t.client();
      const one = await c.set(t.path('w', '1'), { a: 1, b: 'x' });
      const two = await c.set(t.path('w', '2'), 'prim');
      const items = await c.get(t.path('w', '*'));
      t.ok(Array.isArray(items), 'wildcard get returns an array');
      t.eq(items.length, 2, 'item count');
      t.eq(t.strip(items[0]), { a: 1, b: 'x' }, 'item 0 data');
      t.eq(t.strip(items[1]), { value: 'prim' }, 'item 1 data');
      t.match(items[0]._meta, { path: t.path('w', '1'), created: one._meta.created, modified: one._meta.modified }, 'item 0 meta');
      t.match(items[1]._meta, { path: t.path('w', '2'), created: two._meta.created, modified: two._meta.modified }, 'item 1 meta');
      t.absent(items[0]._meta, ['type', 'status', 'eventId', 'action'], 'item meta has no response fields');
    },
  },
  {
    name: "a bare '*' get sees this scenario's items (the pattern crosses every '/')",
    async run(t) {
      const c = await t.client();
      await c.set(t.path('deep', 'er', 'est'), { d: 1 });
      const all = await c.get('*');
      const mine = all.filter((i) => i._meta.path.startsWith(t.prefix + '/'));
      t.eq(mine.map((i) => i._meta.path), [t.path('deep', 'er', 'est')], 'own item in get(*)');
    },
  },
  {
    name: 'a wildcard get without matches returns []',
    async run(t) {
      const c = await t.client();
      t.eq(await c.get(t.path('none', '*')), [], 'empty wildcard');
    },
  },
  {
    name: 'getPaths returns only {_meta:{path}} per match, in path order',
    async run(t) {
      const c = await t.client();
      await c.set(t.path('gp', 'b'), { big: 'data' });
      await c.set(t.path('gp', 'a'), { big: 'data' });
      await c.set(t.path('gp', 'a', 'deeper'), 1);
      const r = await c.getPaths(t.path('gp', '*'));
      t.eq(r.map((i) => i._meta.path), [t.path('gp', 'a'), t.path('gp', 'a', 'deeper'), t.path('gp', 'b')], 'paths');
      for (const item of r) t.eq(Object.keys(item), ['_meta'], 'item holds only _meta');
      t.eq(await c.getPaths(t.path('gp', 'zzz*')), [], 'no match');
    },
  },
  {
    name: 'count returns {value:N} for wildcards, exact paths and misses',
    async run(t) {
      const c = await t.client();
      for (let i = 0; i < 4; i++) await c.set(t.path('cnt', String(i)), { i });
      await c.set(t.path('cnt', '1', 'sub'), { i: 99 });
      const all = await c.count(t.path('cnt', '*'));
      t.eq(all.value, 5, 'wildcard count');
      t.match(all._meta, responseMeta(t, c, 'count', { published: false }), 'count _meta');
      t.eq((await c.count(t.path('cnt', '2'))).value, 1, 'exact count');
      t.eq((await c.count(t.path('cnt', 'x'))).value, 0, 'missing count');
      t.eq((await c.count(t.path('nothing', '*'))).value, 0, 'empty wildcard count');
    },
  },
  {
    name: 'count honours criteria',
    async run(t) {
      const c = await t.client();
      for (let i = 0; i < 6; i++) await c.set(t.path('cc', String(i)), { i, odd: i % 2 === 1 });
      t.eq((await c.count(t.path('cc', '*'), { criteria: { odd: true } })).value, 3, 'odd count');
      t.eq((await c.count(t.path('cc', '*'), { criteria: { i: { $gte: 4 } } })).value, 2, '$gte count');
    },
  },
  {
    name: 'remove of an exact path returns {removed:1} and the record is gone',
    async run(t) {
      const c = await t.client();
      const p = t.path('rm');
      await c.set(p, { a: 1 });
      await c.set(t.path('rm2'), { a: 2 });
      const r = await c.remove(p);
      t.eq(t.strip(r), { removed: 1 }, 'remove result');
      t.match(r._meta, responseMeta(t, c, 'remove', { path: p, timestamp: isNum, published: true }), 'remove _meta');
      t.absent(r._meta, ['created', 'modified'], 'remove _meta');
      t.eq(await c.get(p), null, 'gone');
      t.eq(t.strip(await c.get(t.path('rm2'))), { a: 2 }, 'neighbour kept');
    },
  },
  {
    name: 'remove of a missing path returns {removed:0}',
    async run(t) {
      const c = await t.client();
      const r = await c.remove(t.path('never'));
      t.eq(t.strip(r), { removed: 0 }, 'remove result');
      t.eq(r._meta.path, t.path('never'), 'path');
    },
  },
  {
    name: "remove with '*' deletes every match (crossing '/') and returns the count",
    async run(t) {
      const c = await t.client();
      for (const r of ['a/1', 'a/2', 'a/2/x', 'a/3/y/z', 'ab', 'b/1']) await c.set(t.path(r), { r });
      const r = await c.remove(t.path('a', '*'));
      t.eq(t.strip(r), { removed: 4 }, 'wildcard remove result');
      t.eq(r._meta.path, t.path('a', '*'), 'path is the pattern');
      const left = (await c.get(t.path('*'))).map((i) => i._meta.path);
      t.eq(left, [t.path('ab'), t.path('b', '1')], 'what is left');
    },
  },
  {
    name: 'remove with options.criteria removes only the matching items',
    needs: ['remove-criteria'], // happn-3 13.x (12.x ignores the criteria and removes every match)
    async run(t) {
      const c = await t.client();
      for (let i = 0; i < 5; i++) await c.set(t.path('rc', String(i)), { i, odd: i % 2 === 1 });
      const r = await c.remove(t.path('rc', '*'), { criteria: { odd: true } });
      t.eq(t.strip(r), { removed: 2 }, 'remove result');
      t.eq((await c.get(t.path('rc', '*'))).map((x) => x.i), [0, 2, 4], 'what is left');
    },
  },
  {
    name: 'increment creates and adds to a gauge, returning {value, gauge}',
    async run(t) {
      const c = await t.client();
      const p = t.path('gauge');
      const one = await c.increment(p);
      t.eq(t.strip(one), { value: 1, gauge: 'counter' }, 'increment() default gauge and step');
      t.match(one._meta, responseMeta(t, c, 'set', { published: true }), 'increment _meta');
      t.absent(one._meta, ['path', 'created', 'modified'], 'increment _meta');
      t.eq(t.strip(await c.increment(p, 5)), { value: 6, gauge: 'counter' }, 'increment(path, 5)');
      t.eq(t.strip(await c.increment(p, 'hits', 2)), { value: 2, gauge: 'hits' }, 'increment(path, hits, 2)');
      t.eq(t.strip(await c.increment(p, 'hits', -3)), { value: -1, gauge: 'hits' }, 'negative step');
      t.eq(t.strip(await c.get(p)), { counter: { value: 6 }, hits: { value: -1 } }, 'stored gauges');
    },
  },
  {
    name: 'increment keeps the other fields of an existing document',
    async run(t) {
      const c = await t.client();
      const p = t.path('gauge2');
      await c.set(p, { keep: 1, counter: { value: 10, note: 'x' } });
      t.eq(t.strip(await c.increment(p, 'counter', 2)), { value: 12, gauge: 'counter' }, 'increment result');
      const g = t.strip(await c.get(p));
      t.eq(g.keep, 1, 'other field kept');
      t.eq(g.counter.value, 12, 'counter value');
    },
  },
  {
    name: 'publish returns only {_meta:{path,eventId,type,status,published}} and stores nothing',
    async run(t) {
      const c = await t.client();
      const p = t.path('pub');
      const r = await c.publish(p, { p: 1 });
      t.keys(r, ['_meta'], 'publish result');
      t.eq(r._meta, { path: p, eventId: r._meta.eventId, type: 'response', status: 'ok', published: true }, 'publish _meta');
      t.ok(isNum(r._meta.eventId), 'eventId');
      t.eq(await c.get(p), null, 'nothing stored');
    },
  },
  {
    name: 'set noPublish:true stores but reports published:false',
    async run(t) {
      const c = await t.client();
      const p = t.path('np');
      const r = await c.set(p, { n: 1 }, { noPublish: true });
      t.eq(t.strip(r), { n: 1 }, 'result');
      t.eq(r._meta.published, false, 'published');
      t.eq(t.strip(await c.get(p)), { n: 1 }, 'stored');
    },
  },
  {
    name: 'a fresh client reads what another client wrote',
    async run(t) {
      const a = await t.client();
      const b = await t.client();
      const p = t.path('shared');
      await a.set(p, { from: 'a' });
      t.eq(t.strip(await b.get(p)), { from: 'a' }, 'b sees a');
      await b.set(p, { from: 'b' }, { merge: true });
      t.eq(t.strip(await a.get(p)), { from: 'b' }, 'a sees b');
      t.ok(isStr(a.session.id) && a.session.id !== b.session.id, 'distinct sessions');
    },
  },
  {
    name: 'getCreatedBetween returns the items created in [from, to]',
    clients: ['v13'], // a 13.x client call (criteria on _meta.created)
    async run(t) {
      const c = await t.client();
      const created = [];
      for (let i = 0; i < 4; i++) {
        created.push((await c.set(t.path('cb', String(i)), { i }))._meta.created);
        await t.sleep(3);
      }
      const r = await c.getCreatedBetween(t.path('cb', '*'), created[1], created[2]);
      t.eq(r.map((x) => x.i), [1, 2], 'items 1..2');
    },
  },
];
