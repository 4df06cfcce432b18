// Connects a happn-3 node client over https (self-signed certificate) and
// exercises it, for compat/https_test.go:
//   node https-client.js <port> <v13|v12>
// prints OK <json> or ERROR <message>.
'use strict';
const [port, version] = process.argv.slice(2);
const Happn = require(version === 'v12' ? 'happn-3-v12' : 'happn-3');

(async () => {
  const client = await Happn.client.create({
    host: '127.0.0.1', port: Number(port), protocol: 'https', allowSelfSignedCerts: true,
  });
  const events = [];
  await client.on('/https/*', { event_type: 'set' }, (data) => events.push(data));
  await client.set('/https/a', { v: version });
  const got = await client.get('/https/a');
  for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  console.log('OK ' + JSON.stringify({ v: got.v, events: events.length }));
  await client.disconnect();
  process.exit(0);
})().catch((e) => {
  console.log('ERROR ' + e.message);
  process.exit(1);
});
