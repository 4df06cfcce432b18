package happn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// Secure mode, end to end over real websockets (and the in-process
// client): one test per bullet of the security issue, attacks included.

func TestSecureTurnOn(t *testing.T) {
	t.Run("default admin password warns", func(t *testing.T) {
		var logs bytes.Buffer
		srv, err := happn.New(happn.Config{Secure: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		if !strings.Contains(logs.String(), "_ADMIN PASSWORD IS THE DEFAULT") {
			t.Fatalf("no warning in %q", logs.String())
		}
		if srv.Security() == nil {
			t.Fatal("Security() is nil on a secure server")
		}
	})
	t.Run("production refuses the default admin password", func(t *testing.T) {
		if _, err := happn.New(happn.Config{Secure: true, Production: true}); err == nil {
			t.Fatal("a production server started with the default _ADMIN password")
		}
		srv, err := happn.New(happn.Config{Secure: true, Production: true, AdminPassword: "a real one"})
		if err != nil {
			t.Fatal(err)
		}
		srv.Close()
	})
	t.Run("insecure server has no security API", func(t *testing.T) {
		srv, _ := secureServer(t, happn.Config{})
		if _, err := srv.Security().ListUsers(context.Background(), "*"); !errors.Is(err, security.ErrNotSecure) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("encryption needs secure", func(t *testing.T) {
		if _, err := happn.New(happn.Config{EncryptPayloads: true}); err == nil {
			t.Fatal("EncryptPayloads without Secure accepted")
		}
	})
	t.Run("describe says secure", func(t *testing.T) {
		_, url := secureServer(t, secureConfig())
		r := dialSecRaw(t, url)
		r.configure()
		r.send(`{"action":"describe","eventId":2,"data":null}`)
		if f := r.next(); field(t, f, "data.secure") != true {
			t.Fatalf("describe: %s", f)
		}
	})
}

func TestSecureLogin(t *testing.T) {
	srv, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	t.Run("Go client with credentials", func(t *testing.T) {
		c := secDial(t, url, happn.WithCredentials("alice", "alice-pw"))
		if tok := c.Token(); strings.Count(tok, ".") != 2 {
			t.Fatalf("token = %q", tok)
		}
		if _, err := c.Set(ctx, "/users/alice/x", map[string]any{"a": 1}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("local client with credentials", func(t *testing.T) {
		c, err := srv.LocalClient(ctx, happn.WithCredentials("rita", "rita-pw"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Get(ctx, "/shared/x"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Set(ctx, "/shared/x", map[string]any{}); !errors.Is(err, happn.ErrUnauthorized) {
			t.Fatalf("local set: %v", err)
		}
	})
	t.Run("admin client without a password", func(t *testing.T) {
		c, err := srv.AdminClient(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Set(ctx, "/anything", map[string]any{"ok": true}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("token login from the Go client", func(t *testing.T) {
		first := secDial(t, url, happn.WithCredentials("alice", "alice-pw"))
		second := secDial(t, url, happn.WithToken(first.Token()))
		if second.SessionID() == first.SessionID() || second.Token() != first.Token() {
			t.Fatal("token login did not derive a new session with the same token")
		}
	})
	t.Run("refusals", func(t *testing.T) {
		cases := []struct {
			name string
			opts []happn.DialOption
			want error
			msg  string
		}{
			{"wrong password", []happn.DialOption{happn.WithCredentials("alice", "nope")}, happn.ErrInvalidCredentials, "Invalid credentials"},
			{"unknown user", []happn.DialOption{happn.WithCredentials("mallory", "x")}, happn.ErrInvalidCredentials, "Invalid credentials"},
			{"no credentials", nil, happn.ErrInvalidCredentials, "Invalid credentials"},
			{"garbage token", []happn.DialOption{happn.WithToken("a.b.c")}, happn.ErrInvalidCredentials, "Invalid credentials: invalid session token"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := happn.Dial(ctx, url, append(c.opts, happn.WithoutReconnect())...)
				var he *happn.Error
				if !errors.Is(err, c.want) || !errors.As(err, &he) || he.Message != c.msg {
					t.Fatalf("err = %v, want %v %q", err, c.want, c.msg)
				}
			})
		}
	})
}

// TestSecureLockout: brute force is slowed; the 5th try is refused even
// with the right password.
func TestSecureLockout(t *testing.T) {
	cfg := secureConfig()
	// The interval must outlast three failed logins, which take a while
	// under the race detector on a busy machine.
	const interval = 1500 * time.Millisecond
	cfg.AccountLockout = security.Lockout{Attempts: 3, RetryInterval: security.Duration(interval)}
	_, url := secureServer(t, cfg)
	var lastFailure time.Time
	for range 3 {
		if _, err := happn.Dial(secCtx(t), url, happn.WithCredentials("alice", "guess"), happn.WithoutReconnect()); !errors.Is(err, happn.ErrInvalidCredentials) {
			t.Fatal(err)
		}
		lastFailure = time.Now()
	}
	_, err := happn.Dial(secCtx(t), url, happn.WithCredentials("alice", "alice-pw"), happn.WithoutReconnect())
	var he *happn.Error
	if !errors.As(err, &he) || he.Code != 403 || he.Message != "Account locked out" {
		t.Fatalf("err = %v, want 403 Account locked out", err)
	}
	time.Sleep(time.Until(lastFailure.Add(interval + 50*time.Millisecond)))
	secDial(t, url, happn.WithCredentials("alice", "alice-pw"))
}

// TestSecureUnauthenticatedSocket: every request of a socket that never
// logged in is refused with "no policy attached to session", and the
// socket is dropped (reason no-session-policy).
func TestSecureUnauthenticatedSocket(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	requests := []string{
		`{"action":"get","eventId":2,"path":"/shared/x"}`,
		`{"action":"set","eventId":2,"path":"/shared/x","data":{"a":1}}`,
		`{"action":"count","eventId":2,"path":"/shared/*"}`,
		`{"action":"remove","eventId":2,"path":"/shared/x"}`,
		`{"action":"on","eventId":2,"path":"/ALL@/shared/*","options":{"event_type":"all"}}`,
		`{"action":"get","eventId":2,"path":"/_SYSTEM/_SECURITY/_USER/_ADMIN"}`,
		`{"action":"revoke-token","eventId":2,"data":null}`,
		`{"action":"change-password","eventId":2,"data":{"oldPassword":"a","newPassword":"b"}}`,
	}
	for _, req := range requests {
		t.Run(req, func(t *testing.T) {
			r := dialSecRaw(t, url)
			r.configure()
			r.send(req)
			f := r.next()
			if field(t, f, "_meta.error.name") != "AccessDenied" || field(t, f, "_meta.error.code") != 403.0 ||
				field(t, f, "_meta.error.message") != "no policy attached to session" {
				t.Fatalf("answer: %s", f)
			}
			r.expectGoodbye("no-session-policy")
		})
	}
	t.Run("before configure-session", func(t *testing.T) {
		r := dialSecRaw(t, url)
		r.send(`{"action":"get","eventId":1,"path":"/x"}`)
		if f := r.next(); field(t, f, "_meta.error.message") != "no policy attached to session" {
			t.Fatalf("answer: %s", f)
		}
		r.expectGoodbye("no-session-policy")
	})
}

// TestSecureAuthorization: every data action is authorized, count like
// get, and tricks with paths, case and wildcards do not widen access.
func TestSecureAuthorization(t *testing.T) {
	srv, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	admin, err := srv.AdminClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, p := range []string{"/shared/a", "/shared/secret/s", "/secret", "/users/bob/x", "/SHARED/a"} {
		if _, err := admin.Set(ctx, p, map[string]any{"v": p}); err != nil {
			t.Fatal(err)
		}
	}
	clients := map[string]*happn.Client{
		"alice": secDial(t, url, happn.WithCredentials("alice", "alice-pw")),
		"rita":  secDial(t, url, happn.WithCredentials("rita", "rita-pw")),
	}
	noop := func(*happn.Event) {}
	cases := []struct {
		user, op, path string
		allowed        bool
	}{
		{"rita", "get", "/shared/a", true},
		{"rita", "count", "/shared/*", true},
		{"rita", "on", "/shared/*", true},
		{"rita", "set", "/shared/a", false},
		{"rita", "remove", "/shared/a", false},
		{"rita", "get", "/secret", false},
		{"rita", "count", "/secret", false}, // count is authorized like get
		{"rita", "count", "/*", false},
		{"rita", "on", "/*", false},
		{"rita", "get", "/shared/secret/s", false},     // prohibit
		{"rita", "on", "/shared/secret/*", false},      // prohibit
		{"rita", "get", "/SHARED/a", false},            // another case is other data
		{"rita", "get", "/SHARED/*", false},            // nor does a wildcard in another case
		{"rita", "get", "/shared/../secret", true},     // a literal key under /shared/ …
		{"rita", "get", "/shared*", false},             // a wildcard wider than the grant
		{"rita", "get", "*", false},                    // everything
		{"rita", "get", "/_SYSTEM/*", false},           // server records
		{"alice", "set", "/users/alice/profile", true}, // templated
		{"alice", "set", "/users/bob/x", false},
		{"alice", "get", "/users/*", false}, // wider than her own subtree
		{"alice", "set", "/shared/b", true},
		{"alice", "get", "/_SYSTEM/_SECURITY/_USER/alice", false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %s %s", c.user, c.op, c.path), func(t *testing.T) {
			cl := clients[c.user]
			var err error
			switch c.op {
			case "get":
				if strings.Contains(c.path, "*") {
					_, err = cl.Search(ctx, c.path)
				} else {
					_, err = cl.Get(ctx, c.path)
				}
			case "count":
				_, err = cl.Count(ctx, c.path)
			case "set":
				_, err = cl.Set(ctx, c.path, map[string]any{"by": c.user})
			case "remove":
				_, err = cl.Remove(ctx, c.path)
			case "on":
				var id happn.ListenerID
				id, err = cl.On(ctx, c.path, noop)
				if err == nil {
					cl.Off(ctx, id)
				}
			}
			if c.allowed && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.allowed && !errors.Is(err, happn.ErrUnauthorized) {
				t.Fatalf("err = %v, want AccessDenied 403 unauthorized", err)
			}
		})
	}
	// The traversal spelling is a key of its own: the secret is untouched.
	if _, err := clients["alice"].Set(ctx, "/shared/../secret", map[string]any{"v": "overwritten?"}); err != nil {
		t.Fatal(err)
	}
	it, err := admin.Get(ctx, "/secret")
	if err != nil || !strings.Contains(string(it.Data), `"/secret"`) {
		t.Fatalf("/secret = %s, %v", it.Data, err)
	}
	// Not even _ADMIN reads /_SYSTEM over the wire.
	if _, err := admin.Search(ctx, "/_SYSTEM/*"); !errors.Is(err, happn.ErrUnauthorized) {
		t.Fatalf("admin get /_SYSTEM/*: %v", err)
	}
	all, err := admin.Search(ctx, "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		if strings.HasPrefix(it.Meta.Path, "/_SYSTEM") {
			t.Fatalf("get * returned %s", it.Meta.Path)
		}
	}
}

// TestSystemHiddenOnInsecureServer: /_SYSTEM is hidden from every wire
// request, even on an insecure server and before any login.
func TestSystemHiddenOnInsecureServer(t *testing.T) {
	srv, url := secureServer(t, happn.Config{})
	ctx := secCtx(t)
	local, _ := srv.LocalClient(ctx)
	defer local.Close()
	r := dialSecRaw(t, url)
	r.configure()
	for i, req := range []string{
		`{"action":"get","eventId":%d,"path":"/_SYSTEM/_NETWORK/_SETTINGS/NAME"}`,
		`{"action":"get","eventId":%d,"path":"/_SYSTEM/*"}`,
	} {
		r.send(fmt.Sprintf(req, 10+i))
		if f := r.next(); field(t, f, "_meta.error.code") != 403.0 {
			t.Fatalf("%s: %s", req, f)
		}
	}
	r.send(`{"action":"get","eventId":20,"path":"*"}`)
	if f := r.next(); strings.Contains(f, "_SYSTEM") {
		t.Fatalf("get * shows /_SYSTEM: %s", f)
	}
}

// TestSecureSubscriptionsFollowPermissions: a subscriber whose permission
// is removed gets security-data-changed and no further events.
func TestSecureSubscriptionsFollowPermissions(t *testing.T) {
	srv, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	admin, _ := srv.AdminClient(ctx)
	defer admin.Close()
	r := dialSecRaw(t, url)
	if f := r.login(map[string]any{"username": "rita", "password": "rita-pw"}); field(t, f, "_meta.status") != "ok" {
		t.Fatalf("login: %s", f)
	}
	r.send(`{"action":"on","eventId":3,"path":"/ALL@/shared/*","data":null,"options":{"event_type":"all"}}`)
	if f := r.next(); field(t, f, "_meta.status") != "ok" {
		t.Fatalf("on: %s", f)
	}
	admin.Set(ctx, "/shared/one", map[string]any{"n": 1})
	if f := r.next(); field(t, f, "_meta.channel") != "/ALL@/shared/*" {
		t.Fatalf("event: %s", f)
	}
	if err := srv.Security().RemoveGroupPermission(ctx, "readers", "/shared/*", "on"); err != nil {
		t.Fatal(err)
	}
	f := r.next()
	want := `{"_meta":{"type":"system"},"eventKey":"security-data-changed","data":{"whatHappnd":"permission-removed","changedData":{"action":"on","groupName":"readers","path":"/shared/*"}},"protocol":"happn_4"}`
	if f != want {
		t.Fatalf("system message:\n got %s\nwant %s", f, want)
	}
	admin.Set(ctx, "/shared/two", map[string]any{"n": 2})
	// The next frame must be the answer to this get, not an event.
	r.send(`{"action":"get","eventId":4,"path":"/shared/two"}`)
	if f := r.next(); field(t, f, "_meta.eventId") != 4.0 {
		t.Fatalf("an event arrived after the permission was removed: %s", f)
	}
	// Re-subscribing, as happn-3 clients do, is refused.
	r.send(`{"action":"on","eventId":5,"path":"/ALL@/shared/*","data":null,"options":{}}`)
	if f := r.next(); field(t, f, "_meta.error.message") != "unauthorized" {
		t.Fatalf("re-subscribe: %s", f)
	}
	// Another user's sessions are not told.
	other := dialSecRaw(t, url)
	other.login(map[string]any{"username": "alice", "password": "alice-pw"})
	srv.Security().UpsertGroupPermissions(ctx, "readers", security.Permissions{"/extra/*": {Actions: []string{"get"}}})
	if f := r.next(); field(t, f, "data.whatHappnd") != "permission-upserted" {
		t.Fatalf("rita: %s", f)
	}
	other.send(`{"action":"get","eventId":3,"path":"/shared/one"}`)
	if f := other.next(); field(t, f, "_meta.eventId") != 3.0 {
		t.Fatalf("alice was sent %s", f)
	}
}

// TestSecureDeletedUserIsDisconnected: deleting a user ends its sessions.
func TestSecureDeletedUserIsDisconnected(t *testing.T) {
	srv, url := secureServer(t, secureConfig())
	r := dialSecRaw(t, url)
	r.login(map[string]any{"username": "rita", "password": "rita-pw"})
	if err := srv.Security().DeleteUser(secCtx(t), "rita"); err != nil {
		t.Fatal(err)
	}
	r.expectGoodbye("security directory update: user deleted")
	if _, err := happn.Dial(secCtx(t), url, happn.WithCredentials("rita", "rita-pw"), happn.WithoutReconnect()); !errors.Is(err, happn.ErrInvalidCredentials) {
		t.Fatalf("deleted user logs in: %v", err)
	}
}

// TestSecureRevocation: revoke-token ends the revoker and every session
// logged in with its token; the token then fails everywhere, including
// after a restart.
func TestSecureRevocation(t *testing.T) {
	dir := t.TempDir()
	cfg := secureConfig()
	cfg.DataPath = filepath.Join(dir, "happn.db")
	srv, url := secureServer(t, cfg)
	first := dialSecRaw(t, url)
	resp := first.login(map[string]any{"username": "alice", "password": "alice-pw"})
	token := field(t, resp, "data.token").(string)
	derived := dialSecRaw(t, url)
	derived.login(map[string]any{"token": token})
	bystander := dialSecRaw(t, url)
	bystander.login(map[string]any{"username": "alice", "password": "alice-pw"})

	first.send(`{"action":"revoke-token","eventId":3,"data":null}`)
	if f := first.next(); field(t, f, "_meta.action") != "revoke-token" || field(t, f, "_meta.status") != "ok" {
		t.Fatalf("revoke-token: %s", f)
	}
	first.expectGoodbye("token-revoked")
	derived.expectGoodbye("token-revoked")
	bystander.send(`{"action":"get","eventId":3,"path":"/shared/x"}`)
	if f := bystander.next(); field(t, f, "_meta.status") != "ok" {
		t.Fatalf("another login of the same user was affected: %s", f)
	}

	refused := func(srv *happn.Server, url string) {
		t.Helper()
		r := dialSecRaw(t, url)
		if f := r.login(map[string]any{"token": token}); field(t, f, "_meta.error.message") != "token has been revoked" {
			t.Fatalf("token login: %s", f)
		}
		srv.HandleFunc("/reports/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("report")) })
		if st, _ := httpGet(t, url+"/reports/x?happn_token="+token, nil); st != 403 {
			t.Fatalf("HTTP with a revoked token: %d", st)
		}
	}
	refused(srv, url)
	srv.Close()
	srv2, url2 := secureServer(t, cfg)
	refused(srv2, url2)
}

// TestSecureChildSessions: disconnect-child-sessions ends the sessions
// logged in with this session's token, and only those.
func TestSecureChildSessions(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	parent := dialSecRaw(t, url)
	token := field(t, parent.login(map[string]any{"username": "alice", "password": "alice-pw"}), "data.token").(string)
	child := dialSecRaw(t, url)
	child.login(map[string]any{"token": token})
	parent.send(`{"action":"disconnect-child-sessions","eventId":3,"data":null}`)
	if f := parent.next(); field(t, f, "_meta.status") != "ok" {
		t.Fatalf("disconnect-child-sessions: %s", f)
	}
	child.expectGoodbye("token-revoked")
	parent.send(`{"action":"get","eventId":4,"path":"/shared/x"}`)
	if f := parent.next(); field(t, f, "_meta.status") != "ok" {
		t.Fatalf("the parent was ended too: %s", f)
	}
}

// TestSecureChangePassword over the wire (happn-3 13.x's change-password).
func TestSecureChangePassword(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	r := dialSecRaw(t, url)
	r.login(map[string]any{"username": "alice", "password": "alice-pw"})
	r.send(`{"action":"change-password","eventId":3,"data":{"oldPassword":"wrong","newPassword":"n"}}`)
	if f := r.next(); field(t, f, "_meta.error.message") != "Invalid old password" || field(t, f, "_meta.error.name") != "SystemError" {
		t.Fatalf("wrong old password: %s", f)
	}
	r.send(`{"action":"change-password","eventId":4,"data":{"oldPassword":"alice-pw","newPassword":"new-pw"}}`)
	if f := r.next(); field(t, f, "_meta.status") != "ok" {
		t.Fatalf("change-password: %s", f)
	}
	secDial(t, url, happn.WithCredentials("alice", "new-pw"))
	admin := dialSecRaw(t, url)
	admin.login(map[string]any{"username": "_ADMIN", "password": secAdminPassword})
	admin.send(`{"action":"change-password","eventId":3,"data":{"oldPassword":"` + secAdminPassword + `","newPassword":"x"}}`)
	if f := admin.next(); field(t, f, "_meta.error.message") != "updates to the _ADMIN user are forbidden" {
		t.Fatalf("_ADMIN: %s", f)
	}
}

// TestSecureSessionPolicies: a profile's ttl ends the session by timer
// (token-expired); inactivity and usage limits end it at the request
// that breaks them.
func TestSecureSessionPolicies(t *testing.T) {
	cfg := secureConfig()
	cfg.Profiles = []security.Profile{
		{Name: "short", Session: []byte(`{"info":{"kind":{"$eq":"short"}}}`), Policy: security.Policy{TTL: security.Duration(300 * time.Millisecond)}},
		{Name: "idle", Session: []byte(`{"info.kind":"idle"}`), Policy: security.Policy{InactivityThreshold: security.Duration(150 * time.Millisecond)}},
		{Name: "counted", Session: []byte(`{"$and":[{"info.kind":"counted"},{"user.username":"alice"}]}`), Policy: security.Policy{UsageLimit: 2}},
	}
	_, url := secureServer(t, cfg)
	login := func(kind string) *secRaw {
		r := dialSecRaw(t, url)
		f := r.login(map[string]any{"username": "alice", "password": "alice-pw", "info": map[string]any{"kind": kind}})
		if field(t, f, "_meta.status") != "ok" {
			t.Fatalf("login %s: %s", kind, f)
		}
		return r
	}
	t.Run("ttl", func(t *testing.T) {
		r := login("short")
		r.expectGoodbye("token-expired")
	})
	t.Run("inactivity", func(t *testing.T) {
		r := login("idle")
		time.Sleep(250 * time.Millisecond)
		r.send(`{"action":"get","eventId":3,"path":"/shared/x"}`)
		if f := r.next(); field(t, f, "_meta.error.message") != "session inactivity threshold reached" {
			t.Fatalf("answer: %s", f)
		}
		r.expectGoodbye("inactivity-threshold")
	})
	t.Run("usage limit", func(t *testing.T) {
		r := login("counted")
		for i := range 2 {
			r.send(fmt.Sprintf(`{"action":"get","eventId":%d,"path":"/shared/x"}`, 3+i))
			if f := r.next(); field(t, f, "_meta.status") != "ok" {
				t.Fatalf("request %d: %s", i, f)
			}
		}
		r.send(`{"action":"get","eventId":9,"path":"/shared/x"}`)
		if f := r.next(); field(t, f, "_meta.error.message") != "session usage limit reached" {
			t.Fatalf("answer: %s", f)
		}
		r.expectGoodbye("usage-limit")
	})
}

// TestSecureLoginRecord: the login response has happn-3's secure session
// shape (SPEC §2.5), which happn-3 clients read.
func TestSecureLoginRecord(t *testing.T) {
	_, url := secureServer(t, secureConfig())
	r := dialSecRaw(t, url)
	f := r.login(map[string]any{"username": "alice", "password": "alice-pw"})
	for path, want := range map[string]any{
		"data.cookieName":       "happn_token",
		"data.type":             1.0,
		"data.user.username":    "alice",
		"data.happn.secure":     true,
		"data.policy.1.ttl":     0.0,
		"data.info._browser":    false,
		"_meta.action":          "login",
		"data.user.permissions": map[string]any{},
	} {
		if got := field(t, f, path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if field(t, f, "data.parentId") != field(t, f, "data.id") || field(t, f, "data.origin") != field(t, f, "data.happn.name") {
		t.Errorf("parentId/origin: %s", f)
	}
	if strings.Contains(f, "argon2") || strings.Contains(f, "alice-pw") {
		t.Fatalf("the login response leaks the password: %s", f)
	}
}

// TestSecurePermissionChangesUnderLoad changes permissions, memberships
// and users from many goroutines at once, each on names of its own, and
// checks after every change that the very next request of that goroutine's
// user is allowed or refused as the change says: no stale grant survives a
// change that has returned, whatever else is changing meanwhile.
func TestSecurePermissionChangesUnderLoad(t *testing.T) {
	srv, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	sec := srv.Security()
	const workers, rounds = 6, 15
	var wg sync.WaitGroup
	for w := range workers {
		user, group, path := fmt.Sprintf("u%d", w), fmt.Sprintf("g%d", w), fmt.Sprintf("/load/%d/x", w)
		if _, err := sec.UpsertUser(ctx, security.User{Username: user, Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sec.UpsertGroup(ctx, security.Group{Name: group}); err != nil {
			t.Fatal(err)
		}
		if err := sec.LinkGroup(ctx, group, user); err != nil {
			t.Fatal(err)
		}
		var c *happn.Client
		if w%2 == 0 {
			c = secDial(t, url, happn.WithCredentials(user, "pw"))
		} else {
			var err error
			if c, err = srv.LocalClient(ctx, happn.WithCredentials(user, "pw")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
		}
		wg.Go(func() {
			expect := func(step string, allowed bool) bool {
				_, err := c.Get(ctx, path)
				if allowed && err != nil || !allowed && !errors.Is(err, happn.ErrUnauthorized) {
					t.Errorf("%s, after %s: get %s: %v, want allowed=%v", user, step, path, err, allowed)
					return false
				}
				return true
			}
			for r := range rounds {
				grant := security.Permissions{path: {Actions: []string{"get"}}}
				steps := []struct {
					name    string
					do      func() error
					allowed bool
				}{
					{"a group grant", func() error { return sec.UpsertGroupPermissions(ctx, group, grant) }, true},
					{"the group unlinked", func() error { return sec.UnlinkGroup(ctx, group, user) }, false},
					{"the group linked again", func() error { return sec.LinkGroup(ctx, group, user) }, true},
					{"the grant removed", func() error { return sec.RemoveGroupPermission(ctx, group, path, "get") }, false},
					{"a user grant", func() error { return sec.UpsertUserPermissions(ctx, user, grant) }, true},
					{"the user grant removed", func() error { return sec.RemoveUserPermission(ctx, user, path, "get") }, false},
				}
				for _, s := range steps {
					if err := s.do(); err != nil {
						t.Errorf("%s round %d, %s: %v", user, r, s.name, err)
						return
					}
					if !expect(s.name, s.allowed) {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if admin, err := srv.AdminClient(ctx); err != nil {
		t.Fatal(err)
	} else {
		admin.Close()
	}
}

// TestSecureProhibitionsBelowWildcards: a user granted /shared/* and
// prohibited /shared/secret/* gets nothing under the prohibition through
// wildcard paths — not in a wildcard get, a count, the initial values or
// the events of a wildcard subscription (also when the prohibition comes
// after the subscription), and a wildcard remove leaves it alone.
// happn-3 returns, publishes and removes those documents.
func TestSecureProhibitionsBelowWildcards(t *testing.T) {
	srv, url, admin := cleanersServer(t, false)
	ctx := secCtx(t)
	sec := srv.Security()
	carl := secDial(t, url, happn.WithCredentials("carl", "carl-pw"))
	early := newEvents() // subscribed before the prohibition exists
	if _, err := carl.On(ctx, "/shared/*/*", early.handler); err != nil {
		t.Fatal(err)
	}
	if err := sec.UpsertGroupPermissions(ctx, "cleaners", security.Permissions{"/shared/secret/*": {Prohibit: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	paths := func(items []happn.Item) []string {
		var ps []string
		for _, it := range items {
			ps = append(ps, it.Meta.Path)
		}
		sort.Strings(ps)
		return ps
	}
	items, err := carl.Search(ctx, "/shared/*")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(items), []string{"/shared/a", "/shared/b/c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("wildcard get: %v, want %v", got, want)
	}
	if n, err := carl.Count(ctx, "/shared/*"); err != nil || n != 2 {
		t.Fatalf("count: %d %v, want 2", n, err)
	}
	var initial []happn.Item
	late := newEvents()
	if _, err := carl.On(ctx, "/shared/*/*", late.handler, happn.InitialCallback(func(items []happn.Item) { initial = items })); err != nil {
		t.Fatal(err)
	}
	if got, want := paths(initial), []string{"/shared/b/c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("initial values: %v, want %v", got, want)
	}
	admin.Set(ctx, "/shared/secret/s", map[string]any{"again": true})
	admin.Set(ctx, "/shared/b/c", map[string]any{"again": true})
	for name, evs := range map[string]events{"subscribed before the prohibition": early, "subscribed after it": late} {
		if ev := evs.next(t); ev.Meta.Path != "/shared/b/c" {
			t.Fatalf("%s: an event for %s", name, ev.Meta.Path)
		}
		evs.none(t)
	}
	if n, err := carl.Remove(ctx, "/shared/*"); err != nil || n != 2 {
		t.Fatalf("wildcard remove: %d %v, want 2", n, err)
	}
	if it, err := admin.Get(ctx, "/shared/secret/s"); err != nil || it == nil {
		t.Fatalf("the prohibited document after a wildcard remove: %v %v", it, err)
	}
}

// TestSecureProhibitionsUnderLoad: users each granted /sec/<user>/* and
// prohibited /sec/<user>/secret/* search, count, subscribe and remove
// their whole subtree, with clients of both kinds, while an admin keeps
// writing in it: no answer and no event ever shows a prohibited path, and
// every prohibited document the admin wrote is still there at the end.
func TestSecureProhibitionsUnderLoad(t *testing.T) {
	srv, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	sec := srv.Security()
	admin, err := srv.AdminClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const users, rounds = 4, 40
	var secrets sync.Map // path → written
	var violations atomic.Int64
	var first atomic.Value
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for u := range users {
		name := fmt.Sprintf("p%d", u)
		root := "/sec/" + name
		if _, err := sec.UpsertGroup(ctx, security.Group{Name: name, Permissions: security.Permissions{
			root + "/*":        {Actions: []string{"get", "on", "remove"}},
			root + "/secret/*": {Prohibit: []string{"*"}},
		}}); err != nil {
			t.Fatal(err)
		}
		if _, err := sec.UpsertUser(ctx, security.User{Username: name, Password: "pw", Groups: []string{name}}); err != nil {
			t.Fatal(err)
		}
		for i := range 10 { // every path once before the user starts
			path := fmt.Sprintf("%s/%s/%d", root, []string{"a", "secret"}[i%2], i)
			if _, err := admin.Set(ctx, path, map[string]any{"i": i}); err != nil {
				t.Fatal(err)
			}
			if i%2 == 1 {
				secrets.Store(path, true)
			}
		}
		writers.Go(func() { // the admin's writes in this user's subtree, until the user is done
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := fmt.Sprintf("%s/%s/%d", root, []string{"a", "secret"}[i%2], i%10)
				if _, err := admin.Set(ctx, path, map[string]any{"i": i}); err != nil {
					t.Error(err)
					return
				}
				if i%2 == 1 {
					secrets.Store(path, true)
				}
			}
		})
		var c *happn.Client
		if u%2 == 0 {
			c = secDial(t, url, happn.WithCredentials(name, "pw"))
		} else {
			if c, err = srv.LocalClient(ctx, happn.WithCredentials(name, "pw")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
		}
		secret := root + "/secret/"
		// check counts a prohibited path shown; handlers may run after
		// the test, so the first one is reported at its end.
		check := func(what, path string) {
			if strings.HasPrefix(path, secret) && violations.Add(1) == 1 {
				first.Store(name + ": " + what + " showed " + path)
			}
		}
		if _, err := c.On(ctx, root+"/*/*", func(ev *happn.Event) { check("an event", ev.Meta.Path) }); err != nil {
			t.Fatal(err)
		}
		readers.Go(func() {
			for r := range rounds {
				switch r % 3 {
				case 0:
					items, err := c.Search(ctx, root+"/*")
					if err != nil {
						t.Error(err)
						return
					}
					for _, it := range items {
						check("a wildcard get", it.Meta.Path)
					}
				case 1:
					if _, err := c.Remove(ctx, root+"/*"); err != nil {
						t.Error(err)
						return
					}
				default:
					var initial []happn.Item
					id, err := c.On(ctx, root+"/*/*", func(ev *happn.Event) { check("an event", ev.Meta.Path) },
						happn.InitialCallback(func(items []happn.Item) { initial = items }))
					if err != nil {
						t.Error(err)
						return
					}
					for _, it := range initial {
						check("initial values", it.Meta.Path)
					}
					c.Off(ctx, id)
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
	if n := violations.Load(); n > 0 {
		t.Errorf("%d prohibited paths shown; the first: %s", n, first.Load())
	}
	secrets.Range(func(k, _ any) bool {
		if it, err := admin.Get(ctx, k.(string)); err != nil || it == nil {
			t.Errorf("%s, prohibited to its user, is gone after the user's wildcard removes: %v", k, err)
		}
		return true
	})
}
