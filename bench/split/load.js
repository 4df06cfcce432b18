'use strict';
// load.js — drives a happn server with the happn-3 node client and prints the operations done.
//
//   node bench/split/load.js --port 55000 --case conc-set --seconds 7
//
// Cases, as h2h's: seq-set and seq-get (one request at a time), conc-set (100 sets in flight).
// Prints one line: "ops N".
const path = require('path');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '55000' },
    case: { type: 'string', default: 'conc-set' },
    seconds: { type: 'string', default: '7' },
    modules: { type: 'string', default: path.join(__dirname, '..', '..', 'compat', 'node_modules') },
  },
});
const HappnClient = require(path.join(args.modules, 'happn-3')).client;
const SMALL = { a: 1, b: 'x' };

(async () => {
  const c = await HappnClient.create({ config: { url: 'http://127.0.0.1:' + args.port } });
  await c.set('/split/get', SMALL);
  const end = Date.now() + 1000 * Number(args.seconds);
  let n = 0;
  let i = 0;
  const op = {
    'seq-set': () => c.set('/split/seq/' + (i++ % 1000), SMALL),
    'seq-get': () => c.get('/split/get'),
    'conc-set': () => c.set('/split/conc/' + (i++ % 1000), SMALL),
  }[args.case];
  if (!op) throw new Error('unknown case ' + args.case);
  const worker = async () => {
    while (Date.now() < end) {
      await op();
      n++;
    }
  };
  await Promise.all(Array.from({ length: args.case === 'conc-set' ? 100 : 1 }, worker));
  console.log('ops', n);
  await c.disconnect();
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
