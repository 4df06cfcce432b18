// Package security decides who a session is and what it may do.
//
// The server consults a Provider for every login and every data request.
// Open is the provider of an insecure server: everyone may do
// everything. New returns a Service, the provider of a secure server
// (SPEC §7): a directory of users and groups with path permissions, kept
// in the server's store under /_SYSTEM/_SECURITY; logins by password,
// token, RSA digest or anonymously; signed session tokens that can be
// revoked; session profiles whose policies (ttl, inactivity, usage
// limit, restricted permissions) are enforced on every request; and the
// management API the server exposes as Server.Security().
//
// The pieces it is built from are usable alone: password hashing
// (argon2id, and happn-3's PBKDF2 for imported users), tokens (HS256
// JWTs), permission matching (Permissions, Checker), templated
// permissions, policy durations, digest verification, and the
// payload-encryption primitives (PayloadKey, PayloadCipher).
//
// Refusals are *Error values carrying happn-3's error name, code and
// message; the server puts them on the wire as they are.
package security

import (
	"context"
	"encoding/json"
)

// Provider authenticates sessions and authorizes what they do. The server
// calls it for every login and for every get, set, on, remove and count
// (count is authorized as "get"). Implementations must be safe for
// concurrent use.
type Provider interface {
	// Secure reports whether clients must log in with credentials
	// (describe's "secure" flag).
	Secure() bool
	// Login checks the credentials of a new session and returns who it
	// is. Refusals should be *Error values.
	Login(ctx context.Context, req LoginRequest) (*Identity, error)
	// Authorize returns nil when id may perform action ("get", "set",
	// "on", "remove") on path, and an error otherwise, preferably an
	// *Error. id is nil for a session that has not logged in.
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

// Identity is who a session is once logged in. The fields are read-only
// after Login; an Identity is safe for concurrent use.
type Identity struct {
	// Username is empty for the anonymous identity of an insecure server.
	Username string
	// UserID is the user's id (secure servers).
	UserID string
	// Token is the session token handed to the client; empty on an
	// insecure server.
	Token string
	// SessionID is the session this identity was issued to.
	SessionID string
	// ParentID is the session of the original login this one descends
	// from (its own id unless it logged in with a token).
	ParentID string
	// Type is 1 for stateful sessions, 0 for stateless (HTTP) ones.
	Type int

	st *sessionState // nil unless issued by a Service
}

// Secure reports whether the identity was issued by a secure Service.
func (id *Identity) Secure() bool { return id != nil && id.st != nil }

// Open returns the provider of an insecure server: every login succeeds
// with an anonymous identity and everything is allowed.
func Open() Provider { return openProvider{} }

type openProvider struct{}

func (openProvider) Secure() bool { return false }

func (openProvider) Login(context.Context, LoginRequest) (*Identity, error) {
	return &Identity{}, nil
}

func (openProvider) Authorize(context.Context, *Identity, string, string) error { return nil }
