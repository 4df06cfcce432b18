package happn_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/happn-go/happn"
)

// TestSessions lists the connected clients, oldest first, with who they
// are, where from and how many subscriptions they hold.
func TestSessions(t *testing.T) {
	srv, base := secureServer(t, secureConfig())
	ctx := secCtx(t)
	alice := secDial(t, base, happn.WithCredentials("alice", "alice-pw"))
	if _, err := alice.On(ctx, "/shared/*", func(*happn.Event) {}); err != nil {
		t.Fatal(err)
	}
	local, err := srv.AdminClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	list := srv.Sessions()
	if len(list) != 2 {
		t.Fatalf("%d sessions, want 2: %+v", len(list), list)
	}
	a, l := list[0], list[1]
	if a.ID != alice.SessionID() || a.Username != "alice" || a.Protocol != "happn_4" || a.RemoteIP == "" || a.RemotePort == 0 ||
		a.Local || a.TLS || a.Subscriptions != 1 || a.Connected.IsZero() {
		t.Fatalf("alice's session: %+v", a)
	}
	if l.ID != local.SessionID() || l.Username != "_ADMIN" || !l.Local || l.RemoteIP != "" || l.Connected.Before(a.Connected) {
		t.Fatalf("the in-process session: %+v", l)
	}
	alice.Close()
	waitUntil(t, "alice's session to go", func() bool { return len(srv.Sessions()) == 1 })
}

// TestOnActivity: a secure server reports each authorization decision.
func TestOnActivity(t *testing.T) {
	var mu sync.Mutex
	var got []happn.Activity
	cfg := secureConfig()
	cfg.OnActivity = func(a happn.Activity) {
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}
	_, base := secureServer(t, cfg)
	ctx := secCtx(t)
	alice := secDial(t, base, happn.WithCredentials("alice", "alice-pw"))
	if _, err := alice.Set(ctx, "/shared/a", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Get(ctx, "/elsewhere"); err == nil {
		t.Fatal("alice read /elsewhere")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d activities, want 2: %+v", len(got), got)
	}
	if a := got[0]; a.SessionID != alice.SessionID() || a.Username != "alice" || a.Action != "set" || a.Path != "/shared/a" || !a.Authorized || a.Reason != "" || a.Time.IsZero() {
		t.Fatalf("allowed set: %+v", a)
	}
	if a := got[1]; a.Action != "get" || a.Path != "/elsewhere" || a.Authorized || !strings.Contains(a.Reason, "unauthorized") {
		t.Fatalf("refused get: %+v", a)
	}
}
