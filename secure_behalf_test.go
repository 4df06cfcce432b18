package happn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// TestOnBehalfOf: _ADMIN and members of _MESH_DELEGATE act with another
// user's permissions, and their writes are that user's; anyone else, an
// unknown user or a path the user may not use is refused with happn-3's
// reasons.
func TestOnBehalfOf(t *testing.T) {
	cfg := secureConfig()
	cfg.Groups = append(cfg.Groups, security.Group{Name: security.DelegateGroup})
	cfg.Users = append(cfg.Users, security.User{Username: "mesh", Password: "mesh-pw", Groups: []string{security.DelegateGroup}})
	_, base := secureServer(t, cfg)
	ctx := secCtx(t)
	admin := secDial(t, base, happn.WithCredentials("_ADMIN", secAdminPassword))
	mesh := secDial(t, base, happn.WithCredentials("mesh", "mesh-pw"))
	rita := secDial(t, base, happn.WithCredentials("rita", "rita-pw"))
	alice := secDial(t, base, happn.WithCredentials("alice", "alice-pw"))

	it, err := admin.Set(ctx, "/shared/doc", map[string]any{"v": 1}, happn.OnBehalfOf("alice"))
	if err != nil || it.Meta.ModifiedBy != "alice" {
		t.Fatalf("_ADMIN setting on behalf of alice: %+v %v (want modifiedBy alice)", it, err)
	}
	if it, err := mesh.Search(ctx, "/shared/*", happn.OnBehalfOf("rita")); err != nil || len(it) != 1 {
		t.Fatalf("a delegate reading on behalf of rita: %v %v", it, err)
	}
	if n, err := mesh.Count(ctx, "/shared/*", happn.OnBehalfOf("rita")); err != nil || n != 1 {
		t.Fatalf("a delegate counting on behalf of rita: %d %v", n, err)
	}
	events := newEvents()
	if _, err := mesh.On(ctx, "/shared/*", events.handler, happn.OnBehalfOf("rita")); err != nil {
		t.Fatalf("a delegate subscribing on behalf of rita: %v", err)
	}
	if _, err := alice.Set(ctx, "/shared/doc", map[string]any{"v": 2}); err != nil {
		t.Fatal(err)
	}
	events.next(t)
	if it, err := admin.Set(ctx, "/shared/x", 1, happn.OnBehalfOf("_ADMIN")); err != nil || it.Meta.ModifiedBy != "_ADMIN" {
		t.Fatalf("on behalf of _ADMIN is _ADMIN itself: %+v %v", it, err)
	}

	refusals := []struct {
		name   string
		call   func() error
		reason string
	}{
		{"a path the user may not write", func() error {
			_, err := mesh.Set(ctx, "/shared/doc", 1, happn.OnBehalfOf("rita"))
			return err
		}, "request on behalf of unauthorised user: rita"},
		{"a path the user may not read", func() error {
			_, err := admin.Search(ctx, "/users/alice/*", happn.OnBehalfOf("rita"))
			return err
		}, "request on behalf of unauthorised user: rita"},
		{"a subscription the user may not make", func() error {
			_, err := admin.On(ctx, "/users/*", events.handler, happn.OnBehalfOf("rita"))
			return err
		}, "request on behalf of unauthorised user: rita"},
		{"an unknown user", func() error {
			_, err := admin.Set(ctx, "/shared/doc", 1, happn.OnBehalfOf("nobody"))
			return err
		}, "on behalf of user does not exist request on behalf of unauthorised user: nobody"},
		{"a session that is not a delegate", func() error {
			_, err := alice.Remove(ctx, "/shared/doc", happn.OnBehalfOf("rita"))
			return err
		}, "session attempting to act on behalf of is not authorized request on behalf of unauthorised user: rita"},
		{"not even for what it may do itself", func() error {
			_, err := rita.Search(ctx, "/shared/*", happn.OnBehalfOf("alice"))
			return err
		}, "session attempting to act on behalf of is not authorized request on behalf of unauthorised user: alice"},
	}
	for _, r := range refusals {
		var he *happn.Error
		if err := r.call(); !errors.As(err, &he) || he.Code != 403 || he.Message != "unauthorized" || he.Reason != r.reason {
			t.Errorf("%s: %v (%+v), want 403 unauthorized with reason %q", r.name, err, he, r.reason)
		}
	}
}

// TestOnBehalfOfIgnoredWhenInsecure: an insecure server ignores the
// option, as happn-3.
func TestOnBehalfOfIgnoredWhenInsecure(t *testing.T) {
	srv, _ := testServer(t, happn.Config{})
	c, err := srv.LocalClient(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if it, err := c.Set(ctxT(t), "/x", 1, happn.OnBehalfOf("alice")); err != nil || it.Meta.ModifiedBy != "" {
		t.Fatalf("set: %+v %v", it, err)
	}
}

// TestOnBehalfOfKeepsProhibitions: requests made on behalf of a user whose
// permissions prohibit a path below their wildcard grant leave it out as
// the user's own requests do: gets, counts, removes and events.
func TestOnBehalfOfKeepsProhibitions(t *testing.T) {
	_, _, admin := cleanersServer(t, true)
	ctx := secCtx(t)
	carl := happn.OnBehalfOf("carl")
	items, err := admin.Search(ctx, "/shared/*", carl)
	if err != nil || len(items) != 2 {
		t.Fatalf("get on behalf of carl: %d items %v, want 2", len(items), err)
	}
	for _, it := range items {
		if strings.HasPrefix(it.Meta.Path, "/shared/secret/") {
			t.Fatalf("get on behalf of carl returned %s", it.Meta.Path)
		}
	}
	if n, err := admin.Count(ctx, "/shared/*", carl); err != nil || n != 2 {
		t.Fatalf("count on behalf of carl: %d %v, want 2", n, err)
	}
	evs := newEvents()
	if _, err := admin.On(ctx, "/shared/*/*", evs.handler, carl); err != nil {
		t.Fatal(err)
	}
	admin.Set(ctx, "/shared/secret/s", map[string]any{"again": true})
	admin.Set(ctx, "/shared/b/c", map[string]any{"again": true})
	if ev := evs.next(t); ev.Meta.Path != "/shared/b/c" {
		t.Fatalf("an event on behalf of carl for %s", ev.Meta.Path)
	}
	evs.none(t)
	if n, err := admin.Remove(ctx, "/shared/*", carl); err != nil || n != 2 {
		t.Fatalf("remove on behalf of carl: %d %v, want 2", n, err)
	}
	if it, err := admin.Get(ctx, "/shared/secret/s"); err != nil || it == nil {
		t.Fatalf("the prohibited document after a remove on behalf of carl: %v %v", it, err)
	}
}
