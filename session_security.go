package happn

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/security"
	"github.com/tidwall/gjson"
)

// sessionSecurity is a session's secure-mode state: the timer that ends
// it when its policy's ttl runs out, and its payload cipher.
type sessionSecurity struct {
	mu     sync.Mutex
	expiry *time.Timer

	// encrypted is set once the login response has gone out with the
	// server's key; from then on every payload frame is sealed.
	encrypted atomic.Bool
	sendMu    sync.Mutex // orders sealing with sending
	cipher    *security.PayloadCipher
}

// encryptionOffer is the client's half of payload encryption, from its
// login data (docs/payload-encryption.md).
type encryptionOffer struct {
	publicKey string
}

func parseEncryptionOffer(data gjson.Result) (*encryptionOffer, error) {
	e := data.Get("encryption")
	if !e.Exists() {
		return nil, nil
	}
	if e.Get("scheme").String() != security.PayloadScheme {
		return nil, badRequest("unsupported payload encryption scheme " + e.Get("scheme").String() + ": this server speaks " + security.PayloadScheme)
	}
	return &encryptionOffer{publicKey: e.Get("publicKey").String()}, nil
}

// errEncryptionRequired is the clear refusal a client that cannot encrypt
// gets from a server that requires encryption.
var errEncryptionRequired = accessDenied(403, "this server requires payload encryption: log in with an encryption key (scheme "+security.PayloadScheme+")")

// prepareEncryption checks a login's encryption offer against the
// server's configuration and agrees the keys. It returns the server's
// public key for the login response, or "" for an unencrypted session.
func (ss *session) prepareEncryption(offer *encryptionOffer) (*security.PayloadCipher, string, error) {
	if offer == nil {
		if ss.srv.cfg.EncryptPayloads && !ss.info.Local {
			return nil, "", errEncryptionRequired
		}
		return nil, "", nil
	}
	if !ss.srv.cfg.EncryptPayloads {
		// The response carries no key: the client knows it is not
		// encrypted and decides whether to go on.
		return nil, "", nil
	}
	if ss.sec.encrypted.Load() || ss.identity.Load() != nil {
		return nil, "", badRequest("payload encryption is agreed at the first login of a connection")
	}
	key, err := security.NewPayloadKey()
	if err != nil {
		return nil, "", err
	}
	c, err := key.Cipher(offer.publicKey, false, ss.id)
	if err != nil {
		return nil, "", badRequest(err.Error())
	}
	return c, key.PublicKey(), nil
}

// sendLoginResponse sends the login response and, for an encrypted
// session, turns sealing on right after it, so that the response is
// the last plain frame.
func (ss *session) sendLoginResponse(req *protocol.Request, record []byte, c *security.PayloadCipher) {
	if c == nil {
		ss.ok(req, record, protocol.ResponseMeta{}, false)
		return
	}
	ss.sec.sendMu.Lock()
	defer ss.sec.sendMu.Unlock()
	r := ss.response(req)
	frame := ss.codec().AppendResponse(nil, r, record, protocol.ResponseMeta{})
	if layers := ss.srv.cfg.OutboundLayers; len(layers) > 0 {
		m := Message{SessionID: ss.id, Frame: frame}
		if runLayers(context.Background(), layers, &m) != nil {
			return
		}
		frame = m.Frame
	}
	ss.conn.Send(frame)
	ss.sec.cipher = c
	ss.sec.encrypted.Store(true)
}

// sendSealed seals and sends a frame of an encrypted session. Primus
// heartbeats (JSON strings) stay plain.
func (ss *session) sendSealed(frame []byte) error {
	if len(frame) > 0 && frame[0] == '"' {
		return ss.conn.Send(frame)
	}
	ss.sec.sendMu.Lock()
	defer ss.sec.sendMu.Unlock()
	return ss.conn.Send(ss.sec.cipher.Seal(frame))
}

// openSealed opens a frame of an encrypted session. A frame that is not
// the next sealed frame from the client ends the connection.
func (ss *session) openSealed(frame []byte) ([]byte, bool) {
	plain, err := ss.sec.cipher.Open(frame) // only the session goroutine opens
	if err != nil {
		ss.srv.log.Warn("closing an encrypted session: bad sealed frame", "session", ss.id, "err", err)
		ss.endAsync("")
		return nil, false
	}
	return plain, true
}

// loggedIn starts enforcing the policy of a new identity: a session with
// a ttl is ended when it runs out (reason token-expired).
func (ss *session) loggedIn(id *security.Identity) {
	ss.sec.mu.Lock()
	defer ss.sec.mu.Unlock()
	if ss.sec.expiry != nil {
		ss.sec.expiry.Stop()
		ss.sec.expiry = nil
	}
	if exp := id.Expires(); !exp.IsZero() {
		ss.sec.expiry = time.AfterFunc(time.Until(exp), func() { ss.end("token-expired") })
	}
}

// securityClosed releases a closed session's security state.
func (ss *session) securityClosed() {
	ss.sec.mu.Lock()
	if ss.sec.expiry != nil {
		ss.sec.expiry.Stop()
		ss.sec.expiry = nil
	}
	ss.sec.mu.Unlock()
}

// secureAction answers request-nonce, revoke-token,
// disconnect-child-sessions and change-password on a secure server.
func (ss *session) secureAction(ctx context.Context, req *protocol.Request) {
	svc := ss.srv.secure
	data := gjson.ParseBytes(req.Data)
	switch req.Action {
	case protocol.ActionRequestNonce:
		nonce, err := svc.RequestNonce(data.Get("publicKey").String())
		if err != nil {
			ss.fail(req, wireError(err))
			return
		}
		// happn-3 answers with the nonce at the top level and in data.
		d := protocol.AppendString([]byte(`{"nonce":`), nonce)
		d = append(d, '}')
		r := ss.response(req)
		frame := ss.codec().AppendResponse(nil, r, d, protocol.ResponseMeta{})
		out := protocol.AppendString([]byte(`{"nonce":`), nonce)
		out = append(out, ',')
		ss.send(append(out, frame[1:]...))
		return
	}
	id := ss.identity.Load()
	if id == nil {
		ss.fail(req, accessDenied(403, "no policy attached to session"))
		ss.endAsync("no-session-policy")
		return
	}
	switch req.Action {
	case protocol.ActionRevokeToken:
		// The revocation ends this session too, but only once this
		// request is answered: endAsync waits for it (SPEC §2.5).
		if err := svc.RevokeToken(ctx, id.Token, "CLIENT"); err != nil {
			ss.fail(req, wireError(err))
			return
		}
		ss.ok(req, nil, protocol.ResponseMeta{}, false)
	case protocol.ActionDisconnectChildSessions:
		ss.ok(req, nil, protocol.ResponseMeta{}, false)
		for _, other := range ss.srv.liveSessions() {
			if other != ss {
				if oid := other.identity.Load(); oid != nil && oid.ParentID == ss.id {
					other.endAsync("token-revoked")
				}
			}
		}
	case protocol.ActionChangePassword:
		err := svc.ChangePassword(ctx, id.Username, data.Get("oldPassword").String(), data.Get("newPassword").String())
		if err != nil {
			ss.fail(req, wireError(err))
			return
		}
		ss.ok(req, nil, protocol.ResponseMeta{}, false)
	}
}

// liveSessions returns the server's sessions at this moment.
func (s *Server) liveSessions() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

// authorizeSecure is the secure part of session.authorize: it converts a
// refusal for the wire and ends the session when the refusal says so
// (no policy, expired, inactive, usage limit reached).
func (ss *session) authorizeSecure(ctx context.Context, onBehalfOf, action, path string) error {
	var err error
	if onBehalfOf != "" {
		err = ss.srv.secure.AuthorizeOnBehalfOf(ctx, ss.identity.Load(), onBehalfOf, action, path)
	} else {
		err = ss.srv.sec.Authorize(ctx, ss.identity.Load(), action, path)
	}
	if err == nil {
		return nil
	}
	if reason := endReason(err); reason != "" {
		ss.endAsync(reason)
	}
	return wireError(err)
}

// onBehalfOf returns the user a request is made on behalf of (happn-3's
// onBehalfOf option), or "": only on a secure server, and "_ADMIN" means
// the session itself, as in happn-3. The session must be _ADMIN's or a
// member of _MESH_DELEGATE (security.Service.AuthorizeOnBehalfOf).
func (ss *session) onBehalfOf(req *protocol.Request) string {
	if ss.srv.secure == nil || req.Options.OnBehalfOf == security.AdminName {
		return ""
	}
	return req.Options.OnBehalfOf
}

// endIfAnonymous ends the session if it has not logged in
// (Config.UnconfiguredSessionTimeout).
func (ss *session) endIfAnonymous() {
	if ss.identity.Load() == nil {
		ss.srv.log.Info("disconnecting a client that did not log in", "session", ss.id, "after", ss.srv.cfg.UnconfiguredSessionTimeout)
		ss.endAsync("")
	}
}

// authorizeNested authorizes a get or on request like checkAccess, and
// also allows one on a "/**" path that nested permissions allow below
// it. It returns the filter the request's items or events must then pass,
// path by path: nil when none is needed.
func (ss *session) authorizeNested(ctx context.Context, req *protocol.Request, action, path string) (allow func(string) bool, err error) {
	err = ss.checkAccess(ctx, req, action, path)
	switch {
	case err == nil:
		allow = ss.prohibitionFilter(req, action, path)
	case ss.nestedAllowed(req, action, path, err):
		allow, err = func(p string) bool { return ss.permitted(action, p) }, nil
	}
	ss.reportActivity(action, path, err)
	return allow, err
}

// prohibitionFilter returns the filter an allowed request on path must
// apply to its items, path by path, when the permissions it acts with
// (the session's, or those of the user it acts on behalf of) prohibit
// something its wildcard may cover; nil when none is needed. happn-3 lets
// "/a/*" return, publish and remove "/a/secret/x" to a user granted
// "/a/*" and prohibited "/a/secret/*".
func (ss *session) prohibitionFilter(req *protocol.Request, action, path string) func(string) bool {
	svc := ss.srv.secure
	if svc == nil || !wildcard.HasWildcard(path) {
		return nil
	}
	if user := ss.onBehalfOf(req); user != "" {
		if !svc.ProhibitsAs(user) {
			return nil
		}
		return func(p string) bool { return svc.PermittedAs(user, action, p) }
	}
	if !svc.Prohibits(ss.identity.Load()) {
		return nil
	}
	return func(p string) bool { return ss.permitted(action, p) }
}

// nestedAllowed reports whether a request refused by err is allowed by
// nested permissions.
func (ss *session) nestedAllowed(req *protocol.Request, action, path string, err error) bool {
	if !ss.srv.cfg.AllowNestedPermissions || ss.srv.secure == nil || ss.onBehalfOf(req) != "" ||
		!strings.HasSuffix(path, "/**") || isSystemPath(path) {
		return false
	}
	var he *Error
	if !errors.As(err, &he) || he.Code != 403 || he.Message != "unauthorized" {
		return false
	}
	return ss.srv.secure.PermittedBelow(ss.identity.Load(), action, nestedPrefix(path))
}

// reportActivity hands an authorization decision of a secure server to
// Config.OnActivity.
func (ss *session) reportActivity(action, path string, err error) {
	fn := ss.srv.cfg.OnActivity
	if fn == nil || ss.srv.secure == nil {
		return
	}
	a := Activity{SessionID: ss.id, Username: ss.username(), Action: action, Path: path, Authorized: err == nil, Time: time.Now()}
	if err != nil {
		a.Reason = err.Error()
	}
	fn(a)
}

// nestedPrefix is the path a nested "/**" request is below.
func nestedPrefix(pattern string) string { return strings.TrimSuffix(pattern, "/**") }

// permitted reports whether the session's permissions allow action on
// path (no policy counted), for the paths a nested request reaches.
func (ss *session) permitted(action, path string) bool {
	return ss.srv.secure.Permitted(ss.identity.Load(), action, path)
}
