package security

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// HTTPPathPrefix is what HTTP routes are authorized as: a request for
// /files/x with method GET is action "get" on path "/@HTTP/files/x"
// (SPEC §7.11).
const HTTPPathPrefix = "/@HTTP"

// TokenFromRequest finds a session token in an HTTP request the way
// happn-3 does: the cookie cookieName, then cookieName+"_https", then the
// query parameter happn_token, then an "Authorization: Bearer" header.
func TokenFromRequest(r *http.Request, cookieName string) string {
	for _, name := range []string{cookieName, cookieName + "_https"} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	if t := r.URL.Query().Get("happn_token"); t != "" {
		return t
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "bearer") {
			return strings.TrimSpace(token)
		}
	}
	return ""
}

// HTTPRefusal is why AuthorizeHTTP refused a request: the status and the
// text/plain body happn-3 answers with.
type HTTPRefusal struct {
	// Status is 401 (no usable token) or 403 (not permitted).
	Status int
	// Message is the response body.
	Message string
}

// AuthorizeHTTP decides an HTTP request on a route protected by /@HTTP
// permissions (SPEC §7.11): it needs a valid, unrevoked token whose user
// still exists, whose policy still holds, and whose permissions allow
// the lower-case method on "/@HTTP" + the URL path. It returns the
// request's (stateless) identity, or why not: 401 "invalid token format
// or null token", 401 "authorization failed for <user>: <reason>" for an
// expired token, 403 "unauthorized access to path /@HTTP/…".
func (s *Service) AuthorizeHTTP(r *http.Request) (*Identity, *HTTPRefusal) {
	path := HTTPPathPrefix + r.URL.Path
	token, c, refusal := s.httpToken(r)
	if refusal != nil {
		return nil, refusal
	}
	forbidden := &HTTPRefusal{403, "unauthorized access to path " + path}
	if s.revoked.has(token) {
		return nil, forbidden
	}
	st := &sessionState{svc: s, user: c.Username, policy: &Policy{Permissions: c.Permissions}, expires: c.ExpiresAt}
	id := &Identity{Username: c.Username, UserID: c.UserID, Token: token, SessionID: c.SessionID, ParentID: c.ParentID, Type: 0, st: st}
	if !s.checkerFor(st).Allowed(strings.ToLower(r.Method), path) {
		return nil, forbidden
	}
	return id, nil
}

// LogoutHTTP revokes the token of an HTTP request (happn-3 13's
// /auth/logout) and returns it. The token must be well formed, unexpired
// and its user's (else a 401 refusal); one already revoked is revoked
// again, harmlessly. Unless Config.AllowLogoutOverHTTP, the refusal is
// 403 "logouts over http are not allowed".
func (s *Service) LogoutHTTP(ctx context.Context, r *http.Request) (string, *HTTPRefusal, error) {
	token, _, refusal := s.httpToken(r)
	if refusal != nil {
		return "", refusal, nil
	}
	if !s.cfg.AllowLogoutOverHTTP {
		return "", &HTTPRefusal{403, "logouts over http are not allowed"}, nil
	}
	if err := s.RevokeToken(ctx, token, "by user request"); err != nil {
		return "", nil, err
	}
	return token, nil, nil
}

// httpToken returns an HTTP request's session token and its claims, or
// the 401 refusal when there is no token, it does not verify, it has
// expired, or its user no longer exists with that id (happn-3's
// checkTokenUserId).
func (s *Service) httpToken(r *http.Request) (string, Claims, *HTTPRefusal) {
	token := TokenFromRequest(r, s.cookie)
	if token == "" {
		return "", Claims{}, &HTTPRefusal{401, "invalid token format or null token"}
	}
	c, err := ParseToken(s.secret, token)
	switch {
	case errors.Is(err, ErrTokenExpired):
		return "", c, &HTTPRefusal{401, "authorization failed for " + c.Username + ": " + msgExpired}
	case err != nil:
		return "", c, &HTTPRefusal{401, "invalid token format or null token"}
	}
	if u, ok := s.dir.Load().users[c.Username]; !ok || u.UserID != c.UserID {
		return "", c, &HTTPRefusal{401, "token userid does not match userid for username: " + c.Username}
	}
	return token, c, nil
}
