package security

import (
	"context"
	"fmt"
)

// Authenticator checks passwords against another system (LDAP, an
// identity provider, …) for the users whose AuthType names it: happn-3's
// auth providers, as a Go interface. The user must still exist in the
// directory, which gives its groups and permissions; only the password
// check moves. Lockout, address whitelists and session profiles apply as
// for any login; digest, token and anonymous logins, and the _ADMIN and
// _ANONYMOUS users, never use one.
type Authenticator interface {
	// Authenticate reports whether password is right for username. An
	// error (the system cannot be reached, …) fails the login with a
	// SystemError and, unlike a wrong password, does not count towards
	// lockout.
	Authenticate(ctx context.Context, username, password string) (bool, error)
}

// AuthenticatorFunc is an Authenticator from a function.
type AuthenticatorFunc func(ctx context.Context, username, password string) (bool, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(ctx context.Context, username, password string) (bool, error) {
	return f(ctx, username, password)
}

// authenticator returns the Authenticator that checks u's password, or
// nil for the directory's own hash.
func (s *Service) authenticator(u *userRecord) (Authenticator, error) {
	if u.Username == AdminName || u.Username == AnonymousName {
		return nil, nil
	}
	name := u.AuthType
	if name == "" {
		name = s.cfg.DefaultAuthType
	}
	if name == "" || name == DirectoryAuthType {
		return nil, nil
	}
	a, ok := s.cfg.Authenticators[name]
	if !ok {
		return nil, fmt.Errorf("security: user %q has auth type %q, which no Authenticator has", u.Username, name)
	}
	return a, nil
}

// DirectoryAuthType is the auth type of users whose password hash is in
// the directory (happn-3's "happn" provider).
const DirectoryAuthType = "happn"

// knownAuthType reports whether t is an auth type cfg can check: ""
// (the default), DirectoryAuthType or an Authenticators key.
func knownAuthType(cfg Config, t string) bool {
	_, ok := cfg.Authenticators[t]
	return ok || t == "" || t == DirectoryAuthType
}
