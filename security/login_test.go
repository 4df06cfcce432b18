package security

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn/store/memstore"
)

func tokenLogin(s *Service, token string, typ int, session string) (*Identity, error) {
	return s.Login(context.Background(), LoginRequest{Credentials: Credentials{Token: token}, SessionID: session, Type: typ})
}

func TestTokenLogin(t *testing.T) {
	s := directoryForAuthz(t, Config{})
	first := mustLogin(t, s, "alice", "pw")
	id, err := tokenLogin(s, first.Token, 1, "second")
	if err != nil {
		t.Fatal(err)
	}
	if id.ParentID != first.SessionID || id.Token != first.Token || id.SessionID != "second" || id.Username != "alice" {
		t.Fatalf("token login identity = %+v", id)
	}
	if err := s.Authorize(context.Background(), id, "get", "/shared/a"); err != nil {
		t.Fatal(err)
	}
	// A token of a stateful login does not log in a stateless session.
	_, err = tokenLogin(s, first.Token, 0, "third")
	wantError(t, err, 403, "token was created using the login type 1, which does not match how the new token is to be created")
}

// TestTokenAttacks: forged, truncated, altered, expired, revoked and
// orphaned tokens are refused.
func TestTokenAttacks(t *testing.T) {
	st := memstore.New()
	s := directoryForAuthz(t, Config{})
	_ = st
	good := mustLogin(t, s, "alice", "pw").Token
	otherSecret, _ := GenerateSecret()
	forged, _ := SignToken(otherSecret, Claims{SessionID: "x", ParentID: "x", Username: AdminName, Type: 1})
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	swapped := strings.Replace(string(payload), `"username":"alice"`, `"username":"_ADMIN"`, 1)
	altered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(swapped)) + "." + parts[2]
	noneAlg := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	cases := []struct {
		name, token string
		code        int
		msg         string
	}{
		{"forged with another secret", forged, 401, "Invalid credentials: invalid session token"},
		{"truncated", good[:len(good)-5], 401, "Invalid credentials: invalid session token"},
		{"payload altered", altered, 401, "Invalid credentials: invalid session token"},
		{"alg none", noneAlg, 401, "Invalid credentials: invalid session token"},
		{"two parts", parts[0] + "." + parts[1], 401, "Invalid credentials: invalid session token"},
		{"empty-ish", ".", 401, "Invalid credentials: invalid session token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tokenLogin(s, c.token, 1, "s")
			wantError(t, err, c.code, c.msg)
		})
	}

	t.Run("expired", func(t *testing.T) {
		s := newService(t, nil, Config{
			Users:    []User{{Username: "short", Password: "pw"}},
			Profiles: []Profile{{Name: "short", Session: json.RawMessage(`{"user.username":"short"}`), Policy: Policy{TTL: Duration(50 * time.Millisecond)}}},
		})
		tok := mustLogin(t, s, "short", "pw").Token
		time.Sleep(80 * time.Millisecond)
		_, err := tokenLogin(s, tok, 1, "s")
		wantError(t, err, 401, "expired session token")
	})
	t.Run("user deleted and created again", func(t *testing.T) {
		ctx := context.Background()
		s := newService(t, nil, Config{Users: []User{{Username: "bob", Password: "pw"}}})
		tok := mustLogin(t, s, "bob", "pw").Token
		if err := s.DeleteUser(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		_, err := tokenLogin(s, tok, 1, "s")
		wantError(t, err, 401, "Invalid credentials")
		if _, err := s.UpsertUser(ctx, User{Username: "bob", Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		_, err = tokenLogin(s, tok, 1, "s")
		wantError(t, err, 403, "token userid does not match userid for username: bob")
	})
	t.Run("disallowed by policy", func(t *testing.T) {
		s := newService(t, nil, Config{
			Users:    []User{{Username: "bob", Password: "pw"}},
			Profiles: []Profile{{Name: "no", Session: json.RawMessage(`{"user.username":"bob"}`), Policy: Policy{DisallowTokenLogins: true}}},
		})
		_, err := tokenLogin(s, mustLogin(t, s, "bob", "pw").Token, 1, "s")
		wantError(t, err, 403, "logins with this token are disallowed by policy")
	})
	t.Run("locked to origin", func(t *testing.T) {
		st := memstore.New()
		cfg := Config{
			SessionTokenSecret: "shared-secret-between-nodes",
			Users:              []User{{Username: "bob", Password: "pw"}},
			Profiles:           []Profile{{Name: "lock", Session: json.RawMessage(`{"user.username":"bob"}`), Policy: Policy{LockTokenToOrigin: true}}},
		}
		a := newService(t, st, cfg)
		tok := mustLogin(t, a, "bob", "pw").Token
		cfg.Name = "another-server"
		b := newService(t, st, cfg)
		_, err := tokenLogin(b, tok, 1, "s")
		wantError(t, err, 403, "this token is locked to a different origin by policy")
		if _, err := tokenLogin(a, tok, 1, "s"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRevocation(t *testing.T) {
	st := memstore.New()
	ctx := context.Background()
	s := newService(t, st, Config{Users: []User{{Username: "bob", Password: "pw"}, {Username: "carol", Password: "pw"}},
		Groups: []Group{{Name: "g", Permissions: Permissions{"*": {Actions: []string{"get"}}}}}})
	s.LinkGroup(ctx, "g", "bob")
	var changes []Change
	s.OnChange(func(c Change) { changes = append(changes, c) })
	first := mustLogin(t, s, "bob", "pw")
	derived, err := tokenLogin(s, first.Token, 1, "derived")
	if err != nil {
		t.Fatal(err)
	}
	carol := mustLogin(t, s, "carol", "pw")
	if err := s.RevokeToken(ctx, first.Token, "CLIENT"); err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].End != "token-revoked" {
		t.Fatalf("changes = %+v", changes)
	}
	if !changes[0].Concerns(first) || !changes[0].Concerns(derived) || changes[0].Concerns(carol) {
		t.Fatal("revocation concerns the wrong sessions")
	}
	wantError(t, s.Authorize(ctx, derived, "get", "/x"), 403, "token has been revoked")
	_, err = tokenLogin(s, first.Token, 1, "again")
	wantError(t, err, 403, "token has been revoked")
	if err := s.Authorize(ctx, carol, "get", "/x"); err == nil || err.(*Error).Message != "unauthorized" {
		t.Fatalf("carol: %v", err)
	}

	// It survives a restart.
	s = newService(t, st, Config{})
	_, err = tokenLogin(s, first.Token, 1, "after-restart")
	wantError(t, err, 403, "token has been revoked")
	r := httptest.NewRequest("GET", "/x?happn_token="+first.Token, nil)
	if _, refusal := s.AuthorizeHTTP(r); refusal == nil || refusal.Status != 403 {
		t.Fatalf("HTTP with a revoked token: %+v", refusal)
	}
	// Other tokens still work.
	if _, err := tokenLogin(s, mustLogin(t, s, "bob", "pw").Token, 1, "fresh"); err != nil {
		t.Fatal(err)
	}
}

func rsaKeyPair(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	return key, string(pub)
}

func signNonce(t *testing.T, key *rsa.PrivateKey, nonce string) string {
	msg, _ := base64.StdEncoding.DecodeString(nonce)
	sum := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func TestDigestLogin(t *testing.T) {
	key, pub := rsaKeyPair(t)
	other, otherPub := rsaKeyPair(t)
	s := newService(t, nil, Config{Users: []User{{Username: "keyuser", PublicKey: pub}}})
	digestLogin := func(user, pub, digest string) (*Identity, error) {
		return s.Login(context.Background(), LoginRequest{Credentials: Credentials{Username: user, PublicKey: pub, Digest: digest, LoginType: "digest"}, SessionID: "d", Type: 1})
	}
	nonce, err := s.RequestNonce(pub)
	if err != nil {
		t.Fatal(err)
	}
	digest := signNonce(t, key, nonce)
	if _, err := digestLogin("keyuser", pub, digest); err != nil {
		t.Fatal(err)
	}
	// The nonce is spent: the same digest does not log in twice.
	_, err = digestLogin("keyuser", pub, digest)
	wantError(t, err, 401, "Invalid credentials")

	// Another key pair, even with a valid signature over its own nonce.
	n2, _ := s.RequestNonce(otherPub)
	_, err = digestLogin("keyuser", otherPub, signNonce(t, other, n2))
	wantError(t, err, 401, "Invalid credentials")
	// The right key, a signature over another nonce.
	n3, _ := s.RequestNonce(pub)
	_ = n3
	_, err = digestLogin("keyuser", pub, signNonce(t, key, n2))
	wantError(t, err, 401, "Invalid credentials")
	// No password login for a key-only user.
	_, err = login(s, "keyuser", "anything")
	wantError(t, err, 401, "Invalid credentials")
	if _, err := s.RequestNonce("not a key"); err == nil {
		t.Error("nonce for garbage key")
	}
}

func TestAuthorizeHTTP(t *testing.T) {
	s := directoryForAuthz(t, Config{})
	alice := mustLogin(t, s, "alice", "pw")
	reader := mustLogin(t, s, "reader", "pw")
	cases := []struct {
		name    string
		method  string
		target  string
		cookie  string
		bearer  string
		status  int
		message string
	}{
		{"no token", "GET", "/reports/x", "", "", 401, "invalid token format or null token"},
		{"garbage token", "GET", "/reports/x?happn_token=garbage", "", "", 401, "invalid token format or null token"},
		{"query token", "GET", "/reports/x?happn_token=" + alice.Token, "", "", 0, ""},
		{"cookie", "GET", "/reports/x", alice.Token, "", 0, ""},
		{"bearer", "GET", "/reports/x", "", alice.Token, 0, ""},
		{"wrong method", "POST", "/reports/x", alice.Token, "", 403, "unauthorized access to path /@HTTP/reports/x"},
		{"no permission", "GET", "/reports/x", reader.Token, "", 403, "unauthorized access to path /@HTTP/reports/x"},
		{"other path", "GET", "/admin", alice.Token, "", 403, "unauthorized access to path /@HTTP/admin"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.target, nil)
			if c.cookie != "" {
				r.Header.Set("Cookie", "happn_token="+c.cookie)
			}
			if c.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+c.bearer)
			}
			id, refusal := s.AuthorizeHTTP(r)
			if c.status == 0 {
				if refusal != nil || id == nil || id.Username != "alice" {
					t.Fatalf("refused: %+v", refusal)
				}
				return
			}
			if refusal == nil || refusal.Status != c.status || refusal.Message != c.message {
				t.Fatalf("refusal = %+v, want %d %q", refusal, c.status, c.message)
			}
		})
	}
}

func TestAdminToken(t *testing.T) {
	s := newService(t, nil, Config{AdminPassword: "pw", DisableDefaultAdminNetworkConnections: true})
	tok, err := s.AdminToken()
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Login(context.Background(), LoginRequest{Credentials: Credentials{Token: tok}, SessionID: "l", Type: 1, Local: true})
	if err != nil || id.Username != AdminName {
		t.Fatal(id, err)
	}
	// Over the network it is refused like any _ADMIN login.
	_, err = s.Login(context.Background(), LoginRequest{Credentials: Credentials{Token: tok}, SessionID: "n", Type: 1})
	wantError(t, err, 403, "use of _ADMIN credentials over the network is disabled")
	var nilService *Service
	if _, err := nilService.AdminToken(); err != ErrNotSecure {
		t.Error(err)
	}
}

// BenchmarkLoginWrongPassword and BenchmarkLoginUnknownUser should cost
// the same: the time of a failed login must not tell whether the
// username exists.
func BenchmarkLoginWrongPassword(b *testing.B) {
	s := newService(b, nil, Config{Lockout: Lockout{Disabled: true}, Users: []User{{Username: "bob", Password: "right"}}})
	for b.Loop() {
		login(s, "bob", "wrong")
	}
}

func BenchmarkLoginUnknownUser(b *testing.B) {
	s := newService(b, nil, Config{Lockout: Lockout{Disabled: true}, Users: []User{{Username: "bob", Password: "right"}}})
	for b.Loop() {
		login(s, "nobody", "wrong")
	}
}
