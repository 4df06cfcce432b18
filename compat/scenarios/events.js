'use strict';
// events: on / once / onAll / off / offPath / offAll, event_type, count, initialCallback,
// initialEmit, depth, merge subscriptions, segment-wise wildcards, one frame per channel, and
// every field of the event meta (SPEC §3, §5.2; WIRE-TRANSCRIPT facts 19–23, 25).

const { isNum } = require('../lib/assert');

// dataFrames returns the publication frames (type 'data') among recorded raw frames.
const dataFrames = (frames) => frames.filter((m) => m && !Array.isArray(m) && m._meta && m._meta.type === 'data');

// rel returns a path relative to the scenario prefix (for readable comparisons).
const rel = (t, p) => (p.startsWith(t.prefix + '/') ? p.slice(t.prefix.length + 1) : p);

const REMOVE_META_KEYS = ['action', 'type', 'sessionId', 'consistency', 'publicationId', 'path', 'channel'];

module.exports = [
  {
    name: 'on(set): the handler gets (data, meta) with every meta field',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('e1');
      const col = t.collector();
      const id = await sub.on(p, { event_type: 'set' }, col.handler);
      t.ok(isNum(id), `on resolves a numeric listener id, got ${id}`);
      const r = await pub.set(p, { x: 5 });
      await col.wait(1);
      const { data, meta } = col.events[0];
      t.eq(data, { x: 5 }, 'event data');
      t.eq(meta, {
        action: '/SET@' + p,
        type: 'data',
        sessionId: pub.session.id,
        consistency: 2,
        publicationId: `${pub.session.id}-${r._meta.eventId}`,
        path: p,
        created: r._meta.created,
        modified: r._meta.modified,
        channel: '/SET@' + p,
        ...t.origin(pub),
      }, 'event meta');
      await col.quiet(200, 1);
    },
  },
  {
    name: 'on(remove): data {removed:n}, meta without created/modified',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('e2');
      await pub.set(p, { x: 1 });
      const col = t.collector();
      await sub.on(p, { event_type: 'remove' }, col.handler);
      const r = await pub.remove(p);
      await col.wait(1);
      t.eq(col.events[0].data, { removed: 1 }, 'remove event data');
      t.keys(col.events[0].meta, t.metaKeys(REMOVE_META_KEYS), 'remove event meta keys');
      t.match(col.events[0].meta, {
        action: '/REMOVE@' + p,
        type: 'data',
        sessionId: pub.session.id,
        consistency: 2,
        publicationId: `${pub.session.id}-${r._meta.eventId}`,
        path: p,
        channel: '/REMOVE@' + p,
      }, 'remove event meta');
    },
  },
  {
    name: 'event_type all (the default) receives sets and removes on channel /ALL@path',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('e3');
      const col = t.collector();
      await sub.on(p, col.handler); // no options: event_type all
      await pub.set(p, { v: 1 });
      await pub.remove(p);
      await col.wait(2);
      t.eq(col.data(), [{ v: 1 }, { removed: 1 }], 'events in order');
      t.eq(col.metas().map((m) => [m.action, m.channel]), [['/SET@' + p, '/ALL@' + p], ['/REMOVE@' + p, '/ALL@' + p]], 'action and channel');
      await col.quiet(200, 2);
    },
  },
  {
    name: "event_type 'set' ignores removes and 'remove' ignores sets",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('e4');
      const sets = t.collector('set listener');
      const removes = t.collector('remove listener');
      await sub.on(p, { event_type: 'set' }, sets.handler);
      await sub.on(p, { event_type: 'remove' }, removes.handler);
      await pub.set(p, { v: 1 });
      await pub.remove(p);
      await pub.set(p, { v: 2 });
      await sets.wait(2);
      await removes.wait(1);
      await t.sleep(200);
      t.eq(sets.data(), [{ v: 1 }, { v: 2 }], 'set listener');
      t.eq(removes.data(), [{ removed: 1 }], 'remove listener');
    },
  },
  {
    name: 'events arrive in the order of the writes',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('seq', '*'), { event_type: 'set' }, col.handler);
      for (let i = 0; i < 20; i++) await pub.set(t.path('seq', String(i % 3)), { i });
      await col.wait(20);
      t.eq(col.data().map((d) => d.i), [...Array(20).keys()], 'order');
    },
  },
  {
    name: 'every subscribed client gets the event once',
    async run(t) {
      const pub = await t.client();
      const p = t.path('fan');
      const cols = [];
      for (let i = 0; i < 3; i++) {
        const c = await t.client();
        const col = t.collector(`client ${i}`);
        await c.on(p, { event_type: 'set' }, col.handler);
        cols.push(col);
      }
      await pub.set(p, { n: 1 });
      for (const col of cols) await col.wait(1);
      await t.sleep(200);
      t.eq(cols.map((c) => c.count), [1, 1, 1], 'one event each');
    },
  },
  {
    name: 'a subscriber that is also the publisher gets its own event',
    async run(t) {
      const c = await t.client();
      const p = t.path('self');
      const col = t.collector();
      await c.on(p, { event_type: 'set' }, col.handler);
      await c.set(p, { me: 1 });
      await col.wait(1);
      t.eq(col.events[0].meta.sessionId, c.session.id, 'own session id');
    },
  },
  {
    name: 'once: the handler runs for the first event only and the server stops sending',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const p = t.path('once');
      const col = t.collector();
      await sub.once(p, { event_type: 'set' }, col.handler);
      await pub.set(p, { k: 1 });
      await col.wait(1);
      await t.sleep(100); // the client sends off after the first event
      await pub.set(p, { k: 2 });
      await pub.set(p, { k: 3 });
      await t.sleep(200);
      t.eq(col.data(), [{ k: 1 }], 'handler calls');
      t.eq(dataFrames(frames).map((f) => f.data), [{ k: 1 }], 'publication frames received');
    },
  },
  {
    name: 'count: n delivers n events, then the subscription ends',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const p = t.path('count');
      const col = t.collector();
      await sub.on(p, { event_type: 'set', count: 2 }, col.handler);
      for (let k = 1; k <= 4; k++) {
        await pub.set(p, { k });
        await t.sleep(50);
      }
      await t.sleep(200);
      t.eq(col.data(), [{ k: 1 }, { k: 2 }], 'handler calls');
      t.eq(dataFrames(frames).length, 2, 'publication frames received');
    },
  },
  {
    name: 'off(listenerId) stops the events and the server stops sending',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const p = t.path('off');
      const col = t.collector();
      const id = await sub.on(p, { event_type: 'set' }, col.handler);
      await pub.set(p, { k: 1 });
      await col.wait(1);
      await sub.off(id);
      await pub.set(p, { k: 2 });
      await t.sleep(200);
      t.eq(col.data(), [{ k: 1 }], 'handler calls');
      t.eq(dataFrames(frames).length, 1, 'publication frames');
    },
  },
  {
    name: 'off of one of two listeners on the same channel keeps the other',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('off2');
      const first = t.collector('first');
      const second = t.collector('second');
      const id1 = await sub.on(p, { event_type: 'set' }, first.handler);
      await sub.on(p, { event_type: 'set' }, second.handler);
      await sub.off(id1);
      await pub.set(p, { k: 1 });
      await second.wait(1);
      await t.sleep(150);
      t.eq([first.count, second.count], [0, 1], 'events per listener');
    },
  },
  {
    name: 'offPath removes every listener whose channel path matches',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const gone1 = t.collector('a/x set');
      const gone2 = t.collector('a/* all');
      const kept = t.collector('b/x');
      await sub.on(t.path('a', 'x'), { event_type: 'set' }, gone1.handler);
      await sub.on(t.path('a', '*'), gone2.handler);
      await sub.on(t.path('b', 'x'), { event_type: 'set' }, kept.handler);
      await sub.offPath(t.path('a', '*'));
      await pub.set(t.path('a', 'x'), { k: 1 });
      await pub.set(t.path('b', 'x'), { k: 2 });
      await kept.wait(1);
      await t.sleep(200);
      t.eq([gone1.count, gone2.count, kept.count], [0, 0, 1], 'events per listener');
      t.eq(dataFrames(frames).map((f) => f._meta.channel), ['/SET@' + t.path('b', 'x')], 'frames received');
    },
  },
  {
    name: 'offAll removes every subscription of the session',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const col = t.collector();
      await sub.on(t.path('x'), col.handler);
      await sub.on(t.path('*'), { event_type: 'set' }, col.handler);
      await sub.onAll(col.handler);
      await sub.offAll();
      await pub.set(t.path('x'), { k: 1 });
      await pub.remove(t.path('x'));
      await t.sleep(250);
      t.eq(col.count, 0, 'handler calls');
      t.eq(dataFrames(frames).length, 0, 'publication frames');
      // the session can subscribe again afterwards
      await sub.on(t.path('x'), col.handler);
      await pub.set(t.path('x'), { k: 2 });
      await col.wait(1);
    },
  },
  {
    name: "one client's offAll leaves other clients' subscriptions alone",
    async run(t) {
      const a = await t.client();
      const b = await t.client();
      const pub = await t.client();
      const ca = t.collector('a');
      const cb = t.collector('b');
      await a.on(t.path('x'), ca.handler);
      await b.on(t.path('x'), cb.handler);
      await a.offAll();
      await pub.set(t.path('x'), { k: 1 });
      await cb.wait(1);
      await t.sleep(150);
      t.eq([ca.count, cb.count], [0, 1], 'events per client');
    },
  },
  {
    name: 'onAll receives sets and removes of any path on channel /ALL@*',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.onAll(col.handler);
      await pub.set(t.path('any', 'where', 'deep', 'er'), { a: 1 });
      await pub.remove(t.path('any', 'where', 'deep', 'er'));
      await pub.set(t.path('top'), 'x');
      await t.until(() => col.events.filter((e) => e.meta.path.startsWith(t.prefix)).length >= 3, 'three events');
      const mine = col.events.filter((e) => e.meta.path.startsWith(t.prefix));
      t.eq(mine.map((e) => [e.meta.action.split('@')[0], rel(t, e.meta.path), e.meta.channel]), [
        ['/SET', 'any/where/deep/er', '/ALL@*'],
        ['/REMOVE', 'any/where/deep/er', '/ALL@*'],
        ['/SET', 'top', '/ALL@*'],
      ], 'events');
      t.eq(mine.map((e) => e.data), [{ a: 1 }, { removed: 1 }, { value: 'x' }], 'data');
    },
  },
  {
    name: "on('*', {event_type:'set'}) also receives removes (subscribe-any ignores the action)",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on('*', { event_type: 'set' }, col.handler);
      await pub.set(t.path('q'), { a: 1 });
      await pub.remove(t.path('q'));
      await t.until(() => col.events.filter((e) => e.meta.path === t.path('q')).length >= 2, 'two events');
      const mine = col.events.filter((e) => e.meta.path === t.path('q'));
      t.eq(mine.map((e) => [e.meta.action, e.meta.channel]), [['/SET@' + t.path('q'), '/SET@*'], ['/REMOVE@' + t.path('q'), '/SET@*']], 'events');
    },
  },
  {
    name: "subscription '*' is exactly one whole segment: /a/* gets /a/b and /a/bc, not /a/b/c or /ab",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const star = t.collector('a/*');
      const partial = t.collector('a/b*');
      const middle = t.collector('a/*/c');
      const twoStars = t.collector('*/*');
      await sub.on(t.path('a', '*'), { event_type: 'set' }, star.handler);
      await sub.on(t.path('a', 'b*'), { event_type: 'set' }, partial.handler);
      await sub.on(t.path('a', '*', 'c'), { event_type: 'set' }, middle.handler);
      await sub.on(t.path('*', '*'), { event_type: 'set' }, twoStars.handler);
      for (const r of ['a/b', 'a/b/c', 'a/bc', 'ab', 'a/b/c/d', 'x/y']) await pub.set(t.path(r), { r });
      await t.sleep(300);
      t.eq(star.data().map((d) => d.r), ['a/b', 'a/bc'], "a/* (one segment)");
      t.eq(partial.data().map((d) => d.r), [], 'a/b* (partial segments match nothing)');
      t.eq(middle.data().map((d) => d.r), ['a/b/c'], 'a/*/c');
      t.eq(twoStars.data().map((d) => d.r), ['a/b', 'a/bc', 'x/y'], '*/*');
    },
  },
  {
    name: "a literal subscription path with '*' in it only matches that depth, each event once per channel",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('lvl', '*'), { event_type: 'set' }, col.handler);
      await pub.set(t.path('lvl'), { r: 'lvl' });
      await pub.set(t.path('lvl', '1'), { r: 'lvl/1' });
      await pub.set(t.path('lvl', '1', '2'), { r: 'lvl/1/2' });
      await col.wait(1);
      await t.sleep(200);
      t.eq(col.data().map((d) => d.r), ['lvl/1'], 'events');
      t.eq(col.events[0].meta.channel, '/SET@' + t.path('lvl', '*'), 'channel echoes the subscription');
    },
  },
  {
    name: "trailing '/**' matches 1 to 5 segments below by default, with meta.depth 5",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('d', '**'), { event_type: 'set' }, col.handler);
      const levels = ['d', 'd/1', 'd/1/2', 'd/1/2/3', 'd/1/2/3/4', 'd/1/2/3/4/5', 'd/1/2/3/4/5/6', 'dd/1'];
      for (const r of levels) await pub.set(t.path(r), { r });
      await col.wait(5);
      await t.sleep(200);
      t.eq(col.data().map((d) => d.r), ['d/1', 'd/1/2', 'd/1/2/3', 'd/1/2/3/4', 'd/1/2/3/4/5'], 'events');
      t.match(col.events[0].meta, { channel: '/SET@' + t.path('d', '**'), depth: 5 }, 'meta');
    },
  },
  {
    name: "'/**' with depth:2 matches 1 or 2 segments below",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('d', '**'), { event_type: 'set', depth: 2 }, col.handler);
      for (const r of ['d/1', 'd/1/2', 'd/1/2/3', 'd/x']) await pub.set(t.path(r), { r });
      await col.wait(3);
      await t.sleep(200);
      t.eq(col.data().map((d) => d.r), ['d/1', 'd/1/2', 'd/x'], 'events');
      t.eq(col.events[0].meta.depth, 2, 'meta.depth');
    },
  },
  {
    name: "'/**' subscriptions also receive removes (event_type all)",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('d', '**'), col.handler);
      await pub.set(t.path('d', 'x', 'y'), { a: 1 });
      await pub.remove(t.path('d', 'x', 'y'));
      await col.wait(2);
      t.eq(col.data(), [{ a: 1 }, { removed: 1 }], 'events');
      t.eq(col.events[1].meta.channel, '/ALL@' + t.path('d', '**'), 'channel');
    },
  },
  {
    name: "a wildcard remove sends ONE event with the pattern as path, to pattern subscribers only",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      for (const r of ['a/1', 'a/2', 'a/3']) await pub.set(t.path(r), { r });
      const exact = t.collector('a/1 (exact)');
      const pattern = t.collector('a/*');
      const twoStars = t.collector('*/*');
      const deep = t.collector('a/**');
      await sub.on(t.path('a', '1'), exact.handler);
      await sub.on(t.path('a', '*'), pattern.handler);
      await sub.on(t.path('*', '*'), twoStars.handler);
      await sub.on(t.path('a', '**'), deep.handler);
      const r = await pub.remove(t.path('a', '*'));
      t.eq(r.removed, 3, 'removed');
      await pattern.wait(1);
      await twoStars.wait(1);
      await deep.wait(1);
      await t.sleep(200);
      t.eq([exact.count, pattern.count, twoStars.count, deep.count], [0, 1, 1, 1], 'events per listener');
      t.eq(pattern.events[0].data, { removed: 3 }, 'data');
      t.match(pattern.events[0].meta, { action: '/REMOVE@' + t.path('a', '*'), path: t.path('a', '*'), channel: '/ALL@' + t.path('a', '*') }, 'meta');
    },
  },
  {
    name: 'a remove that removed nothing still publishes {removed:0}',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('nothing'), col.handler);
      await pub.remove(t.path('nothing'));
      await col.wait(1);
      t.eq(col.events[0].data, { removed: 0 }, 'data');
    },
  },
  {
    name: 'one frame per distinct matching channel; each listener called once',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const all = t.collector('/ALL@ov/y');
      const star = t.collector('/SET@ov/*');
      const exact = t.collector('/SET@ov/y');
      await sub.on(t.path('ov', 'y'), all.handler);
      await sub.on(t.path('ov', '*'), { event_type: 'set' }, star.handler);
      await sub.on(t.path('ov', 'y'), { event_type: 'set' }, exact.handler);
      await pub.set(t.path('ov', 'y'), { v: 1 });
      await all.wait(1);
      await star.wait(1);
      await exact.wait(1);
      await t.sleep(200);
      t.eq([all.count, star.count, exact.count], [1, 1, 1], 'calls per listener');
      const channels = dataFrames(frames).map((f) => f._meta.channel).sort();
      t.eq(channels, ['/ALL@' + t.path('ov', 'y'), '/SET@' + t.path('ov', '*'), '/SET@' + t.path('ov', 'y')].sort(), 'one frame per channel');
      const publicationIds = new Set(dataFrames(frames).map((f) => f._meta.publicationId));
      t.eq(publicationIds.size, 1, 'all frames belong to one publication');
    },
  },
  {
    name: 'two listeners with identical options share one subscription and one frame',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const one = t.collector('one');
      const two = t.collector('two');
      const id1 = await sub.on(t.path('dup'), { event_type: 'set' }, one.handler);
      const id2 = await sub.on(t.path('dup'), { event_type: 'set' }, two.handler);
      t.ok(id1 !== id2, 'distinct listener ids');
      await pub.set(t.path('dup'), { v: 1 });
      await one.wait(1);
      await two.wait(1);
      await t.sleep(150);
      t.eq(dataFrames(frames).length, 1, 'frames');
      t.eq([one.count, two.count], [1, 1], 'calls');
    },
  },
  {
    name: 'two server subscriptions on the same channel still give one frame per publication',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const one = t.collector('one');
      const two = t.collector('two');
      // different meta → the client sends two 'on' requests for the same channel
      await sub.on(t.path('dup2'), { event_type: 'set', meta: { which: 1 } }, one.handler);
      await sub.on(t.path('dup2'), { event_type: 'set', meta: { which: 2 } }, two.handler);
      await pub.set(t.path('dup2'), { v: 1 });
      await one.wait(1);
      await two.wait(1);
      await t.sleep(200);
      t.eq(dataFrames(frames).length, 1, 'frames (de-duplicated per session and channel)');
      t.eq([one.count, two.count], [1, 1], 'calls');
    },
  },
  {
    name: 'merge:true subscription receives only the patch; a plain subscriber the merged document',
    async run(t) {
      const sub = await t.client();
      const plain = await t.client(); // same session + same channel would share one frame
      const pub = await t.client();
      const p = t.path('m');
      await pub.set(p, { keep: 'me', x: 1 });
      const patch = t.collector('merge subscriber');
      const full = t.collector('plain subscriber');
      await sub.on(p, { event_type: 'set', merge: true }, patch.handler);
      await plain.on(p, { event_type: 'set' }, full.handler);
      await pub.set(p, { x: 2 }, { merge: true });
      await patch.wait(1);
      await full.wait(1);
      t.eq(patch.events[0].data, { x: 2 }, 'merge subscriber data');
      t.eq(full.events[0].data, { keep: 'me', x: 2 }, 'plain subscriber data');
      await pub.set(p, { whole: 1 });
      await patch.wait(2);
      t.eq(patch.events[1].data, { whole: 1 }, 'merge subscriber on a plain set');
    },
  },
  {
    name: 'initialCallback: the on callback gets the current items (data wildcard, modified order)',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      // initial values are found like a get: '*' crosses '/', ordered by modified ascending
      const two = await pub.set(t.path('init', '2'), { test: 'two' });
      await t.sleep(3);
      await pub.set(t.path('init', '1'), { test: 'one' });
      await t.sleep(3);
      await pub.set(t.path('init', '2', 'deeper'), { test: 'deeper' });
      await pub.set(t.path('init'), { test: 'the parent is not under init/*' });
      await pub.set(t.path('other'), { test: 'elsewhere' });
      const col = t.collector();
      const [ref, items] = await t.cb((done) => sub.on(t.path('init', '*'), { event_type: 'set', initialCallback: true }, col.handler, done));
      t.ok(isNum(ref), `listener id ${ref}`);
      t.eq(items.map((i) => rel(t, i._meta.path)), ['init/2', 'init/1', 'init/2/deeper'], 'item paths');
      t.eq(t.strip(items), [{ test: 'two' }, { test: 'one' }, { test: 'deeper' }], 'items data');
      t.match(items[0]._meta, { path: t.path('init', '2'), created: two._meta.created, modified: two._meta.modified }, 'item meta');
      t.eq(col.count, 0, 'no handler call for initial items');
      await pub.set(t.path('init', '3'), { test: 'later' });
      await col.wait(1);
      t.eq(col.events[0].data, { test: 'later' }, 'later event');
    },
  },
  {
    name: 'off of an initialCallback listener stops its events',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      await pub.set(t.path('ic', '1'), { v: 0 });
      const col = t.collector();
      const [ref] = await t.cb((done) => sub.on(t.path('ic', '*'), { event_type: 'set', initialCallback: true }, col.handler, done));
      await pub.set(t.path('ic', '1'), { v: 1 });
      await col.wait(1);
      await sub.off(ref);
      await pub.set(t.path('ic', '1'), { v: 2 });
      await t.sleep(200);
      t.eq(col.data(), [{ v: 1 }], 'handler calls');
      t.eq(dataFrames(frames).length, 1, 'publication frames');
    },
  },
  {
    name: 'initialCallback on a path without data gives []',
    async run(t) {
      const sub = await t.client();
      const [, items] = await t.cb((done) => sub.on(t.path('empty', '*'), { event_type: 'set', initialCallback: true }, () => {}, done));
      t.eq(items, [], 'items');
    },
  },
  {
    name: 'initialCallback on an exact path gives that one item',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      await pub.set(t.path('one'), { only: 1 });
      const [, items] = await t.cb((done) => sub.on(t.path('one'), { initialCallback: true }, () => {}, done));
      t.eq(t.strip(items), [{ only: 1 }], 'items');
    },
  },
  {
    name: 'initialEmit: the handler is called once per current item, then for new events',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      await pub.set(t.path('ie', '1'), { test: 'data' });
      await t.sleep(3);
      await pub.set(t.path('ie', '2'), { test: 'data1' });
      const col = t.collector();
      await sub.on(t.path('ie', '*'), { event_type: 'set', initialEmit: true }, col.handler);
      await col.wait(2);
      t.eq(col.data().map((d) => d.test).sort(), ['data', 'data1'], 'initial items');
      t.eq(col.data().map((d) => rel(t, d._meta.path)).sort(), ['ie/1', 'ie/2'], 'initial items carry _meta.path');
      await pub.set(t.path('ie', '3'), { test: 'later' });
      await col.wait(3);
      t.eq(col.events[2].data, { test: 'later' }, 'later event');
      t.eq(col.events[2].meta.channel, '/SET@' + t.path('ie', '*'), 'later event meta');
    },
  },
  {
    name: "initialCallback on '/**' returns only items within depth",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      for (const r of ['v', 'v/1', 'v/1/2', 'v/1/2/3']) await pub.set(t.path(r), { r });
      const [, items] = await t.cb((done) => sub.on(t.path('v', '**'), { event_type: 'set', depth: 2, initialCallback: true }, () => {}, done));
      t.eq(items.map((i) => i.r).sort(), ['v/1', 'v/1/2'], 'items within depth 2');
    },
  },
  {
    name: "a subscription on '/x/y' also gets sets of 'x/y' (same topic, different records)",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const abs = t.path('lead');
      const relPath = abs.slice(1);
      const col = t.collector();
      await sub.on(abs, { event_type: 'set' }, col.handler);
      try {
        await pub.set(relPath, { which: 'rel' });
        await pub.set(abs, { which: 'abs' });
        await col.wait(2);
        t.eq(col.events.map((e) => [e.data.which, e.meta.path, e.meta.channel]), [
          ['rel', relPath, '/SET@' + abs],
          ['abs', abs, '/SET@' + abs],
        ], 'events');
      } finally {
        await pub.remove(relPath);
      }
    },
  },
  {
    name: "a path containing '@' can be subscribed to",
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('factory1@site', 'x');
      const col = t.collector();
      await sub.on(p, { event_type: 'set' }, col.handler);
      await pub.set(p, { at: 1 });
      await col.wait(1);
      t.match(col.events[0].meta, { path: p, channel: '/SET@' + p }, 'meta');
    },
  },
  {
    name: 'publish: subscribers get the data; the meta has no created/modified',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('pub', '*'), { event_type: 'set' }, col.handler);
      const r = await pub.publish(t.path('pub', 'a'), { p: 1 });
      await pub.publish(t.path('pub', 'b'), 'str');
      await col.wait(2);
      t.eq(col.data(), [{ p: 1 }, { value: 'str' }], 'published data');
      t.keys(col.events[0].meta, t.metaKeys(REMOVE_META_KEYS), 'publish event meta keys');
      t.match(col.events[0].meta, { action: '/SET@' + t.path('pub', 'a'), path: t.path('pub', 'a'), publicationId: `${pub.session.id}-${r._meta.eventId}` }, 'meta');
    },
  },
  {
    name: 'increment publishes {value, gauge} without created/modified',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('g');
      const col = t.collector();
      await sub.on(p, col.handler);
      await pub.increment(p, 'hits', 3);
      await col.wait(1);
      t.eq(col.events[0].data, { value: 3, gauge: 'hits' }, 'data');
      t.keys(col.events[0].meta, t.metaKeys(REMOVE_META_KEYS), 'meta keys');
      t.eq(col.events[0].meta.action, '/SET@' + p, 'action');
    },
  },
  {
    name: 'primitive and null sets publish {value}',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const col = t.collector();
      await sub.on(t.path('prim', '*'), { event_type: 'set' }, col.handler);
      await pub.set(t.path('prim', 's'), 'text');
      await pub.set(t.path('prim', 'n'), 7);
      await pub.set(t.path('prim', 'a'), [1, 2]);
      await t.cb((done) => pub.set(t.path('prim', 'z'), null, done));
      await col.wait(4);
      t.eq(col.data(), [{ value: 'text' }, { value: 7 }, { value: [1, 2] }, { value: null }], 'data');
    },
  },
  {
    name: 'custom meta from set options.meta reaches subscribers; reserved keys are dropped',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('cm');
      const col = t.collector();
      await sub.on(p, { event_type: 'set' }, col.handler);
      const reserved = { created: 1, modified: 2, path: '/evil', action: 'evil', type: 'evil', published: 'evil', status: 'evil', eventId: 'evil', sessionId: 'evil' };
      const r = await pub.set(p, { x: 1 }, { meta: { custom: 'm', another: { n: 1 }, ...reserved } });
      await col.wait(1);
      const m = col.events[0].meta;
      t.match(m, { custom: 'm', another: { n: 1 } }, 'custom keys copied');
      t.match(m, {
        path: p,
        action: '/SET@' + p,
        type: 'data',
        sessionId: pub.session.id,
        created: r._meta.created,
        modified: r._meta.modified,
        channel: '/SET@' + p,
        consistency: 2,
      }, 'reserved keys keep their real values');
      t.absent(m, ['published', 'status', 'eventId'], 'reserved keys not added');
    },
  },
  {
    name: 'targetClients delivers only to the listed sessions',
    async run(t) {
      const pub = await t.client();
      const a = await t.client();
      const b = await t.client();
      const ca = t.collector('a');
      const cb = t.collector('b');
      const cp = t.collector('publisher');
      const p = t.path('tc');
      await a.on(p, ca.handler);
      await b.on(p, cb.handler);
      await pub.on(p, cp.handler);
      await pub.set(p, { to: 'a' }, { targetClients: [a.session.id] });
      await pub.publish(p, { to: 'b' }, { targetClients: [b.session.id], meta: { note: 'hi' } });
      await ca.wait(1);
      await cb.wait(1);
      await t.sleep(200);
      t.eq(ca.data(), [{ to: 'a' }], 'a');
      t.eq(cb.data(), [{ to: 'b' }], 'b');
      t.eq(cb.events[0].meta.note, 'hi', 'custom meta with targetClients');
      t.eq(cp.count, 0, "the publisher's own listener is not targeted");
    },
  },
  {
    name: 'noPublish: the set is stored and no event is sent',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const frames = t.rawFrames(sub);
      const p = t.path('np');
      const col = t.collector();
      await sub.on(p, col.handler);
      await pub.set(p, { quiet: 1 }, { noPublish: true });
      await t.sleep(250);
      t.eq(col.count, 0, 'events');
      t.eq(dataFrames(frames).length, 0, 'frames');
      t.eq(t.strip(await sub.get(p)), { quiet: 1 }, 'stored');
    },
  },
  {
    name: 'writes keep working after a subscriber disconnects',
    async run(t) {
      const sub = await t.client();
      const pub = await t.client();
      const p = t.path('gone');
      await sub.on(p, () => {});
      await new Promise((resolve) => sub.disconnect(() => resolve()));
      await t.sleep(100);
      const r = await pub.set(p, { still: 'works' });
      t.eq(r._meta.published, true, 'published');
      t.eq(t.strip(await pub.get(p)), { still: 'works' }, 'stored');
    },
  },
];
