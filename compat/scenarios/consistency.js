'use strict';
// consistency: the four publication consistency levels and onPublished results (SPEC §4.5, §3.1
// "Ordering"). Order is recorded inside the client's own callbacks (not after an await), so it is
// the order in which the frames reached the client on one socket.
//
//   QUEUED 0        response first (published:false), events later, a publication-ack follows
//   DEFERRED 1      like QUEUED; onPublished(e, {successful, failed, skipped, queued})
//   TRANSACTIONAL 2 the default: every event frame before the response (published:true)
//   ACKNOWLEDGED 3  response first; subscribers ack; onPublished(..., {…, acknowledged})

const CONSISTENCY = { QUEUED: 0, DEFERRED: 1, TRANSACTIONAL: 2, ACKNOWLEDGED: 3 };

// setAndTrace runs c.set with a same-client listener and returns the order of 'event' and
// 'response' plus the response, once both have happened (and onPublished, when asked for).
async function setAndTrace(t, c, p, data, options = {}, wantPublished = false) {
  const order = [];
  const col = t.collector();
  await c.on(p, { event_type: 'set' }, (d, m) => {
    order.push('event');
    col.handler(d, m);
  });
  let published;
  const publishedDone = new Promise((resolve) => {
    if (!wantPublished) return resolve();
    options.onPublished = (e, results) => {
      order.push('onPublished');
      published = { e, results };
      resolve();
    };
  });
  const [response] = await t.cb((done) =>
    c.set(p, data, options, (e, r) => {
      order.push('response');
      done(e, r);
    })
  );
  await col.wait(1);
  await publishedDone;
  return { order, response, events: col.events, published };
}

// publicationAcks returns the publication-ack messages among raw frames.
const publicationAcks = (frames) => frames.filter((m) => m && m.action === 'publication-ack');

module.exports = [
  {
    name: 'TRANSACTIONAL (default): events arrive before the set response; published:true',
    async run(t) {
      const c = await t.client();
      const { order, response, events } = await setAndTrace(t, c, t.path('tx'), { v: 1 });
      t.eq(order, ['event', 'response'], 'order');
      t.eq(response._meta.published, true, 'published');
      t.eq(events[0].meta.consistency, CONSISTENCY.TRANSACTIONAL, 'meta.consistency');
    },
  },
  {
    name: 'TRANSACTIONAL given explicitly (consistency:2) behaves like the default',
    async run(t) {
      const c = await t.client();
      const { order, response, events } = await setAndTrace(t, c, t.path('tx2'), { v: 1 }, { consistency: 2 });
      t.eq(order, ['event', 'response'], 'order');
      t.eq(response._meta.published, true, 'published');
      t.eq(events[0].meta.consistency, 2, 'meta.consistency');
    },
  },
  {
    name: 'TRANSACTIONAL remove: the remove event arrives before the response',
    async run(t) {
      const c = await t.client();
      const p = t.path('txr');
      await c.set(p, { v: 1 });
      const order = [];
      await c.on(p, { event_type: 'remove' }, () => order.push('event'));
      await t.cb((done) =>
        c.remove(p, (e, r) => {
          order.push('response');
          done(e, r);
        })
      );
      t.eq(order, ['event', 'response'], 'order');
    },
  },
  {
    name: 'QUEUED (0): the response comes first with published:false, then the event and a publication-ack',
    async run(t) {
      const c = await t.client();
      const frames = t.rawFrames(c);
      const { order, response, events } = await setAndTrace(t, c, t.path('q'), { v: 0 }, { consistency: CONSISTENCY.QUEUED });
      t.eq(order, ['response', 'event'], 'order');
      t.eq(response._meta.published, false, 'published');
      t.eq(events[0].meta.consistency, 0, 'meta.consistency');
      await t.until(() => publicationAcks(frames).length > 0, 'publication-ack frame');
      const ack = publicationAcks(frames)[0];
      t.match(ack, {
        id: `${c.session.id}-${response._meta.eventId}`,
        status: 'ok',
        result: { successful: 1, failed: 0, skipped: 0, queued: 1 },
        _meta: { type: 'ack', eventId: response._meta.eventId },
      }, 'publication-ack');
    },
  },
  {
    name: 'DEFERRED (1): response first, then onPublished with the counts',
    async run(t) {
      const c = await t.client();
      const other = await t.client();
      const p = t.path('d');
      const remote = t.collector('other client');
      await other.on(p, { event_type: 'set' }, remote.handler);
      const { order, response, events, published } = await setAndTrace(t, c, p, { v: 1 }, { consistency: CONSISTENCY.DEFERRED }, true);
      t.eq(order[0], 'response', `response first (${order})`);
      t.eq(response._meta.published, false, 'published');
      t.eq(published.e, null, 'onPublished error');
      t.eq(published.results, { successful: 2, failed: 0, skipped: 0, queued: 2 }, 'onPublished results');
      t.eq(events[0].meta.consistency, 1, 'meta.consistency');
      await remote.wait(1);
      t.eq(remote.events[0].meta.consistency, 1, 'other client meta.consistency');
    },
  },
  {
    name: 'DEFERRED with no subscribers reports all-zero counts',
    async run(t) {
      const c = await t.client();
      const [results] = await t.cb((done) => c.set(t.path('d0'), { v: 1 }, { consistency: 1, onPublished: done }, () => {}));
      t.eq(results, { successful: 0, failed: 0, skipped: 0, queued: 0 }, 'results');
    },
  },
  {
    name: 'DEFERRED remove reports its counts through onPublished',
    async run(t) {
      const c = await t.client();
      const other = await t.client();
      const p = t.path('dr');
      await c.set(p, { v: 1 });
      const col = t.collector();
      await other.on(p, col.handler);
      const [results] = await t.cb((done) => c.remove(p, { consistency: 1, onPublished: done }, () => {}));
      t.eq(results, { successful: 1, failed: 0, skipped: 0, queued: 1 }, 'results');
      await col.wait(1);
      t.eq(col.events[0].data, { removed: 1 }, 'event');
    },
  },
  {
    name: 'ACKNOWLEDGED (3): subscribers ack; onPublished reports acknowledged; the handler sees meta.acknowledged',
    async run(t) {
      const pub = await t.client();
      const sub = await t.client();
      const p = t.path('ack');
      const col = t.collector();
      await sub.on(p, { event_type: 'set' }, col.handler);
      const order = [];
      let response;
      const [results] = await t.cb((done) =>
        pub.set(p, { v: 3 }, {
          consistency: CONSISTENCY.ACKNOWLEDGED,
          onPublished: (e, r) => {
            order.push('onPublished');
            done(e, r);
          },
        }, (e, r) => {
          order.push('response');
          response = r;
        })
      );
      t.eq(order, ['response', 'onPublished'], 'order');
      t.eq(response._meta.published, false, 'response published');
      t.eq(results, { successful: 1, failed: 0, skipped: 0, acknowledged: 1, queued: 1 }, 'results');
      await col.wait(1);
      t.match(col.events[0].meta, { consistency: 3, acknowledged: true }, 'subscriber meta');
      t.eq(col.events[0].data, { v: 3 }, 'subscriber data');
    },
  },
  {
    name: 'ACKNOWLEDGED with two subscriber clients counts two acknowledgements',
    async run(t) {
      const pub = await t.client();
      const p = t.path('ack2');
      for (let i = 0; i < 2; i++) {
        const s = await t.client();
        await s.on(p, { event_type: 'set' }, () => {});
      }
      const [results] = await t.cb((done) => pub.set(p, { v: 1 }, { consistency: 3, onPublished: done }, () => {}));
      t.eq(results, { successful: 2, failed: 0, skipped: 0, acknowledged: 2, queued: 2 }, 'results');
    },
  },
  {
    name: 'ACKNOWLEDGED with two distinct matching channels on one session counts both frames',
    async run(t) {
      const pub = await t.client();
      const sub = await t.client();
      const p = t.path('ack3');
      const col = t.collector();
      await sub.on(p, { event_type: 'set' }, col.handler);
      await sub.on(p, { event_type: 'all' }, col.handler);
      const [results] = await t.cb((done) => pub.set(p, { v: 1 }, { consistency: 3, onPublished: done }, () => {}));
      t.eq(results, { successful: 2, failed: 0, skipped: 0, acknowledged: 2, queued: 2 }, 'results');
      await col.wait(2);
    },
  },
  {
    name: 'publishResults:true puts the TRANSACTIONAL counts in the response _meta',
    async run(t) {
      const c = await t.client();
      const other = await t.client();
      const p = t.path('pr');
      await other.on(p, () => {});
      const r = await c.set(p, { v: 1 }, { publishResults: true });
      t.eq(r._meta.publishResults, { successful: 1, failed: 0, skipped: 0, queued: 1 }, 'publishResults');
      t.eq(r._meta.published, true, 'published');
    },
  },
];
