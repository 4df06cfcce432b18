#!/usr/bin/env node
'use strict';
// run.js — restart time with N persisted items: the Go server (buntdb file) against the real
// happn-3 (loki file, fsync:false), side by side on this machine. See README.md.
//
//   go build -o /tmp/happn-go ./cmd/happn
//   node bench/restart/run.js --items 100000 --rounds 5 --go-bin /tmp/happn-go
//
// For each server: seed N items {a:1,b:'x'} at /restart/<i> into a fresh file (100 sets in
// flight, noPublish), stop it; then R rounds, interleaved (happn-3, go | go, happn-3 | …), each
// spawning the server on that file and timing spawn → TCP accepts → a happn-3 client has
// logged in and get('/restart/<N-1>') returned the item ("ready"), then count('/restart/*')
// must be N. Each round also starts both servers on an empty file, so that "restart − empty"
// is the cost of loading the data. Prints a markdown table and the JSON of every measurement.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('node:util');
const { performance } = require('perf_hooks');
const { Server, freePort, rssMB, killAll, HOST } = require('./proc');
const { summarize, markdown } = require('./report');

const { values: opt } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '100' },
    'go-bin': { type: 'string', default: '/tmp/happn-go' },
    'go-cpuprofile': { type: 'string', default: '' },
    modules: { type: 'string', default: path.join(__dirname, '..', '..', 'compat', 'node_modules') },
    only: { type: 'string', default: '' },
    dir: { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    json: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(`usage: node bench/restart/run.js [--items 100000] [--rounds 5] [--go-bin /tmp/happn-go]
  --inflight N         sets in flight while seeding (100)
  --go-cpuprofile DIR  pass -cpuprofile DIR/go-restart-<round>.pprof to the Go server on restarts
  --modules DIR        node_modules holding happn-3 (compat/node_modules)
  --only go|happn-3    measure one server only (no ratio)
  --dir DIR            where the data files go (a new temp dir, removed unless --keep)
  --json FILE          also write the JSON to FILE`);
  process.exit(0);
}

const N = Number(opt.items);
const ROUNDS = Number(opt.rounds);
const INFLIGHT = Number(opt.inflight);
if (!(N > 0) || !(ROUNDS > 0) || !(INFLIGHT > 0)) {
  console.error('run.js: --items, --rounds and --inflight must be positive numbers');
  process.exit(2);
}

const Happn = require(path.join(opt.modules, 'happn-3'));
const happnVersion = require(path.join(opt.modules, 'happn-3', 'package.json')).version;

// How each server is started on a data file. The happn-3 child prints its own timings.
const SERVERS = {
  'happn-3': (port, file) => [
    process.execPath,
    [path.join(__dirname, 'happn3-server.js'), '--port', String(port), '--file', file, '--modules', opt.modules],
  ],
  go: (port, file, extra = []) => [
    opt['go-bin'],
    ['-addr', `${HOST}:${port}`, '-data', file, '-log-level', 'warn', ...extra],
  ],
};
const labels = opt.only ? [opt.only] : ['happn-3', 'go'];
for (const l of labels) if (!SERVERS[l]) throw new Error(`--only: unknown server ${l}`);
if (labels.includes('go') && !fs.existsSync(opt['go-bin'])) {
  console.error(`run.js: no Go binary at ${opt['go-bin']} (go build -o ${opt['go-bin']} ./cmd/happn)`);
  process.exit(2);
}

const PAYLOAD = { a: 1, b: 'x' };
const itemPath = (i) => `/restart/${i}`;
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

// The happn-3 client logs at info; keep warnings and errors only.
const quiet = {
  createLogger: () => {
    const nop = () => {};
    const say = (msg) => log('client:', String(msg));
    return { $$TRACE: nop, $$DEBUG: nop, trace: nop, debug: nop, info: nop, warn: say, error: say, fatal: say };
  },
};

function withTimeout(p, ms, what) {
  let to;
  return Promise.race([
    p,
    new Promise((_, rej) => (to = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(to));
}

function connect(port) {
  return withTimeout(Happn.client.create({ host: HOST, port, Logger: quiet, callTimeout: 120000 }), 60000, 'client.create');
}

const fileSize = (f) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

/**
 * start spawns a server on file and waits until it is ready: TCP accepts, a happn-3 client
 * has logged in and get(probe) has answered. It returns the server, the client and timings.
 */
async function start(label, file, probe, extra) {
  const port = await freePort();
  const [cmd, args] = SERVERS[label](port, file, extra);
  const srv = new Server(label, cmd, args);
  try {
    const tcp = await srv.waitTCP(port);
    const client = await connect(port);
    const login = srv.since();
    const item = await client.get(probe);
    const ready = srv.since();
    return { srv, client, port, item, t: { tcp, login, ready } };
  } catch (e) {
    srv.kill();
    throw e;
  }
}

async function finish(run) {
  try {
    await withTimeout(run.client.disconnect(), 10000, 'client.disconnect');
  } catch (e) {
    log(`${run.srv.label}: disconnect: ${e.message}`);
  }
  return run.srv.stop();
}

/** seed fills a fresh file with N items through the server and stops it cleanly. */
async function seed(label, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, label === 'go' ? 'happn.buntdb' : 'happn.loki');
  const run = await start(label, file, itemPath(0));
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < N) {
      const i = next++;
      await run.client.set(itemPath(i), PAYLOAD, { noPublish: true });
    }
  };
  try {
    await Promise.all(Array.from({ length: INFLIGHT }, worker));
  } catch (e) {
    run.srv.kill();
    throw e;
  }
  const secs = (performance.now() - t0) / 1000;
  await finish(run);
  const size = fileSize(file);
  log(`${label}: seeded ${N} items in ${secs.toFixed(1)} s (${Math.round(N / secs)} sets/s), file ${size} bytes`);
  return { file, seedSetsPerSec: N / secs, seedSeconds: secs, fileBytes: size, files: fs.readdirSync(dir) };
}

/** restart starts the server on its seeded file and checks everything came back. */
async function restart(label, file, round) {
  const sizeBefore = fileSize(file);
  const extra =
    label === 'go' && opt['go-cpuprofile'] ? ['-cpuprofile', path.join(opt['go-cpuprofile'], `go-restart-${round}.pprof`)] : [];
  const run = await start(label, file, itemPath(N - 1), extra);
  try {
    if (!run.item || run.item.a !== 1 || run.item.b !== 'x') {
      throw new Error(`${label}: get(${itemPath(N - 1)}) after restart returned ${JSON.stringify(run.item)}`);
    }
    const tc = performance.now();
    const count = await run.client.count('/restart/*');
    const countMs = performance.now() - tc;
    const n = count && typeof count === 'object' ? count.value : count;
    if (n !== N) throw new Error(`${label}: count('/restart/*') after restart = ${JSON.stringify(count)}, want ${N}`);
    const rss = rssMB(run.srv.pid);
    const stop = await finish(run);
    return { ...run.t, countMs, rssMB: rss, stop, fileBytes: sizeBefore, self: run.srv.readyInfo };
  } catch (e) {
    run.srv.kill();
    throw e;
  }
}

/** empty starts the server on a file that does not exist yet: the cost without data. */
async function empty(label, dir, round) {
  const d = path.join(dir, `empty-${label}-${round}`);
  fs.mkdirSync(d, { recursive: true });
  const run = await start(label, path.join(d, 'happn.db'), itemPath(N - 1));
  if (run.item) {
    run.srv.kill();
    throw new Error(`${label}: empty server returned an item`);
  }
  const stop = await finish(run);
  fs.rmSync(d, { recursive: true, force: true });
  return { ...run.t, stop, self: run.srv.readyInfo };
}

async function main() {
  const base = opt.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'happn-restart-'));
  const removeBase = () => {
    if (!opt.keep && !opt.dir) fs.rmSync(base, { recursive: true, force: true });
  };
  // Also on a signal: proc.js kills the servers first (its exit handler was registered first).
  process.on('exit', removeBase);
  const result = {
    bench: 'restart with persisted items',
    date: new Date().toISOString(),
    machine: { nproc: os.cpus().length, cpu: os.cpus()[0] && os.cpus()[0].model, node: process.version, loadavg: os.loadavg() },
    happn3: { version: happnVersion, persistence: 'loki file, fsync:false' },
    go: { bin: opt['go-bin'], persistence: 'buntdb file (default)' },
    items: N,
    rounds: ROUNDS,
    inflight: INFLIGHT,
    order: [],
    seed: {},
    restart: Object.fromEntries(labels.map((l) => [l, []])),
    empty: Object.fromEntries(labels.map((l) => [l, []])),
  };
  try {
    for (const l of labels) result.seed[l] = await seed(l, path.join(base, l));
    for (let r = 0; r < ROUNDS; r++) {
      // ABBA: each server goes first in half of the rounds.
      const order = r % 2 === 0 ? labels : [...labels].reverse();
      result.order.push(order);
      for (const l of order) {
        const m = await restart(l, result.seed[l].file, r);
        result.restart[l].push(m);
        log(`round ${r + 1}/${ROUNDS} ${l}: tcp ${m.tcp.toFixed(0)} ms, ready ${m.ready.toFixed(0)} ms, count ${m.countMs.toFixed(0)} ms`);
      }
      for (const l of order) result.empty[l].push(await empty(l, base, r));
    }
  } finally {
    killAll();
    removeBase();
    if (opt.keep || opt.dir) log(`data kept in ${base}`);
  }
  result.summary = summarize(result, labels);
  console.log(markdown(result, labels));
  console.log('\n```json\n' + JSON.stringify(result, null, 1) + '\n```');
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify(result, null, 1) + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error('run.js:', e && (e.stack || e.message));
    killAll();
    process.exit(1);
  }
);
