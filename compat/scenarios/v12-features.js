'use strict';
// v12-features: setSibling and tag — happn-3 12.x features that 13.x dropped (its client has no
// setSibling and its server ignores set_type and tag) and that the Go server keeps (DESIGN.md).
// They run with the 12.1.10 client, against a server that has them: happn-3 12.x or Go
// (needs: sibling / tag); against happn-3 13.x they are SKIPped (SPEC §4.3, §12).

const { isNum, isStr } = require('../lib/assert');

const generatedId = (s) => isStr(s) && !s.includes('/');

module.exports = [
  {
    name: 'setSibling stores under <path>/<generated id> and returns that path',
    clients: ['v12'],
    needs: ['sibling'],
    async run(t) {
      const c = await t.client();
      const p = t.path('sib');
      const a = await c.setSibling(p, { s: 1 });
      const b = await c.setSibling(p, { s: 2 });
      t.eq(t.strip(a), { s: 1 }, 'result data');
      t.ok(a._meta.path.startsWith(p + '/') && generatedId(a._meta.path.slice(p.length + 1)), `generated path ${a._meta.path}`);
      t.ok(a._meta.path !== b._meta.path, 'each sibling gets its own path');
      t.match(a._meta, { created: isNum, modified: isNum, published: true, status: 'ok' }, 'result meta');
      t.eq(t.strip(await c.get(a._meta.path)), { s: 1 }, 'get the first sibling');
      const all = await c.get(p + '/*');
      t.eq(all.map((i) => i._meta.path).sort(), [a._meta.path, b._meta.path].sort(), 'both siblings under the path');
      t.eq(await c.get(p), null, 'nothing at the path itself');
    },
  },
  {
    name: 'setSibling publishes with the ORIGINAL path',
    clients: ['v12'],
    needs: ['sibling'],
    async run(t) {
      const c = await t.client();
      const sub = await t.client();
      const p = t.path('sib');
      const col = t.collector();
      await sub.on(p, { event_type: 'set' }, col.handler);
      const r = await c.setSibling(p, { s: 1 });
      await col.wait(1);
      t.eq(col.events[0].data, { s: 1 }, 'event data');
      t.match(col.events[0].meta, { path: p, action: '/SET@' + p, channel: '/SET@' + p, created: r._meta.created }, 'event meta');
    },
  },
  {
    name: 'tag snapshots the record under /_TAGS<path>/<id>',
    clients: ['v12'],
    needs: ['tag'],
    async run(t) {
      const c = await t.client();
      const p = t.path('doc');
      const orig = await c.set(p, { x: 7 });
      // tag needs data null: callback form (the promise form drops a trailing null)
      const [r] = await t.cb((done) => c.set(p, null, { tag: 'mytag' }, done));
      t.eq(t.strip(r), { data: { x: 7 } }, 'result: the snapshot data');
      t.ok(r._meta.path.startsWith('/_TAGS' + p + '/') && generatedId(r._meta.path.slice(('/_TAGS' + p).length + 1)), `tag path ${r._meta.path}`);
      t.match(r._meta, { tag: 'mytag', published: true, created: isNum, modified: isNum }, 'result meta');
      // tagging touches the record first: same data, modified moves on
      const after = await c.get(p);
      t.eq(t.strip(after), { x: 7 }, 'the tagged record keeps its data');
      t.eq(after._meta.created, orig._meta.created, 'the tagged record keeps created');
      t.ok(after._meta.modified >= orig._meta.modified, 'modified');
      const frames = t.rawFrames(c);
      const snap = await c.get(r._meta.path);
      t.eq(snap.data, { x: 7 }, 'get the tag');
      const frame = frames.find((f) => f && f._meta && f._meta.action === 'get');
      t.match(frame.data._meta, { path: p, created: orig._meta.created, modified: after._meta.modified }, 'the snapshot (raw frame) carries the record _meta');
      const tags = await c.get('/_TAGS' + p + '/*');
      t.eq(tags.map((i) => i._meta.path), [r._meta.path], 'one tag stored');
    },
  },
  {
    name: 'tag publishes the snapshot with the original path',
    clients: ['v12'],
    needs: ['tag'],
    async run(t) {
      const c = await t.client();
      const sub = await t.client();
      const p = t.path('doc');
      await c.set(p, { x: 1 });
      const col = t.collector();
      await sub.on(p, { event_type: 'set' }, col.handler);
      await t.cb((done) => c.set(p, null, { tag: 't' }, done));
      await col.wait(1);
      t.eq(col.events[0].data.data, { x: 1 }, 'event data.data');
      t.eq(col.events[0].data._meta.path, p, 'event data._meta.path');
      t.match(col.events[0].meta, { path: p, action: '/SET@' + p, channel: '/SET@' + p }, 'event meta');
    },
  },
  {
    name: 'tag with new data is refused: SystemError 500',
    clients: ['v12'],
    needs: ['tag'],
    async run(t) {
      const c = await t.client();
      const p = t.path('doc');
      await c.set(p, { x: 1 });
      await t.rejects(c.set(p, { x: 2 }, { tag: 't' }), { name: 'SystemError', code: 500, message: 'Cannot set tag with new data.' }, 'tag with data');
      t.eq(t.strip(await c.get(p)), { x: 1 }, 'record unchanged');
    },
  },
  {
    name: 'tagging a missing path creates it as {} and stores an empty snapshot',
    clients: ['v12'],
    needs: ['tag'],
    async run(t) {
      const c = await t.client();
      const p = t.path('missing');
      const [r] = await t.cb((done) => c.set(p, null, { tag: 't' }, done));
      t.eq(t.strip(r), { data: {} }, 'result');
      t.ok(r._meta.path.startsWith('/_TAGS' + p + '/'), `tag path ${r._meta.path}`);
      const created = await c.get(p);
      t.ok(created !== null, 'the path now exists');
      t.eq(t.strip(created), {}, 'with empty data');
    },
  },
];
