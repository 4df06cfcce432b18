package security

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
)

// Digest (key pair) login, SPEC §7.4: the client asks for a nonce for its
// public key, signs the nonce with its private key, and logs in with the
// signature as "digest". The server checks that the public key is the
// user's and that the signature verifies.

// ErrDigestInvalid is wrapped by every error of VerifyDigest.
var ErrDigestInvalid = errors.New("security: invalid login digest")

// maxRSABits bounds the cost of verifying with a key a client supplied.
const maxRSABits = 16384

// NewNonce returns a fresh nonce for a digest login: standard base64 of 32
// random bytes, the shape of happn-3's (base64 of a SHA-256).
func NewNonce() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// VerifyDigest returns nil when digest, standard base64, is an RSA
// PKCS #1 v1.5 signature with SHA-256 over the base64-decoded bytes of
// nonce, made by the private key of publicKeyPEM. That is what the happn-3
// client's happn-util-crypto sign(nonce, privateKey) produces.
// publicKeyPEM may be PKCS #1 ("RSA PUBLIC KEY", what happn-3 clients
// generate) or PKIX ("PUBLIC KEY") holding an RSA key.
//
// Checking that publicKeyPEM is the user's registered key, and that the
// nonce was issued for it and has not expired, is the caller's job.
func VerifyDigest(publicKeyPEM, nonce, digest string) error {
	pub, err := parseRSAPublicKey(publicKeyPEM)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDigestInvalid, err)
	}
	msg, err := base64.StdEncoding.DecodeString(nonce)
	if err != nil || len(msg) == 0 {
		return fmt.Errorf("%w: nonce is not base64", ErrDigestInvalid)
	}
	sig, err := base64.StdEncoding.DecodeString(digest)
	if err != nil {
		return fmt.Errorf("%w: digest is not base64", ErrDigestInvalid)
	}
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: signature does not verify", ErrDigestInvalid)
	}
	return nil
}

// parseRSAPublicKey reads the first PEM block of s as an RSA public key.
func parseRSAPublicKey(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("public key is not PEM")
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		pub = k
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, not RSA", k)
		}
		pub = rk
	default:
		return nil, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	if pub.N.BitLen() > maxRSABits {
		return nil, fmt.Errorf("RSA key of %d bits is too large", pub.N.BitLen())
	}
	return pub, nil
}
