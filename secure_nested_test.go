package happn_test

import (
	"errors"
	"sort"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// TestNestedPermissions: with AllowNestedPermissions a user with
// permissions on some paths below /test/path (happn-3's README example)
// may get and subscribe to /test/path/**, and reaches exactly those
// paths, following permission changes; without it, or with nothing
// below, it is refused.
func TestNestedPermissions(t *testing.T) {
	perms := security.Permissions{
		"/test/path/1":     {Actions: []string{"get", "on"}},
		"/test/path/2/3":   {Actions: []string{"get", "on"}},
		"/test/path/4/5/6": {Actions: []string{"get", "on"}},
	}
	nestedConfig := func(on bool) happn.Config {
		cfg := secureConfig()
		cfg.AllowNestedPermissions = on
		cfg.Groups = append(cfg.Groups, security.Group{Name: "nested", Permissions: perms})
		cfg.Users = append(cfg.Users, security.User{Username: "nina", Password: "nina-pw", Groups: []string{"nested"}})
		return cfg
	}
	srv, base := secureServer(t, nestedConfig(true))
	ctx := secCtx(t)
	admin := secDial(t, base, happn.WithCredentials("_ADMIN", secAdminPassword))
	nina := secDial(t, base, happn.WithCredentials("nina", "nina-pw"))
	paths := []string{"/test/path/1", "/test/path/2/3", "/test/path/4/5/6", "/test/path/secret"}
	for _, p := range paths {
		if _, err := admin.Set(ctx, p, map[string]any{"p": p}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := nina.Search(ctx, "/test/path/**")
	if err != nil {
		t.Fatalf("nested get: %v", err)
	}
	var gotPaths []string
	for _, it := range got {
		gotPaths = append(gotPaths, it.Meta.Path)
	}
	sort.Strings(gotPaths)
	if want := paths[:3]; len(gotPaths) != 3 || gotPaths[0] != want[0] || gotPaths[1] != want[1] || gotPaths[2] != want[2] {
		t.Fatalf("nested get returned %v, want %v", gotPaths, want)
	}
	if items, err := nina.Search(ctx, "/test/path/**", happn.Limit(1)); err != nil || len(items) != 1 || items[0].Meta.Path != "/test/path/1" {
		t.Fatalf("nested get with a limit: %v %v, want /test/path/1 (the filter applies before the page)", items, err)
	}

	events := newEvents()
	if _, err := nina.On(ctx, "/test/path/**", events.handler, happn.EventType(happn.SetEvent)); err != nil {
		t.Fatalf("nested on: %v", err)
	}
	for _, p := range paths {
		admin.Set(ctx, p, map[string]any{"again": true})
	}
	for _, want := range paths[:3] {
		if ev := events.next(t); ev.Meta.Path != want {
			t.Fatalf("nested event for %s, want %s", ev.Meta.Path, want)
		}
	}
	events.none(t) // not /test/path/secret

	// Permission changes apply to the subscription at once.
	sec := srv.Security()
	if err := sec.UpsertGroupPermissions(ctx, "nested", security.Permissions{"/test/path/secret": {Actions: []string{"on"}}}); err != nil {
		t.Fatal(err)
	}
	if err := sec.RemoveGroupPermission(ctx, "nested", "/test/path/1", ""); err != nil {
		t.Fatal(err)
	}
	admin.Set(ctx, "/test/path/1", 3)
	admin.Set(ctx, "/test/path/secret", 3)
	if ev := events.next(t); ev.Meta.Path != "/test/path/secret" {
		t.Fatalf("after the change: event for %s, want /test/path/secret only", ev.Meta.Path)
	}
	events.none(t)

	// Nothing below: refused, as without the option.
	var he *happn.Error
	if _, err := nina.Search(ctx, "/other/**"); !errors.As(err, &he) || he.Code != 403 {
		t.Fatalf("nested get with nothing below: %v", err)
	}
	if _, err := nina.On(ctx, "/other/**", events.handler); !errors.Is(err, happn.ErrUnauthorized) {
		t.Fatalf("nested on with nothing below: %v", err)
	}
	if _, err := nina.Search(ctx, "/test/*"); !errors.Is(err, happn.ErrUnauthorized) {
		t.Fatalf("a wildcard that does not end in /**: %v, want unauthorized", err)
	}

	_, plainBase := secureServer(t, nestedConfig(false))
	plain := secDial(t, plainBase, happn.WithCredentials("nina", "nina-pw"))
	if _, err := plain.Search(ctx, "/test/path/**"); !errors.Is(err, happn.ErrUnauthorized) {
		t.Fatalf("without AllowNestedPermissions: %v, want unauthorized", err)
	}
}
