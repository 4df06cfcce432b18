package security

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sessionState is what a Service keeps about one logged-in session: its
// policy, the counters the policy needs, and a cache of authorization
// decisions, invalidated whenever the directory changes.
type sessionState struct {
	svc      *Service
	user     string
	policy   *Policy
	expires  int64 // Unix ms; 0 = never
	inactive int64 // inactivity threshold in ms; 0 = none
	limit    int64 // usage limit; 0 = none
	record   []byte
	lastUse  atomic.Int64 // Unix ms of the last authorized request
	used     atomic.Int64

	mu        sync.Mutex
	gen       uint64 // directory generation of checker and decisions
	checker   *Checker
	decisions map[decisionKey]bool
	revGen    uint64 // revocation generation revoked was computed at
	revoked   bool
}

type decisionKey struct{ action, path string }

// maxDecisions bounds each session's decision cache; a session that asks
// about more distinct paths than this starts a new cache.
const maxDecisions = 256

// Authorize checks a request of the session of id, as happn-3's
// processAuthorize does (SPEC §7.3): the token must not be revoked, the
// session's policy must hold (ttl, inactivity, usage limit) and the
// permissions (the policy's own if it has some, else the user's) must
// allow action on path. A session that never logged in (id nil) is
// refused with "no policy attached to session" and must be ended.
//
// Decisions are cached per session, action and path, and the cache is
// dropped as soon as the directory changes.
func (s *Service) Authorize(ctx context.Context, id *Identity, action, path string) error {
	if err := s.admit(id); err != nil {
		return err
	}
	st := id.st
	if st.decide(action, path) {
		return nil
	}
	if st.policy.Permissions != nil {
		return accessDenied(msgTokenLimited)
	}
	return accessDenied(msgUnauthorized)
}

// admit checks that the session of id stands, whatever it asks: it
// logged in here, its token is not revoked, its policy holds (ttl,
// inactivity, usage limit, which it counts).
func (s *Service) admit(id *Identity) error {
	if id == nil || id.st == nil || id.st.svc != s {
		return ending(msgNoPolicy, "no-session-policy")
	}
	st := id.st
	if st.isRevoked(id.Token) {
		return accessDenied(msgRevoked)
	}
	if st.expires != 0 || st.inactive != 0 {
		now := time.Now().UnixMilli()
		if st.expires != 0 && now >= st.expires {
			return ending(msgExpired, "token-expired")
		}
		if st.inactive != 0 {
			if now-st.lastUse.Load() > st.inactive {
				return ending(msgInactive, "inactivity-threshold")
			}
			st.lastUse.Store(now)
		}
	}
	if st.limit != 0 && st.used.Add(1) > st.limit {
		return ending(msgUsage, "usage-limit")
	}
	return nil
}

// AuthorizeOnBehalfOf checks a request the session of id makes on behalf
// of the user named username (happn-3's onBehalfOf request option): the
// session must stand, as for Authorize, and be _ADMIN's or a member of
// DelegateGroup; the user must exist; and the user's permissions must
// allow action on path. A refusal is AccessDenied "unauthorized" with
// happn-3's reason ("… request on behalf of unauthorised user: <name>").
func (s *Service) AuthorizeOnBehalfOf(ctx context.Context, id *Identity, username, action, path string) error {
	if err := s.admit(id); err != nil {
		return err
	}
	username = s.canonicalUsername(username)
	refuse := func(why string) error {
		e := accessDenied(msgUnauthorized)
		e.Reason = strings.TrimPrefix(why+" request on behalf of unauthorised user: "+username, " ")
		return e
	}
	d := s.dir.Load()
	if id.Username != AdminName && !slices.Contains(d.links[id.Username], DelegateGroup) {
		return refuse("session attempting to act on behalf of is not authorized")
	}
	if _, ok := d.users[username]; !ok {
		return refuse("on behalf of user does not exist")
	}
	if !s.checkerAs(username).Allowed(action, path) && !s.lookupAllows(d, username, action, path) {
		return refuse("")
	}
	return nil
}

// Permitted reports whether the session of id may do action on path,
// by its permissions alone: no policy limit is checked or counted. The
// server uses it to re-check subscriptions after a directory change.
func (s *Service) Permitted(id *Identity, action, path string) bool {
	if id == nil || id.st == nil || id.st.svc != s {
		return false
	}
	return id.st.decide(action, path)
}

// Prohibits reports whether the permissions of id's session prohibit
// anything at all. A server then leaves out, item by item, what a
// prohibition covers from the requests on wildcard paths it allows
// (happn-3 returns those items, publishes their events and removes them).
func (s *Service) Prohibits(id *Identity) bool {
	if id == nil || id.st == nil || id.st.svc != s {
		return false
	}
	return s.checkerFor(id.st).anyProhibit
}

// ProhibitsAs is Prohibits for requests made on behalf of username.
func (s *Service) ProhibitsAs(username string) bool {
	return s.checkerAs(username).anyProhibit
}

// PermittedAs reports whether username's permissions allow action on
// path, as they decide for requests made on its behalf
// (AuthorizeOnBehalfOf, once the delegation is admitted).
func (s *Service) PermittedAs(username, action, path string) bool {
	username = s.canonicalUsername(username)
	return s.checkerAs(username).Allowed(action, path) || s.lookupAllows(s.dir.Load(), username, action, path)
}

// checkerAs returns the compiled permissions of username, without any
// session policy.
func (s *Service) checkerAs(username string) *Checker {
	return s.checkerFor(&sessionState{svc: s, user: s.canonicalUsername(username), policy: &Policy{}})
}

// isRevoked reports whether token is revoked, looking it up only when a
// revocation happened since the last look.
func (st *sessionState) isRevoked(token string) bool {
	r := &st.svc.revoked
	g := r.gen.Load()
	if g == 0 {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.revGen != g {
		st.revoked = r.has(token)
		st.revGen = g
	}
	return st.revoked
}

// decide returns the cached decision, computing it when needed.
func (st *sessionState) decide(action, path string) bool {
	gen := st.svc.dir.Load().gen
	key := decisionKey{action, path}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gen != gen || st.checker == nil {
		st.checker = st.svc.checkerFor(st)
		st.gen = gen
		clear(st.decisions)
	}
	if v, ok := st.decisions[key]; ok {
		return v
	}
	v := st.checker.Allowed(action, path)
	if !v && st.policy.Permissions == nil {
		v = st.svc.lookupAllows(st.svc.dir.Load(), st.user, action, path)
	}
	if st.decisions == nil {
		st.decisions = make(map[decisionKey]bool)
	} else if len(st.decisions) >= maxDecisions {
		clear(st.decisions)
	}
	// The path may share a large request frame: the cache keeps a copy.
	key.path = strings.Clone(key.path)
	st.decisions[key] = v
	return v
}

// authCache holds the compiled permissions of users for one directory
// generation, shared by all their sessions.
type authCache struct {
	gen      uint64
	mu       sync.Mutex
	checkers map[string]*Checker
}

// checkerFor returns the compiled permissions that decide for st's
// session: its policy's when it has some, else its user's.
func (s *Service) checkerFor(st *sessionState) *Checker {
	d := s.dir.Load()
	if st.policy.Permissions != nil {
		return s.compile(st.policy.Permissions, d, st.username())
	}
	ac := s.auth.Load()
	if ac == nil || ac.gen != d.gen {
		fresh := &authCache{gen: d.gen, checkers: make(map[string]*Checker)}
		if s.auth.CompareAndSwap(ac, fresh) {
			ac = fresh
		} else {
			ac = s.auth.Load()
		}
	}
	name := st.username()
	ac.mu.Lock()
	c, ok := ac.checkers[name]
	ac.mu.Unlock()
	if ok && ac.gen == d.gen {
		return c
	}
	c = s.compile(s.effectivePermissions(d, name), d, name)
	if ac.gen == d.gen {
		ac.mu.Lock()
		ac.checkers[name] = c
		ac.mu.Unlock()
	}
	return c
}

// username is the session's user, kept in its record context.
func (st *sessionState) username() string { return st.user }

// effectivePermissions merges the permissions of a user's groups with
// its own (SPEC §7.3 step 5). A deleted user has none.
func (s *Service) effectivePermissions(d *directory, username string) Permissions {
	u, ok := d.users[username]
	if !ok {
		return nil
	}
	sets := make([]Permissions, 0, len(d.links[username])+1)
	for _, g := range d.links[username] {
		if gr, ok := d.groups[g]; ok {
			sets = append(sets, gr.Permissions)
		}
	}
	sets = append(sets, u.Permissions)
	return Merge(sets...)
}

// compile expands the templates of p for the user and compiles it.
func (s *Service) compile(p Permissions, d *directory, username string) *Checker {
	if u, ok := d.users[username]; ok {
		ctx := map[string]any{"user": map[string]any{
			"username":    u.Username,
			"userid":      u.UserID,
			"custom_data": u.CustomData,
		}}
		expanded, err := ExpandTemplates(p, ctx)
		if err != nil {
			s.log.Warn("permission templates dropped", "user", username, "err", err)
		}
		p = expanded
	} else {
		p = nil
	}
	if s.cfg.CaseInsensitivePermissions {
		return p.Compile()
	}
	return p.CompileCaseSensitive()
}
