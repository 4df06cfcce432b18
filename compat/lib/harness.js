'use strict';
// The per-scenario context handed to each scenario's run(t): connected happn-3 clients of the
// scenario's client version, a private path prefix, event collectors and the assertions.
// Everything a scenario opens is tracked here so the runner can close it whatever happens.

const assert = require('./assert');

const CLIENT_MODULES = { v13: 'happn-3', v12: 'happn-3-v12' };

/** loadClientModule returns the happn-3 package for a client version key (v13, v12). */
function loadClientModule(version) {
  const name = CLIENT_MODULES[version];
  if (!name) throw new Error(`unknown client version ${version} (want ${Object.keys(CLIENT_MODULES).join(', ')})`);
  return require(name);
}

/** clientPackageVersion returns the npm version string of a client version key. */
function clientPackageVersion(version) {
  return require(`${CLIENT_MODULES[version]}/package.json`).version;
}

// The happn client logs through its Logger option; keep its chatter out of the report but
// remember warnings and errors so a scenario can look at them.
function quietLogger(sink) {
  const note = (level) => (msg, obj) => sink.push({ level, msg: String(msg), obj });
  const nop = () => {};
  return {
    createLogger: () => ({
      $$TRACE: nop,
      $$DEBUG: nop,
      trace: nop,
      debug: nop,
      info: nop,
      warn: note('warn'),
      error: note('error'),
      fatal: note('fatal'),
    }),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Collector records (data, meta) pairs delivered to its handler, in order, and lets a scenario
 * wait for a number of them.
 */
class Collector {
  constructor(label) {
    this.label = label || 'events';
    this.events = [];
    this.waiters = [];
    this.handler = (data, meta) => {
      this.events.push({ data, meta });
      this.waiters = this.waiters.filter((w) => {
        if (this.events.length < w.n) return true;
        w.resolve();
        return false;
      });
    };
  }

  get count() {
    return this.events.length;
  }

  /** data returns the payloads received so far. */
  data() {
    return this.events.map((e) => e.data);
  }

  /** metas returns the meta objects received so far. */
  metas() {
    return this.events.map((e) => e.meta);
  }

  /** wait resolves once n events have arrived, or fails after ms. */
  wait(n = 1, ms = 3000) {
    if (this.events.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { n, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new assert.AssertionFailure(`${this.label}: waited ${ms} ms for ${n} event(s), got ${this.events.length}: ${assert.show(this.data())}`));
      }, ms);
      w.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(w);
    });
  }

  /** quiet waits ms and fails if the count moved beyond expected (default: what it is now). */
  async quiet(ms = 300, expected = this.events.length) {
    await sleep(ms);
    if (this.events.length !== expected) {
      throw new assert.AssertionFailure(`${this.label}: expected ${expected} event(s), got ${this.events.length}: ${assert.show(this.data())}`);
    }
  }
}

/**
 * Context is what a scenario's run(t) receives. Fields: version (client key), Happn (the
 * client package), target, server (features), prefix; methods below.
 */
class Context {
  constructor({ version, target, server, host, port, credentials, prefix, callTimeout }) {
    this.version = version;
    this.clientVersion = clientPackageVersion(version);
    this.Happn = loadClientModule(version);
    this.target = target;
    this.server = server;
    this.host = host;
    this.port = port;
    this.credentials = credentials; // {username, password} in secure mode, else null
    this.secure = !!credentials;
    this.prefix = prefix;
    this.callTimeout = callTimeout;
    this.clients = [];
    this.logs = [];
    Object.assign(this, assert);
  }

  /** path joins segments under the scenario's private prefix: t.path('a','b') → <prefix>/a/b. */
  path(...segments) {
    return [this.prefix, ...segments].join('/');
  }

  /** clientOptions returns the options every client of this scenario is created with. */
  clientOptions(extra = {}) {
    const opts = {
      host: this.host,
      port: this.port,
      callTimeout: this.callTimeout,
      loginRetry: 1,
      Logger: quietLogger(this.logs),
      ...extra,
    };
    if (this.credentials && opts.username === undefined && opts.token === undefined) {
      opts.username = this.credentials.username;
      opts.password = this.credentials.password;
    }
    return opts;
  }

  /** client connects and logs in a new happn-3 client; the runner disconnects it afterwards. */
  async client(extra = {}) {
    const c = await this.Happn.client.create(this.clientOptions(extra));
    this.clients.push(c);
    return c;
  }

  /** track registers a client created by hand (e.g. a failed create's leftovers). */
  track(c) {
    if (c) this.clients.push(c);
    return c;
  }

  /** collector returns a new event Collector whose .handler can be given to on(). */
  collector(label) {
    return new Collector(label);
  }

  /** cb runs fn(callback) and resolves with the callback's arguments after the error: [a, b, …]. */
  cb(fn) {
    return new Promise((resolve, reject) => {
      fn((e, ...rest) => (e ? reject(e) : resolve(rest)));
    });
  }

  /**
   * origin returns the extra event meta a secure server adds for a publisher c:
   * {eventOrigin:{username, id}} (SPEC §3.1), or {} on an insecure server.
   */
  origin(c) {
    return this.secure ? { eventOrigin: { username: this.credentials.username, id: c.session.id } } : {};
  }

  /** metaKeys adds 'eventOrigin' to a list of event meta keys on a secure server. */
  metaKeys(keys) {
    return this.secure ? [...keys, 'eventOrigin'] : keys;
  }

  /** sleep waits ms. */
  sleep(ms) {
    return sleep(ms);
  }

  /** until polls cond every 10 ms until it is truthy, failing with label after ms. */
  async until(cond, label, ms = 3000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return;
      await sleep(10);
    }
    throw new assert.AssertionFailure(`${label}: condition not met within ${ms} ms`);
  }

  /**
   * rawFrames records every message the server sends on client c's socket (decoded JSON), so a
   * scenario can look at frames the client itself drops or reshapes.
   */
  rawFrames(c) {
    const frames = [];
    c.socket.on('data', (m) => frames.push(m));
    return frames;
  }

  /** closeAll disconnects every client this scenario created, each bounded by ms. */
  async closeAll(ms = 2000) {
    const clients = this.clients.splice(0);
    await Promise.all(
      clients.map((c) =>
        Promise.race([
          new Promise((resolve) => {
            try {
              c.disconnect(() => resolve());
            } catch (e) {
              resolve();
            }
          }),
          sleep(ms),
        ])
      )
    );
  }
}

module.exports = { Context, Collector, loadClientModule, clientPackageVersion, quietLogger, sleep };
