package security

import "errors"

// Error is a refusal meant for the client. Its Name, Code and Message are
// happn-3's (SPEC §2.4), so the server can put them on the wire as they
// are: happn-3 clients decide whether to retry a login from Code.
//
// This package cannot use the server's error type (the server imports
// this package), so the server converts an *Error into its own at the
// edge, field by field.
type Error struct {
	// Name is "AccessDenied" (Code 401 or 403), "SystemError" (500) or
	// "Error" (a malformed request, no Code).
	Name string
	// Code is 401 (who are you?), 403 (no), 500, or 0.
	Code int
	// Message is happn-3's text, e.g. "Invalid credentials" or
	// "unauthorized".
	Message string
	// Reason optionally qualifies Message.
	Reason string
	// EndSession, when not empty, asks the server to end the session
	// after answering, with this server-side-disconnect reason (e.g.
	// "token-expired", "no-session-policy"), as happn-3 does for the
	// refusals in its UNAUTHORISED_REASONS.
	EndSession string
}

// Error returns "Name: Message", as a happn-3 client's e.toString() does.
func (e *Error) Error() string { return e.Name + ": " + e.Message }

// Is matches the sentinels of this package: same Name, and same Code
// unless the sentinel's Code is 0.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Name == e.Name && (t.Code == 0 || t.Code == e.Code) && (t.Message == "" || t.Message == e.Message)
}

// Sentinels to branch on with errors.Is. ErrAccessDenied matches every
// refusal; the others also compare the message.
var (
	// ErrAccessDenied matches every 401 and 403.
	ErrAccessDenied = &Error{Name: "AccessDenied"}
	// ErrInvalidCredentials matches a failed login (401).
	ErrInvalidCredentials = &Error{Name: "AccessDenied", Code: 401, Message: msgInvalidCredentials}
	// ErrUnauthorized matches a request the session's permissions do not
	// allow (403 "unauthorized").
	ErrUnauthorized = &Error{Name: "AccessDenied", Code: 403, Message: msgUnauthorized}
	// ErrLockedOut matches a login refused because of earlier failures
	// (403 "Account locked out").
	ErrLockedOut = &Error{Name: "AccessDenied", Code: 403, Message: msgLockedOut}
)

// ErrUnboundedRevocation is returned by RevokeToken for a token without a
// ttl when Config.RefuseTTL0Revocations is set: it would stay in the
// revocation list for good. Its Message is happn-3's.
var ErrUnboundedRevocation = &Error{Name: "Error", Message: "revoking a token without a ttl means it stays in the revocation list forever"}

// ErrNotSecure is returned by every method of a nil *Service: the
// server it came from is not secure.
var ErrNotSecure = errors.New("security: the server is not secure")

// ErrNotFound is returned by the management API for a user or group
// that does not exist.
var ErrNotFound = errors.New("security: not found")

// ErrProtected is returned by the management API for a change that would
// take _ADMIN's powers away: deleting the _ADMIN user or group, unlinking
// them, or changing the _ADMIN group's permissions.
var ErrProtected = errors.New("security: _ADMIN cannot be changed this way")

// ErrInvalidName is returned by the management API for a user or group
// name happn-3 would refuse: empty, or containing '/', '*' or a reserved
// word.
var ErrInvalidName = errors.New("security: invalid name")

// happn-3's messages (SPEC §2.4, §7.3, §7.4).
const (
	msgInvalidCredentials = "Invalid credentials"
	msgUnauthorized       = "unauthorized"
	msgLockedOut          = "Account locked out"
	msgNoPolicy           = "no policy attached to session"
	msgExpired            = "expired session token"
	msgInactive           = "session inactivity threshold reached"
	msgUsage              = "session usage limit reached"
	msgTokenLimited       = "token permissions limited"
	msgRevoked            = "token has been revoked"
)

func invalidCredentials(msg string) *Error {
	return &Error{Name: "AccessDenied", Code: 401, Message: msg}
}

func accessDenied(msg string) *Error {
	return &Error{Name: "AccessDenied", Code: 403, Message: msg}
}

func systemError(msg string) *Error {
	return &Error{Name: "SystemError", Code: 500, Message: msg}
}

// ending is accessDenied that also ends the session with reason.
func ending(msg, reason string) *Error {
	return &Error{Name: "AccessDenied", Code: 403, Message: msg, EndSession: reason}
}
