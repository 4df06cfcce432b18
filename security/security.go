// Package security decides who a session is and what it may do.
//
// The server consults a Provider for every login and every data request.
// Open is the provider of an insecure server. The secure provider (users,
// groups, path permissions, session tokens and session policies) builds
// on the pieces in this package: password hashing, tokens, permission
// matching, templated permissions and policy durations.
package security

import (
	"context"
	"encoding/json"
)

// Provider authenticates sessions and authorizes what they do. The server
// calls it for every login and for every get, set, on, remove and count.
// Implementations must be safe for concurrent use.
type Provider interface {
	// Secure reports whether clients must log in with credentials
	// (describe's "secure" flag).
	Secure() bool
	// Login checks the credentials of a new session and returns who it is.
	Login(ctx context.Context, req LoginRequest) (*Identity, error)
	// Authorize returns nil when id may perform action ("get", "set",
	// "on", "remove", "count") on path, and an error otherwise.
	Authorize(ctx context.Context, id *Identity, action, path string) error
}

// Credentials are what a client presents at login (SPEC §7.4).
type Credentials struct {
	Username  string
	Password  string
	Token     string
	PublicKey string
	Digest    string
	LoginType string
	AuthType  string
}

// LoginRequest is a login attempt by a session.
type LoginRequest struct {
	Credentials
	// SessionID is the id of the session logging in.
	SessionID string
	// Type is 1 for a stateful (websocket or local) session, 0 for a
	// stateless HTTP login.
	Type int
	// Info is the client-supplied info object (raw JSON; may be nil).
	Info json.RawMessage
	// RemoteIP is the client's address; empty for in-process clients.
	RemoteIP string
	// Local reports an in-process client.
	Local bool
}

// Identity is who a session is once logged in.
type Identity struct {
	// Username is empty for the anonymous identity of an insecure server.
	Username string
	UserID   string
	// Token is the session token handed to the client; empty on an
	// insecure server.
	Token string
}

// Open returns the provider of an insecure server: every login succeeds
// with an anonymous identity and everything is allowed.
func Open() Provider { return openProvider{} }

type openProvider struct{}

func (openProvider) Secure() bool { return false }

func (openProvider) Login(context.Context, LoginRequest) (*Identity, error) {
	return &Identity{}, nil
}

func (openProvider) Authorize(context.Context, *Identity, string, string) error { return nil }
