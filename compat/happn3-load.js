'use strict';
// happn3-load.js — starts a REAL happn-3 server (13.12.1: loki; 12.1.10: nedb) on a data file
// written elsewhere (happn3file.Write, the way back from the Go server), reads every document
// through a happn-3 client, then writes to it (a new document, a merge into a loaded one),
// restarts on the same file and reads again, so that the file is shown to stay usable.
//
// It prints one JSON line: {"first": [items], "second": [items]}, items as
// {path, data, created, modified}, /_SYSTEM left out.
//
//   node compat/happn3-load.js --version v13 --file /tmp/export.db

const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: { version: { type: 'string', default: 'v13' }, file: { type: 'string' } },
});
const modules = { v13: 'happn-3', v12: 'happn-3-v12' };
if (!modules[args.version] || !args.file) {
  console.error('usage: node happn3-load.js --version v13|v12 --file PATH');
  process.exit(2);
}
const Happn = require(modules[args.version]);

async function run(port, write) {
  const server = await Happn.service.create({
    name: 'load',
    host: '127.0.0.1',
    port,
    utils: { logLevel: 'error' },
    services: { data: { config: { filename: args.file } } },
  });
  const c = await Happn.client.create({ config: { host: '127.0.0.1', port } });
  const items = (await c.get('*'))
    .filter((it) => !it._meta.path.startsWith('/_SYSTEM'))
    .map((it) => {
      const { _meta, ...data } = it;
      return { path: _meta.path, data, created: _meta.created, modified: _meta.modified };
    });
  if (write) {
    await c.set('/added/after-load', { added: true });
    await c.set('/export/a', { merged: true }, { merge: true });
  }
  await c.disconnect();
  await server.stop({ reconnect: false });
  return items;
}

async function main() {
  const port = 56000 + Math.floor(Math.random() * 900);
  const first = await run(port, true);
  const second = await run(port, false);
  process.stdout.write(JSON.stringify({ first, second }) + '\n', () => process.exit(0));
}

main().catch((e) => {
  console.error('happn3-load: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
