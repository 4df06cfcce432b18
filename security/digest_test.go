package security

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"testing"
)

// happn3Digest is a key pair login made by the real happn-3 client library
// (testdata/gen-happn3-vectors.js).
type happn3Digest struct {
	PublicKeyPKCS1       string
	PublicKeyPKIX        string
	Nonce                string
	Digest               string
	NodeCryptoSignDigest string
}

func loadHappn3Digest(t *testing.T) happn3Digest {
	t.Helper()
	b, err := os.ReadFile("testdata/happn3-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	var v happn3Digest
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.PublicKeyPKCS1 == "" || v.Nonce == "" || v.Digest == "" {
		t.Fatal("incomplete vector")
	}
	return v
}

func TestVerifyDigestHappn3Client(t *testing.T) {
	v := loadHappn3Digest(t)
	for name, key := range map[string]string{"pkcs1": v.PublicKeyPKCS1, "pkix": v.PublicKeyPKIX} {
		for _, digest := range []string{v.Digest, v.NodeCryptoSignDigest} {
			if err := VerifyDigest(key, v.Nonce, digest); err != nil {
				t.Errorf("%s: VerifyDigest = %v", name, err)
			}
		}
	}
}

func TestVerifyDigestRejects(t *testing.T) {
	v := loadHappn3Digest(t)
	otherNonce, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&other.PublicKey)}))
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))
	sig, _ := base64.StdEncoding.DecodeString(v.Digest)
	sig[10] ^= 1
	// Signing the nonce string rather than its decoded bytes is the
	// mistake a client could make; it must not verify.
	sum := sha256.Sum256([]byte(v.Nonce))
	wrongInput, _ := rsa.SignPKCS1v15(rand.Reader, other, crypto.SHA256, sum[:])

	tests := []struct {
		name, key, nonce, digest string
	}{
		{"other nonce", v.PublicKeyPKCS1, otherNonce, v.Digest},
		{"other key", otherPEM, v.Nonce, v.Digest},
		{"flipped bit", v.PublicKeyPKCS1, v.Nonce, base64.StdEncoding.EncodeToString(sig)},
		{"empty digest", v.PublicKeyPKCS1, v.Nonce, ""},
		{"digest not base64", v.PublicKeyPKCS1, v.Nonce, "!!!"},
		{"nonce not base64", v.PublicKeyPKCS1, "not base64!", v.Digest},
		{"empty nonce", v.PublicKeyPKCS1, "", v.Digest},
		{"key not PEM", "MIIBCgKCAQEA", v.Nonce, v.Digest},
		{"private key block", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", v.Nonce, v.Digest},
		{"EC key", ecPEM, v.Nonce, v.Digest},
		{"signed the nonce text", otherPEM, v.Nonce, base64.StdEncoding.EncodeToString(wrongInput)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyDigest(tt.key, tt.nonce, tt.digest); !errors.Is(err, ErrDigestInvalid) {
				t.Fatalf("err = %v, want ErrDigestInvalid", err)
			}
		})
	}
}

func TestVerifyDigestGoSigner(t *testing.T) {
	// A Go client signing the way happn-util-crypto does.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	nonce, _ := NewNonce()
	raw, _ := base64.StdEncoding.DecodeString(nonce)
	sum := sha256.Sum256(raw)
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err := VerifyDigest(pub, nonce, base64.StdEncoding.EncodeToString(sig)); err != nil {
		t.Fatal(err)
	}
}

func TestNewNonce(t *testing.T) {
	a, err := NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewNonce()
	raw, err := base64.StdEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 || a == b {
		t.Fatalf("nonces %q, %q: want distinct base64 of 32 bytes", a, b)
	}
}

func FuzzVerifyDigest(f *testing.F) {
	f.Add("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n", "AAAA", "AAAA")
	f.Add("-----BEGIN RSA PUBLIC KEY-----\nMAgCAQACAwEAAQ==\n-----END RSA PUBLIC KEY-----\n", "AAAA", "AAAA")
	f.Fuzz(func(t *testing.T, key, nonce, digest string) {
		if err := VerifyDigest(key, nonce, digest); err == nil {
			t.Fatalf("random input verified: %q %q %q", key, nonce, digest)
		} else if !errors.Is(err, ErrDigestInvalid) {
			t.Fatalf("error %v does not wrap ErrDigestInvalid", err)
		}
	})
}
