'use strict';
// report.js — medians (min–max) of run.js's measurements, and the markdown table.

function stats(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

// The rows of the table: [key, label, how to read one value from the result for a server].
const ROWS = [
  ['ready', 'restart: spawn → ready (TCP + client login + get(last item)), ms', (r, l) => r.restart[l].map((m) => m.ready)],
  ['tcp', 'restart: spawn → TCP accepts, ms', (r, l) => r.restart[l].map((m) => m.tcp)],
  ['login', 'restart: spawn → happn-3 client logged in, ms', (r, l) => r.restart[l].map((m) => m.login)],
  ['count', "count('/restart/*') right after ready (= N), ms", (r, l) => r.restart[l].map((m) => m.countMs)],
  ['rss', 'server RSS after the restart + count, MB', (r, l) => r.restart[l].map((m) => m.rssMB)],
  ['stop', 'stop: SIGTERM → exit, ms', (r, l) => r.restart[l].map((m) => m.stop)],
  ['emptyReady', 'empty file: spawn → ready, ms', (r, l) => r.empty[l].map((m) => m.ready)],
  ['emptyTcp', 'empty file: spawn → TCP accepts, ms', (r, l) => r.empty[l].map((m) => m.tcp)],
  ['h3Boot', "happn-3's own clock: node boot until the script runs, ms", (r, l) => r.restart[l].map((m) => m.self && m.self.start)],
  ['h3Require', "happn-3's own clock: require('happn-3'), ms", (r, l) => r.restart[l].map((m) => m.self && m.self.require)],
  ['h3Create', "happn-3's own clock: service.create() (loads the file), ms", (r, l) => r.restart[l].map((m) => m.self && m.self.create)],
  ['h3CreateEmpty', "happn-3's own clock: service.create() on an empty file, ms", (r, l) => r.empty[l].map((m) => m.self && m.self.create)],
  ['fileBytes', 'data file size after seeding, bytes', (r, l) => [r.seed[l].fileBytes]],
  ['seedRate', 'seeding rate (100 in flight, noPublish), sets/s', (r, l) => [r.seed[l].seedSetsPerSec]],
];

/** summarize returns {server: {row: stats}} plus the derived load cost and the ratio. */
function summarize(result, labels) {
  const out = {};
  for (const l of labels) {
    out[l] = {};
    for (const [key, , pick] of ROWS) {
      const s = stats(pick(result, l));
      if (s) out[l][key] = s;
    }
    if (out[l].ready && out[l].emptyReady) out[l].loadMs = out[l].ready.median - out[l].emptyReady.median;
  }
  if (out.go && out['happn-3']) {
    const ratio = out.go.ready.median / out['happn-3'].ready.median;
    out.ratio = { readyGoOverHappn3: ratio, target: 1 / 3, withinTarget: ratio <= 1 / 3 };
    out.ratio.loadGoOverHappn3 = out.go.loadMs / out['happn-3'].loadMs;
  }
  return out;
}

function fmt(x) {
  if (x >= 100000) return Math.round(x).toLocaleString('en-US');
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const cell = (s) => (s ? (s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`) : '–');

/** markdown renders the summary as the table README.md describes. */
function markdown(result, labels) {
  const sum = result.summary;
  const both = labels.length === 2;
  const lines = [];
  lines.push(
    `Restart with ${result.items.toLocaleString('en-US')} persisted items {a:1,b:'x'}, ${result.rounds} rounds, ` +
      `median (min–max); happn-3 ${result.happn3.version} (loki file, fsync:false) vs Go (buntdb file); ` +
      `${result.machine.nproc} CPUs, node ${result.machine.node}, ${result.date.slice(0, 16)}Z`
  );
  lines.push('');
  lines.push(`| measure | ${labels.join(' | ')} |${both ? ' go / happn-3 |' : ''}`);
  lines.push(`|---|${labels.map(() => '---|').join('')}${both ? '---|' : ''}`);
  for (const [key, label] of ROWS) {
    if (!labels.some((l) => sum[l][key])) continue;
    const cells = labels.map((l) => cell(sum[l][key]));
    let ratio = '';
    if (both) {
      const a = sum.go[key];
      const b = sum['happn-3'][key];
      ratio = a && b && b.median ? ` ${(a.median / b.median).toFixed(3)} |` : ' – |';
    }
    lines.push(`| ${label} | ${cells.join(' | ')} |${ratio}`);
  }
  if (labels.every((l) => sum[l].loadMs !== undefined)) {
    const cells = labels.map((l) => fmt(sum[l].loadMs));
    const ratio = both ? ` ${sum.ratio.loadGoOverHappn3.toFixed(3)} |` : '';
    lines.push(`| ≈ loading the data: restart ready − empty ready (medians), ms | ${cells.join(' | ')} |${ratio}`);
  }
  if (both) {
    const r = sum.ratio;
    lines.push('');
    lines.push(
      `Target: Go restart ≤ 1/3 of happn-3's (spawn → ready, medians): go/happn-3 = ${r.readyGoOverHappn3.toFixed(3)} ` +
        `→ ${r.withinTarget ? 'within target' : 'NOT within target'}.`
    );
  }
  return lines.join('\n');
}

module.exports = { stats, summarize, markdown };
