// Primus, as happn-3's browser client uses it: served by happn for Go at
// /browser_primus.js (and /primus/primus.js), so that pages written for
// happn-3 — its browser client fetches <server>/browser_primus.js when the
// page has not loaded Primus itself — work against this server unchanged.
//
// It is not the Primus library: it is the part of its client API and wire
// protocol that happn-3's client relies on, over the browser's WebSocket:
//   new Primus(url, {manual, pathname, timeout, pingTimeout, strategy, reconnect: {retries, min, max}})
//   .open() .write(data) .end() .destroy() .on/.once/.off/.removeListener/.emit, .readyState
//   events: open, data, error, timeout, close, end, reconnect scheduled, reconnect,
//           reconnected, reconnect timeout, reconnect failed
// Messages are JSON text frames; the server's "primus::ping::<ms>" is answered with
// "primus::pong::<ms>"; "primus::server::close" ends the connection for good.
(function (root) {
  'use strict';

  var OPENING = 1;
  var CLOSED = 2;
  var OPEN = 3;

  function Primus(url, options) {
    if (!(this instanceof Primus)) return new Primus(url, options);
    options = options || {};
    var reconnect = options.reconnect || {};
    this.url = url;
    this.options = options;
    this.readyState = CLOSED;
    this.listeners = {};
    this.buffer = [];
    this.ws = null;
    this.ended = false;
    this.attempt = 0;
    this.retries = reconnect.retries == null ? 10 : reconnect.retries;
    this.minDelay = reconnect.min == null ? 500 : reconnect.min;
    this.maxDelay = reconnect.max == null ? Infinity : reconnect.max;
    this.factor = reconnect.factor == null ? 2 : reconnect.factor;
    this.connectTimeout = options.timeout == null ? 10000 : options.timeout;
    this.pingTimeout = options.pingTimeout == null ? 45000 : options.pingTimeout;
    var strategy = options.strategy === false ? '' : String(options.strategy || 'disconnect,online,timeout');
    this.reconnectOnDisconnect = strategy.indexOf('disconnect') !== -1;
    this.reconnectOnTimeout = strategy.indexOf('timeout') !== -1;
    this.timers = {};
    if (!options.manual) {
      var self = this;
      setTimeout(function () {
        self.open();
      }, 0);
    }
  }

  Primus.OPENING = OPENING;
  Primus.CLOSED = CLOSED;
  Primus.OPEN = OPEN;

  // Event emitter.
  Primus.prototype.on = function (event, fn) {
    (this.listeners[event] = this.listeners[event] || []).push({ fn: fn, once: false });
    return this;
  };
  Primus.prototype.addListener = Primus.prototype.on;
  Primus.prototype.once = function (event, fn) {
    (this.listeners[event] = this.listeners[event] || []).push({ fn: fn, once: true });
    return this;
  };
  Primus.prototype.removeListener = function (event, fn) {
    if (!this.listeners[event]) return this;
    this.listeners[event] = fn
      ? this.listeners[event].filter(function (l) {
          return l.fn !== fn;
        })
      : [];
    return this;
  };
  Primus.prototype.off = Primus.prototype.removeListener;
  Primus.prototype.removeAllListeners = function (event) {
    if (event) delete this.listeners[event];
    else this.listeners = {};
    return this;
  };
  Primus.prototype.emit = function (event) {
    var list = this.listeners[event];
    if (!list || !list.length) return false;
    var args = Array.prototype.slice.call(arguments, 1);
    this.listeners[event] = list.filter(function (l) {
      return !l.once;
    });
    for (var i = 0; i < list.length; i++) list[i].fn.apply(this, args);
    return true;
  };

  Primus.prototype.clearTimer = function (name) {
    if (this.timers[name]) clearTimeout(this.timers[name]);
    delete this.timers[name];
  };

  // socketURL turns the server's http(s) URL into its websocket URL: the
  // same host, at options.pathname (default /primus), as Primus does.
  Primus.prototype.socketURL = function () {
    var u = new URL(this.url, root.location ? root.location.href : undefined);
    u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
    u.pathname = this.options.pathname || '/primus';
    u.searchParams.set('_primuscb', Date.now() + '-' + this.attempt);
    return u.toString();
  };

  Primus.prototype.open = function () {
    if (this.readyState !== CLOSED) return this;
    var self = this;
    var reconnecting = this.attempt > 0;
    var ws;
    this.ended = false;
    this.readyState = OPENING;
    try {
      ws = new root.WebSocket(this.socketURL());
    } catch (e) {
      this.readyState = CLOSED;
      this.emit('error', e);
      return this;
    }
    this.ws = ws;
    this.clearTimer('connect');
    if (this.connectTimeout > 0) {
      this.timers.connect = setTimeout(function () {
        if (self.ws !== ws || self.readyState === OPEN) return;
        self.emit('timeout', new Error('Connection timed out'));
        ws.close();
      }, this.connectTimeout);
    }
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.clearTimer('connect');
      self.readyState = OPEN;
      self.attempt = 0;
      self.heartbeat();
      var queued = self.buffer;
      self.buffer = [];
      for (var i = 0; i < queued.length; i++) ws.send(queued[i]);
      self.emit('open');
      if (reconnecting) self.emit('reconnected');
    };
    ws.onmessage = function (event) {
      if (self.ws !== ws) return;
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        self.emit('error', e);
        return;
      }
      if (typeof data === 'string' && data.indexOf('primus::') === 0) {
        if (data.indexOf('primus::ping::') === 0) {
          ws.send(JSON.stringify('primus::pong::' + data.slice('primus::ping::'.length)));
          self.heartbeat();
          return;
        }
        if (data === 'primus::server::close') {
          self.end();
          return;
        }
      }
      self.emit('data', data);
    };
    ws.onerror = function () {
      if (self.ws !== ws) return;
      self.emit('error', new Error('WebSocket error'));
    };
    ws.onclose = function () {
      if (self.ws !== ws) return;
      self.lost(self.reconnectOnDisconnect);
    };
    return this;
  };

  // heartbeat restarts the wait for the server's next ping.
  Primus.prototype.heartbeat = function () {
    var self = this;
    this.clearTimer('ping');
    if (!(this.pingTimeout > 0)) return;
    this.timers.ping = setTimeout(function () {
      if (self.readyState !== OPEN) return;
      self.lost(self.reconnectOnTimeout);
    }, this.pingTimeout);
  };

  // lost handles a connection that went away without end().
  Primus.prototype.lost = function (reconnect) {
    var ws = this.ws;
    this.ws = null;
    this.clearTimer('connect');
    this.clearTimer('ping');
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close();
      } catch (e) {
        /* already closed */
      }
    }
    var wasOpen = this.readyState === OPEN;
    this.readyState = CLOSED;
    if (this.ended) return;
    if (wasOpen) this.emit('close');
    if (reconnect) this.scheduleReconnect();
    else this.finish();
  };

  Primus.prototype.scheduleReconnect = function () {
    var self = this;
    if (this.attempt >= this.retries) {
      var err = new Error('Unable to recover, retries exhausted');
      this.emit('reconnect timeout', err, { attempt: this.attempt, retries: this.retries });
      this.emit('reconnect failed', err, { attempt: this.attempt, retries: this.retries });
      this.finish();
      return;
    }
    this.attempt++;
    var delay = Math.min(this.maxDelay, this.minDelay * Math.pow(this.factor, this.attempt - 1));
    var opts = { attempt: this.attempt, retries: this.retries, scheduled: delay, min: this.minDelay, max: this.maxDelay };
    this.emit('reconnect scheduled', opts);
    this.clearTimer('reconnect');
    this.timers.reconnect = setTimeout(function () {
      if (self.ended) return;
      self.emit('reconnect', opts);
      self.open();
    }, delay);
  };

  Primus.prototype.finish = function () {
    if (this.ended) return;
    this.ended = true;
    this.emit('end');
  };

  Primus.prototype.write = function (data) {
    var text = JSON.stringify(data);
    if (this.readyState === OPEN && this.ws) this.ws.send(text);
    else this.buffer.push(text);
    return true;
  };

  // end closes the connection for good: no reconnect.
  Primus.prototype.end = function () {
    if (this.ended) return this;
    var ws = this.ws;
    var wasOpen = this.readyState !== CLOSED;
    this.ws = null;
    this.clearTimer('connect');
    this.clearTimer('ping');
    this.clearTimer('reconnect');
    this.readyState = CLOSED;
    this.buffer = [];
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close(1000);
      } catch (e) {
        /* already closed */
      }
    }
    if (wasOpen) this.emit('close');
    this.finish();
    return this;
  };

  Primus.prototype.destroy = function () {
    this.end();
    this.removeAllListeners();
    return this;
  };

  root.Primus = Primus;
})(typeof window !== 'undefined' ? window : this);
