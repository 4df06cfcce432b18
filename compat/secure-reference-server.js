'use strict';
// secure-reference-server.js — a REAL secure happn-3 server (13.12.1, or 12.1.10 with
// --version v12) provisioned with the users, groups and profiles of secure-fixture.json, the
// same file the Go server reads as its config (go run ./cmd/happn -config
// compat/secure-fixture.json -admin-password X). The secure-* scenarios need that fixture.
//
//   node compat/secure-reference-server.js --port 55102 --pass s3cr3t [--version v12]
//   node compat/run.js --port 55102 --secure --pass s3cr3t --only secure-
//
// Prints one "listening" line when ready; SIGTERM/SIGINT stop it with {reconnect:false}.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '55000' },
    version: { type: 'string', default: 'v13' },
    pass: { type: 'string', default: '' },
    fixture: { type: 'string', default: path.join(__dirname, 'secure-fixture.json') },
  },
});

const modules = { v13: 'happn-3', v12: 'happn-3-v12' };
if (!modules[args.version] || !args.pass) {
  console.error('usage: node secure-reference-server.js --port N --pass X [--version v13|v12] [--fixture F]');
  process.exit(2);
}
const Happn = require(modules[args.version]);
const pkgVersion = require(`${modules[args.version]}/package.json`).version;
const fixture = JSON.parse(fs.readFileSync(args.fixture, 'utf8'));

let server;
let stopping = false;

async function main() {
  server = await Happn.service.create({
    name: `compat-secure-ref-${args.version}`,
    host: args.host,
    port: Number(args.port),
    secure: true,
    utils: { logLevel: 'warn' },
    services: {
      security: {
        config: {
          adminUser: { password: args.pass },
          // happn-3 reads profile durations itself ("2 seconds").
          profiles: fixture.profiles || [],
        },
      },
    },
  });
  const security = server.services.security;
  const groups = {};
  for (const g of fixture.groups || []) {
    groups[g.name] = await security.groups.upsertGroup({ name: g.name, permissions: g.permissions || {}, custom_data: g.custom_data });
  }
  for (const u of fixture.users || []) {
    const user = { username: u.username, custom_data: u.custom_data || {} };
    if (u.password) user.password = u.password;
    if (u.publicKey) user.publicKey = u.publicKey;
    const created = await security.users.upsertUser(user);
    for (const g of u.groups || []) await security.groups.linkGroup(groups[g], created);
  }
  console.log(`secure-reference-server: happn-3 ${pkgVersion} listening on ${args.host}:${args.port} (secure, fixture ${path.basename(args.fixture)})`);
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
  console.error('secure-reference-server: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
