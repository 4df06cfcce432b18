/*
 * happn-go browser client.
 *
 * A dependency-free happn client for browsers. It speaks the happn_4 protocol over the browser's own
 * WebSocket, doing Primus' framing itself: every message is one JSON text frame; the server's
 * heartbeat arrives as the JSON string "primus::ping::<ms>" and is answered with
 * "primus::pong::<ms>"; "primus::server::close" means the server ended the session on purpose and
 * the client must not reconnect. It works against the happn-go server (which serves this file at
 * GET /browser_client) and against a real happn-3 server (12.x/13.x); the websocket is always
 * <base url>/primus.
 *
 *   <script src="/browser_client"></script>
 *   const client = await HappnClient.create({ username: 'me', password: 'secret' });
 *   await client.set('/a/b', { x: 1 });
 *   const id = await client.on('/a/*', { event_type: 'set' }, (data, meta) => console.log(meta.path, data));
 *   await client.off(id);
 *   await client.disconnect();
 *
 * API (happn-3's): HappnClient.create(options[, cb]); set, setSibling, publish, increment, get,
 * getPaths, count, remove, on, once, onAll, off, offPath, offAll, revokeToken, changePassword,
 * disconnect, logout; onEvent/offEvent for the client events connection-ended, reconnect-scheduled,
 * reconnect, reconnect-successful, reconnect-error, reconnect-timeout, session-ended, connect-error
 * and error; onSystemMessage/offSystemMessage; client.session (the login result), client.status
 * (HappnClient.CONSTANTS.CLIENT_STATE) and client.serverInfo (describe).
 *
 * Every method takes an optional trailing node-style callback; without one it returns a Promise.
 * Where a callback would receive more than one result (on with initialCallback: err, id, items) the
 * Promise resolves an array of them, as happn-3's maybePromisify does.
 *
 * Connection: configure-session → describe → [request-nonce] → login. After a secure login the
 * session token is written to the cookie the server named, so plain HTTP requests from the page are
 * authenticated. When the socket drops without the server having ended the session, the client
 * backs off (500 ms, doubling with jitter, capped by reconnect.max), opens a new socket, logs in
 * again with the same credentials and re-creates every subscription.
 *
 * Payload encryption (happn-go servers with EncryptPayloads; docs/payload-encryption.md):
 * create({..., encryptPayloads: true}) offers an ephemeral ECDH P-256 key at login, agrees one
 * AES-256-GCM key per direction from the login response (HKDF-SHA256) and from then on seals every
 * frame it sends and opens every frame it receives, all with WebCrypto (so the page must be a secure
 * context: https, or http on localhost/127.0.0.1). Heartbeats stay plain. A frame from the server
 * that does not open (altered, replayed, out of order, not sealed) ends the connection, which then
 * reconnects with new keys like any dropped one. A server that does not agree makes create() reject
 * with an Error named EncryptionRefused (code 'ENCRYPTION_REFUSED'); a server that requires
 * encryption refuses a client without it with AccessDenied 403. happn-3 servers do not encrypt.
 *
 * This is our own implementation written from the protocol description, not a copy of happn-3's
 * client; behaviour that intentionally differs from happn-3 is marked "Differs from happn-3".
 */
(function (root) {
  'use strict';

  var PROTOCOL = 'happn_4';
  var VERSION = '1.0.0-happn-go';

  /** Client states, numbered as happn-3's CLIENT_STATE so code that reads client.status keeps working. */
  var STATE = {
    UNINITIALIZED: 0,
    ACTIVE: 1,
    DISCONNECTED: 2,
    ERROR: 3,
    RECONNECTING: 4,
    CONNECTING: 5,
    CONNECTED: 6,
    DISCONNECTING: 7,
    CONNECT_ERROR: 8,
    RECONNECT_ACTIVE: 9,
  };

  /** Publication consistency levels (options.consistency on set/remove/publish). */
  var CONSISTENCY = { QUEUED: 0, DEFERRED: 1, TRANSACTIONAL: 2, ACKNOWLEDGED: 3 };

  var PATH_CHARS = /^[a-zA-Z0-9/(){}+=&:%@._*\-\s]+$/;

  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  function isFunction(f) {
    return typeof f === 'function';
  }

  function isObject(o) {
    return o !== null && typeof o === 'object' && !Array.isArray(o);
  }

  // Handlers get their own copy of a publication, so one listener mutating it cannot affect another.
  function cloneJSON(v) {
    return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  // Errors thrown by user callbacks must not break the client's own bookkeeping; rethrowing them on
  // a fresh task still surfaces them (console, window.onerror).
  function rethrowLater(e) {
    setTimeout(function () {
      throw e;
    }, 0);
  }

  function errorWith(message, props) {
    var e = new Error(message);
    if (props) Object.keys(props).forEach(function (k) {
      e[k] = props[k];
    });
    return e;
  }

  // Turns a wire error ({name, code, message, ...}) into an Error carrying every field, so callers can
  // branch on e.code (401, 403, ...) and String(e) reads "AccessDenied: unauthorized".
  function wireError(desc) {
    if (!isObject(desc)) desc = { message: String(desc) };
    var e = new Error(desc.message || desc.name || 'unknown error');
    e.name = desc.name || 'Error';
    Object.keys(desc).forEach(function (k) {
      if (k !== 'message' && k !== 'name' && k !== 'stack') e[k] = desc[k];
    });
    return e;
  }

  function checkPath(path, action) {
    if (typeof path !== 'string') throw new Error('Bad path [' + path + '], must be a string');
    if (action === 'set' && path.indexOf('*') > -1)
      throw new Error("Bad path, if the action is 'set' the path cannot contain the * wildcard character");
    if (!PATH_CHARS.test(path))
      throw new Error(
        'Bad path, can only contain characters a-z A-Z 0-9 / & + = : @ % * ( ) _ -, ie: factory1@I&J(western-cape)/plant1:conveyer_2/stats=true/capacity=10%/*'
      );
  }

  // The permission/offPath wildcard dialect: '*' matches any run of characters including '/',
  // case-insensitively. Differs from happn-3: only runs of '*' are collapsed, not every doubled letter.
  function wildcardMatch(pattern, subject) {
    if (pattern.indexOf('*') === -1) return pattern === subject;
    pattern = pattern.replace(/\*+/g, '*');
    if (pattern === '*') return true;
    var escaped = pattern.replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*');
    return new RegExp('^' + escaped + '$', 'i').test(subject);
  }

  // Splits a call's arguments into the values and an optional trailing callback. A trailing
  // undefined/null is dropped first, so f(a, undefined) behaves like f(a).
  function splitArgs(args) {
    var list = Array.prototype.slice.call(args);
    while (list.length && list[list.length - 1] == null) list.pop();
    var cb = list.length && isFunction(list[list.length - 1]) ? list.pop() : null;
    return { values: list, cb: cb };
  }

  // Runs a promise-returning operation and either returns its promise or feeds a node-style callback.
  // With spread, an array result is passed to the callback as separate arguments.
  function settle(promise, cb, spread) {
    if (!cb) return promise;
    promise.then(
      function (result) {
        try {
          if (spread && Array.isArray(result)) cb.apply(null, [null].concat(result));
          else cb(null, result);
        } catch (e) {
          rethrowLater(e);
        }
      },
      function (err) {
        try {
          cb(err);
        } catch (e) {
          rethrowLater(e);
        }
      }
    );
    return undefined;
  }

  function attempt(fn) {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Cookies and base64 (browser only; guarded so the file also loads in workers and node)
  // ---------------------------------------------------------------------------------------------

  function hasDocument() {
    return typeof document !== 'undefined' && document !== null && 'cookie' in document;
  }

  function readCookie(name) {
    if (!hasDocument()) return '';
    var parts = document.cookie ? document.cookie.split(';') : [];
    for (var i = 0; i < parts.length; i++) {
      var c = parts[i].replace(/^\s+/, '');
      if (c.indexOf(name + '=') === 0) {
        var v = c.substring(name.length + 1);
        try {
          return decodeURIComponent(v);
        } catch (e) {
          return v;
        }
      }
    }
    return '';
  }

  function b64ToBytes(b64) {
    var bin = atob(b64.replace(/\s+/g, ''));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function bytesToB64(buf) {
    var bytes = new Uint8Array(buf);
    var bin = '';
    // In slices: a sealed frame can be megabytes, too many arguments for one fromCharCode call.
    for (var i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }

  // ---------------------------------------------------------------------------------------------
  // Digest login: RSA PKCS#1 v1.5 with SHA-256 over the base64-decoded nonce (happn-util-crypto's
  // RSA-SHA256), done with WebCrypto. happn-3 key pairs are PEM PKCS#1 ("BEGIN RSA PRIVATE KEY"),
  // which WebCrypto cannot import, so those are wrapped into PKCS#8 first.
  // ---------------------------------------------------------------------------------------------

  function derLength(n) {
    if (n < 0x80) return [n];
    var bytes = [];
    while (n > 0) {
      bytes.unshift(n & 0xff);
      n = n >>> 8;
    }
    return [0x80 | bytes.length].concat(bytes);
  }

  function derTLV(tag, content) {
    var head = [tag].concat(derLength(content.length));
    var out = new Uint8Array(head.length + content.length);
    out.set(head, 0);
    out.set(content, head.length);
    return out;
  }

  function pkcs1ToPkcs8(rsaPrivateKey) {
    // PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING }
    var version = [0x02, 0x01, 0x00];
    var algorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
    var octets = derTLV(0x04, rsaPrivateKey);
    var body = new Uint8Array(version.length + algorithm.length + octets.length);
    body.set(version, 0);
    body.set(algorithm, version.length);
    body.set(octets, version.length + algorithm.length);
    return derTLV(0x30, body);
  }

  // subtle returns WebCrypto's SubtleCrypto; what names the feature that needs it, for the error.
  function subtle(what) {
    var c = typeof crypto !== 'undefined' ? crypto : root.crypto;
    if (!c || !c.subtle)
      throw new Error((what || 'digest login') + ' needs WebCrypto (crypto.subtle), which browsers offer only on https or localhost pages');
    return c.subtle;
  }

  function importSigningKey(privateKey) {
    var algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    if (typeof CryptoKey !== 'undefined' && privateKey instanceof CryptoKey) return Promise.resolve(privateKey);
    if (isObject(privateKey) && privateKey.kty)
      return subtle().importKey('jwk', privateKey, algorithm, false, ['sign']);
    var m = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]*?)-----END (RSA )?PRIVATE KEY-----/.exec(String(privateKey));
    if (!m) return Promise.reject(new Error('keyPair.privateKey must be a PEM RSA private key (PKCS#1 or PKCS#8)'));
    var der = b64ToBytes(m[2]);
    if (m[1]) der = pkcs1ToPkcs8(der);
    return subtle().importKey('pkcs8', der, algorithm, false, ['sign']);
  }

  function signNonce(nonce, privateKey) {
    return importSigningKey(privateKey).then(function (key) {
      return subtle().sign({ name: 'RSASSA-PKCS1-v1_5' }, key, b64ToBytes(nonce));
    }).then(bytesToB64);
  }

  // ---------------------------------------------------------------------------------------------
  // Payload encryption (docs/payload-encryption.md, scheme p256-hkdf-sha256-aes256gcm-v1), the
  // browser's side of what the Go client does. The login offers an ephemeral ECDH P-256 public key;
  // the login response (the last plain frame) carries the server's; both sides derive one AES-256-GCM
  // key per direction with HKDF-SHA256, and from then on every frame but the Primus heartbeat strings
  // travels as {"sealed":"<base64(seq ‖ ciphertext ‖ tag)>"}. seq is an 8-byte big-endian counter per
  // direction, the low 8 bytes of the 12-byte nonce; each side accepts only the next one, so a
  // replayed, reordered, dropped, altered or unsealed frame ends the connection.
  // ---------------------------------------------------------------------------------------------

  var PAYLOAD_SCHEME = 'p256-hkdf-sha256-aes256gcm-v1';
  var SEALED_PREFIX = '{"sealed":"';
  var SEALED_SUFFIX = '"}';
  var GCM_TAG_BYTES = 16;
  var B64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/; // one character class: linear even on megabytes

  // strictB64 is standard base64 with padding, nothing else (no whitespace, which atob would skip).
  function strictB64(text) {
    return typeof text === 'string' && text.length % 4 === 0 && B64_CHARS.test(text);
  }

  function utf8(text) {
    return new TextEncoder().encode(text);
  }

  // The additional data of every sealed frame, which also starts the HKDF salt.
  function payloadAAD() {
    return utf8('happn-sealed-v1');
  }

  function concatBytes(parts) {
    var n = 0;
    parts.forEach(function (p) {
      n += p.length;
    });
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) {
      out.set(p, at);
      at += p.length;
    });
    return out;
  }

  // payloadNonce is the GCM nonce of sequence number seq: 4 zero bytes, then seq big-endian.
  function payloadNonce(seq) {
    var iv = new Uint8Array(12);
    var view = new DataView(iv.buffer);
    view.setUint32(4, Math.floor(seq / 4294967296));
    view.setUint32(8, seq >>> 0);
    return iv;
  }

  function isSealedText(text) {
    return text.slice(0, SEALED_PREFIX.length) === SEALED_PREFIX;
  }

  /** The error create() rejects with when the client asked for encryption and the server did not agree. */
  function encryptionRefused() {
    return errorWith('the server does not agree to payload encryption', { name: 'EncryptionRefused', code: 'ENCRYPTION_REFUSED' });
  }

  /**
   * Sealer is one connection's payload encryption: its ephemeral key pair until the keys are agreed,
   * then the two AES-GCM keys and the sequence counters. A reconnection gets a new Sealer, so new keys.
   */
  function Sealer() {
    this.keyPair = null;
    this.publicRaw = null; // the 65-byte uncompressed point offered at login
    this.on = false; // keys agreed: every frame but heartbeats is sealed from now on
    this.sendKey = null;
    this.recvKey = null;
    this.sendSeq = 0;
    this.recvSeq = 0;
  }

  // init generates the key pair; the private key cannot be exported.
  Sealer.prototype.init = function () {
    var self = this;
    return attempt(function () {
      return subtle('payload encryption').generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    })
      .then(function (pair) {
        self.keyPair = pair;
        return subtle().exportKey('raw', pair.publicKey);
      })
      .then(function (raw) {
        self.publicRaw = new Uint8Array(raw);
        return self;
      });
  };

  /** offer is the encryption member of the login data. */
  Sealer.prototype.offer = function () {
    return { scheme: PAYLOAD_SCHEME, publicKey: bytesToB64(this.publicRaw) };
  };

  // agree derives the session's keys from the server's answer in the login response:
  // salt = SHA-256(aad ‖ client point ‖ server point), c2s/s2c = HKDF-SHA256(ECDH x, salt,
  // "happn c2s "/"happn s2c " + session id).
  Sealer.prototype.agree = function (answer, sessionId) {
    var self = this;
    var s = subtle('payload encryption');
    var serverRaw;
    return attempt(function () {
      if (answer.scheme !== PAYLOAD_SCHEME) throw new Error('the server answered with scheme ' + answer.scheme + ', not ' + PAYLOAD_SCHEME);
      if (!strictB64(answer.publicKey)) throw new Error("the server's public key is not base64");
      serverRaw = b64ToBytes(answer.publicKey);
      if (serverRaw.length !== 65) throw new Error("the server's public key is not an uncompressed P-256 point");
      return s.importKey('raw', serverRaw, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    })
      .then(function (serverKey) {
        return Promise.all([
          s.deriveBits({ name: 'ECDH', public: serverKey }, self.keyPair.privateKey, 256),
          s.digest('SHA-256', concatBytes([payloadAAD(), self.publicRaw, serverRaw])),
        ]);
      })
      .then(function (r) {
        var salt = new Uint8Array(r[1]);
        return s.importKey('raw', r[0], 'HKDF', false, ['deriveKey']).then(function (secret) {
          function derive(label, usage) {
            var params = { name: 'HKDF', hash: 'SHA-256', salt: salt, info: utf8(label + sessionId) };
            return s.deriveKey(params, secret, { name: 'AES-GCM', length: 256 }, false, [usage]);
          }
          return Promise.all([derive('happn c2s ', 'encrypt'), derive('happn s2c ', 'decrypt')]);
        });
      })
      .then(
        function (keys) {
          self.sendKey = keys[0];
          self.recvKey = keys[1];
          self.keyPair = null; // an ephemeral key is used once
          self.on = true;
        },
        function (e) {
          throw new Error('payload encryption: ' + (e && e.message ? e.message : e));
        }
      );
  };

  // seal resolves text sealed under the next send sequence number. Numbers are taken when seal is
  // called, so frames must be written in the order seal was called, whatever order these resolve in.
  Sealer.prototype.seal = function (text) {
    var iv = payloadNonce(this.sendSeq++);
    return subtle()
      .encrypt({ name: 'AES-GCM', iv: iv, additionalData: payloadAAD(), tagLength: 128 }, this.sendKey, utf8(text))
      .then(function (ciphertext) {
        return SEALED_PREFIX + bytesToB64(concatBytes([iv.subarray(4), new Uint8Array(ciphertext)])) + SEALED_SUFFIX;
      });
  };

  // open resolves the plain text of the next sealed frame from the server. Anything else rejects: a
  // frame that is not sealed, malformed, out of sequence (replayed, reordered, after a dropped one)
  // or altered. Calls must be serialised in arrival order.
  Sealer.prototype.open = function (text) {
    var self = this;
    return attempt(function () {
      if (!isSealedText(text) || text.length < SEALED_PREFIX.length + SEALED_SUFFIX.length || text.slice(-SEALED_SUFFIX.length) !== SEALED_SUFFIX)
        throw new Error('payload encryption: a frame that is not sealed');
      var body = text.slice(SEALED_PREFIX.length, -SEALED_SUFFIX.length);
      if (!strictB64(body)) throw new Error('payload encryption: malformed sealed frame');
      var raw = b64ToBytes(body);
      if (raw.length < 8 + GCM_TAG_BYTES) throw new Error('payload encryption: malformed sealed frame');
      var head = new DataView(raw.buffer, raw.byteOffset, 8);
      var seq = head.getUint32(0) * 4294967296 + head.getUint32(4);
      if (seq !== self.recvSeq) throw new Error('payload encryption: sealed frame ' + seq + ', expected ' + self.recvSeq);
      var params = { name: 'AES-GCM', iv: payloadNonce(seq), additionalData: payloadAAD(), tagLength: 128 };
      return subtle()
        .decrypt(params, self.recvKey, raw.subarray(8))
        .then(
          function (plain) {
            self.recvSeq++;
            return new TextDecoder().decode(plain);
          },
          function () {
            throw new Error('payload encryption: sealed frame ' + seq + ' failed authentication');
          }
        );
    });
  };

  // ---------------------------------------------------------------------------------------------
  // Options
  // ---------------------------------------------------------------------------------------------

  function pageOrigin() {
    if (typeof location === 'undefined' || !location) return null;
    return /^https?:$/.test(location.protocol) ? location.origin : null;
  }

  function prepareOptions(input) {
    input = input || {};
    var o = {};
    // happn-3 accepts the same keys nested under `config`; those win, top level fills gaps.
    if (isObject(input.config)) Object.assign(o, input.config);
    Object.keys(input).forEach(function (k) {
      if (k !== 'config' && o[k] == null) o[k] = input[k];
    });
    var socket = isObject(o.socket) ? o.socket : {};

    if (!o.callTimeout) o.callTimeout = 60000;
    if (!o.loginTimeout) o.loginTimeout = o.callTimeout;
    if (o.loginRetry == null) o.loginRetry = 4;
    if (o.loginRetryInterval == null || typeof o.loginRetryInterval !== 'number') o.loginRetryInterval = 5000;
    if (o.defaultVariableDepth == null) o.defaultVariableDepth = 5;
    if (o.pingTimeout == null) o.pingTimeout = 'pingTimeout' in socket ? socket.pingTimeout : 45000;
    if (o.connectTimeout == null) o.connectTimeout = socket.timeout != null ? socket.timeout : 30000;

    var reconnect = o.reconnect === false || socket.reconnect === false ? false : Object.assign(
      { min: 500, factor: 2, max: 180000, retries: Infinity },
      isObject(socket.reconnect) ? socket.reconnect : {},
      isObject(o.reconnect) ? o.reconnect : {}
    );
    o.reconnect = reconnect;

    if (o.keyPair) {
      if (o.keyPair.publicKey) o.publicKey = o.keyPair.publicKey;
      if (o.keyPair.privateKey) o.privateKey = o.keyPair.privateKey;
    }

    var info = o.info != null ? o.info : {};
    if (typeof info !== 'object') info = { data: info };
    o.info = Object.assign({}, info, { _browser: true, _local: false });

    // Differs from happn-3: with no url/host/port/protocol at all, a page served over http(s) talks to
    // the server it came from (this file is normally served by that server at /browser_client).
    if (!o.url && !o.host && !o.port && !o.protocol && pageOrigin()) o.url = pageOrigin();
    if (!o.url) {
      if (!o.host || o.host === 'localhost') o.host = '127.0.0.1';
      if (!o.port) o.port = 55000;
      o.protocol = o.protocol || 'http';
      var defaultPort = (o.protocol === 'http' && +o.port === 80) || (o.protocol === 'https' && +o.port === 443);
      o.url = o.protocol + '://' + o.host + (defaultPort ? '' : ':' + o.port);
    } else if (!o.protocol) {
      o.protocol = /^(https|wss):/i.test(o.url) ? 'https' : 'http';
    }
    o.socketUrl = socketUrl(o.url);
    return o;
  }

  // The Primus endpoint is <base url>/primus, keeping any query string of the base url.
  function socketUrl(base) {
    var u = new URL(base, typeof location !== 'undefined' && location ? location.href : undefined);
    if (u.protocol === 'https:') u.protocol = 'wss:';
    else if (u.protocol === 'http:') u.protocol = 'ws:';
    u.pathname = u.pathname.replace(/\/+$/, '') + '/primus';
    u.hash = '';
    return u.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Connection: one WebSocket with Primus framing and the client side of the heartbeat.
  // ---------------------------------------------------------------------------------------------

  /**
   * Connection owns one WebSocket. It decodes frames, answers pings, watches for a missing heartbeat
   * and reports exactly one onClose({code, reason, serverClosed, pingTimedOut, deliberate}).
   */
  function Connection(url, options, handlers) {
    this.url = url;
    this.options = options;
    this.handlers = handlers;
    this.ws = null;
    this.serverClosed = false; // "primus::server::close" seen: do not reconnect
    this.pingTimedOut = false;
    this.deliberate = false;
    this.finished = false;
    this.pingTimer = null;
    this.sealer = null; // a Sealer when this connection offers payload encryption
    this.sendTail = Promise.resolve(); // sealed frames are written in order, after sealing
    this.recvTail = Promise.resolve(); // frames of a sealing connection are handled in order, after opening
  }

  Connection.prototype.open = function () {
    var self = this;
    return new Promise(function (resolve, reject) {
      var Ctor = self.options.WebSocket || root.WebSocket;
      if (!Ctor) return reject(new Error('no WebSocket implementation available'));
      var ws;
      try {
        ws = new Ctor(self.url);
      } catch (e) {
        return reject(e);
      }
      self.ws = ws;
      var opened = false;
      var timer = self.options.connectTimeout
        ? setTimeout(function () {
            if (opened) return;
            self.finish({ code: 0, reason: 'connect timeout' });
            reject(errorWith('connection timed out', { code: 'ETIMEDOUT' }));
          }, self.options.connectTimeout)
        : null;

      ws.onopen = function () {
        opened = true;
        clearTimeout(timer);
        self.armPing();
        resolve(self);
      };
      ws.onmessage = function (ev) {
        self.receive(ev.data);
      };
      ws.onerror = function () {
        // Browsers give no detail; the close event that follows carries the code.
        if (!opened) return;
        if (self.handlers.onError) self.handlers.onError(new Error('websocket error on ' + self.url));
      };
      ws.onclose = function (ev) {
        clearTimeout(timer);
        var closed = function () {
          self.finish({ code: ev.code, reason: ev.reason });
          if (!opened) reject(errorWith('websocket connection to ' + self.url + ' failed', { code: 'ECONNREFUSED', closeCode: ev.code }));
        };
        // Frames still being opened are delivered first: the last ones before a server-side close
        // (a response, the server-side-disconnect message) are often why it closed.
        if (self.sealer) self.recvTail.then(closed);
        else closed();
      };
    });
  };

  Connection.prototype.isOpen = function () {
    return !this.finished && this.ws && this.ws.readyState === 1;
  };

  // send writes one message. Once the keys are agreed every message but a heartbeat string is sealed;
  // sealing is asynchronous, so it is queued and frames go out strictly in the order send was called.
  Connection.prototype.send = function (message) {
    if (!this.isOpen()) return false;
    var text = JSON.stringify(message);
    var sealer = this.sealer;
    if (!sealer || !sealer.on || typeof message === 'string') {
      this.ws.send(text);
      return true;
    }
    var self = this;
    var sealed = sealer.seal(text);
    sealed.catch(function () {}); // reported below, in order
    this.sendTail = this.sendTail
      .then(function () {
        return sealed;
      })
      .then(
        function (frame) {
          if (self.isOpen()) self.ws.send(frame);
        },
        function (e) {
          self.fail(new Error('payload encryption: could not seal a frame: ' + (e && e.message ? e.message : e)));
        }
      );
    return true;
  };

  // armPing starts the heartbeat watchdog. Any frame proves the server is alive (a happn_4 server
  // pings every 30 s even when idle), so frames only stamp lastFrame and the single timer re-arms
  // itself for the remainder: no timer churn on busy connections.
  Connection.prototype.armPing = function () {
    var self = this;
    var limit = this.options.pingTimeout;
    if (!limit) return;
    this.lastFrame = Date.now();
    var check = function () {
      var quiet = Date.now() - self.lastFrame;
      if (quiet < limit) {
        self.pingTimer = setTimeout(check, limit - quiet);
        return;
      }
      self.pingTimedOut = true;
      self.finish({ code: 0, reason: 'ping timeout' });
    };
    this.pingTimer = setTimeout(check, limit);
  };

  Connection.prototype.receive = function (text) {
    if (this.finished) return;
    this.lastFrame = Date.now();
    text = String(text);
    if (this.sealer && text.charAt(0) !== '"') {
      // Heartbeat strings stay plain. Everything else on a connection that offered encryption (the
      // login response that agrees the keys, then sealed frames) is handled one frame at a time, in
      // arrival order, each after the asynchronous crypto of the one before.
      var self = this;
      var sealer = this.sealer;
      this.recvTail = this.recvTail.then(function () {
        if (!self.finished) return self.receiveSealing(sealer, text);
      });
      return;
    }
    this.deliver(text);
  };

  // receiveSealing handles one non-heartbeat frame of a connection that offered encryption.
  Connection.prototype.receiveSealing = function (sealer, text) {
    var self = this;
    if (sealer.on) {
      return sealer.open(text).then(
        function (plain) {
          if (!self.finished) self.deliver(plain);
        },
        function (e) {
          // Replayed, reordered, altered or unsealed: an attack or a broken server.
          self.fail(e);
        }
      );
    }
    if (isSealedText(text)) return this.fail(new Error('payload encryption: a sealed frame before the keys were agreed'));
    var message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      return this.deliver(text); // reports it
    }
    var meta = isObject(message) ? message._meta : null;
    var data = isObject(message) ? message.data : null;
    if (isObject(meta) && meta.action === 'login' && meta.status === 'ok' && isObject(data) && isObject(data.encryption) && data.encryption.publicKey) {
      // The successful login response: agree the keys before the next frame, which is sealed. A
      // response without the server's key leaves the connection plain; the login then fails.
      return sealer.agree(data.encryption, data.id).then(
        function () {
          if (!self.finished) self.dispatch(message);
        },
        function (e) {
          self.fail(e);
        }
      );
    }
    this.dispatch(message);
  };

  // fail ends the connection because of a frame it must not accept; requests in flight fail with err.
  Connection.prototype.fail = function (err) {
    if (this.finished) return;
    if (this.handlers.onError) this.handlers.onError(err);
    this.finish({ code: 0, reason: err.message, error: err });
  };

  // deliver decodes one plain frame and dispatches it.
  Connection.prototype.deliver = function (text) {
    var message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      if (this.handlers.onError) this.handlers.onError(errorWith('undecodable frame from server', { frame: String(text).slice(0, 200) }));
      return;
    }
    this.dispatch(message);
  };

  // dispatch answers heartbeats and hands every other message to the client.
  Connection.prototype.dispatch = function (message) {
    if (typeof message === 'string') {
      if (message.indexOf('primus::ping::') === 0) {
        this.send('primus::pong::' + message.substring('primus::ping::'.length));
      } else if (message === 'primus::server::close') {
        this.serverClosed = true;
      }
      return;
    }
    this.handlers.onMessage(message);
  };

  // Closes the socket on purpose and resolves once it is closed (or after a short grace period, so a
  // dead peer cannot hold disconnect() up).
  Connection.prototype.close = function () {
    var self = this;
    this.deliberate = true;
    if (this.finished) return Promise.resolve();
    return new Promise(function (resolve) {
      var done = function () {
        clearTimeout(grace);
        resolve();
      };
      var grace = setTimeout(function () {
        self.finish({ code: 1005, reason: 'closed by client' });
        resolve();
      }, 2000);
      self.closeWaiter = done;
      try {
        self.ws.close();
      } catch (e) {
        self.finish({ code: 1005, reason: 'closed by client' });
      }
    });
  };

  // finish detaches from the socket and reports the close exactly once.
  Connection.prototype.finish = function (info) {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.pingTimer);
    var ws = this.ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (ws.readyState === 0 || ws.readyState === 1) {
        try {
          ws.close();
        } catch (e) {
          /* already closing */
        }
      }
    }
    info.serverClosed = this.serverClosed;
    info.pingTimedOut = this.pingTimedOut;
    info.deliberate = this.deliberate;
    if (this.closeWaiter) this.closeWaiter();
    this.handlers.onClose(this, info);
  };

  // ---------------------------------------------------------------------------------------------
  // HappnClient
  // ---------------------------------------------------------------------------------------------

  /**
   * HappnClient is one connection to a happn server. Create it with HappnClient.create(options).
   * All callbacks (handlers, events) run on the page's event loop; a slow handler delays the ones
   * after it but never loses a message.
   */
  function HappnClient(options) {
    this.options = prepareOptions(options);
    this.session = null;
    this.serverInfo = null;
    this.status = STATE.UNINITIALIZED;

    this._conn = null;
    this._eventId = 0; // per-client counter, never reset, like happn-3
    this._pending = {}; // eventId -> {resolve, reject, timer}
    this._ackHandlers = {}; // "<sessionId>-<eventId>" -> onPublished handler
    this._eventHandlers = {}; // client event name -> [fn|null]
    this._systemHandlers = []; // [fn|null]
    this._listenerId = 0;
    this._channels = {}; // channel -> [listener]
    this._subs = {}; // subscription key -> {channel, options, ref, count, ready}
    this._dispatchTail = Promise.resolve(); // keeps publications in arrival order across acks
    this._closing = false; // disconnect() was called
    this._sessionEnded = false; // the server ended the session (no reconnect)
    this._reconnecting = false;
    this._wake = null; // cancels a reconnect back-off sleep
  }

  HappnClient.VERSION = VERSION;
  HappnClient.PROTOCOL = PROTOCOL;
  HappnClient.CONSTANTS = { CLIENT_STATE: STATE, CONSISTENCY: CONSISTENCY };

  /**
   * create(options[, cb]) connects, logs in and resolves the ready client. Options: host, port,
   * protocol ('http'|'https'), url, username, password, token, useCookie, keyPair {publicKey,
   * privateKey}, authType, info, callTimeout (60000), loginTimeout, loginRetry (4),
   * loginRetryInterval (5000), connectTimeout (30000), pingTimeout (45000, false disables),
   * reconnect ({min 500, factor 2, max 180000, retries Infinity} or false), defaultVariableDepth (5),
   * WebSocket (a constructor, for non-browser hosts), encryptPayloads (false; true seals every
   * payload with keys agreed at login, and fails with EncryptionRefused where the server does not).
   */
  HappnClient.create = function (options, cb) {
    if (isFunction(options)) {
      cb = options;
      options = {};
    }
    var client = new HappnClient(options);
    return settle(client._firstConnect(), cb);
  };

  HappnClient.prototype._firstConnect = function () {
    var self = this;
    this.status = STATE.CONNECTING;
    return this._establish().then(
      function () {
        self.status = STATE.ACTIVE;
        return self;
      },
      function (e) {
        self.status = STATE.CONNECT_ERROR;
        self._closing = true; // a failed create never reconnects
        if (self._conn) self._conn.close();
        self.emit('connect-error', e);
        throw e;
      }
    );
  };

  // _establish opens a socket and runs configure-session → describe → [request-nonce] → login.
  HappnClient.prototype._establish = function () {
    var self = this;
    if (this.options.encryptPayloads) {
      // Fail before connecting (and sending credentials) where the page has no WebCrypto.
      try {
        subtle('payload encryption');
      } catch (e) {
        return Promise.reject(e);
      }
    }
    var conn = new Connection(this.options.socketUrl, this.options, {
      onMessage: function (m) {
        if (self._conn === conn) self._onMessage(m);
      },
      onError: function (e) {
        if (self._conn === conn) self.emit('error', e);
      },
      onClose: function (c, info) {
        self._onClose(c, info);
      },
    });
    this._conn = conn;
    this._sessionId = null;
    return conn
      .open()
      .then(function () {
        return self._systemRequest('configure-session', { protocol: PROTOCOL, version: VERSION, browser: true });
      })
      .then(function () {
        return self._systemRequest('describe', null);
      })
      .then(function (description) {
        self.serverInfo = stripMeta(description);
        return self._login(self.serverInfo);
      })
      .then(function (session) {
        conn.loggedIn = true;
        return session;
      });
  };

  function stripMeta(o) {
    if (!isObject(o)) return o;
    var copy = Object.assign({}, o);
    delete copy._meta;
    return copy;
  }

  HappnClient.prototype._loginParameters = function (description) {
    var o = this.options;
    var p = { username: o.username, info: o.info, protocol: PROTOCOL };
    if (o.authType) p.authType = o.authType;
    if (o.password) p.password = o.password;
    if (o.publicKey) p.publicKey = o.publicKey;
    if (o.token) p.token = o.token;
    if (!description.secure) return p;

    if (o.useCookie) {
      var name = description.cookieName || o.cookieName || 'happn_token';
      p.token = readCookie(name);
      if (!p.token) throw new Error('useCookie: no ' + name + ' cookie to log in with');
    }
    if (!p.token && !p.username) throw new Error('happn server is secure, please specify a username or token');
    if (!p.password && !p.token && p.username !== '_ANONYMOUS') {
      if (!p.publicKey) throw new Error('happn server is secure, please specify a password');
      if (!o.privateKey) throw new Error('login type is digest, but no privateKey and publicKey specified');
      p.loginType = 'digest';
    }
    return p;
  };

  HappnClient.prototype._login = function (description) {
    var self = this;
    var conn = this._conn;
    return attempt(function () {
      return self._loginParameters(description);
    })
      .then(function (params) {
        if (params.loginType !== 'digest') return params;
        return self
          ._systemRequest('request-nonce', { publicKey: params.publicKey })
          .then(function (response) {
            return signNonce(response.nonce || (response.data && response.data.nonce), self.options.privateKey);
          })
          .then(function (digest) {
            params.digest = digest;
            return params;
          });
      })
      .then(function (params) {
        return self._offerEncryption(conn, params);
      })
      .then(function (params) {
        return self._loginWithRetry(params);
      })
      .then(function (result) {
        // A client that asked for encryption never goes on in the clear: create() fails and the
        // connection is closed before anything else is sent on it.
        if (self.options.encryptPayloads && !(conn && conn.sealer && conn.sealer.on)) throw encryptionRefused();
        var session = stripMeta(result);
        self.session = session;
        self._sessionId = session.id;
        // A secure login hands out a token; the cookie lets plain HTTP requests from this page
        // authenticate. A cookie login already has it. Differs from happn-3: no cookie without a
        // token (happn-3 writes "happn_token=undefined" after an insecure login).
        if (session.token && !self.options.useCookie) self._writeCookie(session.token);
        return session;
      });
  };

  // _offerEncryption gives the connection a new key pair and adds its public key to the login data,
  // when options.encryptPayloads asks for payload encryption (every connection agrees new keys).
  HappnClient.prototype._offerEncryption = function (conn, params) {
    if (!this.options.encryptPayloads) return params;
    var sealer = new Sealer();
    return sealer.init().then(function () {
      conn.sealer = sealer;
      params.encryption = sealer.offer();
      return params;
    });
  };

  // Login errors other than 401/403 (e.g. a timeout) are retried loginRetry times, loginRetryInterval apart.
  HappnClient.prototype._loginWithRetry = function (params) {
    var self = this;
    var tries = Math.max(1, this.options.loginRetry || 1);
    var attemptNo = 0;
    function once() {
      attemptNo++;
      return self._systemRequest('login', params, { timeout: self.options.loginTimeout }).catch(function (e) {
        if (e.code === 401 || e.code === 403 || attemptNo >= tries || !self._conn || !self._conn.isOpen()) throw e;
        return sleep(self.options.loginRetryInterval).then(once);
      });
    }
    return once();
  };

  HappnClient.prototype._cookieName = function () {
    return (this.session && this.session.cookieName) || (this.serverInfo && this.serverInfo.cookieName) || this.options.cookieName || 'happn_token';
  };

  HappnClient.prototype._cookieSuffix = function () {
    var s = '; path=/;';
    if (this.session && this.session.cookieDomain) s += ' domain=' + this.session.cookieDomain + ';';
    if (this.options.protocol === 'https') s += ' Secure;';
    return s;
  };

  HappnClient.prototype._writeCookie = function (token) {
    if (!hasDocument()) return;
    document.cookie = this._cookieName() + '=' + token + this._cookieSuffix();
  };

  HappnClient.prototype._expireCookie = function () {
    if (!hasDocument()) return;
    document.cookie = this._cookieName() + '=' + this._cookieSuffix() + ' expires=Thu, 01 Jan 1970 00:00:00 UTC;';
  };

  // ---------------------------------------------------------------------------------------------
  // Requests and responses
  // ---------------------------------------------------------------------------------------------

  HappnClient.prototype._nextEventId = function () {
    return (this._eventId += 1);
  };

  // _send writes one request and resolves with the decoded response. Keys are written in the order
  // happn-3 uses: action, eventId, path, data, sessionId, options.
  HappnClient.prototype._send = function (message, timeout, beforeSend) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var conn = self._conn;
      if (!conn || !conn.isOpen()) return reject(errorWith('client is disconnected', { detail: 'action: ' + message.action + (message.path != null ? ', path: ' + message.path : '') }));
      var id = message.eventId;
      var entry = { resolve: resolve, reject: reject, timer: null };
      entry.timer = setTimeout(function () {
        delete self._pending[id];
        var text = 'api request timed out';
        if (message.path != null) text += ' path: ' + message.path;
        text += ' action: ' + message.action;
        reject(errorWith(text, { code: 'ETIMEDOUT' }));
      }, timeout || self.options.callTimeout);
      self._pending[id] = entry;
      if (beforeSend) beforeSend(id);
      conn.send(message);
    });
  };

  HappnClient.prototype._systemRequest = function (action, data, opts) {
    var message = { action: action, eventId: this._nextEventId() };
    if (data !== undefined) message.data = data;
    if (this._sessionId) message.sessionId = this._sessionId;
    return this._send(message, opts && opts.timeout);
  };

  // _dataRequest sends a data action. internal requests (re-subscribing while reconnecting) skip the
  // ACTIVE check; user requests fail fast when the client is not connected, as happn-3's do.
  HappnClient.prototype._dataRequest = function (action, path, data, options, internal, beforeSend) {
    if (!internal && this.status !== STATE.ACTIVE) {
      var text = 'client not active';
      if (this.status === STATE.DISCONNECTED) text = 'client is disconnected';
      else if (this.status === STATE.UNINITIALIZED) text = 'client not initialized yet';
      else if (this.status === STATE.ERROR || this.status === STATE.CONNECT_ERROR) text = 'client in an error state';
      return Promise.reject(errorWith(text, { detail: 'action: ' + action + ', path: ' + path }));
    }
    var message = { action: action, eventId: this._nextEventId(), path: path, data: data, sessionId: this._sessionId };
    if (options !== undefined) message.options = options;
    return this._send(message, null, beforeSend);
  };

  HappnClient.prototype._onMessage = function (message) {
    if (Array.isArray(message)) {
      // Array responses carry the response meta as the last element.
      var meta = message.pop();
      return this._resolve(meta && meta.eventId, null, message);
    }
    if (!isObject(message) || !isObject(message._meta)) return;
    switch (message._meta.type) {
      case 'data':
        return this._onPublication(message);
      case 'system':
        return this._onSystemMessage(message);
      case 'ack':
        return this._onPublishResult(message);
    }
    if (message._meta.status === 'error') return this._resolve(message._meta.eventId, wireError(message._meta.error));
    this._resolve(message._meta.eventId, null, decodeResponse(message));
  };

  // decodeResponse gives callers {...data, _meta}, null for null data, and {_meta} when the server
  // sent no data at all (publish's noDataResponse).
  function decodeResponse(message) {
    var data = message.data;
    var meta = message._meta;
    if (data === null) return null;
    if (data === undefined) {
      var bare = Object.assign({}, message);
      delete bare.protocol;
      return bare;
    }
    if (Array.isArray(data)) {
      var items = data.slice();
      items._meta = meta;
      return items;
    }
    if (isObject(data)) {
      var out = Object.assign({}, data);
      out._meta = meta;
      if (message.nonce !== undefined && out.nonce === undefined) out.nonce = message.nonce;
      return out;
    }
    return data;
  }

  HappnClient.prototype._resolve = function (eventId, err, result) {
    var entry = this._pending[eventId];
    if (!entry) return; // late (already timed out) or not ours
    delete this._pending[eventId];
    clearTimeout(entry.timer);
    if (err) entry.reject(err);
    else entry.resolve(result);
  };

  HappnClient.prototype._failPending = function (err) {
    var pending = this._pending;
    this._pending = {};
    Object.keys(pending).forEach(function (id) {
      clearTimeout(pending[id].timer);
      pending[id].reject(err);
    });
  };

  HappnClient.prototype._failAckHandlers = function (err) {
    var handlers = this._ackHandlers;
    this._ackHandlers = {};
    Object.keys(handlers).forEach(function (id) {
      handlers[id](err);
    });
  };

  // ---------------------------------------------------------------------------------------------
  // Data API
  // ---------------------------------------------------------------------------------------------

  // registers options.onPublished for the publication result of a set/remove/publish.
  HappnClient.prototype._publishedHook = function (options) {
    var self = this;
    var onPublished = options.onPublished;
    var needs = options.consistency === CONSISTENCY.DEFERRED || options.consistency === CONSISTENCY.ACKNOWLEDGED;
    if (!isFunction(onPublished)) {
      if (needs) throw new Error('onPublished handler in options is missing');
      return null;
    }
    var timeoutMs = options.onPublishedTimeout || 60000;
    return function (eventId) {
      var id = self._sessionId + '-' + eventId;
      var timer = setTimeout(function () {
        handler(new Error('publish timed out'));
      }, timeoutMs);
      var handler = function (err, results) {
        clearTimeout(timer);
        delete self._ackHandlers[id];
        try {
          onPublished(err || null, results);
        } catch (e) {
          rethrowLater(e);
        }
      };
      self._ackHandlers[id] = handler;
    };
  };

  // wireOptions copies caller options minus the client-only keys (functions never reach the wire anyway).
  function wireOptions(options) {
    var out = {};
    Object.keys(options || {}).forEach(function (k) {
      if (k === 'onPublished' || k === 'onPublishedTimeout' || isFunction(options[k])) return;
      out[k] = options[k];
    });
    return out;
  }

  HappnClient.prototype._set = function (path, data, options) {
    var self = this;
    return attempt(function () {
      checkPath(path, 'set');
      options = options || {};
      var hook = self._publishedHook(options);
      var wire = wireOptions(options);
      if (data === null) wire.nullValue = true;
      return self._dataRequest('set', path, data, wire, false, hook);
    });
  };

  /** set(path, data[, options][, cb]): store data at path (options: merge, noPublish, consistency + onPublished, meta, targetClients, tag, ...). */
  HappnClient.prototype.set = function () {
    var a = splitArgs(arguments);
    var v = a.values;
    // set(path, null) must still send null data, so data is taken positionally even when null.
    var data = arguments.length > 1 && !isFunction(arguments[1]) ? arguments[1] : undefined;
    return settle(this._set(v[0], data === undefined ? null : data, isObject(v[2]) ? v[2] : {}), a.cb);
  };

  /** setSibling(path, data[, options][, cb]): store data at a new unique path under path (happn-3 12.x feature, kept). */
  HappnClient.prototype.setSibling = function () {
    var a = splitArgs(arguments);
    var v = a.values;
    var options = Object.assign({}, isObject(v[2]) ? v[2] : {}, { set_type: 'sibling' });
    return settle(this._set(v[0], v[1] === undefined ? null : v[1], options), a.cb);
  };

  /** publish(path, data[, options][, cb]): send an event to subscribers without storing anything. */
  HappnClient.prototype.publish = function () {
    var a = splitArgs(arguments);
    var v = a.values;
    var options = Object.assign({}, isObject(v[2]) ? v[2] : {}, { noStore: true, noDataResponse: true });
    return settle(this._set(v[0], v[1] === undefined ? null : v[1], options), a.cb);
  };

  /**
   * increment(path[, gauge='counter'][, by=1][, options][, cb]): atomically add `by` to the gauge's
   * value at path; resolves {value, gauge, _meta}. increment(path, 5) adds 5 to 'counter'.
   */
  HappnClient.prototype.increment = function () {
    var a = splitArgs(arguments);
    var v = a.values;
    var path = v[0];
    var gauge = 'counter';
    var by = 1;
    var options = {};
    var rest = v.slice(1);
    if (rest.length && isObject(rest[rest.length - 1])) options = rest.pop();
    if (rest.length === 1) {
      if (typeof rest[0] === 'string' && isNaN(rest[0])) gauge = rest[0];
      else by = rest[0];
    } else if (rest.length >= 2) {
      gauge = rest[0];
      by = rest[1];
    }
    if (typeof by !== 'number' || isNaN(by)) return settle(Promise.reject(new Error('increment must be a number')), a.cb);
    options = Object.assign({}, options, { increment: by });
    return settle(this._set(path, gauge, options), a.cb);
  };

  /** get(path[, parameters][, cb]): one item (or null) for a plain path, an array for a wildcard or criteria search. */
  HappnClient.prototype.get = function () {
    var a = splitArgs(arguments);
    return settle(this._dataRequest('get', a.values[0], null, Object.assign({}, a.values[1] || {})), a.cb);
  };

  /** getPaths(path[, parameters][, cb]): the matching items' {_meta:{path}} only. */
  HappnClient.prototype.getPaths = function () {
    var a = splitArgs(arguments);
    var options = Object.assign({}, a.values[1] || {});
    options.options = Object.assign({}, options.options || {}, { path_only: true });
    return settle(this._dataRequest('get', a.values[0], null, options), a.cb);
  };

  /** count(path[, parameters][, cb]): resolves {value: n, _meta}. */
  HappnClient.prototype.count = function () {
    var a = splitArgs(arguments);
    return settle(this._dataRequest('count', a.values[0], null, Object.assign({}, a.values[1] || {})), a.cb);
  };

  /** remove(path[, options][, cb]): delete the item(s) at path; resolves {removed: n, _meta}. */
  HappnClient.prototype.remove = function () {
    var a = splitArgs(arguments);
    var self = this;
    var options = a.values[1] || {};
    return settle(
      attempt(function () {
        var hook = self._publishedHook(options);
        return self._dataRequest('remove', a.values[0], null, wireOptions(options), false, hook);
      }),
      a.cb
    );
  };

  /** revokeToken([cb]): revoke this session's token; the server then ends every session using it. */
  HappnClient.prototype.revokeToken = function (cb) {
    return settle(this._systemRequest('revoke-token', null), cb);
  };

  /** changePassword({oldPassword, newPassword}[, cb]) (happn-3 13.x servers). */
  HappnClient.prototype.changePassword = function (details, cb) {
    return settle(this._systemRequest('change-password', details), cb);
  };

  // ---------------------------------------------------------------------------------------------
  // Subscriptions
  //
  // A listener is one handler. Listeners whose options are identical share one server subscription
  // (a "sub"), reference-counted; the server is told `off` only when the last one goes. Listeners
  // with initialEmit/initialCallback always get a subscription of their own, because the server
  // returns the initial values only in the response to `on`.
  // ---------------------------------------------------------------------------------------------

  function channelPath(channel) {
    return channel.split('@').slice(1).join('@');
  }

  /**
   * on(path[, parameters], handler[, cb]) subscribes handler(data, meta) and resolves the listener id.
   * parameters: event_type ('set'|'remove'|'all'), count, initialCallback, initialEmit, depth, merge,
   * meta. With initialCallback the callback gets (err, id, items) and the Promise [id, items].
   */
  HappnClient.prototype.on = function (path, parameters, handler, cb) {
    if (isFunction(parameters)) {
      cb = handler;
      handler = parameters;
      parameters = {};
    }
    var p = this._on(path, Object.assign({}, parameters || {}), handler);
    return settle(p, isFunction(cb) ? cb : null, true);
  };

  /** once(path[, parameters], handler[, cb]): like on, removed after the first event. */
  HappnClient.prototype.once = function (path, parameters, handler, cb) {
    if (isFunction(parameters)) {
      cb = handler;
      handler = parameters;
      parameters = {};
    }
    return this.on(path, Object.assign({}, parameters || {}, { count: 1 }), handler, cb);
  };

  /** onAll(handler[, cb]): every event the session may see (channel /ALL@*). */
  HappnClient.prototype.onAll = function (handler, cb) {
    return this.on('*', {}, handler, cb);
  };

  HappnClient.prototype._on = function (path, params, handler) {
    var self = this;
    return attempt(function () {
      if (typeof path !== 'string') throw new Error('Bad path [' + path + '], must be a string');
      if (!isFunction(handler)) throw new Error('you cannot subscribe without passing in a subscription handler');
      if (!params.event_type || params.event_type === '*') params.event_type = 'all';
      params.event_type = String(params.event_type).toLowerCase();
      if (!params.count) params.count = 0;
      var variableDepth = path === '**' || path.slice(-3) === '/**';
      if (variableDepth && !params.depth) params.depth = self.options.defaultVariableDepth;
      checkPath(path);
      if (self.status !== STATE.ACTIVE) return self._dataRequest('on', path, null, {}); // rejects with the status error

      var channel = '/' + params.event_type.toUpperCase() + '@' + path;
      var initial = !!(params.initialEmit || params.initialCallback);
      var listener = {
        id: self._listenerId++,
        channel: channel,
        handler: handler,
        count: params.count,
        runs: 0,
        depth: params.depth,
        variableDepth: variableDepth,
        initialEmit: !!params.initialEmit,
        initialCallback: !!params.initialCallback,
      };
      // Differs from happn-3: merge is part of the key, so a merge listener never shares a
      // subscription (and its patch-only payloads) with a plain one.
      var key = JSON.stringify({
        channel: channel,
        event_type: params.event_type,
        count: params.count,
        initialEmit: params.initialEmit,
        initialCallback: params.initialCallback,
        meta: params.meta,
        depth: params.depth,
        merge: params.merge,
      });
      if (initial) key += '#' + listener.id;
      (self._channels[channel] = self._channels[channel] || []).push(listener);

      var sub = self._subs[key];
      if (sub) {
        sub.count++;
        listener.sub = sub;
        return sub.ready.then(
          function () {
            return listener.id;
          },
          function (e) {
            self._dropListener(listener);
            throw e;
          }
        );
      }
      sub = { key: key, channel: channel, options: wireOptions(params), ref: null, count: 1 };
      listener.sub = sub;
      self._subs[key] = sub;
      sub.ready = self._dataRequest('on', channel, null, sub.options).then(
        function (response) {
          sub.ref = initial ? response._meta.referenceId : response.id;
          return response;
        },
        function (e) {
          delete self._subs[key];
          throw e;
        }
      );
      return sub.ready.then(
        function (response) {
          if (!initial) return listener.id;
          var items = Array.prototype.slice.call(response);
          if (listener.initialEmit) {
            items.forEach(function (item) {
              try {
                handler(item);
              } catch (e) {
                rethrowLater(e);
              }
            });
          }
          if (listener.initialCallback) return [listener.id, items];
          return listener.id;
        },
        function (e) {
          self._dropListener(listener);
          throw e;
        }
      );
    });
  };

  // _dropListener forgets a listener locally and returns its sub if that was the last reference.
  HappnClient.prototype._dropListener = function (listener) {
    var list = this._channels[listener.channel];
    if (list) {
      var i = list.indexOf(listener);
      if (i > -1) list.splice(i, 1);
      if (!list.length) delete this._channels[listener.channel];
    }
    var sub = listener.sub;
    if (!sub || listener.dropped) return null;
    listener.dropped = true;
    sub.count--;
    if (sub.count > 0) return null;
    if (this._subs[sub.key] === sub) delete this._subs[sub.key];
    return sub;
  };

  HappnClient.prototype._findListener = function (id) {
    var channels = Object.keys(this._channels);
    for (var i = 0; i < channels.length; i++) {
      var list = this._channels[channels[i]];
      for (var j = 0; j < list.length; j++) if (list[j].id === id) return list[j];
    }
    return null;
  };

  HappnClient.prototype._offListener = function (id) {
    var self = this;
    var listener = this._findListener(id);
    if (!listener) return Promise.resolve();
    var sub = this._dropListener(listener);
    if (!sub) return Promise.resolve();
    return sub.ready.then(
      function () {
        // Not active: the old session took its subscriptions with it, and _subs no longer holds this one.
        if (self.status !== STATE.ACTIVE) return;
        return self._dataRequest('off', sub.channel, null, { referenceId: sub.ref }, true);
      },
      function () {
        /* the subscription never existed on the server */
      }
    ).then(function () {
      return undefined;
    });
  };

  /** off(listenerId[, cb]): remove one listener. */
  HappnClient.prototype.off = function (id, cb) {
    if (id == null) return settle(Promise.reject(new Error('handle cannot be null')), cb);
    if (typeof id !== 'number') return settle(Promise.reject(new Error('handle must be a number')), cb);
    return settle(this._offListener(id), cb);
  };

  /** offPath(path[, cb]): remove every listener whose subscribed path matches path ('*' wildcards). */
  HappnClient.prototype.offPath = function (path, cb) {
    var self = this;
    if (isFunction(path)) {
      cb = path;
      path = '*';
    }
    if (path == null) path = '*';
    var ids = [];
    Object.keys(this._channels).forEach(function (channel) {
      if (!wildcardMatch(path, channelPath(channel))) return;
      self._channels[channel].forEach(function (l) {
        ids.push(l.id);
      });
    });
    return settle(
      Promise.all(ids.map(function (id) {
        return self._offListener(id);
      })).then(function () {
        return undefined;
      }),
      cb
    );
  };

  /** offAll([cb]): remove every listener; one `off *` clears all of the session's server subscriptions. */
  HappnClient.prototype.offAll = function (cb) {
    var self = this;
    var p = this._dataRequest('off', '*', null, { referenceId: 0 }).then(function () {
      self._channels = {};
      self._subs = {};
      return undefined;
    });
    return settle(p, cb);
  };

  // ---------------------------------------------------------------------------------------------
  // Publications, publish results, system messages
  // ---------------------------------------------------------------------------------------------

  HappnClient.prototype._onPublication = function (message) {
    var self = this;
    var meta = message._meta;
    if (meta.consistency === CONSISTENCY.ACKNOWLEDGED) {
      // Acknowledge first (even with no local listener left: the publisher waits for it), then run
      // the handlers; the dispatch chain keeps later publications behind this one.
      var acked = this._dataRequest('ack', undefined, meta.publicationId, undefined, true).then(
        function () {
          meta.acknowledged = true;
        },
        function (e) {
          meta.acknowledged = false;
          meta.acknowledgedError = e;
        }
      );
      this._enqueue(function () {
        return acked.then(function () {
          self._dispatch(message);
        });
      });
      return;
    }
    this._enqueue(function () {
      self._dispatch(message);
    });
  };

  // _enqueue runs publication work in arrival order; a failure never blocks the ones behind it.
  HappnClient.prototype._enqueue = function (work) {
    var self = this;
    this._dispatchTail = this._dispatchTail.then(work).catch(function (e) {
      self.emit('error', e);
    });
  };

  HappnClient.prototype._dispatch = function (message) {
    var self = this;
    var meta = message._meta;
    var listeners = this._channels[meta.channel];
    if (!listeners) return; // channel must equal ours verbatim; anything else is not for us
    listeners.slice().forEach(function (listener) {
      if (listener.dropped) return;
      if (listener.variableDepth && listener.depth < meta.depth) return;
      listener.runs++;
      if (listener.count > 0 && listener.runs > listener.count) return;
      if (listener.count > 0 && listener.runs === listener.count) {
        self._offListener(listener.id).catch(function (e) {
          self.emit('error', e);
        });
      }
      try {
        listener.handler(cloneJSON(message.data), Object.assign({}, meta));
      } catch (e) {
        rethrowLater(e);
      }
    });
  };

  HappnClient.prototype._onPublishResult = function (message) {
    var handler = this._ackHandlers[message.id];
    if (!handler) return;
    if (message.status === 'error') handler(errorWith(String(message.error || 'publication failed')), message.result);
    else handler(null, message.result);
  };

  HappnClient.prototype._onSystemMessage = function (message) {
    if (message.eventKey === 'server-side-disconnect') {
      this._sessionEnded = true;
      this.status = STATE.DISCONNECTED;
      this.emit('session-ended', message.data);
    } else if (message.eventKey === 'security-data-changed') {
      this._onSecurityChange(message.data || {});
    }
    this._systemHandlers.slice().forEach(function (fn) {
      if (!fn) return;
      try {
        fn(message.eventKey, message.data);
      } catch (e) {
        rethrowLater(e);
      }
    });
  };

  // When the server changes permissions it silently drops subscriptions that are no longer allowed.
  // For channels touched by the change we ask again: a 401/403 means the listeners are gone.
  HappnClient.prototype._onSecurityChange = function (data) {
    var self = this;
    var what = data.whatHappnd;
    var changed = data.changedData || {};
    var touched = [];
    var mentionsOn = function (list) {
      return Array.isArray(list) && (list.indexOf('on') > -1 || list.indexOf('*') > -1);
    };
    if (what === 'permission-removed' && (changed.action === 'on' || changed.action === '*')) touched.push(changed.path);
    if ((what === 'upsert-group' || what === 'upsert-user' || what === 'unlink-group') && isObject(changed.permissions)) {
      Object.keys(changed.permissions).forEach(function (permPath) {
        var perm = changed.permissions[permPath] || {};
        if (mentionsOn(perm.prohibit)) {
          // Prohibited outright: drop local listeners on exactly that path.
          Object.keys(self._channels).forEach(function (channel) {
            if (channelPath(channel) === permPath) self._channels[channel].slice().forEach(function (l) {
              self._dropListener(l);
            });
          });
        } else if (mentionsOn(perm.actions) && (what === 'unlink-group' || perm.remove)) {
          touched.push(permPath);
        }
      });
    }
    if (!touched.length) return;
    Object.keys(this._subs).forEach(function (key) {
      var sub = self._subs[key];
      var affected = touched.some(function (p) {
        return typeof p === 'string' && sub.channel.slice(-p.length) === p;
      });
      if (affected) self._recheck(sub);
    });
  };

  HappnClient.prototype._recheck = function (sub) {
    var self = this;
    var oldRef = sub.ref;
    this._dataRequest('on', sub.channel, null, resubscribeOptions(sub.options), true).then(
      function (response) {
        sub.ref = response.id;
        if (oldRef != null && oldRef !== sub.ref)
          self._dataRequest('off', sub.channel, null, { referenceId: oldRef }, true).catch(function () {});
      },
      function (e) {
        if (e.code === 401 || e.code === 403) self._forgetSub(sub);
      }
    );
  };

  HappnClient.prototype._forgetSub = function (sub) {
    var self = this;
    if (this._subs[sub.key] === sub) delete this._subs[sub.key];
    var list = this._channels[sub.channel] || [];
    list.slice().forEach(function (l) {
      if (l.sub === sub) self._dropListener(l);
    });
  };

  // On reconnect and re-checks a subscription is recreated with its options minus the one-shot
  // initial-value requests. Differs from happn-3, which keeps only `meta` and so loses event_type,
  // depth and merge on the new server subscription.
  function resubscribeOptions(options) {
    var o = Object.assign({}, options);
    delete o.initialEmit;
    delete o.initialCallback;
    return o;
  }

  // ---------------------------------------------------------------------------------------------
  // Connection loss and reconnect
  // ---------------------------------------------------------------------------------------------

  HappnClient.prototype._onClose = function (conn, info) {
    if (conn !== this._conn) return;
    this._conn = null;
    this._sessionId = null;
    // Differs from happn-3: requests in flight fail now instead of after callTimeout, with the
    // reason when the client itself ended the connection (a frame that did not open).
    var err = info.error
      ? errorWith('connection closed: ' + info.error.message, { code: 'ECONNRESET' })
      : errorWith('connection closed before a response arrived', { code: 'ECONNRESET' });
    this._failPending(err);
    this._failAckHandlers(err);
    // A connect or reconnect attempt that never logged in is reported by whoever started it.
    if (!conn.loggedIn) return;
    this.emit('connection-ended', this.session ? this.session.id : undefined);
    if (this._closing || this._reconnecting) return;
    this.status = STATE.DISCONNECTED;
    if (info.serverClosed || this._sessionEnded || !this.options.reconnect) return;
    this._reconnectLoop();
  };

  HappnClient.prototype._backoff = function (attemptNo) {
    var r = this.options.reconnect;
    if (attemptNo <= 1) return r.min;
    // Jitter spreads a crowd of clients that lost the same server.
    var d = r.min * Math.pow(r.factor, attemptNo - 1) * (1 + Math.random() * 0.5);
    return Math.round(Math.max(r.min, Math.min(d, r.max)));
  };

  HappnClient.prototype._sleepCancellable = function (ms) {
    var self = this;
    return new Promise(function (resolve) {
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        self._wake = null;
        resolve();
      }
      self._wake = done;
    });
  };

  HappnClient.prototype._reconnectLoop = function () {
    var self = this;
    var r = this.options.reconnect;
    this._reconnecting = true;
    var attemptNo = 0;
    function next() {
      if (self._closing || self._sessionEnded) return finish(STATE.DISCONNECTED);
      attemptNo++;
      if (attemptNo > r.retries) {
        self.emit('reconnect-timeout', { err: new Error('reconnect retries exhausted'), opts: { attempt: attemptNo - 1, retries: r.retries } });
        return finish(STATE.DISCONNECTED);
      }
      var delay = self._backoff(attemptNo);
      self.status = STATE.RECONNECTING;
      self.emit('reconnect-scheduled', { attempt: attemptNo, scheduled: delay, retries: r.retries, min: r.min, max: r.max, factor: r.factor });
      return self._sleepCancellable(delay).then(function () {
        if (self._closing || self._sessionEnded) return finish(STATE.DISCONNECTED);
        self.status = STATE.RECONNECT_ACTIVE;
        self.emit('reconnect', { attempt: attemptNo });
        var loggedIn = false;
        return self
          ._establish()
          .then(function () {
            loggedIn = true;
            return self._resubscribe();
          })
          .then(
            function () {
              finish(STATE.ACTIVE);
              self.emit('reconnect-successful', { attempt: attemptNo });
            },
            function (e) {
              if (self._conn) self._conn.close();
              if (self._closing || self._sessionEnded) return finish(STATE.DISCONNECTED);
              self.emit('reconnect-error', { reason: loggedIn ? 'reattach-listeners-failed' : 'connect-failed', error: e });
              return next();
            }
          );
      });
    }
    function finish(status) {
      self._reconnecting = false;
      self.status = status;
    }
    return next();
  };

  // _resubscribe recreates every server subscription on the new session. A 401/403 means the user
  // may no longer listen there: those listeners are dropped, as happn-3 does.
  HappnClient.prototype._resubscribe = function () {
    var self = this;
    return Promise.all(
      Object.keys(this._subs).map(function (key) {
        var sub = self._subs[key];
        var ready = self._dataRequest('on', sub.channel, null, resubscribeOptions(sub.options), true).then(
          function (response) {
            sub.ref = response.id;
          },
          function (e) {
            if (e.code === 401 || e.code === 403) return self._forgetSub(sub);
            throw e;
          }
        );
        sub.ready = ready.catch(function () {});
        return ready;
      })
    );
  };

  // ---------------------------------------------------------------------------------------------
  // Client events and lifecycle
  // ---------------------------------------------------------------------------------------------

  /**
   * onEvent(name, fn) → id; events: connection-ended, reconnect-scheduled, reconnect,
   * reconnect-successful, reconnect-error, reconnect-timeout, session-ended, connect-error, error.
   */
  HappnClient.prototype.onEvent = function (name, fn) {
    if (!name) throw new Error('event name cannot be blank or null');
    if (!isFunction(fn)) throw new Error('event handler must be a function');
    var list = (this._eventHandlers[name] = this._eventHandlers[name] || []);
    list.push(fn);
    return name + '|' + (list.length - 1);
  };

  /** offEvent(id) removes a handler added with onEvent. */
  HappnClient.prototype.offEvent = function (id) {
    var cut = String(id).lastIndexOf('|');
    var list = this._eventHandlers[String(id).substring(0, cut)];
    var index = parseInt(String(id).substring(cut + 1), 10);
    if (list && index >= 0 && index < list.length) list[index] = null;
  };

  /** emit(name, data) calls the onEvent handlers for name. */
  HappnClient.prototype.emit = function (name, data) {
    (this._eventHandlers[name] || []).slice().forEach(function (fn) {
      if (!fn) return;
      try {
        fn(data);
      } catch (e) {
        rethrowLater(e);
      }
    });
  };

  /** onSystemMessage(fn(eventKey, data)) → index, for server-side-disconnect and security-data-changed. */
  HappnClient.prototype.onSystemMessage = function (fn) {
    this._systemHandlers.push(fn);
    return this._systemHandlers.length - 1;
  };

  /** offSystemMessage(index) removes a handler added with onSystemMessage. */
  HappnClient.prototype.offSystemMessage = function (index) {
    if (index >= 0 && index < this._systemHandlers.length) this._systemHandlers[index] = null;
  };

  /**
   * disconnect([options][, cb]) ends the connection for good. options: revokeToken (revoke the
   * session token first; revokeSession is an alias), disconnectChildSessions, deleteCookie.
   */
  HappnClient.prototype.disconnect = function (options, cb) {
    if (isFunction(options)) {
      cb = options;
      options = {};
    }
    options = options || {};
    var self = this;
    this._closing = true;
    if (this._wake) this._wake();
    if (options.deleteCookie) this._expireCookie();
    var conn = this._conn;
    var firstError = null;
    var work = Promise.resolve();
    if (conn && conn.isOpen()) {
      if (options.revokeToken || options.revokeSession)
        work = work.then(function () {
          return self._systemRequest('revoke-token', null).catch(function (e) {
            firstError = firstError || e;
          });
        });
      if (options.disconnectChildSessions)
        work = work.then(function () {
          return self._systemRequest('disconnect-child-sessions', null).catch(function () {});
        });
    }
    var p = work
      .then(function () {
        return conn ? conn.close() : undefined;
      })
      .then(function () {
        self._failPending(new Error('client disconnected'));
        self._failAckHandlers(new Error('client disconnected'));
        self._channels = {};
        self._subs = {};
        self.status = STATE.DISCONNECTED;
        if (firstError) throw firstError;
      });
    return settle(p, cb);
  };

  /** logout([cb]) = disconnect({revokeToken: true}). */
  HappnClient.prototype.logout = function (cb) {
    return this.disconnect({ revokeToken: true }, cb);
  };

  root.HappnClient = HappnClient;
  if (typeof module === 'object' && module && module.exports) module.exports = HappnClient;
})(typeof window !== 'undefined' ? window : typeof self !== 'undefined' ? self : globalThis);
