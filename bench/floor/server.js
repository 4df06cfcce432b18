'use strict';
// server.js — the floor server of server.go in node (the runtime happn-3 runs on).
//
//   node bench/floor/server.js --port 56501 --mode echo     # or fan
const net = require('net');
const { parseArgs } = require('node:util');
const { values: opt } = parseArgs({ options: { port: { type: 'string', default: '56501' }, mode: { type: 'string', default: 'echo' } } });
const REQUEST = 120;
const response = Buffer.alloc(200, 'r');
const event = Buffer.alloc(200, 'e');
const ack = Buffer.alloc(100, 'a');
const subs = [];

net.createServer((c) => {
  c.setNoDelay(true);
  let pending = 0;
  let role = opt.mode === 'fan' ? null : 'P';
  c.on('data', (d) => {
    if (role === null) {
      role = String.fromCharCode(d[0]);
      d = d.subarray(1);
      if (role === 'S') return subs.push(c);
    }
    for (pending += d.length; pending >= REQUEST; pending -= REQUEST) {
      if (opt.mode === 'fan') {
        for (const s of subs) s.write(event);
        c.write(ack);
      } else {
        c.write(response);
      }
    }
  });
  c.on('error', () => {});
}).listen(+opt.port, '127.0.0.1');
