package security

import (
	"context"
	"errors"
	"testing"

	"github.com/happn-go/happn/store/memstore"
)

// TestLookupTables: a lookup permission allows a request path whose
// regex captures, put into its path template, name a path in the table;
// tables and permissions change at once, survive a restart, and go with
// their group. A '*' captured from the request path allows nothing.
func TestLookupTables(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	s := newService(t, st, Config{
		Groups: []Group{{Name: "operators"}},
		Users: []User{
			{Username: "olga", Password: "pw", Groups: []string{"operators"}, CustomData: []byte(`{"company":"acme"}`)},
			{Username: "otto", Password: "pw"},
		},
	})
	if err := s.UpsertLookupTable(ctx, LookupTable{Name: "devices", Paths: []string{"/acme/device/1", "acme/device/2"}}); err != nil {
		t.Fatal(err)
	}
	perm := LookupPermission{
		Regex:   `^/_data/historians/(.*)/(.*)$`,
		Actions: []string{"get", "on"},
		Table:   "devices",
		Path:    "/{{user.custom_data.company}}/{{$1}}/{{$2}}",
	}
	if err := s.UpsertLookupPermission(ctx, "operators", perm); err != nil {
		t.Fatal(err)
	}
	olga := mustLogin(t, s, "olga", "pw")
	otto := mustLogin(t, s, "otto", "pw")
	allowed := func(id *Identity, action, path string) bool { return s.Authorize(ctx, id, action, path) == nil }
	for _, tc := range []struct {
		id           *Identity
		action, path string
		want         bool
	}{
		{olga, "get", "/_data/historians/device/1", true},
		{olga, "on", "/_data/historians/device/2", true},
		{olga, "set", "/_data/historians/device/1", false}, // not one of its actions
		{olga, "get", "/_data/historians/device/3", false}, // not in the table
		{olga, "get", "/_data/other/device/1", false},      // the regex does not match
		{olga, "get", "/_data/historians/*/*", false},      // a '*' from the request widens nothing
		{otto, "get", "/_data/historians/device/1", false}, // not in the group
	} {
		if got := allowed(tc.id, tc.action, tc.path); got != tc.want {
			t.Errorf("%s %s %s: %v, want %v", tc.id.Username, tc.action, tc.path, got, tc.want)
		}
	}

	// Changes apply at once.
	if err := s.InsertLookupPath(ctx, "devices", "/acme/device/3"); err != nil {
		t.Fatal(err)
	}
	if !allowed(olga, "get", "/_data/historians/device/3") {
		t.Error("a path inserted into the table did not allow")
	}
	if err := s.RemoveLookupPath(ctx, "devices", "/acme/device/1"); err != nil {
		t.Fatal(err)
	}
	if allowed(olga, "get", "/_data/historians/device/1") {
		t.Error("a path removed from the table still allowed")
	}

	// They survive a restart.
	again := newService(t, st, Config{})
	olga2 := mustLogin(t, again, "olga", "pw")
	if again.Authorize(ctx, olga2, "get", "/_data/historians/device/2") != nil {
		t.Error("lookup tables lost in a restart")
	}
	if tb, _ := again.GetLookupTable(ctx, "devices"); len(tb.Paths) != 2 {
		t.Errorf("table after a restart: %+v", tb)
	}
	if ps, _ := again.LookupPermissions(ctx, "operators"); len(ps) != 1 || ps[0].Path != perm.Path {
		t.Errorf("lookup permissions after a restart: %+v", ps)
	}

	if err := s.RemoveLookupPermission(ctx, "operators", perm); err != nil {
		t.Fatal(err)
	}
	if allowed(olga, "get", "/_data/historians/device/2") {
		t.Error("a removed lookup permission still allowed")
	}
	if err := s.UpsertLookupPermission(ctx, "operators", LookupPermission{Regex: "(", Actions: []string{"get"}, Table: "devices"}); err == nil {
		t.Error("a lookup permission with a bad regex was accepted")
	}
	if err := s.UpsertLookupPermission(ctx, "nobody", perm); !errors.Is(err, ErrNotFound) {
		t.Errorf("a lookup permission for an unknown group: %v", err)
	}
	if err := s.DeleteLookupTable(ctx, "devices"); err != nil {
		t.Fatal(err)
	}
	if tb, _ := s.GetLookupTable(ctx, "devices"); len(tb.Paths) != 0 {
		t.Errorf("a deleted table: %+v", tb)
	}
	// A deleted group takes its lookup permissions with it.
	if err := s.UpsertLookupPermission(ctx, "operators", perm); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, "operators"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Get(ctx, lookupPermKey("operators", "devices")); ok {
		t.Error("the lookup permissions of a deleted group are still stored")
	}
}
