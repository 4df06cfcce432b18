'use strict';
// happn3-server.js — one real happn-3 server (the version installed in compat/node_modules,
// 13.12.1) persisting to a file with its default loki provider, for run.js.
//
//   node bench/restart/happn3-server.js --port 55123 --file /tmp/x/happn.db [--modules DIR]
//
// Config as BENCH-BASELINE.md "File persistence (loki)": services.data.config.filename with
// fsync:false, log level warn. When it listens it prints one line
//   ready {"require":ms,"create":ms,"sinceStart":ms}
// (milliseconds since the node process started: require('happn-3') done, service.create()
// resolved), so run.js can split its restart time. SIGTERM/SIGINT: server.stop(), exit 0.
// No IPC channel on purpose: happn-3's system service echoes IPC messages to the parent.

const path = require('path');
const { parseArgs } = require('node:util');
const { performance } = require('perf_hooks');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    file: { type: 'string' },
    modules: { type: 'string', default: path.join(__dirname, '..', '..', 'compat', 'node_modules') },
    'log-level': { type: 'string', default: 'warn' },
  },
});
if (!args.port || !args.file) {
  console.error('happn3-server: --port and --file are required');
  process.exit(2);
}

const t0 = performance.now(); // performance's origin is the process start
const Happn = require(path.join(args.modules, 'happn-3'));
const tRequire = performance.now();

let server = null;
let stopping = false;

async function main() {
  server = await Happn.service.create({
    host: '127.0.0.1',
    port: Number(args.port),
    utils: { logLevel: args['log-level'] },
    services: { data: { config: { filename: args.file, fsync: false } } },
  });
  const tCreate = performance.now();
  const ms = (x) => Math.round(x * 10) / 10;
  console.log(`ready ${JSON.stringify({ start: ms(t0), require: ms(tRequire - t0), create: ms(tCreate - tRequire), sinceStart: ms(tCreate) })}`);
}

async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    if (server) await server.stop({ reconnect: false });
  } catch (e) {
    console.error('happn3-server: stop failed:', e && e.message);
    process.exit(1);
  }
  // The loki provider only calls end() on its append stream in stop(): exit when node has
  // nothing left to do (the stream flushed), or after a grace period if something lingers.
  setTimeout(() => process.exit(0), 3000).unref();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

main().catch((e) => {
  console.error('happn3-server: create failed:', e && (e.stack || e.message));
  process.exit(1);
});
