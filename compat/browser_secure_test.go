package compat

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store/memstore"
)

// secureGoServer is a secure Go server whose security service the test
// holds, to change the directory while clients are connected.
type secureGoServer struct {
	url string
	svc *security.Service
}

// secureServer starts a secure Go server, in memory, on a free loopback
// port; _ADMIN has password and users are created at start.
func secureServer(t *testing.T, password string, users ...security.User) *secureGoServer {
	t.Helper()
	const name = "compat-secure"
	st := memstore.New()
	svc, err := security.New(context.Background(), security.Config{Store: st, Name: name, AdminPassword: password, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	host, port := serve(t, happn.Config{Name: name, Store: st, Security: svc})
	return &secureGoServer{url: "http://" + net.JoinHostPort(host, port), svc: svc}
}

// addLimitedUser creates a user in a group that may only get, set and on
// paths matching pattern.
func (s *secureGoServer) addLimitedUser(ctx context.Context, username, password, group, pattern string) error {
	if _, err := s.svc.UpsertGroup(ctx, security.Group{
		Name:        group,
		Permissions: security.Permissions{pattern: {Actions: []string{"get", "set", "on"}}},
	}); err != nil {
		return err
	}
	if _, err := s.svc.UpsertUser(ctx, security.User{Username: username, Password: password}); err != nil {
		return err
	}
	return s.svc.LinkGroup(ctx, group, username)
}

// digestKeys is an RSA key pair for digest (key-pair) logins, written as
// PEM files for the browser harness.
type digestKeys struct {
	publicPEM            string
	privateFile, pubFile string
}

// newDigestKeys generates a key pair and writes it under t.TempDir().
func newDigestKeys(t *testing.T) digestKeys {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	k := digestKeys{
		publicPEM:   string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		privateFile: filepath.Join(dir, "priv.pem"),
		pubFile:     filepath.Join(dir, "pub.pem"),
	}
	if err := os.WriteFile(k.privateFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k.pubFile, []byte(k.publicPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}
