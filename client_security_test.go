package happn_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

func TestClientDigestLogin(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	cfg := secureConfig()
	cfg.Users = append(cfg.Users, security.User{Username: "kim", PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), Groups: []string{"readers"}})
	_, url := secureServer(t, cfg)
	c := secDial(t, url, happn.WithKeyPair("kim", key))
	if _, err := c.Get(secCtx(t), "/shared/x"); err != nil {
		t.Fatalf("a digest-logged-in reader cannot read: %v", err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, err := happn.Dial(secCtx(t), url, happn.WithKeyPair("kim", other), happn.WithoutReconnect()); !errors.Is(err, happn.ErrInvalidCredentials) {
		t.Fatalf("digest login with the wrong key: %v, want 401", err)
	}
}

func TestClientRevokeToken(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	var parentEvents, childEvents connEvents
	parent := secDial(t, url, happn.WithCredentials("alice", "alice-pw"), happn.WithConnectionEvents(parentEvents.record))
	token := parent.Token()
	if token == "" {
		t.Fatal("no session token")
	}
	child := secDial(t, url, happn.WithToken(token), happn.WithConnectionEvents(childEvents.record))
	if err := parent.RevokeToken(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the revoking session to end", func() bool { return parentEvents.has(happn.SessionEnded) })
	waitFor(t, "the token's other session to end", func() bool { return childEvents.has(happn.SessionEnded) })
	if _, err := child.Get(ctx, "/shared/x"); !errors.Is(err, happn.ErrSessionEnded) {
		t.Fatalf("call after revocation: %v", err)
	}
	if _, err := happn.Dial(ctx, url, happn.WithToken(token), happn.WithoutReconnect()); !errors.Is(err, happn.ErrAccessDenied) {
		t.Fatalf("login with a revoked token: %v, want AccessDenied", err)
	}
}

// TestRefuseTTL0Revocations: with RefuseTTL0Revocations (happn-3's
// allowTTL0Revocations: false), revoking a token without a ttl fails with
// happn-3's message and the token keeps working; one with a ttl is
// revoked as always.
func TestRefuseTTL0Revocations(t *testing.T) {
	cfg := secureConfig()
	cfg.RefuseTTL0Revocations = true
	cfg.Profiles = []security.Profile{
		{Name: "bounded", Session: json.RawMessage(`{"user.username":"alice"}`), Policy: security.Policy{TTL: security.Duration(time.Hour)}},
		{Name: "unbounded", Policy: security.Policy{TTL: 0}},
	}
	_, url := secureServer(t, cfg)
	ctx := secCtx(t)
	rita := secDial(t, url, happn.WithCredentials("rita", "rita-pw"))
	err := rita.RevokeToken(ctx)
	if err == nil || !strings.Contains(err.Error(), "revoking a token without a ttl means it stays in the revocation list forever") {
		t.Fatalf("revoking a token without a ttl: %v", err)
	}
	if _, err := happn.Dial(ctx, url, happn.WithToken(rita.Token()), happn.WithoutReconnect()); err != nil {
		t.Fatalf("the token whose revocation was refused no longer logs in: %v", err)
	}
	alice := secDial(t, url, happn.WithCredentials("alice", "alice-pw"))
	if err := alice.RevokeToken(ctx); err != nil {
		t.Fatalf("revoking a token with a ttl: %v", err)
	}
}

func TestClientDisconnectChildSessions(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	var childEvents connEvents
	parent := secDial(t, url, happn.WithCredentials("alice", "alice-pw"))
	secDial(t, url, happn.WithToken(parent.Token()), happn.WithConnectionEvents(childEvents.record))
	if err := parent.DisconnectChildSessions(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the child session to end", func() bool { return childEvents.has(happn.SessionEnded) })
	if _, err := parent.Get(ctx, "/shared/x"); err != nil {
		t.Fatalf("the parent session ended too: %v", err)
	}
}

func TestClientChangePassword(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	c := secDial(t, url, happn.WithCredentials("rita", "rita-pw"))
	if err := c.ChangePassword(ctx, "wrong", "x"); err == nil {
		t.Fatal("changed the password with a wrong old one")
	}
	if err := c.ChangePassword(ctx, "rita-pw", "new-pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := happn.Dial(ctx, url, happn.WithCredentials("rita", "rita-pw"), happn.WithoutReconnect()); !errors.Is(err, happn.ErrInvalidCredentials) {
		t.Fatalf("old password still works: %v", err)
	}
	secDial(t, url, happn.WithCredentials("rita", "new-pw"))
}
