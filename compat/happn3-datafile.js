'use strict';
// happn3-datafile.js — makes a data file with a REAL happn-3 server (13.12.1: loki; 12.1.10:
// nedb), for the importer's tests (happn3file). It starts a persistent happn-3 server on
// --file, writes documents through a happn-3 client (sets, merges, primitives, increments,
// tags, removes, a wildcard remove), stops it, starts it again on the same file (13.x then
// writes a snapshot) and writes more, so the file holds both a snapshot and operations. With
// --secure it also creates users, groups, permissions, memberships and a lookup table through
// happn-3's own security service.
//
// With --serve the server keeps running after that (until SIGTERM), for the test of the import
// from a running server; the JSON then holds its "port".
//
// It prints one JSON object: what the server held at the end, read back through its data
// service — {"items": [{path, data, created, modified}], "users": [...], "groups": [...]}
// (items outside /_SYSTEM; users with the passwords given to them).
//
//   node compat/happn3-datafile.js --version v13 --file /tmp/h3.db [--secure] [--serve]

const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    version: { type: 'string', default: 'v13' },
    file: { type: 'string' },
    secure: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
  },
});
const modules = { v13: 'happn-3', v12: 'happn-3-v12' };
if (!modules[args.version] || !args.file) {
  console.error('usage: node happn3-datafile.js --version v13|v12 --file PATH [--secure]');
  process.exit(2);
}
const Happn = require(modules[args.version]);
const ADMIN_PASS = 'adminpw';

function config(port) {
  const c = {
    name: 'datafile',
    host: '127.0.0.1',
    port,
    utils: { logLevel: 'error' },
    services: { data: { config: { filename: args.file } } },
  };
  if (args.secure) {
    c.secure = true;
    c.services.security = { config: { adminUser: { password: ADMIN_PASS } } };
  }
  return c;
}

async function connect(port) {
  const opts = { config: { host: '127.0.0.1', port } };
  if (args.secure) Object.assign(opts.config, { username: '_ADMIN', password: ADMIN_PASS });
  return Happn.client.create(opts);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function firstRun(port) {
  const server = await Happn.service.create(config(port));
  const c = await connect(port);
  await c.set('/import/replaced', { a: 1, b: 'x' });
  await sleep(5); // distinct created and modified
  await c.set('/import/replaced', { a: 2 });
  await c.set('/import/merged', { x: 1, y: 2 });
  await c.set('/import/merged', { y: 3, z: 4 }, { merge: true });
  await c.set('/import/string', 'a string');
  await c.set('/import/array', [1, 'two', { three: 3 }]);
  await c.set('/import/nested', { deep: { er: [1, { est: true }] }, unicode: 'héllo ✓', n: 1.5e300 });
  await c.increment('/import/counter', 'hits', 5);
  await c.increment('/import/counter', 'hits', 2);
  await c.set('/import/tagged', { t: 1 });
  await c.set('/import/tagged', null, { tag: 'v1' }); // 12.x: a snapshot at /_TAGS/import/tagged/<id>
  for (let i = 0; i < 5; i++) await c.set('/import/gone/' + i, { i });
  await c.remove('/import/gone/1');
  await c.remove('/import/gone/3*');
  await c.set('/import/wild/a', { w: 1 });
  await c.set('/import/wild/b', { w: 2 });
  await c.remove('/import/wild/*');
  for (let i = 0; i < 50; i++) await c.set('/import/many/' + i, { i, even: i % 2 === 0 });
  if (args.secure) await secureSetup(server);
  await c.disconnect();
  await server.stop({ reconnect: false });
}

async function secureSetup(server) {
  const sec = server.services.security;
  const g1 = await sec.groups.upsertGroup({
    name: 'readers',
    custom_data: { note: 'read only' },
    permissions: {
      '/import/*': { actions: ['get', 'on'] },
      '/import/secret/*': { prohibit: ['get'] },
    },
  });
  const g2 = await sec.groups.upsertGroup({
    name: 'writers',
    permissions: { '/import/many/*': { actions: ['set', 'remove'] } },
  });
  const alice = await sec.users.upsertUser({ username: 'alice', password: 'alice-pw', custom_data: { dept: 'ops' } });
  const bob = await sec.users.upsertUser({ username: 'bob', password: 'bob-pw' });
  const gone = await sec.users.upsertUser({ username: 'gone', password: 'gone-pw' });
  await sec.groups.linkGroup(g1, alice);
  await sec.groups.linkGroup(g2, alice);
  await sec.groups.linkGroup(g1, bob);
  await sec.users.deleteUser(gone);
  if (sec.users.upsertPermissions) {
    const perms = { username: 'bob', permissions: { '/import/bob/*': { actions: ['*'] } } };
    await new Promise((resolve, reject) => sec.users.upsertPermissions(perms, (e) => (e ? reject(e) : resolve())));
  }
  if (sec.lookupTables) {
    await sec.lookupTables.upsertLookupTable({ name: 'devices', paths: ['device/1', 'device/2'] });
    await sec.lookupTables.upsertLookupPermission('readers', {
      regex: '^/lookup/(.*)$',
      actions: ['get'],
      table: 'devices',
      path: '/device/{{$1}}',
    });
  }
}

async function secondRun(port) {
  const server = await Happn.service.create(config(port));
  const c = await connect(port);
  await c.set('/import/after-restart', { r: true });
  // More writes than a loki file's snapshotRollOverThreshold (1,000), so that 13.x writes a
  // new snapshot mid-run; and more documents than a page of happn3file.Fetch.
  for (let i = 0; i < 1100; i++) await c.set('/import/bulk/' + i, { i });
  await c.set('/import/merged', { w: 5 }, { merge: true });
  await c.increment('/import/counter', 'hits', 1);
  await c.remove('/import/many/4*');
  if (args.version === 'v13') {
    // 13.x removes by criteria too; the loki file logs them with the remove.
    await c.set('/import/crit/1', { kill: true });
    await c.set('/import/crit/2', { kill: false });
    await c.remove('/import/crit/*', { criteria: { kill: true } });
  }
  // The probes write (when allowed) before the dump, so that it holds what they wrote.
  const probes = args.secure ? await probe(port) : undefined;
  const out = { version: args.version, items: await dump(server) };
  if (args.secure) Object.assign(out, await securityDump(server), { probes });
  await c.disconnect();
  if (args.serve) out.port = port; // left running until SIGTERM
  else await server.stop({ reconnect: false });
  return out;
}

function dump(server) {
  return new Promise((resolve, reject) => {
    server.services.data.get('/*', {}, (e, found) => {
      if (e) return reject(e);
      const list = (Array.isArray(found) ? found : [found]).filter(Boolean);
      resolve(
        list
          .filter((it) => !it._meta.path.startsWith('/_SYSTEM'))
          .map((it) => ({ path: it._meta.path, data: it.data, created: it._meta.created, modified: it._meta.modified }))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      );
    });
  });
}

async function securityDump(server) {
  const sec = server.services.security;
  const users = [];
  for (const [username, password] of [['alice', 'alice-pw'], ['bob', 'bob-pw'], ['_ADMIN', ADMIN_PASS]]) {
    const u = await sec.users.getUser(username);
    users.push({ username, password, custom_data: u.custom_data || {}, groups: Object.keys(u.groups || {}).sort() });
  }
  const groups = [];
  for (const name of ['readers', 'writers']) {
    const g = await sec.groups.getGroup(name);
    groups.push({ name, custom_data: g.custom_data || {}, permissions: g.permissions || {} });
  }
  const out = { users, groups };
  if (sec.users.upsertPermissions) out.userPermissions = { bob: (await sec.users.getUser('bob')).permissions || {} };
  if (sec.lookupTables) {
    out.lookupTables = [await sec.lookupTables.fetchLookupTable('devices')];
    out.lookupPermissions = { readers: await sec.lookupTables.fetchLookupPermissions('readers') };
  }
  return out;
}

// probe logs in as each user and records which requests happn-3 allows.
async function probe(port) {
  const requests = [
    ['get', '/import/merged'],
    ['get', '/import/secret/x'],
    ['set', '/import/many/1'],
    ['set', '/import/bob/x'],
    ['set', '/import/merged'],
    ['get', '/lookup/1'],
    ['get', '/lookup/3'],
    ['remove', '/import/many/2'],
  ];
  const out = [];
  for (const [username, password] of [['alice', 'alice-pw'], ['bob', 'bob-pw']]) {
    const c = await Happn.client.create({ config: { host: '127.0.0.1', port, username, password } });
    for (const [action, path] of requests) {
      let allowed = true;
      try {
        if (action === 'get') await c.get(path);
        else if (action === 'set') await c.set(path, { by: username });
        else await c.remove(path);
      } catch (e) {
        if (e.name !== 'AccessDenied') throw e;
        allowed = false;
      }
      out.push({ username, password, action, path, allowed });
    }
    await c.disconnect();
  }
  return out;
}

async function main() {
  const port = 56000 + Math.floor(Math.random() * 900);
  await firstRun(port);
  const out = await secondRun(port);
  // Exit only once the line is out: a write to a full pipe completes later.
  process.stdout.write(JSON.stringify(out) + '\n', () => {
    if (!args.serve) process.exit(0);
  });
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((e) => {
  console.error('happn3-datafile: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
