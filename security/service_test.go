package security

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
)

// newService opens a Service on st (a fresh memstore when nil) with a
// cheap lockout so tests can trip it.
func newService(t testing.TB, st store.Store, cfg Config) *Service {
	t.Helper()
	if st == nil {
		st = memstore.New()
	}
	cfg.Store = st
	if cfg.Name == "" {
		cfg.Name = "test-server"
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func login(s *Service, user, pw string) (*Identity, error) {
	return s.Login(context.Background(), LoginRequest{
		Credentials: Credentials{Username: user, Password: pw},
		SessionID:   "sess-" + user,
		Type:        1,
		RemoteIP:    "127.0.0.1",
	})
}

func mustLogin(t testing.TB, s *Service, user, pw string) *Identity {
	t.Helper()
	id, err := login(s, user, pw)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return id
}

// wantError checks that err is a security *Error with code and message.
func wantError(t *testing.T, err error, code int, msg string) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *Error %d %q", err, err, code, msg)
	}
	if se.Code != code || se.Message != msg {
		t.Fatalf("err = %d %q, want %d %q", se.Code, se.Message, code, msg)
	}
}

func TestNewCreatesAdmin(t *testing.T) {
	s := newService(t, nil, Config{})
	if !s.DefaultAdminPassword() {
		t.Error("a new directory without AdminPassword should use the default password")
	}
	u, err := s.GetUser(context.Background(), AdminName)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Groups) != 1 || u.Groups[0] != AdminName || u.UserID == "" {
		t.Errorf("admin = %+v", u)
	}
	g, err := s.GetGroup(context.Background(), AdminName)
	if err != nil || !samePermissions(g.Permissions, adminPermissions) {
		t.Errorf("admin group = %+v, %v", g, err)
	}
	id := mustLogin(t, s, AdminName, DefaultAdminPassword)
	for _, path := range []string{"/a", "/any/thing/at/all", "*"} {
		if err := s.Authorize(context.Background(), id, "set", path); err != nil {
			t.Errorf("admin set %s: %v", path, err)
		}
	}
}

func TestAdminPasswordAppliedAtEveryStart(t *testing.T) {
	st := memstore.New()
	s := newService(t, st, Config{AdminPassword: "first"})
	if s.DefaultAdminPassword() {
		t.Error("configured password reported as default")
	}
	mustLogin(t, s, AdminName, "first")
	s = newService(t, st, Config{AdminPassword: "second"})
	mustLogin(t, s, AdminName, "second")
	if _, err := login(s, AdminName, "first"); err == nil {
		t.Error("the old admin password still works")
	}
	// Without AdminPassword an existing directory keeps its password.
	s = newService(t, st, Config{})
	mustLogin(t, s, AdminName, "second")
	if s.DefaultAdminPassword() {
		t.Error("kept password reported as default")
	}
}

func TestDeclaredGroupsAndUsersAreIdempotent(t *testing.T) {
	st := memstore.New()
	cfg := Config{
		Groups: []Group{{Name: "readers", Permissions: Permissions{"/shared/*": {Actions: []string{"get", "on"}}}}},
		Users:  []User{{Username: "alice", Password: "pw", Groups: []string{"readers"}}},
	}
	var firstID string
	for i := range 3 {
		s := newService(t, st, cfg)
		u, err := s.GetUser(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			firstID = u.UserID
		} else if u.UserID != firstID {
			t.Fatalf("start %d: alice's userid changed", i)
		}
		id := mustLogin(t, s, "alice", "pw")
		if err := s.Authorize(context.Background(), id, "get", "/shared/x"); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if err := s.Authorize(context.Background(), id, "set", "/shared/x"); err == nil {
			t.Fatalf("start %d: set allowed", i)
		}
	}
}

func TestLoginFailures(t *testing.T) {
	s := newService(t, nil, Config{Users: []User{{Username: "bob", Password: "right"}}})
	cases := []struct {
		name    string
		creds   Credentials
		code    int
		message string
	}{
		{"wrong password", Credentials{Username: "bob", Password: "wrong"}, 401, "Invalid credentials"},
		{"unknown user, same answer", Credentials{Username: "nobody", Password: "x"}, 401, "Invalid credentials"},
		{"no password", Credentials{Username: "bob"}, 401, "Invalid credentials"},
		{"nothing", Credentials{}, 401, "Invalid credentials"},
		{"anonymous not allowed", Credentials{Username: AnonymousName}, 401, "Anonymous access is disabled"},
		{"garbage token", Credentials{Token: "not.a.token"}, 401, "Invalid credentials: invalid session token"},
		{"digest without key", Credentials{Username: "bob", Digest: "AAAA", PublicKey: "x"}, 401, "Invalid credentials"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Login(context.Background(), LoginRequest{Credentials: tt.creds, SessionID: "s", Type: 1})
			wantError(t, err, tt.code, tt.message)
			if !errors.Is(err, ErrAccessDenied) {
				t.Error("not ErrAccessDenied")
			}
		})
	}
}

func TestLockout(t *testing.T) {
	s := newService(t, nil, Config{Users: []User{{Username: "bob", Password: "right"}, {Username: "carol", Password: "right"}}})
	for i := range 4 {
		_, err := login(s, "bob", "wrong")
		wantError(t, err, 401, "Invalid credentials")
		_ = i
	}
	_, err := login(s, "bob", "right")
	wantError(t, err, 403, "Account locked out")
	if !errors.Is(err, ErrLockedOut) {
		t.Error("not ErrLockedOut")
	}
	// Other users are not affected, and unknown usernames lock out too,
	// so lockout does not reveal which names exist.
	mustLogin(t, s, "carol", "right")
	for range 4 {
		login(s, "ghost", "x")
	}
	_, err = login(s, "ghost", "x")
	wantError(t, err, 403, "Account locked out")

	// A success clears the count.
	s2 := newService(t, nil, Config{Users: []User{{Username: "dave", Password: "right"}}})
	for range 3 {
		login(s2, "dave", "wrong")
	}
	mustLogin(t, s2, "dave", "right")
	for range 3 {
		login(s2, "dave", "wrong")
	}
	mustLogin(t, s2, "dave", "right")

	// Disabled.
	s3 := newService(t, nil, Config{Lockout: Lockout{Disabled: true}, Users: []User{{Username: "erin", Password: "right"}}})
	for range 10 {
		login(s3, "erin", "wrong")
	}
	mustLogin(t, s3, "erin", "right")
}

func TestHappn3HashIsRehashedAtLogin(t *testing.T) {
	st := memstore.New()
	vectors := happn3Passwords(t)
	v := vectors[0]
	s := newService(t, st, Config{Users: []User{{Username: "old", PasswordHash: v.Hash}}})
	mustLogin(t, s, "old", v.Password)
	it, ok, err := st.Get(context.Background(), userPath("old"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	var rec userRecord
	json.Unmarshal(it.Data, &rec)
	if !strings.HasPrefix(rec.Hash, "$argon2id$") {
		t.Fatalf("hash after login = %.20s…, want argon2id", rec.Hash)
	}
	mustLogin(t, s, "old", v.Password)
	if _, err := login(s, "old", v.Password+"x"); err == nil {
		t.Fatal("wrong password accepted after rehash")
	}
}

func TestPasswordsAreNeverReturned(t *testing.T) {
	s := newService(t, nil, Config{Users: []User{{Username: "bob", Password: "secret-pw"}}})
	u, _ := s.GetUser(context.Background(), "bob")
	all, _ := s.ListUsers(context.Background(), "*")
	b, _ := json.Marshal([]any{u, all})
	if strings.Contains(string(b), "secret-pw") || strings.Contains(string(b), "argon2") {
		t.Fatalf("user JSON leaks the password: %s", b)
	}
	id := mustLogin(t, s, "bob", "secret-pw")
	if rec := string(id.AppendRecord(nil)); strings.Contains(rec, "argon2") || strings.Contains(rec, "secret-pw") {
		t.Fatalf("session record leaks the password: %s", rec)
	}
}

func TestAnonymousLogin(t *testing.T) {
	s := newService(t, nil, Config{AllowAnonymousAccess: true})
	id, err := s.Login(context.Background(), LoginRequest{Credentials: Credentials{Username: AnonymousName}, SessionID: "a", Type: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Authorize(context.Background(), id, "get", "/x"); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("anonymous get: %v, want unauthorized", err)
	}
	if err := s.UpsertUserPermissions(context.Background(), AnonymousName, Permissions{"/public/*": {Actions: []string{"get"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Authorize(context.Background(), id, "get", "/public/x"); err != nil {
		t.Fatal(err)
	}
}

func TestAdminOverNetworkDisabled(t *testing.T) {
	s := newService(t, nil, Config{AdminPassword: "pw", DisableDefaultAdminNetworkConnections: true})
	_, err := login(s, AdminName, "pw")
	wantError(t, err, 403, "use of _ADMIN credentials over the network is disabled")
	if _, err := s.Login(context.Background(), LoginRequest{Credentials: Credentials{Username: AdminName, Password: "pw"}, SessionID: "l", Type: 1, Local: true}); err != nil {
		t.Fatalf("local admin login: %v", err)
	}
}

func TestSessionRecord(t *testing.T) {
	s := newService(t, nil, Config{Users: []User{{Username: "bob", Password: "pw", CustomData: json.RawMessage(`{"a":1}`)}}})
	id := mustLogin(t, s, "bob", "pw")
	rec := "{" + strings.TrimPrefix(string(id.AppendRecord(nil)), ",") + "}"
	var r struct {
		Type int `json:"type"`
		User struct {
			Username    string          `json:"username"`
			UserID      string          `json:"userid"`
			CustomData  json.RawMessage `json:"custom_data"`
			Permissions map[string]any  `json:"permissions"`
		} `json:"user"`
		Timestamp        int64                      `json:"timestamp"`
		ParentID         string                     `json:"parentId"`
		Origin           string                     `json:"origin"`
		Policy           map[string]json.RawMessage `json:"policy"`
		PermissionSetKey string                     `json:"permissionSetKey"`
		Token            string                     `json:"token"`
	}
	if err := json.Unmarshal([]byte(rec), &r); err != nil {
		t.Fatalf("%v: %s", err, rec)
	}
	if r.Type != 1 || r.User.Username != "bob" || r.User.UserID != id.UserID || string(r.User.CustomData) != `{"a":1}` ||
		r.User.Permissions == nil || r.ParentID != "sess-bob" || r.Origin != "test-server" || r.Token != id.Token || r.Timestamp == 0 {
		t.Fatalf("record = %s", rec)
	}
	if got := string(r.Policy["1"]); got != `{"ttl":0,"inactivity_threshold":null}` {
		t.Errorf("stateful policy = %s, want happn-3's default", got)
	}
	// happn-3's permissionSetKey for a user in no group is sha1("").
	if r.PermissionSetKey != "2jmj7l5rSw0yVb/vlWAYkK/YBwk=" {
		t.Errorf("permissionSetKey = %s", r.PermissionSetKey)
	}
}

func TestPermissionsPersistAcrossRestart(t *testing.T) {
	st := memstore.New()
	ctx := context.Background()
	s := newService(t, st, Config{})
	if _, err := s.UpsertGroup(ctx, Group{Name: "g", CustomData: json.RawMessage(`{"x":1}`), Permissions: Permissions{"/g/*": {Actions: []string{"get"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertUser(ctx, User{Username: "u", Password: "pw", Groups: []string{"g"}, Permissions: Permissions{"/own/*": {Actions: []string{"set"}}}}); err != nil {
		t.Fatal(err)
	}
	s = newService(t, st, Config{})
	id := mustLogin(t, s, "u", "pw")
	for _, c := range []struct {
		action, path string
		want         bool
	}{{"get", "/g/1", true}, {"set", "/own/1", true}, {"set", "/g/1", false}} {
		if got := s.Authorize(ctx, id, c.action, c.path) == nil; got != c.want {
			t.Errorf("%s %s = %v after restart", c.action, c.path, got)
		}
	}
	g, _ := s.GetGroup(ctx, "g")
	if string(g.CustomData) != `{"x":1}` {
		t.Errorf("group custom_data = %s", g.CustomData)
	}
}

// TestDeclaredHashIsAnImport: a happn-3 hash in the configuration logs
// in, is rehashed, and a restart does not put the old hash back.
func TestDeclaredHashIsAnImport(t *testing.T) {
	st := memstore.New()
	v := happn3Passwords(t)[0]
	cfg := Config{Users: []User{{Username: "old", PasswordHash: v.Hash}}}
	s := newService(t, st, cfg)
	mustLogin(t, s, "old", v.Password)
	s = newService(t, st, cfg)
	it, _, _ := st.Get(context.Background(), userPath("old"))
	var rec userRecord
	json.Unmarshal(it.Data, &rec)
	if !strings.HasPrefix(rec.Hash, "$argon2id$") {
		t.Fatalf("restart restored the imported hash: %.20s…", rec.Hash)
	}
	mustLogin(t, s, "old", v.Password)
}
