package security

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Session tokens are JSON Web Tokens signed with HMAC-SHA256 (RFC 7519),
// as happn-3's are. Clients treat them as opaque strings (SPEC §7.6), so
// the payload is our own JSON rather than happn-3's jsonpack: a token from
// a happn-3 server does not log in here, and the other way round.

// ErrTokenInvalid is returned by ParseToken for a token that is malformed,
// not signed with the secret, or signed over claims that make no sense.
var ErrTokenInvalid = errors.New("security: invalid session token")

// ErrTokenExpired is returned by ParseToken for a correctly signed token
// whose ExpiresAt has passed.
var ErrTokenExpired = errors.New("security: session token expired")

// Claims is what a session token records about the session it was issued
// to: who it is, and the parts of its session policy (SPEC §7.7) that
// still apply when the token is used to log in again.
//
// Times are milliseconds since the Unix epoch and durations are
// milliseconds, as in happn-3; zero means "none".
type Claims struct {
	// SessionID is the id of the session the token was issued to.
	SessionID string `json:"sid"`
	// ParentID is the id of the password (or digest) login session that
	// this token descends from; a session that logs in with a token
	// keeps it. Revoking a token ends every session with its ParentID.
	ParentID string `json:"parent,omitempty"`
	// Origin names the server that issued the token, for the policy
	// LockTokenToOrigin.
	Origin string `json:"origin,omitempty"`
	// Username is the user's name.
	Username string `json:"username"`
	// UserID is the user's id: a user deleted and created again under the
	// same name gets a new one, which old tokens do not carry.
	UserID string `json:"userid,omitempty"`
	// Type is the session type the token was issued for: 1 stateful
	// (websocket), 0 stateless (HTTP).
	Type int `json:"type"`
	// IssuedAt is when the session logged in.
	IssuedAt int64 `json:"issued_ms"`
	// ExpiresAt is when the token stops working: IssuedAt plus the
	// policy's ttl. Zero means never.
	ExpiresAt int64 `json:"expires_ms,omitempty"`
	// InactivityThreshold is the policy's inactivity_threshold.
	InactivityThreshold int64 `json:"inactivity_ms,omitempty"`
	// UsageLimit is the policy's usage_limit.
	UsageLimit int64 `json:"usage_limit,omitempty"`
	// DisallowTokenLogins is the stateful policy's disallowTokenLogins:
	// the token may not be used to log in again.
	DisallowTokenLogins bool `json:"disallow_token_logins,omitempty"`
	// LockTokenToOrigin is the stateful policy's lockTokenToOrigin: only
	// the server named by Origin accepts the token for a login.
	LockTokenToOrigin bool `json:"lock_token_to_origin,omitempty"`
	// Permissions is the policy's permissions. When non-nil, it alone
	// decides what the session may do, even when empty.
	Permissions Permissions `json:"permissions,omitzero"`
}

// Expired reports whether the token's ttl has run out at now.
func (c Claims) Expired(now time.Time) bool {
	return c.ExpiresAt != 0 && now.UnixMilli() >= c.ExpiresAt
}

// check rejects claims that no server would have issued.
func (c Claims) check() error {
	switch {
	case c.SessionID == "":
		return errors.New("no session id")
	case c.Username == "":
		return errors.New("no username")
	case c.Type != 0 && c.Type != 1:
		return fmt.Errorf("session type %d", c.Type)
	case c.ExpiresAt < 0 || c.InactivityThreshold < 0 || c.UsageLimit < 0:
		return errors.New("negative limit")
	}
	return nil
}

// GenerateSecret returns 32 random bytes to sign tokens with.
func GenerateSecret() ([]byte, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	return secret, nil
}

// tokenHeader is the only JOSE header we issue or accept. Comparing the
// encoded header with it, rather than parsing it, rules out "alg":"none"
// and algorithm confusion without any code that could get them wrong.
var tokenHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// maxTokenLen bounds the work ParseToken does for a hostile string.
// Tokens carrying large policy permissions stay far below it.
const maxTokenLen = 64 << 10

var strictB64 = base64.RawURLEncoding.Strict()

// SignToken returns an HS256 JWT carrying c, signed with secret.
func SignToken(secret []byte, c Claims) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("security: empty token secret")
	}
	if err := c.check(); err != nil {
		return "", fmt.Errorf("security: cannot sign token: %w", err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return signPayload(secret, payload), nil
}

// signPayload returns header.payload.signature for raw payload bytes.
func signPayload(secret, payload []byte) string {
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(tokenHeader)+enc.EncodedLen(len(payload))+enc.EncodedLen(sha256.Size)+2)
	buf = append(buf, tokenHeader...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write(buf)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, mac.Sum(nil))
	return string(buf)
}

// ParseToken verifies token's signature with secret and returns its
// claims. It fails with an error wrapping ErrTokenInvalid unless the token
// is exactly as SignToken makes them: our HS256 header, a signature made
// with secret (compared in constant time), strict unpadded base64url, and
// sane claims. A token that is valid but past ExpiresAt returns its claims
// together with ErrTokenExpired.
//
// A valid token has exactly one spelling, so a list of revoked tokens can
// be keyed by the token string.
func ParseToken(secret []byte, token string) (Claims, error) {
	c, err := parseToken(secret, token)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %s", ErrTokenInvalid, err)
	}
	if c.Expired(time.Now()) {
		return c, ErrTokenExpired
	}
	return c, nil
}

func parseToken(secret []byte, token string) (Claims, error) {
	var c Claims
	if len(secret) == 0 {
		return c, errors.New("no secret")
	}
	if len(token) > maxTokenLen {
		return c, errors.New("too long")
	}
	// Go's base64 decoder skips '\r' and '\n'; refusing every byte outside
	// the alphabet keeps one token from having several spellings.
	for i := 0; i < len(token); i++ {
		if b := token[i]; !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return c, errors.New("bad character")
		}
	}
	header, rest, _ := strings.Cut(token, ".")
	if header != tokenHeader {
		return c, errors.New("unsupported header")
	}
	body, sig, found := strings.Cut(rest, ".")
	if !found || strings.IndexByte(sig, '.') >= 0 {
		return c, errors.New("not three parts")
	}
	got, err := strictB64.DecodeString(sig)
	if err != nil {
		return c, errors.New("bad signature encoding")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(token[:len(header)+1+len(body)]))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return c, errors.New("bad signature")
	}
	payload, err := strictB64.DecodeString(body)
	if err != nil {
		return c, errors.New("bad payload encoding")
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, errors.New("bad payload")
	}
	if err := c.check(); err != nil {
		return Claims{}, err
	}
	return c, nil
}
