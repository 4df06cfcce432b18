package security

import (
	"context"
	"errors"
	"testing"
)

// TestAuthenticator: users whose auth type names an Authenticator log in
// by it, with the directory's permissions; others, _ADMIN included, by
// their hashes; an unreachable system fails the login without counting
// towards lockout; unknown auth types are refused up front.
func TestAuthenticator(t *testing.T) {
	down := false
	var asked []string
	ldap := AuthenticatorFunc(func(ctx context.Context, username, password string) (bool, error) {
		asked = append(asked, username)
		if down {
			return false, errors.New("ldap: connection refused")
		}
		return password == "ldap-"+username, nil
	})
	ctx := context.Background()
	s := newService(t, nil, Config{
		AdminPassword:  "admin-pw",
		Authenticators: map[string]Authenticator{"ldap": ldap},
		Groups:         []Group{{Name: "staff", Permissions: Permissions{"/staff/*": {Actions: []string{"get"}}}}},
		Users: []User{
			{Username: "erin", AuthType: "ldap", Groups: []string{"staff"}},
			{Username: "local", Password: "local-pw"},
		},
	})
	id := mustLogin(t, s, "erin", "ldap-erin")
	if err := s.Authorize(ctx, id, "get", "/staff/x"); err != nil {
		t.Fatalf("erin's permissions come from the directory: %v", err)
	}
	if _, err := login(s, "erin", "wrong"); err == nil {
		t.Fatal("a wrong password passed the authenticator")
	}
	mustLogin(t, s, "local", "local-pw")
	mustLogin(t, s, AdminName, "admin-pw")
	if len(asked) != 2 {
		t.Fatalf("the authenticator was asked about %v, want erin twice only", asked)
	}
	if u, err := s.GetUser(ctx, "erin"); err != nil || u.AuthType != "ldap" {
		t.Fatalf("GetUser: %+v %v", u, err)
	}

	down = true
	for range 6 {
		_, err := login(s, "erin", "ldap-erin")
		var e *Error
		if !errors.As(err, &e) || e.Name != "SystemError" {
			t.Fatalf("authenticator down: %v, want a SystemError", err)
		}
	}
	down = false
	mustLogin(t, s, "erin", "ldap-erin") // not locked out by the outage

	if _, err := s.UpsertUser(ctx, User{Username: "typo", AuthType: "ladp"}); err == nil {
		t.Fatal("a user with an unknown auth type was accepted")
	}
	if _, err := New(ctx, Config{Store: s.st, DefaultAuthType: "nope"}); err == nil {
		t.Fatal("New accepted an unknown DefaultAuthType")
	}

	// DefaultAuthType: users without one go to it.
	d := newService(t, nil, Config{
		Authenticators:  map[string]Authenticator{"ldap": ldap},
		DefaultAuthType: "ldap",
		Users:           []User{{Username: "fay"}, {Username: "gus", Password: "gus-pw", AuthType: DirectoryAuthType}},
	})
	mustLogin(t, d, "fay", "ldap-fay")
	mustLogin(t, d, "gus", "gus-pw")
}
