package security

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/internal/ids"
	"github.com/happn-go/happn/store"
)

// DefaultAdminPassword is the _ADMIN password of a server that configures
// none, as in happn-3. A server running with it logs a warning; a
// production server refuses to start (see Service.DefaultAdminPassword).
const DefaultAdminPassword = "happn"

// DefaultCookieName is the cookie browsers keep the session token in.
const DefaultCookieName = "happn_token"

// Config configures a Service. Only Store is required; every other
// field's zero value is happn-3's default.
type Config struct {
	// Store keeps the security directory under /_SYSTEM/_SECURITY.
	Store store.Store
	// Name is the server's name: the "origin" of the sessions and tokens
	// it issues.
	Name string
	// AdminPassword is the _ADMIN user's password. When set it is applied
	// at every start; when empty, a new directory gets
	// DefaultAdminPassword and an existing one keeps its password.
	AdminPassword string
	// SessionTokenSecret signs session tokens. Default: 32 random bytes
	// generated on first start and kept in the store, so tokens survive a
	// restart.
	SessionTokenSecret string
	// Groups and Users are upserted at every start (permissions merged,
	// passwords set when they do not already match, users linked to their
	// Groups), so a config file can bring up a ready directory.
	Groups []Group
	Users  []User
	// Profiles give sessions their policies (SPEC §7.7); the default
	// profiles are tried after them.
	Profiles []Profile
	// Lockout slows password guessing (SPEC §7.4).
	Lockout Lockout
	// AllowAnonymousAccess lets clients log in as _ANONYMOUS without a
	// password; the _ANONYMOUS user is created, with no permissions.
	AllowAnonymousAccess bool
	// DisableDefaultAdminNetworkConnections refuses _ADMIN logins that do
	// not come from an in-process client.
	DisableDefaultAdminNetworkConnections bool
	// CaseInsensitivePermissions matches permission patterns ignoring
	// case, as happn-3 does. By default they match case-sensitively, like
	// the data paths they guard: "/allowed/*" does not grant
	// "/ALLOWED/x", which is other data.
	CaseInsensitivePermissions bool
	// AllowTokenLoginTypeMismatch lets a token issued to a stateless
	// (HTTP) session log a websocket in and the other way round; happn-3's
	// lockTokenToLoginType:false.
	AllowTokenLoginTypeMismatch bool
	// CookieName is the cookie of the session token. Default
	// DefaultCookieName.
	CookieName string
	// Authenticators check the passwords of users whose User.AuthType
	// names them (happn-3's authProviders); DefaultAuthType is the auth
	// type of users without one. Default: the directory's own password
	// hashes (DirectoryAuthType) for everyone.
	Authenticators  map[string]Authenticator
	DefaultAuthType string
	// HTTPSCookie tells browsers that log in over TLS (or through a
	// proxy that says X-Forwarded-Proto: https or wss) to keep the token
	// in CookieName + "_https" rather than CookieName (happn-3's
	// httpsCookie), so that one browser can hold an http and an https
	// session to the same host. HTTP requests are read from either.
	HTTPSCookie bool
	// CookieDomain, when set, is the domain browsers give the token
	// cookie (happn-3's cookieDomain).
	CookieDomain string
	// AllowLogoutOverHTTP lets GET /auth/logout revoke the request's
	// token (happn-3 13's allowLogoutOverHttp). Default false.
	AllowLogoutOverHTTP bool
	// RefuseTTL0Revocations refuses to revoke a token without a ttl
	// (ErrUnboundedRevocation), which would stay in the revocation list
	// for good (happn-3 13's allowTTL0Revocations: false). Default false:
	// such revocations are logged and kept.
	RefuseTTL0Revocations bool
	// UsernamesCaseInsensitive stores and looks users up by their
	// lower-cased names, so "Alice" logs in as "alice" (happn-3's
	// usernamesCaseInsensitive); _ADMIN, _ANONYMOUS and the names in
	// UsernamesCaseInsensitiveExclude keep their case. Users created
	// before it was turned on keep the names they were stored under.
	UsernamesCaseInsensitive        bool
	UsernamesCaseInsensitiveExclude []string
	// NonceTTL bounds how long a digest login nonce stays valid. Default
	// 60 s, as happn-3.
	NonceTTL time.Duration
	// Logger receives the service's logs. It never logs a password or a
	// token. Default: discard.
	Logger *slog.Logger
}

// Lockout configures account lockout. The zero value is happn-3's
// default: after 4 failed logins a username is locked out for 10
// minutes.
type Lockout struct {
	// Disabled turns lockout off.
	Disabled bool `json:"disabled,omitempty"`
	// Attempts is how many failures lock a username. Default 4.
	Attempts int `json:"attempts,omitempty"`
	// RetryInterval is how long the failures are remembered. Default 10
	// minutes.
	RetryInterval Duration `json:"retryInterval,omitzero"`
}

// Service is the secure Provider: users, groups and their permissions,
// logins, session tokens and policies, kept in the server's store and
// cached in memory. It also serves the management API (users, groups,
// links, permissions, passwords, revocation).
//
// A Service is safe for concurrent use. Authorization reads an immutable
// snapshot of the directory and per-session caches; changes are
// serialised and invalidate those caches at once.
type Service struct {
	cfg      Config
	st       store.Store
	log      *slog.Logger
	secret   []byte
	profiles []*compiledProfile
	cookie   string

	mu  sync.Mutex // serialises changes to the directory
	dir atomic.Pointer[directory]

	auth atomic.Pointer[authCache]

	lock    *lockoutTable
	nonces  *nonceCache
	revoked revocations
	hashSem chan struct{} // bounds concurrent password hashing (memory-hard)

	changeMu sync.RWMutex
	onChange func(Change)

	defaultAdmin bool
}

var _ Provider = (*Service)(nil)

// New opens the security directory in cfg.Store, creating the _ADMIN
// group and user, the token secret and the configured groups and users
// when needed. It does no network I/O.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("security: Config.Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if cfg.NonceTTL <= 0 {
		cfg.NonceTTL = 60 * time.Second
	}
	if t := cfg.DefaultAuthType; !knownAuthType(cfg, t) {
		return nil, fmt.Errorf("security: DefaultAuthType %q is not in Authenticators", t)
	}
	if cfg.Lockout.Attempts <= 0 {
		cfg.Lockout.Attempts = 4
	}
	if !cfg.Lockout.RetryInterval.Limited() {
		cfg.Lockout.RetryInterval = Duration(10 * time.Minute)
	}
	profiles, err := compileProfiles(cfg.Profiles)
	if err != nil {
		return nil, err
	}
	n := max(2, runtime.GOMAXPROCS(0))
	s := &Service{
		cfg:      cfg,
		st:       cfg.Store,
		log:      cfg.Logger,
		profiles: profiles,
		cookie:   cfg.CookieName,
		lock:     newLockoutTable(cfg.Lockout),
		nonces:   newNonceCache(cfg.NonceTTL),
		hashSem:  make(chan struct{}, n),
	}
	d, err := loadDirectory(ctx, s.st)
	if err != nil {
		return nil, err
	}
	s.dir.Store(d)
	if err := s.revoked.load(ctx, s.st); err != nil {
		return nil, err
	}
	if s.secret, err = s.loadSecret(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureAdmin(ctx); err != nil {
		return nil, err
	}
	if cfg.AllowAnonymousAccess {
		if _, ok := s.dir.Load().users[AnonymousName]; !ok {
			if _, err := s.upsertUser(ctx, User{Username: AnonymousName}, true); err != nil {
				return nil, err
			}
		}
	}
	if err := s.applyDeclared(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Secure reports true: clients must log in.
func (s *Service) Secure() bool { return true }

// DefaultAdminPassword reports whether _ADMIN's password is still
// DefaultAdminPassword, as checked at start.
func (s *Service) DefaultAdminPassword() bool {
	if s == nil {
		return false
	}
	return s.defaultAdmin
}

// CookieName returns the name of the session token cookie.
func (s *Service) CookieName() string {
	if s == nil {
		return DefaultCookieName
	}
	return s.cookie
}

// SessionCookie returns the cookie a browser that logged in should keep
// its token in, and the cookie's domain ("" for the host's): tls reports
// a connection made over TLS, directly or, by its X-Forwarded-Proto,
// through a proxy (see Config.HTTPSCookie).
func (s *Service) SessionCookie(tls bool) (name, domain string) {
	name = s.CookieName()
	if s != nil && s.cfg.HTTPSCookie && tls {
		name += "_https"
	}
	if s != nil {
		domain = s.cfg.CookieDomain
	}
	return name, domain
}

// loadSecret returns the configured token secret, or the one kept in the
// store, or a new one it keeps there.
func (s *Service) loadSecret(ctx context.Context) ([]byte, error) {
	if s.cfg.SessionTokenSecret != "" {
		return []byte(s.cfg.SessionTokenSecret), nil
	}
	it, ok, err := s.st.Get(ctx, secretPath)
	if err != nil {
		return nil, fmt.Errorf("security: reading the token secret: %w", err)
	}
	if ok {
		var v struct{ Value string }
		if json.Unmarshal(it.Data, &v) == nil {
			if b, err := base64.StdEncoding.DecodeString(v.Value); err == nil && len(b) >= 16 {
				return b, nil
			}
		}
		return nil, errors.New("security: corrupt token secret record")
	}
	secret, err := GenerateSecret()
	if err != nil {
		return nil, err
	}
	if err := put(ctx, s.st, secretPath, map[string]string{"value": base64.StdEncoding.EncodeToString(secret)}); err != nil {
		return nil, fmt.Errorf("security: saving the token secret: %w", err)
	}
	return secret, nil
}

// adminPermissions is what the _ADMIN group grants, always.
var adminPermissions = Permissions{"*": {Actions: []string{ActionAll}}}

// ensureAdmin creates the _ADMIN group and user when missing, applies a
// configured admin password, and notes whether the default is in use.
func (s *Service) ensureAdmin(ctx context.Context) error {
	d := s.dir.Load()
	if g, ok := d.groups[AdminName]; !ok || !samePermissions(g.Permissions, adminPermissions) {
		rec := &groupRecord{Name: AdminName, Permissions: clonePermissions(adminPermissions)}
		if ok {
			rec.CustomData = g.CustomData
		}
		if err := s.commit(ctx, func(nd *directory) error {
			nd.groups[AdminName] = rec
			return put(ctx, s.st, groupPath(AdminName), rec)
		}); err != nil {
			return err
		}
	}
	admin, exists := s.dir.Load().users[AdminName]
	pw := s.cfg.AdminPassword
	switch {
	case !exists:
		if pw == "" {
			pw = DefaultAdminPassword
		}
		if _, err := s.upsertUser(ctx, User{Username: AdminName, Password: pw, Groups: []string{AdminName}}, true); err != nil {
			return err
		}
	case pw != "":
		if ok, _, _ := s.verify(admin.Hash, pw); !ok {
			if _, err := s.upsertUser(ctx, User{Username: AdminName, Password: pw}, true); err != nil {
				return err
			}
		}
	}
	if !containsString(s.dir.Load().links[AdminName], AdminName) {
		if err := s.link(ctx, AdminName, AdminName, true); err != nil {
			return err
		}
	}
	if pw == DefaultAdminPassword || pw == "" {
		ok, _, _ := s.verify(s.dir.Load().users[AdminName].Hash, DefaultAdminPassword)
		s.defaultAdmin = ok
	}
	return nil
}

// applyDeclared upserts the configured groups and users.
func (s *Service) applyDeclared(ctx context.Context) error {
	for _, g := range s.cfg.Groups {
		if g.Name == AdminName {
			return fmt.Errorf("security: the %s group cannot be configured", AdminName)
		}
		if _, err := s.upsertGroup(ctx, g, true); err != nil {
			return fmt.Errorf("security: configured group %q: %w", g.Name, err)
		}
	}
	for _, u := range s.cfg.Users {
		if u.Username == AdminName {
			return fmt.Errorf("security: configure the %s password with AdminPassword", AdminName)
		}
		if cur, ok := s.dir.Load().users[u.Username]; ok {
			// Keep the stored hash (and save a hashing) when it already
			// matches the configured password.
			if u.Password != "" {
				if match, _, _ := s.verify(cur.Hash, u.Password); match {
					u.Password = ""
				}
			}
			// A configured PasswordHash is an import: once the user has a
			// password (perhaps rehashed at a login since), it stays.
			if cur.Hash != "" {
				u.PasswordHash = ""
			}
		}
		if _, err := s.upsertUser(ctx, u, true); err != nil {
			return fmt.Errorf("security: configured user %q: %w", u.Username, err)
		}
	}
	return nil
}

// commit applies fn to a copy of the directory and publishes it. fn
// writes the store; if it fails, nothing is published.
func (s *Service) commit(ctx context.Context, fn func(nd *directory) error) error {
	_ = ctx
	nd := s.dir.Load().clone()
	if err := fn(nd); err != nil {
		return err
	}
	s.dir.Store(nd)
	return nil
}

// verify checks a password against a stored hash, bounded by hashSem
// (argon2id needs 19 MiB per verification).
func (s *Service) verify(hash, pw string) (ok, rehash bool, err error) {
	s.hashSem <- struct{}{}
	defer func() { <-s.hashSem }()
	return VerifyPassword(hash, pw)
}

// hash hashes a new password, bounded by hashSem.
func (s *Service) hash(pw string) (string, error) {
	s.hashSem <- struct{}{}
	defer func() { <-s.hashSem }()
	return HashPassword(pw)
}

func newUserID() string { return ids.UUID() }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func samePermissions(a, b Permissions) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
