package security

import (
	"context"
	"errors"
	"testing"
)

// TestUsernamesCaseInsensitive: with UsernamesCaseInsensitive users are
// stored, found, logged in and locked out by their lower-cased names,
// except _ADMIN and the excluded names; without it case matters.
func TestUsernamesCaseInsensitive(t *testing.T) {
	ctx := context.Background()
	s := newService(t, nil, Config{
		AdminPassword:                   "admin-pw",
		UsernamesCaseInsensitive:        true,
		UsernamesCaseInsensitiveExclude: []string{"KeepMe"},
		Users: []User{
			{Username: "Alice", Password: "alice-pw"},
			{Username: "KeepMe", Password: "keep-pw"},
		},
	})
	u, err := s.GetUser(ctx, "ALICE")
	if err != nil || u.Username != "alice" {
		t.Fatalf("GetUser(ALICE): %+v %v, want the user stored as alice", u, err)
	}
	id := mustLogin(t, s, "aLiCe", "alice-pw")
	if id.Username != "alice" {
		t.Fatalf("logged in as %q, want alice", id.Username)
	}
	if users, err := s.ListUsers(ctx, "AL*"); err != nil || len(users) != 1 || users[0].Username != "alice" {
		t.Fatalf("ListUsers(AL*): %+v %v", users, err)
	}
	mustLogin(t, s, "KeepMe", "keep-pw")
	if _, err := login(s, "keepme", "keep-pw"); err == nil {
		t.Fatal("an excluded name logged in in another case")
	}
	mustLogin(t, s, AdminName, "admin-pw")
	if err := s.SetPassword(ctx, "ALICE", "new-pw"); err != nil {
		t.Fatal(err)
	}
	mustLogin(t, s, "Alice", "new-pw")

	// Failures in any case count against the one name.
	for _, name := range []string{"ALICE", "alice", "Alice", "aLICE"} {
		login(s, name, "wrong")
	}
	if _, err := login(s, "alice", "new-pw"); !errors.Is(err, ErrLockedOut) {
		t.Fatalf("after 4 failures in mixed case: %v, want locked out", err)
	}

	if err := s.DeleteUser(ctx, "ALICE"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after DeleteUser(ALICE): %v, want not found", err)
	}
}

// TestUsernamesCaseSensitiveByDefault: without the option, "Bob" and
// "bob" are two users.
func TestUsernamesCaseSensitiveByDefault(t *testing.T) {
	s := newService(t, nil, Config{Users: []User{{Username: "Bob", Password: "upper"}, {Username: "bob", Password: "lower"}}})
	if id := mustLogin(t, s, "Bob", "upper"); id.Username != "Bob" {
		t.Fatalf("logged in as %q", id.Username)
	}
	mustLogin(t, s, "bob", "lower")
	if _, err := login(s, "BOB", "upper"); err == nil {
		t.Fatal("BOB logged in as Bob")
	}
}
