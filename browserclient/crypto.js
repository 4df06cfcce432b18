// Crypto, as happn-3's browser client uses it for key-pair (digest) logins: served by happn for
// Go at /browser_crypto.js, which that client fetches from the server it connects to.
//
//   new Crypto().sign(nonce, privateKeyPEM [, 'base64'])  → base64 RSA-SHA256 signature
//
// It signs synchronously, as the client expects, so it cannot use WebCrypto (asynchronous): it
// is a small RSASSA-PKCS1-v1_5 signer with SHA-256 over BigInt, for "RSA PRIVATE KEY" (PKCS#1,
// what happn-3's createKeyPair writes) and "PRIVATE KEY" (PKCS#8) PEM keys. Our own browser client
// does not need it: it signs with WebCrypto.
(function (root) {
  'use strict';

  // SHA-256 (FIPS 180-4) of a Uint8Array.
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function sha256(msg) {
    var h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    var bitLen = msg.length * 8;
    var padded = new Uint8Array(((msg.length + 9 + 63) >> 6) << 6);
    padded.set(msg);
    padded[msg.length] = 0x80;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
    view.setUint32(padded.length - 4, bitLen >>> 0);
    var w = new Uint32Array(64);
    for (var off = 0; off < padded.length; off += 64) {
      for (var i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
      for (i = 16; i < 64; i++) {
        var x = w[i - 15],
          y = w[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (k + S1 + ch + K[i] + w[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        k = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new Uint8Array(32);
    var ov = new DataView(out.buffer);
    for (i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]);
    return out;
  }

  function fromBase64(s) {
    var bin = root.atob(s.replace(/\s+/g, ''));
    var b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b;
  }

  function toBase64(b) {
    var s = '';
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return root.btoa(s);
  }

  // DER: read one TLV at off; returns {tag, start, end} of its contents.
  function tlv(der, off) {
    var tag = der[off++];
    var len = der[off++];
    if (len & 0x80) {
      var n = len & 0x7f;
      len = 0;
      while (n--) len = len * 256 + der[off++];
    }
    if (off + len > der.length) throw new Error('crypto: truncated key');
    return { tag: tag, start: off, end: off + len };
  }

  function bigint(der, t) {
    var v = 0n;
    for (var i = t.start; i < t.end; i++) v = (v << 8n) | BigInt(der[i]);
    return v;
  }

  // rsaKey parses a PKCS#1 RSAPrivateKey (or one inside PKCS#8) into BigInts.
  function rsaKey(pem) {
    var m = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]*?)-----END (RSA )?PRIVATE KEY-----/.exec(pem);
    if (!m) throw new Error('crypto: the private key is not a PEM RSA PRIVATE KEY or PRIVATE KEY');
    var der = fromBase64(m[2]);
    var seq = tlv(der, 0);
    if (!m[1]) {
      // PKCS#8: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING { RSAPrivateKey } }
      var ver = tlv(der, seq.start);
      var alg = tlv(der, ver.end);
      var oct = tlv(der, alg.end);
      der = der.subarray(oct.start, oct.end);
      seq = tlv(der, 0);
    }
    var fields = [];
    for (var off = seq.start; off < seq.end && fields.length < 9; ) {
      var t = tlv(der, off);
      fields.push(bigint(der, t));
      off = t.end;
    }
    if (fields.length < 9) throw new Error('crypto: malformed RSA private key');
    return { n: fields[1], d: fields[3], p: fields[4], q: fields[5], dp: fields[6], dq: fields[7], qinv: fields[8] };
  }

  function modpow(b, e, m) {
    var r = 1n;
    b %= m;
    while (e > 0n) {
      if (e & 1n) r = (r * b) % m;
      b = (b * b) % m;
      e >>= 1n;
    }
    return r;
  }

  // DigestInfo prefix of a SHA-256 hash (RFC 8017 §9.2, note 1).
  var SHA256_PREFIX = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

  function signPKCS1(message, pem) {
    var key = rsaKey(pem);
    var k = (key.n.toString(16).length + 1) >> 1; // modulus length in bytes
    var hash = sha256(message);
    var tLen = SHA256_PREFIX.length + hash.length;
    if (k < tLen + 11) throw new Error('crypto: RSA key too short');
    var em = new Uint8Array(k);
    em[1] = 0x01;
    for (var i = 2; i < k - tLen - 1; i++) em[i] = 0xff;
    em.set(SHA256_PREFIX, k - tLen);
    em.set(hash, k - hash.length);
    var m = 0n;
    for (i = 0; i < k; i++) m = (m << 8n) | BigInt(em[i]);
    // CRT: s = m^d mod n from its residues mod p and q.
    var s1 = modpow(m, key.dp, key.p);
    var s2 = modpow(m, key.dq, key.q);
    var h = (key.qinv * (((s1 - s2) % key.p) + key.p)) % key.p;
    var s = s2 + h * key.q;
    var out = new Uint8Array(k);
    for (i = k - 1; i >= 0; i--) {
      out[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    return out;
  }

  function Crypto() {}

  // sign returns the base64 RSA-SHA256 signature of hash, given as a string in hashEncoding
  // ('base64', the default, or 'utf8') or as bytes.
  Crypto.prototype.sign = function (hash, privateKey, hashEncoding) {
    var bytes = hash;
    if (typeof hash === 'string') {
      bytes = (hashEncoding || 'base64') === 'base64' ? fromBase64(hash) : new TextEncoder().encode(hash);
    }
    return toBase64(signPKCS1(bytes, privateKey));
  };

  Crypto.sha256 = sha256;
  root.Crypto = Crypto;
})(typeof window !== 'undefined' ? window : this);
