'use strict';
// proc.js — child servers for run.js: spawn one in its own process group, wait until it
// accepts TCP, stop it with SIGTERM (SIGKILL to the whole group if it hangs), and kill every
// group still alive when run.js exits for any reason.

const fs = require('fs');
const net = require('net');
const { spawn } = require('child_process');
const { performance } = require('perf_hooks');

const HOST = '127.0.0.1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Process groups not yet known to be gone. killAll runs on every way out of run.js.
const live = new Set();

function killAll() {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch (e) {
      /* already gone */
    }
  }
  live.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** freePort asks the kernel for a port nobody listens on. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** tryConnect resolves true if a TCP connection to port is accepted. */
function tryConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** rssMB reads a process's resident set size from /proc (0 if it is gone). */
function rssMB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch (e) {
    return 0;
  }
}

/**
 * Server is one spawned server process. t0 is performance.now() just before spawn, so every
 * "spawn → x" figure is measured from the same instant.
 */
class Server {
  constructor(label, command, args) {
    this.label = label;
    this.lines = []; // stdout+stderr lines, the last 50
    this.exitCode = undefined;
    this.t0 = performance.now();
    this.child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    if (this.pid) live.add(this.pid);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code === null ? signal : code;
        resolve(this.exitCode);
      });
      this.child.once('error', (e) => {
        this.lines.push(`spawn error: ${e.message}`);
        this.exitCode = 'spawn-error';
        resolve(this.exitCode);
      });
    });
    // A server that prints "ready {...}" (happn3-server.js) reports its own timings.
    this.readyInfo = null;
    let partial = '';
    const take = (chunk) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop();
      for (const l of parts) {
        if (l.startsWith('ready {')) {
          try {
            this.readyInfo = JSON.parse(l.slice(6));
          } catch (e) {
            /* not ours */
          }
        }
        this.lines.push(l);
        if (this.lines.length > 50) this.lines.shift();
      }
    };
    this.child.stdout.on('data', take);
    this.child.stderr.on('data', take);
  }

  /** since returns milliseconds from spawn to now. */
  since() {
    return performance.now() - this.t0;
  }

  /** waitTCP polls the port every pollMs until it accepts; returns ms since spawn. */
  async waitTCP(port, timeoutMs = 120000, pollMs = 5) {
    for (;;) {
      if (this.exitCode !== undefined) throw this.failure(`exited (${this.exitCode}) before listening`);
      if (await tryConnect(port)) return this.since();
      if (this.since() > timeoutMs) throw this.failure(`not listening after ${timeoutMs} ms`);
      await sleep(pollMs);
    }
  }

  /** stop sends SIGTERM to the group and waits for the exit; returns ms taken. */
  async stop(timeoutMs = 15000) {
    const t = performance.now();
    if (this.exitCode === undefined) {
      try {
        process.kill(-this.pid, 'SIGTERM');
      } catch (e) {
        /* gone */
      }
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(timeoutMs).then(() => true)]);
      if (timedOut) {
        this.kill();
        throw this.failure(`did not exit within ${timeoutMs} ms of SIGTERM (killed)`);
      }
    }
    // The group may still hold a grandchild; nothing of ours should outlive the leader.
    this.kill();
    if (this.exitCode !== 0 && this.exitCode !== 'SIGTERM') throw this.failure(`exit status ${this.exitCode} after SIGTERM`);
    return performance.now() - t;
  }

  /** kill SIGKILLs the whole group (no-op if it is gone). */
  kill() {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch (e) {
      /* gone */
    }
    live.delete(this.pid);
  }

  failure(what) {
    const tail = this.lines.slice(-15).join('\n');
    return new Error(`${this.label} (pid ${this.pid}) ${what}${tail ? `\n--- its output:\n${tail}` : ''}`);
  }
}

module.exports = { Server, freePort, rssMB, killAll, sleep, HOST };
