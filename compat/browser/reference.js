'use strict';
// reference.js — real happn-3 servers, in this process, for `run.js --reference`.
//
// In-process (rather than compat/reference-server.js child processes) because the harness needs
// the server API: to create a user with an RSA public key for digest login, to restart a server
// with {reconnect:true} so clients reconnect, and to shorten the heartbeat interval so the
// ping/pong test takes seconds instead of half a minute.

const crypto = require('node:crypto');
const net = require('node:net');

const PING_INTERVAL = 1500; // ms; happn-3's default is 30000

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Which happn-3 to run: 'v13' (13.12.1, package happn-3) or 'v12' (12.1.10, package happn-3-v12).
let pkg = 'happn-3';
function useVersion(version) {
  const pkgs = { v13: 'happn-3', v12: 'happn-3-v12' };
  if (!pkgs[version]) throw new Error(`unknown happn-3 version ${version} (want v13 or v12)`);
  pkg = pkgs[version];
  return require(`${pkg}/package.json`).version;
}

function happn() {
  return require(pkg);
}

function baseConfig(name, port) {
  return {
    name,
    host: '127.0.0.1',
    port,
    utils: { logLevel: 'error' },
    services: { session: { config: { primusOpts: { pingInterval: PING_INTERVAL } } } },
  };
}

// startInsecure starts (or, given the same port, restarts) an insecure happn-3 server.
async function startInsecure(port) {
  port = port || (await freePort());
  const server = await happn().service.create(baseConfig('browser-harness-insecure', port));
  return { server, port, url: `http://127.0.0.1:${port}` };
}

// startSecure starts a secure happn-3 server with _ADMIN/<password> and a digest-login user whose
// key pair (PEM PKCS#1, as happn-util-crypto makes them) is returned for the browser to sign with.
async function startSecure(password) {
  const port = await freePort();
  const config = baseConfig('browser-harness-secure', port);
  config.secure = true;
  // The README's top-level adminUser is ignored by happn-3; this is the key that works.
  config.services.security = { config: { adminUser: { password } } };
  const server = await happn().service.create(config);

  const keys = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { format: 'pem', type: 'pkcs1' },
    privateKeyEncoding: { format: 'pem', type: 'pkcs1' },
  });
  const digestUser = 'digest-user';
  await server.services.security.users.upsertUser({ username: digestUser, publicKey: keys.publicKey });
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    digest: { username: digestUser, publicKey: keys.publicKey, privateKey: keys.privateKey },
  };
}

// addLimitedUser creates a user in a group that may only get/set/on under pathPattern.
async function addLimitedUser(server, { username, password, group, pathPattern }) {
  const security = server.services.security;
  const g = await security.groups.upsertGroup({
    name: group,
    permissions: { [pathPattern]: { actions: ['get', 'set', 'on'] } },
  });
  const u = await security.users.upsertUser({ username, password });
  await security.groups.linkGroup(g, u);
}

// removePermission takes one action away from a group, which makes happn-3 send
// security-data-changed to the group's sessions and drop their now-forbidden subscriptions.
function removePermission(server, group, pathPattern, action) {
  return server.services.security.groups.removePermission(group, pathPattern, action);
}

function stop(server, reconnect) {
  return new Promise((resolve) => server.stop({ reconnect: !!reconnect }, () => resolve()));
}

module.exports = { useVersion, startInsecure, startSecure, addLimitedUser, removePermission, stop, freePort, PING_INTERVAL };
