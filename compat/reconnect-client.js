// A happn-3 node client that subscribes and reports what happens to it,
// one line per fact, for compat/reconnect_test.go:
//   node reconnect-client.js <port> <v13|v12>
// prints READY once subscribed, RECONNECTED <session id> after each
// reconnection, EVENT <path> for every event on /rc/*.
'use strict';
const [port, version] = process.argv.slice(2);
const Happn = require(version === 'v12' ? 'happn-3-v12' : 'happn-3');

(async () => {
  const client = await Happn.client.create({ port: Number(port), host: '127.0.0.1' });
  client.onEvent('reconnect-successful', () => console.log('RECONNECTED ' + client.session.id));
  client.onEvent('connection-ended', () => console.log('ENDED'));
  await client.on('/rc/*', { event_type: 'set' }, (data, meta) => console.log('EVENT ' + meta.path));
  console.log('READY ' + client.session.id);
})().catch((e) => {
  console.log('ERROR ' + e.message);
  process.exit(1);
});
