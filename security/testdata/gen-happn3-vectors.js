// Regenerates the happn-3 compatibility vectors in this directory with the
// real happn-3 dependencies (run from the repo root after `npm ci` in compat/):
//
//   NODE_PATH=compat/node_modules node security/testdata/gen-happn3-vectors.js
//
// happn3-passwords.json: hashes made by happn-password-hash-and-salt, the
// library happn-3 stores user passwords with (SPEC §7.5).
// happn3-digest.json: an RSA key pair, nonce and signature made by
// happn-util-crypto, the library the happn-3 client signs digest-login
// nonces with (SPEC §7.4), plus the same key in PKIX form.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const hashsalt = require('happn-password-hash-and-salt');
const Crypto = require('happn-util-crypto');

const salt = crypto.createHash('sha512').update('happn-go test salt').digest('hex'); // 64 bytes, as happn-3

function hash(pw, iterations, digest) {
  return new Promise((resolve, reject) =>
    hashsalt(pw, iterations).hash(salt, (e, r) => (e ? reject(e) : resolve(r)), digest)
  );
}

function verify(pw, stored) {
  return new Promise((resolve, reject) =>
    hashsalt(pw).verifyAgainst(stored, (e, r) => (e ? reject(e) : resolve(r)))
  );
}

(async () => {
  const passwords = [
    { password: 'happn', hash: await hash('happn', 10000, 'sha512') },
    { password: 'p@ssw0rd ünïcödé', hash: await hash('p@ssw0rd ünïcödé', 1000, 'sha256') },
    // Hashes stored before the digest field existed are SHA-1 and lack the 5th field.
    { password: 'secret', hash: (await hash('secret', 1000, 'sha1')).replace(/\$sha1$/, '') },
  ];
  for (const p of passwords) {
    if (!(await verify(p.password, p.hash))) throw new Error('happn-3 rejects its own hash');
  }
  fs.writeFileSync(path.join(__dirname, 'happn3-passwords.json'), JSON.stringify(passwords, null, 2) + '\n');

  const c = new Crypto();
  const keyPair = c.createKeyPair(); // PEM, pkcs1, 2048 bits: what a happn-3 client is given
  const nonce = c.generateNonce(); // base64 of a SHA-256, as the server's request-nonce returns
  const digest = c.sign(nonce, keyPair.privateKey); // what the client sends as credentials.digest
  if (!c.verify(nonce, digest, keyPair.publicKey)) throw new Error('happn-util-crypto rejects its own digest');
  const pkix = crypto.createPublicKey(keyPair.publicKey).export({ type: 'spki', format: 'pem' });
  const nativeDigest = crypto.sign('RSA-SHA256', Buffer.from(nonce, 'base64'), keyPair.privateKey).toString('base64');
  const digestVectors = {
    publicKeyPKCS1: keyPair.publicKey,
    publicKeyPKIX: pkix,
    nonce,
    digest,
    nodeCryptoSignDigest: nativeDigest,
  };
  fs.writeFileSync(path.join(__dirname, 'happn3-digest.json'), JSON.stringify(digestVectors, null, 2) + '\n');
})().catch(e => {
  console.error(e);
  process.exit(1);
});
