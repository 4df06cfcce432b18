package happn

import (
	"log/slog"
	"time"

	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/transport"
)

// Config configures a Server. The zero value is a working insecure server
// that keeps its data in memory; every field documents its default.
type Config struct {
	// Name is the server's name, reported to clients by describe and in
	// every login. Default: the name persisted in the store, or a new
	// random one (then persisted) on first start.
	Name string

	// Store keeps the data. Default: a buntstore file at DataPath, or an
	// in-memory store when DataPath is empty or ":memory:". A Store given
	// here is closed by the Server's Close.
	Store store.Store
	// DataPath is the file the default store persists to. Ignored when
	// Store is set. Default: "" (in memory). cmd/happn defaults it to
	// ./happn.db.
	DataPath string

	// Security authenticates and authorizes sessions. Default:
	// security.Open(), an insecure server, or, with Secure, a
	// *security.Service built from the fields below. A *security.Service
	// given here works as if built by Secure.
	Security security.Provider

	// Secure makes clients log in (SPEC §7, docs/security.md): users,
	// groups and path permissions kept in the store under
	// /_SYSTEM/_SECURITY, session tokens, policies, /@HTTP route
	// permissions. The fields below configure it; they are ignored
	// otherwise. Default false.
	Secure bool
	// AdminPassword is the password of the _ADMIN user, applied at every
	// start. Default: a new directory gets "happn" (and the server logs a
	// loud warning); an existing one keeps its password.
	AdminPassword string
	// Production refuses to start a secure server whose _ADMIN password
	// is still the default. Default false.
	Production bool
	// SessionTokenSecret signs session tokens (HS256). Default: a random
	// secret generated on first start and kept in the store.
	SessionTokenSecret string
	// Groups and Users are created or updated at every start, so a
	// config file can declare a ready directory. Permissions are merged
	// into existing ones; a user's Groups are linked.
	Groups []security.Group
	Users  []security.User
	// Profiles give sessions policies (ttl, inactivity, usage limit,
	// permissions, address whitelist), first match wins, before the
	// default profiles (SPEC §7.7).
	Profiles []security.Profile
	// AccountLockout configures lockout after failed logins. Default: 4
	// failures lock a username for 10 minutes, as happn-3.
	AccountLockout security.Lockout
	// AllowAnonymousAccess lets clients log in as _ANONYMOUS without a
	// password. Default false.
	AllowAnonymousAccess bool
	// DisableDefaultAdminNetworkConnections refuses _ADMIN logins except
	// from in-process clients. Default false.
	DisableDefaultAdminNetworkConnections bool
	// CaseInsensitivePermissions matches permission paths ignoring case,
	// as happn-3. Default false: case-sensitive, like data paths.
	CaseInsensitivePermissions bool
	// CookieName is the cookie browsers keep the session token in.
	// Default "happn_token".
	CookieName string
	// HTTPSCookie names the cookie CookieName + "_https" for browsers
	// that log in over TLS, or through a proxy that says
	// X-Forwarded-Proto: https (happn-3's httpsCookie). Default false.
	HTTPSCookie bool
	// CookieDomain is the domain browsers give the token cookie.
	// Default: none (the host's).
	CookieDomain string
	// AllowLogoutOverHTTP lets GET /auth/logout revoke the session token
	// the request carries (happn-3 13's allowLogoutOverHttp); otherwise
	// it answers 403. Default false.
	AllowLogoutOverHTTP bool
	// RefuseTTL0Revocations refuses to revoke a token without a ttl (a
	// profile with ttl Infinity), which would stay in the revocation list
	// for good: the client's revoke-token or logout fails with happn-3's
	// message (happn-3 13's allowTTL0Revocations: false). Default false.
	RefuseTTL0Revocations bool
	// Authenticators check the passwords of users whose AuthType names
	// them, against another system (happn-3's authProviders; see
	// security.Authenticator); DefaultAuthType is the auth type of users
	// without one. Default: every password is checked against its hash
	// in the directory.
	Authenticators  map[string]security.Authenticator
	DefaultAuthType string
	// OnActivity, when set on a secure server, is called with every
	// authorization decision, on the goroutine of the session deciding
	// (happn-3's logSessionActivity, as a hook: store or log them as
	// you see fit). It must return quickly.
	OnActivity func(Activity)
	// AllowNestedPermissions lets a session get or subscribe to a path
	// ending in "/**" when it may do so on some path below it, though
	// not on the whole: it then reaches only the paths below that it may
	// (happn-3's allowNestedPermissions; docs/security.md). Secure
	// servers only. Default false.
	AllowNestedPermissions bool
	// UsernamesCaseInsensitive makes usernames case-insensitive: users
	// are stored and looked up lower-cased, except _ADMIN, _ANONYMOUS
	// and UsernamesCaseInsensitiveExclude (happn-3's
	// usernamesCaseInsensitive). Default false.
	UsernamesCaseInsensitive        bool
	UsernamesCaseInsensitiveExclude []string
	// EncryptPayloads requires network clients to seal every payload
	// with a per-session key (docs/payload-encryption.md); in-process
	// clients may. Needs Secure. Default false.
	EncryptPayloads bool

	// HTTPS, when set, makes the listener speak TLS (happn-3's transport
	// mode "https") and adds HSTS to HTTP responses. Default: plain HTTP.
	HTTPS *HTTPS

	// Broker carries events between the servers of a cluster (see
	// pubsub.Broker; pubsub.Hub links servers in one process). Default:
	// none, each server's events reach its own subscribers only. The
	// server subscribes to it in New and stops in Close; Name identifies
	// the server to the others, so nodes need distinct names.
	Broker pubsub.Broker

	// Transport accepts websocket clients. Default: &transport.Websocket{}
	// configured from MaxMessageSize, QueueLimit and SlowConsumer.
	Transport transport.Transport

	// MaxMessageSize bounds a frame from a client. Default 10 MiB, as
	// happn-3.
	MaxMessageSize int64
	// QueueLimit bounds the bytes waiting to be sent to one client.
	// Default transport.DefaultQueueLimit (64 MiB).
	QueueLimit int
	// SlowConsumer says what happens to a client whose queue is full:
	// transport.Disconnect (default) or transport.Drop.
	SlowConsumer transport.SlowConsumerPolicy

	// KeepAliveTimeout is how long an idle HTTP keep-alive connection
	// (not a websocket) stays open. Default 2 minutes, as happn-3's
	// transport keepAliveTimeout.
	KeepAliveTimeout time.Duration

	// PingInterval is how often the server sends Primus heartbeats
	// ("primus::ping::<ms>") to happn_4 sessions. Default 30 s, as
	// happn-3. The happn-3 client gives up on a server after 45 s of
	// silence, so keep it well below that.
	PingInterval time.Duration
	// MissedHeartbeats is how many heartbeats in a row a client may leave
	// unanswered before the server drops it. Default 1 (as happn-3's
	// allowSkippedHeartBeats): a dead client goes after two to three
	// intervals. Negative means none may be missed.
	MissedHeartbeats int
	// UnconfiguredSessionTimeout disconnects a client that has not logged
	// in this long after connecting (happn-3's unconfiguredSessionCleanup
	// threshold), so sockets that never log in do not pile up. Secure
	// servers only. Default 0: never.
	UnconfiguredSessionTimeout time.Duration

	// AcknowledgeTimeout is how long an ACKNOWLEDGED publication waits
	// for its subscribers' acks. Default 60 s, as happn-3.
	AcknowledgeTimeout time.Duration

	// DefaultDepth is the depth of a trailing "/**" subscription that
	// gives none. Default 5, as happn-3.
	DefaultDepth int

	// InboundLayers see every message a client sends, in order, before it
	// is decoded; OutboundLayers see every message sent to a client. See
	// Layer.
	InboundLayers  []Layer
	OutboundLayers []Layer

	// Logger receives the server's logs. Default: discard.
	Logger *slog.Logger
}

// Defaults of Config fields.
const (
	DefaultPingInterval       = 30 * time.Second
	DefaultAcknowledgeTimeout = 60 * time.Second
	DefaultDepth              = 5
	DefaultAddr               = "0.0.0.0:55000"
)

func (c Config) withDefaults() Config {
	if c.KeepAliveTimeout <= 0 {
		c.KeepAliveTimeout = 2 * time.Minute
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.MissedHeartbeats == 0 {
		c.MissedHeartbeats = 1
	} else if c.MissedHeartbeats < 0 {
		c.MissedHeartbeats = 0
	}
	if c.AcknowledgeTimeout <= 0 {
		c.AcknowledgeTimeout = DefaultAcknowledgeTimeout
	}
	if c.DefaultDepth <= 0 {
		c.DefaultDepth = DefaultDepth
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = transport.DefaultMaxMessageSize
	}
	if c.QueueLimit <= 0 {
		c.QueueLimit = transport.DefaultQueueLimit
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Security == nil {
		c.Security = security.Open()
	}
	if c.Transport == nil {
		c.Transport = &transport.Websocket{
			MaxMessageSize: c.MaxMessageSize,
			QueueLimit:     c.QueueLimit,
			SlowConsumer:   c.SlowConsumer,
			PingInterval:   c.PingInterval,
			Logger:         c.Logger,
		}
	}
	return c
}
