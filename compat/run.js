#!/usr/bin/env node
'use strict';
// run.js — the happn conformance suite: drives an already-running happn server with the REAL
// happn-3 node clients (13.12.1 and 12.1.10) and checks exactly what those clients return.
//
//   node compat/run.js --port 55000                                  # both clients, target happn3
//   node compat/run.js --port 55000 --target go                      # also the goOnly scenarios
//   node compat/run.js --port 55000 --clients v13 --only search      # a subset
//   node compat/run.js --port 55000 --secure --user _ADMIN --pass X  # secure server (+ secure/)
//
// One line per scenario and client version (PASS/FAIL/SKIP), then
// "compat: N passed, N failed, N skipped"; exit 0 only when nothing failed.
// Scenario files are scenarios/*.js (and scenarios/secure/*.js with --secure); see README.md.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { parseArgs } = require('node:util');
const { Context, loadClientModule, quietLogger, sleep } = require('./lib/harness');
const { features: serverFeatures } = require('./lib/features');

const USAGE = `usage: node compat/run.js --port N [--host 127.0.0.1] [--clients v13,v12]
       [--target happn3|go] [--secure --user _ADMIN --pass X] [--only SUBSTRING]
       [--timeout MS] [--json] [--list]`;

function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      clients: { type: 'string', default: 'v13,v12' },
      target: { type: 'string', default: 'happn3' },
      secure: { type: 'boolean', default: false },
      user: { type: 'string', default: '_ADMIN' },
      pass: { type: 'string', default: '' },
      only: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const opts = {
    host: values.host,
    port: Number(values.port),
    clients: values.clients.split(',').map((s) => s.trim()).filter(Boolean),
    target: values.target,
    secure: values.secure,
    credentials: values.secure ? { username: values.user, password: values.pass } : null,
    only: values.only.map((s) => s.toLowerCase()),
    timeout: Number(values.timeout),
    json: values.json,
    list: values.list,
  };
  const bad = (msg) => {
    console.error(`compat: ${msg}\n${USAGE}`);
    process.exit(2);
  };
  if (!opts.list && !(Number.isInteger(opts.port) && opts.port > 0)) bad('--port is required');
  if (!['happn3', 'go'].includes(opts.target)) bad(`unknown --target ${opts.target}`);
  for (const v of opts.clients) {
    try {
      loadClientModule(v);
    } catch (e) {
      bad(e.message);
    }
  }
  if (opts.secure && !opts.credentials.password) bad('--secure needs --pass');
  if (!(opts.timeout > 0)) bad('bad --timeout');
  return opts;
}

/** loadScenarios reads every scenario file of a folder; group = file name without .js. */
function loadScenarios(dir, groupPrefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.js')) continue;
    const group = groupPrefix + path.basename(file, '.js');
    const list = require(path.join(dir, file));
    if (!Array.isArray(list)) throw new Error(`${file} must export an array of scenarios`);
    list.forEach((s, i) => {
      if (!s.name || typeof s.run !== 'function') throw new Error(`${file}[${i}]: a scenario needs name and run`);
      out.push({ ...s, group, id: `${group}-${i}`, title: `${group}: ${s.name}` });
    });
  }
  return out;
}

/** serverVersion asks GET /version (happn-3 answers {"version":"13.12.1"}); null when absent. */
function serverVersion(host, port) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/version', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body).version || null);
        } catch (e) {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** skipReason says why a scenario does not run here, or returns null when it does. */
function skipReason(s, opts, server) {
  if (s.goOnly && opts.target !== 'go') return 'goOnly: a deliberate difference from happn-3 (run with --target go)';
  if (s.happn3Only && opts.target !== 'happn3') return 'happn3Only: documents a happn-3 bug the Go server fixes';
  if (s.mode === 'insecure' && opts.secure) return 'insecure servers only';
  if (s.mode === 'secure' && !opts.secure) return 'secure servers only';
  for (const f of s.needs || []) {
    if (!server.features.has(f)) return `server lacks feature "${f}" (${server.describe})`;
  }
  return null;
}

function withTimeout(promise, ms, label) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function oneLine(e) {
  if (!e) return 'unknown error';
  const msg = e.name === 'AssertionFailure' ? e.message : `${e.name || 'Error'}: ${e.message || e}`;
  return msg.replace(/\s+/g, ' ').slice(0, 2000);
}

async function main() {
  const opts = parseCli(process.argv.slice(2));
  const dir = path.join(__dirname, 'scenarios');
  let scenarios = loadScenarios(dir);
  if (opts.secure) scenarios = scenarios.concat(loadScenarios(path.join(dir, 'secure'), 'secure/'));
  if (opts.only.length) {
    scenarios = scenarios.filter((s) => opts.only.some((o) => s.title.toLowerCase().includes(o)));
  }
  if (opts.list) {
    for (const s of scenarios) {
      const tags = [s.clients && `clients=${s.clients}`, s.needs && `needs=${s.needs}`, s.goOnly && 'goOnly', s.happn3Only && 'happn3Only']
        .filter(Boolean)
        .join(' ');
      console.log(`${s.title}${tags ? `  [${tags}]` : ''}`);
    }
    return 0;
  }

  const reported = await serverVersion(opts.host, opts.port);
  const server = serverFeatures(opts.target, reported);

  // The janitor removes each scenario's prefix afterwards, so runs never see old data.
  const janitorLogs = [];
  let janitor;
  try {
    const Happn = loadClientModule(opts.clients[0]);
    const jopts = { host: opts.host, port: opts.port, loginRetry: 1, callTimeout: 5000, Logger: quietLogger(janitorLogs) };
    if (opts.credentials) Object.assign(jopts, opts.credentials);
    janitor = await withTimeout(Happn.client.create(jopts), 10000, 'connect');
  } catch (e) {
    console.error(`compat: cannot log in to ${opts.host}:${opts.port}: ${oneLine(e)}`);
    return 2;
  }

  const runId = Math.random().toString(36).slice(2, 8);
  const results = [];
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const say = (line) => {
    if (!opts.json) console.log(line);
  };
  if (!opts.json) {
    console.log(`compat: target ${opts.target}, server ${server.describe}, clients ${opts.clients.join(',')}, ${opts.secure ? 'secure as ' + opts.credentials.username : 'insecure'}, run ${runId}`);
  }

  for (const s of scenarios) {
    for (const version of opts.clients) {
      if (s.clients && !s.clients.includes(version)) continue; // not applicable to this client
      const result = { status: 'PASS', version, group: s.group, name: s.name, title: s.title, ms: 0, detail: '' };
      const reason = skipReason(s, opts, server);
      if (reason) {
        result.status = 'SKIP';
        result.detail = reason;
      } else {
        const prefix = `/compat/${runId}/${s.id}/${version}`;
        const t = new Context({
          version,
          target: opts.target,
          server,
          host: opts.host,
          port: opts.port,
          credentials: opts.credentials,
          prefix,
          callTimeout: Math.min(8000, opts.timeout),
        });
        const started = Date.now();
        try {
          await withTimeout(Promise.resolve().then(() => s.run(t)), s.timeout || opts.timeout, 'scenario');
        } catch (e) {
          result.status = 'FAIL';
          result.detail = oneLine(e);
        }
        result.ms = Date.now() - started;
        await t.closeAll();
        await cleanup(janitor, prefix);
      }
      counts[{ PASS: 'passed', FAIL: 'failed', SKIP: 'skipped' }[result.status]]++;
      results.push(result);
      const detail = result.detail ? ` — ${result.detail}` : '';
      const ms = result.status === 'SKIP' ? '' : ` (${result.ms} ms)`;
      say(`${result.status} ${version} ${s.title}${ms}${detail}`);
    }
  }

  await new Promise((resolve) => janitor.disconnect(() => resolve()));
  const summary = `compat: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  if (opts.json) {
    console.log(JSON.stringify({ target: opts.target, server: server.describe, clients: opts.clients, runId, ...counts, results }, null, 1));
  }
  console.log(summary);
  return counts.failed === 0 ? 0 : 1;
}

async function cleanup(janitor, prefix) {
  for (const p of [`${prefix}/*`, `/_TAGS${prefix}/*`]) {
    try {
      await withTimeout(janitor.remove(p), 5000, 'cleanup');
    } catch (e) {
      // A failed cleanup cannot affect other scenarios (prefixes are unique); say so and go on.
      console.error(`compat: cleanup of ${p} failed: ${oneLine(e)}`);
    }
  }
}

// A scenario abandoned at its timeout may still settle later; that must not kill the run.
process.on('unhandledRejection', () => {});

main().then(
  async (code) => {
    await sleep(50);
    process.exit(code);
  },
  (e) => {
    console.error(`compat: ${e && e.stack ? e.stack : e}`);
    process.exit(2);
  }
);
