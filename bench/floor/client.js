'use strict';
// client.js — drives a floor server one request at a time and prints how many it made.
//   echo: send a request, wait for its response.
//   conc: as echo, with 100 requests in flight (as h2h's conc-set).
//   fan: 100 subscriber sockets; send a request, wait for its ack and for every subscriber's
//        event (as h2h's fanout:paced).
//
//   node bench/floor/client.js --port 56500 --mode echo --seconds 5
const net = require('net');
const { parseArgs } = require('node:util');
const { values: opt } = parseArgs({ options: { port: { type: 'string' }, mode: { type: 'string', default: 'echo' }, seconds: { type: 'string', default: '5' } } });
const port = +opt.port;
const request = Buffer.alloc(120, 'q');
const end = Date.now() + +opt.seconds * 1000;

function connect(first) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.setNoDelay(true);
      if (first) s.write(first);
      resolve(s);
    });
    s.on('error', reject);
  });
}

// counted calls back once per size bytes read from s.
function counted(s, size, back) {
  let got = 0;
  s.on('data', (d) => {
    for (got += d.length; got >= size; got -= size) back();
  });
}

(async () => {
  let ops = 0;
  const done = () => {
    console.log(JSON.stringify({ ops }));
    process.exit(0);
  };
  if (opt.mode === 'echo' || opt.mode === 'conc') {
    // conc keeps 100 requests in flight, each written on its own as the happn-3 client does.
    const inflight = opt.mode === 'conc' ? 100 : 1;
    const s = await connect();
    let open = inflight;
    counted(s, 200, () => {
      ops++;
      if (Date.now() < end) s.write(request);
      else if (--open === 0) done();
    });
    for (let i = 0; i < inflight; i++) s.write(request);
    return;
  }
  const subs = [];
  for (let i = 0; i < 100; i++) subs.push(await connect('S'));
  await new Promise((r) => setTimeout(r, 200));
  const pub = await connect('P');
  let remaining = 0;
  let acked = false;
  const send = () => {
    remaining = subs.length;
    acked = false;
    pub.write(request);
  };
  const settle = () => {
    if (remaining > 0 || !acked) return;
    ops++;
    if (Date.now() < end) send();
    else done();
  };
  counted(pub, 100, () => {
    acked = true;
    settle();
  });
  for (const s of subs) counted(s, 200, () => {
    remaining--;
    settle();
  });
  send();
})();
