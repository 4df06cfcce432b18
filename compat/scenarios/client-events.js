'use strict';
// client-events: connection life cycle as the client reports it (onEvent), and what the server
// does with a session's subscriptions when its socket goes away (SPEC §1.7, §1.8, §11).

const { isStr } = require('../lib/assert');

// The server's largest accepted frame: primus maxLength 10485760 bytes → ws maxPayload
// (SPEC §1.2). A bigger frame makes the SERVER close the socket, which is how these scenarios
// provoke a server-side close on an insecure server without any server-side hook.
const MAX_FRAME = 10 * 1024 * 1024;

module.exports = [
  {
    name: "a server-side close (frame over 10 MiB): 'connection-ended', reconnect with a new session, listeners restored",
    timeout: 15000,
    async run(t) {
      const c = await t.client();
      const pub = await t.client();
      const p = t.path('rc');
      const col = t.collector();
      await c.on(p, { event_type: 'set' }, col.handler);
      await pub.set(t.path('kept'), { stays: true });
      const seen = [];
      for (const name of ['connection-ended', 'reconnect-scheduled', 'reconnect-successful', 'session-ended']) {
        c.onEvent(name, (data) => seen.push({ name, data }));
      }
      const oldId = c.session.id;
      // fire and forget: the server closes the socket instead of answering
      c.socket.write({ action: 'set', eventId: 99999, path: t.path('big'), data: { big: 'z'.repeat(MAX_FRAME + 1024) }, sessionId: oldId });
      await t.until(() => seen.some((e) => e.name === 'reconnect-successful'), 'reconnect-successful', 10000);
      const ended = seen.find((e) => e.name === 'connection-ended');
      t.ok(ended, `connection-ended emitted (events: ${seen.map((e) => e.name)})`);
      t.eq(ended.data, oldId, 'connection-ended carries the old session id');
      t.ok(seen.some((e) => e.name === 'reconnect-scheduled'), 'reconnect-scheduled emitted');
      t.ok(!seen.some((e) => e.name === 'session-ended'), 'no session-ended (not a server-side-disconnect)');
      t.ok(isStr(c.session.id) && c.session.id !== oldId, `new session id (${oldId} -> ${c.session.id})`);
      t.eq(await c.get(t.path('big')), null, 'the oversized set was not stored');
      t.eq(t.strip(await c.get(t.path('kept'))), { stays: true }, 'data survives');
      await pub.set(p, { after: 'reconnect' });
      await col.wait(1);
      t.eq(col.data(), [{ after: 'reconnect' }], 'the listener was re-established');
      t.eq(col.events[0].meta.channel, '/SET@' + p, 'channel after re-subscribe');
    },
  },
  {
    name: "client.disconnect() emits 'connection-ended' with the session id",
    async run(t) {
      const c = await t.client();
      const seen = [];
      c.onEvent('connection-ended', (data) => seen.push(data));
      const id = c.session.id;
      await new Promise((resolve) => c.disconnect(() => resolve()));
      t.ok(seen.length >= 1, 'connection-ended emitted');
      t.eq(seen[0], id, 'session id');
      await t.rejects(c.get(t.path('x')), { message: 'client is disconnected' }, 'calls after disconnect');
    },
  },
  {
    name: "a disconnected client's subscriptions are dropped by the server (DEFERRED counts 0)",
    async run(t) {
      const pub = await t.client();
      const sub = await t.client();
      const p = t.path('drop');
      await sub.on(p, () => {});
      const [before] = await t.cb((done) => pub.set(p, { n: 1 }, { consistency: 1, onPublished: done }, () => {}));
      t.eq(before.successful, 1, 'one recipient while connected');
      await new Promise((resolve) => sub.disconnect(() => resolve()));
      await t.until(async () => {
        const [after] = await t.cb((done) => pub.set(p, { n: 2 }, { consistency: 1, onPublished: done }, () => {}));
        return after.queued === 0 && after.successful === 0;
      }, 'no recipients after disconnect', 3000);
    },
  },
];
