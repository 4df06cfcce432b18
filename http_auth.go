package happn

import (
	"context"
	"net"
	"net/http"
	"strconv"

	"github.com/happn-go/happn/internal/ids"
	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/security"
)

// HTTP side of secure mode (SPEC §7.11): GET /auth/login and
// /auth/request-nonce, and /@HTTP permissions on the application's own
// routes mounted with Handle.

// Handle mounts an application handler on the server's HTTP mux (see
// http.ServeMux for patterns). On a secure server every request to it
// needs a session token (cookie happn_token, query parameter happn_token
// or "Authorization: Bearer"), whose user's permissions must allow the
// lower-case HTTP method on "/@HTTP" + the URL path, e.g.
//
//	{"/@HTTP/reports/*": {"actions": ["get"]}}
//
// Otherwise the answer is 401 (no usable token) or 403, with happn-3's
// text/plain bodies. The handler can read who called with
// RequestIdentity. On an insecure server the handler is mounted as it
// is. Use HandlePublic for routes that need no token.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.Handler()
	s.mux.Handle(pattern, s.protect(h))
}

// HandleFunc is Handle for a function.
func (s *Server) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.Handle(pattern, http.HandlerFunc(h))
}

// HandlePublic mounts an application handler that needs no token, even
// on a secure server (happn-3's security middleware exclusions).
func (s *Server) HandlePublic(pattern string, h http.Handler) {
	s.Handler()
	s.mux.Handle(pattern, h)
}

type identityKey struct{}

// RequestIdentity returns the identity a request to a Handle route was
// authorized as, or nil (insecure server, public route).
func RequestIdentity(r *http.Request) *security.Identity {
	id, _ := r.Context().Value(identityKey{}).(*security.Identity)
	return id
}

// protect wraps h with /@HTTP authorization on a secure server.
func (s *Server) protect(h http.Handler) http.Handler {
	if s.secure == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, refusal := s.secure.AuthorizeHTTP(r)
		if refusal != nil {
			writeRefusal(w, refusal)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// writeRefusal answers a refused request with happn-3's text/plain body.
func writeRefusal(w http.ResponseWriter, refusal *security.HTTPRefusal) {
	w.Header().Set("Content-Type", "text/plain")
	if refusal.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "happn-auth")
	}
	w.WriteHeader(refusal.Status)
	w.Write([]byte(refusal.Message))
}

// mountSecurityRoutes adds the secure server's HTTP routes to mux:
// /auth/login, /auth/request-nonce, /auth/logout, and a protected
// catch-all, so that,
// as with happn-3, an unknown path answers 401 without a token rather
// than telling which routes exist.
func (s *Server) mountSecurityRoutes(mux *http.ServeMux) {
	if s.secure == nil {
		return
	}
	mux.HandleFunc("/auth/login", s.httpLogin)
	mux.HandleFunc("/auth/request-nonce", s.httpRequestNonce)
	mux.HandleFunc("/auth/logout", s.httpLogout)
	mux.Handle("/", s.protect(http.NotFoundHandler()))
}

// firstParam returns the first query parameter present among names
// (happn-3 accepts several spellings).
func firstParam(r *http.Request, names ...string) string {
	q := r.URL.Query()
	for _, n := range names {
		if v := q.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// authResponse writes happn-3's hand-built JSON envelope:
// {"message":…, "data":…, "error":…} (sic, with ", " separators).
func authResponse(w http.ResponseWriter, status int, message string, data string, e *Error) {
	b := []byte(`{"message":`)
	b = protocol.AppendString(b, message)
	b = append(b, `, "data":`...)
	if data == "" {
		b = append(b, "null"...)
	} else {
		b = protocol.AppendString(b, data)
	}
	b = append(b, `, "error":`...)
	if e == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"name":`...)
		b = protocol.AppendString(b, e.Name)
		if e.Code != 0 {
			b = append(b, `,"code":`...)
			b = strconv.AppendInt(b, int64(e.Code), 10)
		}
		b = append(b, `,"message":`...)
		b = protocol.AppendString(b, e.Message)
		b = append(b, '}')
	}
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// httpLogin is GET /auth/login: a stateless (type 0) login whose answer
// is the session token.
func (s *Server) httpLogin(w http.ResponseWriter, r *http.Request) {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	id, err := s.secure.Login(r.Context(), security.LoginRequest{
		Credentials: security.Credentials{
			Username:  firstParam(r, "username", "user", "u"),
			Password:  firstParam(r, "password", "pwd", "pass", "p"),
			PublicKey: firstParam(r, "publicKey", "public_key", "public", "key", "public-key", "pk"),
			Digest:    firstParam(r, "digest"),
		},
		SessionID: ids.UUID(),
		Type:      0,
		Info:      []byte(`{"_local":false}`),
		RemoteIP:  ip,
	})
	if err != nil {
		s.counters.loginFailures.Add(1)
		e := asError(wireError(err))
		status := http.StatusInternalServerError
		if e.Code == 401 || e.Message == "use of _ADMIN credentials over the network is disabled" {
			status = http.StatusUnauthorized
		}
		authResponse(w, status, "login failed", "", e)
		return
	}
	authResponse(w, http.StatusOK, "login successful", id.Token, nil)
}

// httpLogout is GET /auth/logout (happn-3 13): it revokes the token the
// request carries, when Config.AllowLogoutOverHTTP.
func (s *Server) httpLogout(w http.ResponseWriter, r *http.Request) {
	token, refusal, err := s.secure.LogoutHTTP(r.Context(), r)
	switch {
	case refusal != nil:
		writeRefusal(w, refusal)
	case err != nil:
		authResponse(w, http.StatusInternalServerError, "logout failed", "", asError(wireError(err)))
	default:
		authResponse(w, http.StatusOK, "logout successful", token, nil)
	}
}

// httpRequestNonce is GET /auth/request-nonce, the first step of a
// digest login over HTTP.
func (s *Server) httpRequestNonce(w http.ResponseWriter, r *http.Request) {
	nonce, err := s.secure.RequestNonce(firstParam(r, "publicKey", "public_key", "public", "key", "public-key"))
	if err != nil {
		authResponse(w, http.StatusInternalServerError, "nonce request failed", "", asError(wireError(err)))
		return
	}
	authResponse(w, http.StatusOK, "nonce generated", nonce, nil)
}
