'use strict';
// concurrency: several clients writing the same paths at once, and a subscription with initial
// values made while they write. A subscriber that applies the events it gets, in order, must end
// with what the server stores (doc.go "Events and consistency").

const { sleep } = require('../lib/harness');

// strip returns a document without its _meta.
function strip(doc) {
  if (!doc || typeof doc !== 'object') return doc;
  const { _meta, ...rest } = doc;
  return rest;
}

// replay applies events (and initialEmit's items, which come without a meta) to a state: path → doc.
function replay(state, data, meta) {
  if (!meta) {
    state[data._meta.path] = strip(data);
  } else if (meta.action.startsWith('/REMOVE@')) {
    delete state[meta.path];
  } else {
    state[meta.path] = strip(data);
  }
}

// write makes n random sets, merges and removes on paths, one at a time.
async function write(c, paths, n, tag) {
  for (let i = 0; i < n; i++) {
    const p = paths[Math.floor(Math.random() * paths.length)];
    const op = Math.random();
    if (op < 0.5) await c.set(p, { by: tag, i });
    else if (op < 0.8) await c.set(p, { [`m${tag}`]: i }, { merge: true });
    else await c.remove(p);
  }
}

// stored returns what the server holds at paths.
async function stored(c, paths) {
  const state = {};
  for (const p of paths) {
    const doc = await c.get(p);
    if (doc) state[p] = strip(doc);
  }
  return state;
}

module.exports = [
  {
    name: 'writers racing on the same paths: a subscriber replaying the events ends in what is stored',
    async run(t) {
      const paths = [0, 1, 2].map((i) => t.path('race', String(i)));
      const state = {};
      const sub = await t.client();
      await sub.on(t.path('race', '*'), { event_type: 'all' }, (data, meta) => replay(state, data, meta));
      const writers = await Promise.all([1, 2, 3, 4].map(() => t.client()));
      await Promise.all(writers.map((c, i) => write(c, paths, 60, i)));
      const end = t.collector();
      await sub.on(t.path('end'), {}, end.handler);
      await writers[0].set(t.path('end'), {});
      await end.wait(1);
      t.eq(state, await stored(sub, paths), 'the events replayed = the documents stored');
    },
  },
  {
    name: 'initialEmit while the paths are written: the values, then the events, end in what is stored',
    async run(t) {
      const paths = [0, 1, 2, 3].map((i) => t.path('iv', String(i)));
      const writer = await t.client();
      for (const p of paths) await writer.set(p, { by: 'seed' });
      const writing = write(writer, paths, 200, 'w');
      await sleep(5);
      const state = {};
      const sub = await t.client();
      await sub.on(t.path('iv', '*'), { event_type: 'all', initialEmit: true }, (data, meta) => replay(state, data, meta));
      await writing;
      const end = t.collector();
      await sub.on(t.path('end'), {}, end.handler);
      await writer.set(t.path('end'), {});
      await end.wait(1);
      t.eq(state, await stored(sub, paths), 'the initial values and events replayed = the documents stored');
    },
  },
];
