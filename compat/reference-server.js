'use strict';
// reference-server.js — starts a REAL happn-3 server (13.12.1 by default, 12.1.10 with
// --version v12) so the conformance suite can be validated against the original before it
// is pointed at the Go server. In-memory store, log level warn, one process per server.
//
//   node compat/reference-server.js --port 55100                      # v13, insecure
//   node compat/reference-server.js --port 55101 --version v12        # v12, insecure
//   node compat/reference-server.js --port 55102 --secure --pass s3cr # secure, _ADMIN/s3cr
//
// Prints one line "reference-server: happn-3 <version> listening on <host>:<port> ..." when
// it accepts connections. SIGTERM/SIGINT stop it with {reconnect:false}, so connected
// clients see server-side-disconnect and do not try to reconnect.

const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '55000' },
    version: { type: 'string', default: 'v13' },
    secure: { type: 'boolean', default: false },
    pass: { type: 'string', default: '' },
    name: { type: 'string', default: '' },
    'log-level': { type: 'string', default: 'warn' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(
    'usage: node reference-server.js --port N [--host 127.0.0.1] [--version v13|v12] ' +
      '[--secure --pass X] [--name NAME] [--log-level warn|error|info]'
  );
  process.exit(0);
}

const modules = { v13: 'happn-3', v12: 'happn-3-v12' };
if (!modules[args.version]) {
  console.error(`reference-server: unknown --version ${args.version} (want v13 or v12)`);
  process.exit(2);
}
const Happn = require(modules[args.version]);
const pkgVersion = require(`${modules[args.version]}/package.json`).version;

const port = Number(args.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error(`reference-server: bad --port ${args.port}`);
  process.exit(2);
}

// log4js level names: 'warning' throws at create time (WIRE-TRANSCRIPT "Surprises").
const config = {
  name: args.name || `compat-ref-${args.version}`,
  host: args.host,
  port,
  utils: { logLevel: args['log-level'] },
  services: {},
};
if (args.secure) {
  if (!args.pass) {
    console.error('reference-server: --secure needs --pass');
    process.exit(2);
  }
  config.secure = true;
  // The README's top-level adminUser is silently ignored by happn-3; this is the key that works.
  config.services.security = { config: { adminUser: { password: args.pass } } };
}

let server;
let stopping = false;

async function main() {
  server = await Happn.service.create(config);
  console.log(
    `reference-server: happn-3 ${pkgVersion} listening on ${args.host}:${port}` +
      (args.secure ? ' (secure)' : ' (insecure)')
  );
}

function stop() {
  if (stopping) return;
  stopping = true;
  const done = () => process.exit(0);
  setTimeout(done, 3000).unref();
  if (server) server.stop({ reconnect: false }).then(done, done);
  else done();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

main().catch((e) => {
  console.error('reference-server: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
