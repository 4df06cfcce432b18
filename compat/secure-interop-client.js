'use strict';
// secure-interop-client.js — driven by secure_interop_test.go: a REAL happn-3 client logs in
// to a secure Go server, subscribes, and reports on stdout (one JSON object a line) what it
// sees: events, system messages, and on "report" from stdin, its listeners.
//
//   node secure-interop-client.js <v13|v12> <port> <username> <password> <path pattern>

const readline = require('node:readline');

const [version, port, username, password, pattern] = process.argv.slice(2);
const Happn = require({ v13: 'happn-3', v12: 'happn-3-v12' }[version]);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

(async () => {
  const client = await Happn.client.create({ host: '127.0.0.1', port: Number(port), username, password, loginRetry: 0, callTimeout: 5000 });
  let events = 0;
  client.onSystemMessage((eventKey, data) => say({ type: 'system', eventKey, data }));
  client.onEvent('session-ended', (data) => say({ type: 'session-ended', data }));
  await client.on(pattern, { event_type: 'all' }, (data, meta) => {
    events++;
    say({ type: 'event', data, path: meta.path });
  });
  say({ type: 'ready', session: client.session.id });
  readline.createInterface({ input: process.stdin }).on('line', async (line) => {
    if (line === 'report') say({ type: 'report', events, listeners: Object.keys(client.state.events) });
    if (line === 'quit') {
      await new Promise((r) => client.disconnect(r));
      process.exit(0);
    }
  });
})().catch((e) => {
  say({ type: 'error', message: String(e && e.message), code: e && e.code });
  process.exit(1);
});
