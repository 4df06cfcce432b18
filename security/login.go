package security

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/happn-go/happn/internal/ids"
)

// Login authenticates a session (SPEC §7.4): by token when one is given,
// by digest when a digest is given, anonymously as _ANONYMOUS when
// allowed, and by password otherwise. Failures are *Error values with
// happn-3's codes: 401 "Invalid credentials" for a wrong user, password,
// digest or token, 403 "Account locked out" after repeated failures.
//
// A wrong username costs as much as a wrong password, so the response
// time does not tell which usernames exist, and counts towards lockout
// like any other username.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*Identity, error) {
	req.Credentials.Username = s.canonicalUsername(req.Credentials.Username)
	c := req.Credentials
	if req.Type != 0 {
		req.Type = 1
	}
	if c.Username == AnonymousName && c.Token == "" {
		if !s.cfg.AllowAnonymousAccess {
			return nil, invalidCredentials("Anonymous access is disabled")
		}
		return s.anonymousLogin(req)
	}
	if !(c.Username != "" && (c.Password != "" || c.Digest != "") || c.Token != "") {
		return nil, invalidCredentials(msgInvalidCredentials)
	}
	if c.Token == "" && s.adminOverNetwork(c.Username, req) {
		return nil, accessDenied("use of _ADMIN credentials over the network is disabled")
	}
	if c.Token != "" {
		return s.tokenLogin(req)
	}
	return s.credentialsLogin(ctx, req)
}

func (s *Service) adminOverNetwork(username string, req LoginRequest) bool {
	return username == AdminName && s.cfg.DisableDefaultAdminNetworkConnections && !req.Local
}

// credentialsLogin is a password or digest login.
func (s *Service) credentialsLogin(ctx context.Context, req LoginRequest) (*Identity, error) {
	c := req.Credentials
	now := time.Now()
	if s.lock.locked(c.Username, now) {
		return nil, accessDenied(msgLockedOut)
	}
	d := s.dir.Load()
	u := d.users[c.Username]
	fail := func() (*Identity, error) {
		s.lock.failed(c.Username, now)
		return nil, invalidCredentials(msgInvalidCredentials)
	}
	// The whitelist is checked before the password, as in happn-3, so that
	// a client at the wrong address cannot learn whether a password is
	// right; the dummy verification keeps the timing the same.
	if !s.addressAllowed(d, c.Username, req) {
		DummyVerify()
		return nil, invalidCredentials("Source address access restricted")
	}
	if c.Digest != "" {
		if u == nil || u.PublicKey == "" || u.PublicKey != c.PublicKey {
			return fail()
		}
		nonce, ok := s.nonces.take(c.PublicKey, now)
		if !ok || VerifyDigest(c.PublicKey, nonce, c.Digest) != nil {
			return fail()
		}
		return s.loggedIn(d, u, req, nil)
	}
	if u == nil {
		DummyVerify()
		return fail()
	}
	a, err := s.authenticator(u)
	if err != nil {
		s.log.Error("login refused", "user", u.Username, "err", err)
		return nil, systemError("authentication failed")
	}
	if a != nil {
		ok, err := a.Authenticate(ctx, u.Username, c.Password)
		if err != nil {
			s.log.Warn("authenticator failed", "user", u.Username, "type", u.AuthType, "err", err)
			return nil, systemError("authentication failed")
		}
		if !ok {
			return fail()
		}
		return s.loggedIn(d, u, req, nil)
	}
	ok, rehash, err := s.verify(u.Hash, c.Password)
	if err != nil {
		s.log.Error("unreadable password hash", "user", u.Username, "err", err)
	}
	if !ok {
		return fail()
	}
	if rehash {
		s.rehash(u, c.Password)
	}
	return s.loggedIn(s.dir.Load(), u, req, nil)
}

// rehash replaces a weak (e.g. happn-3 PBKDF2) hash after a successful
// login, unless the password changed meanwhile.
func (s *Service) rehash(u *userRecord, pw string) {
	h, err := s.hash(pw)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.dir.Load().users[u.Username]
	if !ok || cur.Hash != u.Hash {
		return
	}
	rec := *cur
	rec.Hash = h
	err = s.commit(context.Background(), func(nd *directory) error {
		nd.users[u.Username] = &rec
		return put(context.Background(), s.st, userPath(u.Username), &rec)
	})
	if err != nil {
		s.log.Warn("could not store the rehashed password", "user", u.Username, "err", err)
	}
}

func (s *Service) anonymousLogin(req LoginRequest) (*Identity, error) {
	d := s.dir.Load()
	u, ok := d.users[AnonymousName]
	if !ok {
		return nil, invalidCredentials("Anonymous access is disabled")
	}
	if !s.addressAllowed(d, AnonymousName, req) {
		return nil, invalidCredentials("Source address access restricted")
	}
	return s.loggedIn(d, u, req, nil)
}

// tokenLogin derives a new session from an existing session token.
func (s *Service) tokenLogin(req LoginRequest) (*Identity, error) {
	token := req.Credentials.Token
	if s.revoked.has(token) {
		return nil, accessDenied(msgRevoked)
	}
	c, err := ParseToken(s.secret, token)
	if errors.Is(err, ErrTokenExpired) {
		return nil, invalidCredentials(msgExpired)
	}
	if err != nil {
		return nil, invalidCredentials("Invalid credentials: invalid session token")
	}
	switch {
	case !s.cfg.AllowTokenLoginTypeMismatch && c.Type != req.Type:
		return nil, accessDenied(fmt.Sprintf("token was created using the login type %d, which does not match how the new token is to be created", c.Type))
	case s.adminOverNetwork(c.Username, req):
		return nil, accessDenied("use of _ADMIN credentials over the network is disabled")
	case c.DisallowTokenLogins:
		return nil, accessDenied("logins with this token are disallowed by policy")
	case c.LockTokenToOrigin && c.Origin != s.cfg.Name:
		return nil, accessDenied("this token is locked to a different origin by policy")
	}
	d := s.dir.Load()
	u, ok := d.users[c.Username]
	if !ok {
		return nil, invalidCredentials(msgInvalidCredentials)
	}
	if u.UserID != c.UserID {
		return nil, accessDenied("token userid does not match userid for username: " + c.Username)
	}
	if !s.addressAllowed(d, c.Username, req) {
		return nil, invalidCredentials("Source address access restricted")
	}
	return s.loggedIn(d, u, req, &c)
}

// addressAllowed applies the sourceIPWhitelist of the profile the user's
// session would get. In-process clients have no address and pass.
func (s *Service) addressAllowed(d *directory, username string, req LoginRequest) bool {
	if req.Local {
		return true
	}
	u := d.users[username]
	if u == nil {
		u = &userRecord{Username: username}
	}
	doc := s.sessionDoc(d, u, req, req.Type, time.Now().UnixMilli(), req.SessionID)
	p := matchProfile(s.profiles, doc)
	if p == nil || len(p.policy.SourceIPWhitelist) == 0 {
		return true
	}
	return slices.Contains(p.policy.SourceIPWhitelist, req.RemoteIP)
}

// sessionDoc is the document session profiles filter (see Profile).
func (s *Service) sessionDoc(d *directory, u *userRecord, req LoginRequest, typ int, now int64, parent string) []byte {
	groups := map[string]struct{}{}
	for _, g := range d.links[u.Username] {
		groups[g] = struct{}{}
	}
	user := map[string]any{"username": u.Username, "userid": u.UserID, "groups": groups}
	if len(u.CustomData) > 0 {
		user["custom_data"] = u.CustomData
	}
	doc := map[string]any{
		"id":         req.SessionID,
		"type":       typ,
		"user":       user,
		"ip_address": req.RemoteIP,
		"address":    map[string]string{"ip": req.RemoteIP},
		"origin":     s.cfg.Name,
		"timestamp":  now,
		"parentId":   parent,
	}
	if len(req.Info) > 0 && json.Valid(req.Info) {
		doc["info"] = req.Info
	} else {
		doc["info"] = map[string]any{}
	}
	b, _ := json.Marshal(doc)
	return b
}

// loggedIn builds the identity of a successful login. prev is the
// token's claims for a token login.
func (s *Service) loggedIn(d *directory, u *userRecord, req LoginRequest, prev *Claims) (*Identity, error) {
	s.lock.succeeded(u.Username)
	now := time.Now().UnixMilli()
	parent := req.SessionID
	typ := req.Type
	if prev != nil {
		parent, typ = prev.ParentID, prev.Type
	}
	var policies [2]*compiledProfile
	for t := range 2 {
		policies[t] = matchProfile(s.profiles, s.sessionDoc(d, u, req, t, now, parent))
	}
	if policies[typ] == nil {
		return nil, accessDenied("no policy for session type")
	}
	pol := policies[typ].policy
	st := &sessionState{svc: s, policy: pol, user: u.Username, limit: pol.UsageLimit}
	st.inactive = pol.InactivityThreshold.Milliseconds()
	st.lastUse.Store(now)
	if pol.TTL.Limited() {
		st.expires = now + pol.TTL.Milliseconds()
	}
	id := &Identity{
		Username:  u.Username,
		UserID:    u.UserID,
		SessionID: req.SessionID,
		ParentID:  parent,
		Type:      typ,
		st:        st,
	}
	if prev != nil {
		// The new session may not outlive the token it came from.
		id.Token = req.Credentials.Token
		if prev.ExpiresAt != 0 && (st.expires == 0 || prev.ExpiresAt < st.expires) {
			st.expires = prev.ExpiresAt
		}
	} else {
		stateful := policies[1]
		if stateful == nil {
			stateful = policies[typ]
		}
		tok, err := SignToken(s.secret, Claims{
			SessionID:           req.SessionID,
			ParentID:            parent,
			Origin:              s.cfg.Name,
			Username:            u.Username,
			UserID:              u.UserID,
			Type:                typ,
			IssuedAt:            now,
			ExpiresAt:           st.expires,
			InactivityThreshold: st.inactive,
			UsageLimit:          st.limit,
			DisallowTokenLogins: stateful.policy.DisallowTokenLogins,
			LockTokenToOrigin:   stateful.policy.LockTokenToOrigin,
			Permissions:         pol.Permissions,
		})
		if err != nil {
			return nil, systemError("cannot issue a session token: " + err.Error())
		}
		id.Token = tok
	}
	st.record = s.record(d, u, id, now, policies)
	return id, nil
}

// record encodes the security members of the login response (SPEC §2.5),
// from "type" to "token", in happn-3's order.
func (s *Service) record(d *directory, u *userRecord, id *Identity, now int64, policies [2]*compiledProfile) []byte {
	b := []byte(`,"type":`)
	b = strconv.AppendInt(b, int64(id.Type), 10)
	b = append(b, `,"user":{"username":`...)
	b = appendJSONString(b, u.Username)
	if len(u.CustomData) > 0 {
		b = append(b, `,"custom_data":`...)
		b = append(b, u.CustomData...)
	}
	b = append(b, `,"userid":`...)
	b = appendJSONString(b, u.UserID)
	if u.PublicKey != "" {
		b = append(b, `,"publicKey":`...)
		b = appendJSONString(b, u.PublicKey)
	}
	b = append(b, `,"permissions":`...)
	if len(u.Permissions) > 0 {
		p, _ := json.Marshal(u.Permissions)
		b = append(b, p...)
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, `},"timestamp":`...)
	b = strconv.AppendInt(b, now, 10)
	b = append(b, `,"parentId":`...)
	b = appendJSONString(b, id.ParentID)
	b = append(b, `,"origin":`...)
	b = appendJSONString(b, s.cfg.Name)
	b = append(b, `,"policy":{`...)
	for t, p := range policies {
		if t > 0 {
			b = append(b, ',')
		}
		b = append(b, '"', byte('0'+t), '"', ':')
		if p != nil {
			b = append(b, p.raw...)
		} else {
			b = append(b, "null"...)
		}
	}
	b = append(b, `},"permissionSetKey":`...)
	b = appendJSONString(b, permissionSetKey(d.links[u.Username], u.Permissions))
	b = append(b, `,"token":`...)
	b = appendJSONString(b, id.Token)
	authType := "default"
	if u.Username == AdminName {
		authType = "happn"
	}
	b = append(b, `,"authType":`...)
	return appendJSONString(b, authType)
}

// permissionSetKey is happn-3's: base64 SHA-1 of the sorted names of the
// user's groups (and own permission paths) joined by '/'.
func permissionSetKey(groups []string, own Permissions) string {
	keys := slices.Clone(groups)
	for p := range own {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	sum := sha1.Sum([]byte(strings.Join(keys, "/")))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// AppendRecord appends the security members of the session record a
// secure login answers with (SPEC §2.5): "type", "user", "timestamp",
// "parentId", "origin", "policy", "permissionSetKey", "token" and
// "authType", each preceded by a comma. It appends nothing for an
// identity of an insecure server.
func (id *Identity) AppendRecord(b []byte) []byte {
	if !id.Secure() {
		return b
	}
	return append(b, id.st.record...)
}

// CookieName returns the name of the cookie a browser keeps the token in.
func (id *Identity) CookieName() string {
	if !id.Secure() {
		return ""
	}
	return id.st.svc.cookie
}

// Expires returns when the session's policy ends it; zero for never.
func (id *Identity) Expires() time.Time {
	if !id.Secure() || id.st.expires == 0 {
		return time.Time{}
	}
	return time.UnixMilli(id.st.expires)
}

// RequestNonce issues the nonce of a digest login for publicKey (the
// wire's request-nonce and GET /auth/request-nonce). It is valid once,
// for Config.NonceTTL.
func (s *Service) RequestNonce(publicKey string) (string, error) {
	if s == nil {
		return "", ErrNotSecure
	}
	if publicKey == "" {
		return "", &Error{Name: "Error", Message: "no public key with request"}
	}
	if _, err := parseRSAPublicKey(publicKey); err != nil {
		return "", &Error{Name: "Error", Message: "invalid public key"}
	}
	nonce, err := NewNonce()
	if err != nil {
		return "", err
	}
	s.nonces.put(publicKey, nonce, time.Now())
	return nonce, nil
}

// AdminToken issues a session token for _ADMIN without a password, for
// in-process clients of the server's own code (happn-3's
// localAdminClient). Log in a local client with it; never hand it out.
func (s *Service) AdminToken() (string, error) {
	if s == nil {
		return "", ErrNotSecure
	}
	d := s.dir.Load()
	u, ok := d.users[AdminName]
	if !ok {
		return "", errors.New("security: no _ADMIN user")
	}
	id, err := s.loggedIn(d, u, LoginRequest{SessionID: ids.UUID(), Type: 1, Local: true, Info: json.RawMessage(`{"_local":true}`)}, nil)
	if err != nil {
		return "", err
	}
	return id.Token, nil
}
