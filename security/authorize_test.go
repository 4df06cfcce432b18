package security

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/happn-go/happn/store/memstore"
)

// directoryForAuthz is the directory TestAuthorize runs against.
func directoryForAuthz(t *testing.T, cfg Config) *Service {
	cfg.Groups = []Group{
		{Name: "readers", Permissions: Permissions{
			"/shared/*":        {Actions: []string{"get", "on"}},
			"/shared/secret/*": {Prohibit: []string{"*"}},
		}},
		{Name: "writers", Permissions: Permissions{
			"/shared/*":                        {Actions: []string{"set", "remove"}},
			"/users/{{user.username}}/*":       {Actions: []string{"*"}},
			"/sites/{{user.custom_data.site}}": {Actions: []string{"get"}},
			"/@HTTP/reports/*":                 {Actions: []string{"get"}},
		}},
	}
	cfg.Users = []User{
		{Username: "alice", Password: "pw", Groups: []string{"readers", "writers"}, CustomData: json.RawMessage(`{"site":"north"}`)},
		{Username: "reader", Password: "pw", Groups: []string{"readers"}},
		{Username: "evil", Password: "pw", Groups: []string{"writers"}, CustomData: json.RawMessage(`{"site":"*"}`)},
	}
	return newService(t, memstore.New(), cfg)
}

func TestAuthorize(t *testing.T) {
	s := directoryForAuthz(t, Config{})
	ctx := context.Background()
	cases := []struct {
		user, action, path string
		want               bool
	}{
		{"reader", "get", "/shared/a", true},
		{"reader", "on", "/shared/*", true},
		{"reader", "set", "/shared/a", false},
		{"reader", "get", "/shared/secret/x", false}, // prohibit wins
		{"reader", "get", "/other", false},
		{"alice", "set", "/shared/a", true}, // union of the groups
		{"alice", "get", "/shared/secret/x", false},
		{"alice", "remove", "/users/alice/x", true}, // template
		{"alice", "set", "/users/bob/x", false},
		{"alice", "get", "/sites/north", true},
		{"alice", "get", "/sites/south", false},
		{"evil", "get", "/sites/anything", false}, // a '*' in custom_data grants nothing
		{"evil", "get", "/sites/*", false},
		// Attacks on the path.
		{"reader", "get", "/SHARED/a", false},              // case: other data
		{"reader", "get", "/shared/../secret", true},       // a literal path under /shared/: no traversal exists
		{"reader", "get", "/secret/../shared/x", false},    // and no prefix trick either
		{"reader", "get", "/shared/secret/../../x", false}, // prohibited prefix still applies
		{"reader", "get", "*", false},
		{"reader", "get", "/*", false},
		{"reader", "get", "/shared*", false}, // wider than the grant
		{"alice", "get", "/@HTTP/reports/x", true},
		{"alice", "post", "/@HTTP/reports/x", false},
	}
	ids := map[string]*Identity{}
	for _, u := range []string{"alice", "reader", "evil"} {
		ids[u] = mustLogin(t, s, u, "pw")
	}
	for _, tt := range cases {
		t.Run(fmt.Sprintf("%s %s %s", tt.user, tt.action, tt.path), func(t *testing.T) {
			for range 2 { // the second answer comes from the cache
				err := s.Authorize(ctx, ids[tt.user], tt.action, tt.path)
				if (err == nil) != tt.want {
					t.Fatalf("Authorize = %v, want allowed=%v", err, tt.want)
				}
				if err != nil {
					wantError(t, err, 403, "unauthorized")
				}
				if s.Permitted(ids[tt.user], tt.action, tt.path) != tt.want {
					t.Fatal("Permitted disagrees with Authorize")
				}
			}
		})
	}
}

func TestAuthorizeCaseInsensitiveOption(t *testing.T) {
	s := directoryForAuthz(t, Config{CaseInsensitivePermissions: true})
	id := mustLogin(t, s, "reader", "pw")
	if err := s.Authorize(context.Background(), id, "get", "/SHARED/a"); err != nil {
		t.Fatalf("happn-3 matching: %v", err)
	}
}

func TestAuthorizeWithoutLogin(t *testing.T) {
	s := directoryForAuthz(t, Config{})
	err := s.Authorize(context.Background(), nil, "get", "/shared/a")
	wantError(t, err, 403, "no policy attached to session")
	if err.(*Error).EndSession != "no-session-policy" {
		t.Fatalf("EndSession = %q", err.(*Error).EndSession)
	}
	// An identity from another Service (or an insecure one) is no login.
	other := directoryForAuthz(t, Config{})
	id := mustLogin(t, other, "alice", "pw")
	wantError(t, s.Authorize(context.Background(), id, "get", "/shared/a"), 403, "no policy attached to session")
	wantError(t, s.Authorize(context.Background(), &Identity{Username: "alice"}, "get", "/shared/a"), 403, "no policy attached to session")
}

// TestDecisionsFollowChanges: the per-session caches never answer with a
// permission that has gone.
func TestDecisionsFollowChanges(t *testing.T) {
	s := directoryForAuthz(t, Config{})
	ctx := context.Background()
	id := mustLogin(t, s, "reader", "pw")
	allowed := func() bool { return s.Authorize(ctx, id, "get", "/shared/a") == nil }
	steps := []struct {
		name   string
		change func() error
		want   bool
	}{
		{"before", func() error { return nil }, true},
		{"group permission removed", func() error { return s.RemoveGroupPermission(ctx, "readers", "/shared/*", "get") }, false},
		{"group permission back", func() error {
			return s.UpsertGroupPermissions(ctx, "readers", Permissions{"/shared/*": {Actions: []string{"get"}}})
		}, true},
		{"unlinked", func() error { return s.UnlinkGroup(ctx, "readers", "reader") }, false},
		{"own permission", func() error {
			return s.UpsertUserPermissions(ctx, "reader", Permissions{"/shared/a": {Actions: []string{"get"}}})
		}, true},
		{"own permission removed", func() error { return s.RemoveUserPermission(ctx, "reader", "/shared/a", "") }, false},
		{"linked again", func() error { return s.LinkGroup(ctx, "readers", "reader") }, true},
		{"prohibited by a new group", func() error {
			if _, err := s.UpsertGroup(ctx, Group{Name: "banned", Permissions: Permissions{"/shared/a": {Prohibit: []string{"get"}}}}); err != nil {
				return err
			}
			return s.LinkGroup(ctx, "banned", "reader")
		}, false},
		{"group deleted", func() error { return s.DeleteGroup(ctx, "banned") }, true},
	}
	for _, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := allowed(); got != st.want {
			t.Fatalf("%s: allowed = %v, want %v", st.name, got, st.want)
		}
	}
}

func TestChangesAreAnnounced(t *testing.T) {
	s := directoryForAuthz(t, Config{})
	ctx := context.Background()
	var got []Change
	s.OnChange(func(c Change) { got = append(got, c) })
	alice := mustLogin(t, s, "alice", "pw")
	reader := mustLogin(t, s, "reader", "pw")

	if err := s.RemoveGroupPermission(ctx, "readers", "/shared/*", "on"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Event != "permission-removed" || !got[0].Notify || got[0].End != "" {
		t.Fatalf("changes = %+v", got)
	}
	if string(got[0].Data) != `{"action":"on","groupName":"readers","path":"/shared/*"}` {
		t.Errorf("changedData = %s", got[0].Data)
	}
	if !got[0].Concerns(alice) || !got[0].Concerns(reader) {
		t.Error("members of readers not concerned")
	}
	got = nil
	if err := s.UpsertGroupPermissions(ctx, "writers", Permissions{"/extra/*": {Actions: []string{"get"}}}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Event != "permission-upserted" || string(got[0].Data) != `{"action":"get","authorized":true,"groupName":"writers","path":"/extra/*"}` {
		t.Fatalf("changes = %+v", got)
	}
	if !got[0].Concerns(alice) || got[0].Concerns(reader) {
		t.Error("wrong sessions concerned by a writers change")
	}
	got = nil
	if err := s.DeleteUser(ctx, "reader"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].End != "security directory update: user deleted" || !got[0].Concerns(reader) || got[0].Concerns(alice) {
		t.Fatalf("delete-user = %+v", got)
	}
	if err := s.Authorize(ctx, reader, "get", "/shared/a"); err == nil {
		t.Error("a deleted user's session is still authorized")
	}
	got = nil
	if _, err := s.UpsertGroup(ctx, Group{Name: "writers", CustomData: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var data struct{ Permissions map[string]any }
	if len(got) != 1 || got[0].Event != "upsert-group" || json.Unmarshal(got[0].Data, &data) != nil || data.Permissions == nil {
		t.Fatalf("upsert-group = %+v (happn-3 clients iterate changedData.permissions)", got)
	}
}

func TestAdminIsProtected(t *testing.T) {
	s := newService(t, nil, Config{AdminPassword: "pw"})
	ctx := context.Background()
	for name, err := range map[string]error{
		"delete user":       s.DeleteUser(ctx, AdminName),
		"delete group":      s.DeleteGroup(ctx, AdminName),
		"unlink":            s.UnlinkGroup(ctx, AdminName, AdminName),
		"remove permission": s.RemoveGroupPermission(ctx, AdminName, "*", "*"),
		"prohibit":          s.UpsertGroupPermissions(ctx, AdminName, Permissions{"/x": {Prohibit: []string{"get"}}}),
		"change password":   s.ChangePassword(ctx, AdminName, "pw", "new"),
	} {
		if err == nil {
			t.Errorf("%s: allowed", name)
		}
	}
	id := mustLogin(t, s, AdminName, "pw")
	if err := s.Authorize(ctx, id, "remove", "/anything"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, AdminName, "new"); err != nil {
		t.Fatalf("an administrator can still set _ADMIN's password: %v", err)
	}
}

func TestNames(t *testing.T) {
	s := newService(t, nil, Config{})
	ctx := context.Background()
	for _, name := range []string{"", "a/b", "a*", "x_SYSTEMy", "bad\x00name", "has_USER_GROUPinside"} {
		if _, err := s.UpsertUser(ctx, User{Username: name, Password: "x"}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("user %q: %v", name, err)
		}
		if _, err := s.UpsertGroup(ctx, Group{Name: name}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("group %q: %v", name, err)
		}
	}
	if _, err := s.UpsertUser(ctx, User{Username: "u", Groups: []string{"missing"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("link to a missing group: %v", err)
	}
	if _, err := s.UpsertGroup(ctx, Group{Name: "g", Permissions: Permissions{"/x": {Actions: []string{"fly"}}}}); !errors.Is(err, ErrInvalidPermissions) {
		t.Errorf("unknown action: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	s := newService(t, nil, Config{Users: []User{{Username: "bob", Password: "old"}}})
	ctx := context.Background()
	wantError(t, s.ChangePassword(ctx, "bob", "wrong", "new"), 500, "Invalid old password")
	wantError(t, s.ChangePassword(ctx, "bob", "", "new"), 500, "Invalid parameters: oldPassword and newPassword required")
	if err := s.ChangePassword(ctx, "bob", "old", "new"); err != nil {
		t.Fatal(err)
	}
	mustLogin(t, s, "bob", "new")
	if _, err := login(s, "bob", "old"); err == nil {
		t.Fatal("old password still works")
	}
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	cfg := Config{
		Users:  []User{{Username: "short", Password: "pw"}, {Username: "idle", Password: "pw"}, {Username: "counted", Password: "pw"}, {Username: "limited", Password: "pw"}},
		Groups: []Group{{Name: "all", Permissions: Permissions{"*": {Actions: []string{"*"}}}}},
		Profiles: []Profile{
			{Name: "short", Session: json.RawMessage(`{"user":{"username":{"$eq":"short"}}}`), Policy: Policy{TTL: Duration(100 * time.Millisecond)}},
			{Name: "idle", Session: json.RawMessage(`{"user.username":"idle"}`), Policy: Policy{InactivityThreshold: Duration(100 * time.Millisecond)}},
			{Name: "counted", Session: json.RawMessage(`{"$and":[{"user":{"username":"counted"}},{"type":1}]}`), Policy: Policy{UsageLimit: 3}},
			{Name: "limited", Session: json.RawMessage(`{"user.username":"limited"}`), Policy: Policy{Permissions: Permissions{"/only/*": {Actions: []string{"get"}}}}},
		},
	}
	s := newService(t, nil, cfg)
	for _, u := range []string{"short", "idle", "counted", "limited"} {
		if err := s.LinkGroup(ctx, "all", u); err != nil {
			t.Fatal(err)
		}
	}
	short := mustLogin(t, s, "short", "pw")
	if short.Expires().IsZero() {
		t.Fatal("ttl session without expiry")
	}
	if err := s.Authorize(ctx, short, "get", "/x"); err != nil {
		t.Fatal(err)
	}
	idle := mustLogin(t, s, "idle", "pw")
	if err := s.Authorize(ctx, idle, "get", "/x"); err != nil {
		t.Fatal(err)
	}
	counted := mustLogin(t, s, "counted", "pw")
	for range 3 {
		if err := s.Authorize(ctx, counted, "get", "/x"); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Authorize(ctx, counted, "get", "/x")
	wantError(t, err, 403, "session usage limit reached")
	if err.(*Error).EndSession != "usage-limit" {
		t.Error(err.(*Error).EndSession)
	}
	limited := mustLogin(t, s, "limited", "pw")
	if err := s.Authorize(ctx, limited, "get", "/only/a"); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.Authorize(ctx, limited, "set", "/only/a"), 403, "token permissions limited")
	wantError(t, s.Authorize(ctx, limited, "get", "/other"), 403, "token permissions limited")

	time.Sleep(150 * time.Millisecond)
	err = s.Authorize(ctx, short, "get", "/x")
	wantError(t, err, 403, "expired session token")
	if err.(*Error).EndSession != "token-expired" {
		t.Error(err.(*Error).EndSession)
	}
	err = s.Authorize(ctx, idle, "get", "/x")
	wantError(t, err, 403, "session inactivity threshold reached")
	if err.(*Error).EndSession != "inactivity-threshold" {
		t.Error(err.(*Error).EndSession)
	}
}

func TestProfileOrderAndDefaults(t *testing.T) {
	cfg := Config{
		Users: []User{{Username: "bob", Password: "pw"}},
		Profiles: []Profile{
			{Name: "first", Session: json.RawMessage(`{"info.tag":"x"}`), Policy: Policy{TTL: Duration(time.Hour)}},
			{Name: "second", Session: json.RawMessage(`{"info":{"tag":"x"}}`), Policy: Policy{TTL: Duration(2 * time.Hour)}},
		},
	}
	s := newService(t, nil, cfg)
	cases := []struct {
		info    string
		typ     int
		policy1 string
	}{
		{`{"tag":"x"}`, 1, `{"ttl":3600000,"inactivity_threshold":null}`},
		{`{"_browser":true}`, 1, `{"ttl":604800000,"inactivity_threshold":3600000}`},
		{`{}`, 1, `{"ttl":0,"inactivity_threshold":null}`},
		{`{}`, 0, `{"ttl":0,"inactivity_threshold":null}`},
	}
	for _, c := range cases {
		id, err := s.Login(context.Background(), LoginRequest{Credentials: Credentials{Username: "bob", Password: "pw"}, SessionID: "s", Type: c.typ, Info: json.RawMessage(c.info)})
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ Policy map[string]json.RawMessage }
		json.Unmarshal([]byte("{"+string(id.AppendRecord(nil))[1:]+"}"), &r)
		if got := string(r.Policy["1"]); got != c.policy1 {
			t.Errorf("info %s: policy 1 = %s, want %s", c.info, got, c.policy1)
		}
	}
}

func TestSourceIPWhitelist(t *testing.T) {
	s := newService(t, nil, Config{
		Users:    []User{{Username: "bob", Password: "pw"}},
		Profiles: []Profile{{Name: "ip", Session: json.RawMessage(`{"user.username":"bob"}`), Policy: Policy{SourceIPWhitelist: []string{"10.0.0.1"}}}},
	})
	req := LoginRequest{Credentials: Credentials{Username: "bob", Password: "pw"}, SessionID: "s", Type: 1, RemoteIP: "10.0.0.2"}
	_, err := s.Login(context.Background(), req)
	wantError(t, err, 401, "Source address access restricted")
	req.Credentials.Password = "wrong" // the answer does not depend on the password
	_, err = s.Login(context.Background(), req)
	wantError(t, err, 401, "Source address access restricted")
	req.RemoteIP, req.Credentials.Password = "10.0.0.1", "pw"
	if _, err := s.Login(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

func TestFlattenSift(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"user":{"username":{"$eq":"x"}}}`, `{"user.username":{"$eq":"x"}}`},
		{`{"user":{"username":"x"}}`, `{"user.username":"x"}`},
		{`{"$and":[{"user":{"username":"x"},"info":{"a":{"$eq":true}}}]}`, `{"$and":[{"info.a":{"$eq":true},"user.username":"x"}]}`},
		{`{"type":{"$in":[0,1]}}`, `{"type":{"$in":[0,1]}}`},
		{`{"user.groups.admins":{"$exists":true}}`, `{"user.groups.admins":{"$exists":true}}`},
		{`{"info":{"$exists":true,"x":1}}`, `{"info":{"$exists":true},"info.x":1}`},
		{`{"a":{}}`, `{"a":{}}`},
	}
	for _, c := range cases {
		got, err := flattenSift(json.RawMessage(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("flattenSift(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := flattenSift(json.RawMessage(`[1]`)); err == nil {
		t.Error("an array filter was accepted")
	}
}

func BenchmarkAuthorizeCached(b *testing.B) {
	s := newService(b, nil, Config{
		Groups: []Group{{Name: "g", Permissions: benchPermissions()}},
		Users:  []User{{Username: "u", Password: "pw", Groups: []string{"g"}}},
	})
	id := mustLogin(b, s, "u", "pw")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s.Authorize(ctx, id, "get", "/app/tenant-40/devices/7/state")
	}
}

func BenchmarkAuthorizeUncached(b *testing.B) {
	s := newService(b, nil, Config{
		Groups: []Group{{Name: "g", Permissions: benchPermissions()}},
		Users:  []User{{Username: "u", Password: "pw", Groups: []string{"g"}}},
	})
	id := mustLogin(b, s, "u", "pw")
	paths := make([]string, 1024)
	for i := range paths {
		paths[i] = fmt.Sprintf("/app/tenant-%d/devices/%d/state", i%100, i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Authorize(ctx, id, "get", paths[i%len(paths)])
		i++
	}
}

// FuzzFlattenSift: any profile filter either is refused or becomes a
// filter that the query package compiles or refuses, without panicking;
// and flattening is idempotent.
func FuzzFlattenSift(f *testing.F) {
	f.Add(`{"user":{"username":{"$eq":"x"}}}`)
	f.Add(`{"$and":[{"user":{"username":"x"},"info":{"a":{"$eq":true}}}]}`)
	f.Add(`{"info":{"$exists":true,"x":{"y":1}}}`)
	f.Add(`{"$or":[{"type":0},{"a":{"$in":[1,2]}}]}`)
	f.Fuzz(func(t *testing.T, filter string) {
		flat, err := flattenSift(json.RawMessage(filter))
		if err != nil {
			return
		}
		again, err := flattenSift(flat)
		if err != nil || string(again) != string(flat) {
			t.Fatalf("not idempotent: %s → %s → %s (%v)", filter, flat, again, err)
		}
		compileProfiles([]Profile{{Name: "f", Session: json.RawMessage(filter)}})
	})
}
