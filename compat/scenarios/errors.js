'use strict';
// errors: what the client rejects with when the server refuses a request — the error name,
// message and code fields come from the response's _meta.error (SPEC §2.4, §4.7; WIRE-TRANSCRIPT
// fact 11). Requests are sent with lib/raw.js where the client would refuse to send them itself.

const { raw } = require('../lib/raw');

const STAR_ON_SET = "Bad path, if the action is 'set' the path cannot contain the * wildcard character";
const BAD_CHARS =
  'Bad path, can only contain characters a-z A-Z 0-9 / & + = : @ % * ( ) _ -, ie: factory1@I&J(western-cape)/plant1:conveyer_2/stats=true/capacity=10%/*';

module.exports = [
  {
    name: "the client itself refuses set on a path with '*'",
    async run(t) {
      const c = await t.client();
      await t.rejects(c.set(t.path('bad*'), { x: 1 }), { message: STAR_ON_SET }, 'client-side check');
    },
  },
  {
    name: "the server refuses set on a path with '*': Error 'Bad path…', no code",
    async run(t) {
      const c = await t.client();
      const e = await t.rejects(raw(c, 'set', t.path('bad*'), { x: 1 }), { name: 'Error', message: STAR_ON_SET }, 'server-side check');
      t.eq(e.code, undefined, 'code');
      t.eq(await c.get(t.path('bad*')), [], 'nothing stored');
    },
  },
  {
    name: 'the server refuses set, remove and on for paths with characters outside its whitelist',
    async run(t) {
      const c = await t.client();
      for (const bad of ['dollar$x', 'hash#x', 'bang!x', 'q?x', 'comma,x', 'semi;x', 'brack[x]', "quote'x", 'dq"x']) {
        const p = t.path(bad);
        await t.rejects(raw(c, 'set', p, { x: 1 }), { name: 'Error', message: BAD_CHARS }, `set ${bad}`);
        await t.rejects(raw(c, 'remove', p), { name: 'Error', message: BAD_CHARS }, `remove ${bad}`);
        await t.rejects(raw(c, 'on', '/SET@' + p, null, { event_type: 'set', count: 0 }), { name: 'Error', message: BAD_CHARS }, `on ${bad}`);
      }
    },
  },
  {
    name: 'get and count do not validate paths: a bad-character path just finds nothing',
    async run(t) {
      const c = await t.client();
      t.eq(await c.get(t.path('x$y')), null, 'get');
      t.eq((await c.count(t.path('x$y'))).value, 0, 'count');
      t.eq(await c.get(t.path('x$y', '*')), [], 'wildcard get');
    },
  },
  {
    name: 'increment with a non-number step is refused: SystemError 500',
    async run(t) {
      const c = await t.client();
      await t.rejects(raw(c, 'set', t.path('inc'), 'counter', { increment: 'x' }), { name: 'SystemError', code: 500, message: 'increment option value must be a number' }, 'increment step');
      t.eq(await c.get(t.path('inc')), null, 'nothing stored');
    },
  },
  {
    name: 'increment with a non-string gauge name is refused: SystemError 500',
    async run(t) {
      const c = await t.client();
      await t.rejects(raw(c, 'set', t.path('inc'), 5, { increment: 1 }), { name: 'SystemError', code: 500, message: 'invalid increment counter field name, must be a string' }, 'gauge name');
    },
  },
  {
    name: '$regex with a value that is neither a string nor an array is refused',
    async run(t) {
      const c = await t.client();
      await c.set(t.path('r', '1'), { a: 'x' });
      await t.rejects(c.get(t.path('r', '*'), { criteria: { a: { $regex: 5 } } }), { name: 'SystemError', code: 500, message: '$regex parameter value must be an Array or a string' }, '$regex type');
    },
  },
  {
    name: 'encrypted payloads are refused',
    async run(t) {
      const c = await t.client();
      await t.rejects(raw(c, 'set', t.path('enc'), { encrypted: 'abc' }), { name: 'Error', message: 'Encrypted payloads are no longer supported' }, 'encrypted');
      t.eq(await c.get(t.path('enc')), null, 'nothing stored');
    },
  },
  {
    name: 'after an error the connection keeps working',
    async run(t) {
      const c = await t.client();
      const sessionId = c.session.id;
      await t.rejects(raw(c, 'set', t.path('bad*'), { x: 1 }), { name: 'Error' }, 'bad set');
      await t.rejects(raw(c, 'set', t.path('bad$'), { x: 1 }), { name: 'Error' }, 'bad set');
      const r = await c.set(t.path('good'), { ok: 1 });
      t.eq(t.strip(r), { ok: 1 }, 'next set');
      t.eq(c.session.id, sessionId, 'same session');
    },
  },
  {
    name: 'aggregate and collation (MongoDB datastores only) are refused, not ignored',
    async run(t) {
      const c = await t.client();
      await c.set(t.path('agg', '1'), { custom: 'a', id: 1 });
      const p = t.path('agg', '*');
      const aggregate = [{ $group: { _id: '$data.custom', total: { $sum: '$data.id' } } }];
      await t.rejects(c.get(p, { options: { aggregate } }), { message: 'aggregate feature not available for provider on path: ' + p }, 'options.aggregate');
      await t.rejects(c.get(p, { aggregate }), { message: 'aggregate feature not available for provider on path: ' + p }, 'top-level aggregate');
      await t.rejects(c.get(p, { options: { collation: { locale: 'en_US', strength: 1 } } }), { message: 'collation feature not available for provider on path: ' + p }, 'collation');
    },
  },
];
