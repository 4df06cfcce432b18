package happn

import (
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"time"
)

// Option is a per-call option. The names are happn-3's option names, so
// a happn-3 user finds them; an option that means nothing to a call is
// ignored by it.
type Option func(*callOptions)

type callOptions struct {
	merge         bool
	noPublish     bool
	tag           string
	meta          map[string]any
	targetClients []string
	onBehalfOf    string
	consistency   int
	hasConsist    bool
	onPublished   func(PublishResult, error)
	ttl           time.Duration
	noCluster     bool

	criteria any
	fields   any
	sort     any
	limit    int
	skip     int

	eventType       EventKind
	count           int
	initialCallback func([]Item)
	initialEmit     bool
	depth           int
	mergeOnly       bool
}

// noOptions is what collect returns for a call without options; like
// every collected callOptions it is only read.
var noOptions = &callOptions{}

func collect(opts []Option) *callOptions {
	if len(opts) == 0 {
		return noOptions
	}
	o := &callOptions{}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Merge makes a Set merge the data into the stored object (shallowly)
// instead of replacing it.
func Merge() Option { return func(o *callOptions) { o.merge = true } }

// TTL makes the document a Set, SetSibling or Increment writes expire d
// after the write: the server then removes it and publishes a remove
// event (its meta has "expired": true). A later Set without TTL makes the
// document permanent again; an Increment without TTL keeps its expiry.
// Expiry is ours, not happn-3's (its servers ignore the option); happn-3
// clients use it against our server as {ttl: milliseconds}. It is
// precise to the millisecond, and survives a restart of the server.
func TTL(d time.Duration) Option { return func(o *callOptions) { o.ttl = d } }

// NoCluster keeps a Set's or Remove's event on the server that took it:
// it is not passed to the other servers of a cluster (Config.Broker), as
// happn-cluster's option of the same name.
func NoCluster() Option { return func(o *callOptions) { o.noCluster = true } }

// NoPublish makes a Set or Remove store without publishing an event.
func NoPublish() Option { return func(o *callOptions) { o.noPublish = true } }

// Tag makes a Set snapshot the current item at the path under
// /_TAGS<path>/<id> with the given tag name; the data of such a Set must
// be nil.
func Tag(name string) Option { return func(o *callOptions) { o.tag = name } }

// Meta adds custom fields to the event's meta. happn's own meta keys
// (path, created, modified, action, type, channel, …) cannot be set.
func Meta(meta map[string]any) Option { return func(o *callOptions) { o.meta = meta } }

// TargetClients restricts the event of a Set, Remove or Publish to the
// sessions with these ids.
func TargetClients(sessionIDs ...string) Option {
	return func(o *callOptions) { o.targetClients = sessionIDs }
}

// OnBehalfOf makes a request on behalf of another user (happn-3's
// onBehalfOf): on a secure server, a session of _ADMIN or of a member of
// the _MESH_DELEGATE group is authorized with that user's permissions,
// and its writes are recorded as that user's (modifiedBy). Insecure
// servers ignore it.
func OnBehalfOf(username string) Option { return func(o *callOptions) { o.onBehalfOf = username } }

// Consistency sets when a Set, Remove or Publish returns relative to its
// event's delivery: Queued, Deferred, Transactional (the default) or
// Acknowledged.
func Consistency(level int) Option {
	return func(o *callOptions) { o.consistency, o.hasConsist = level, true }
}

// OnPublished is called once the server reports the outcome of a
// Deferred or Acknowledged publication (it is ignored for the other
// levels, as by happn-3's client), or with an error when no outcome comes
// within the call timeout. It runs on one of the client's goroutines.
func OnPublished(fn func(PublishResult, error)) Option {
	return func(o *callOptions) { o.onPublished = fn }
}

// Criteria filters a Search, Count or Remove with a mongo-style query,
// e.g. map[string]any{"age": map[string]any{"$gte": 18}}. Bare keys mean
// data fields; "_meta.created", "_meta.modified" and "_meta.path" address
// metadata. A string or []byte is taken as JSON.
func Criteria(criteria any) Option { return func(o *callOptions) { o.criteria = criteria } }

// Fields projects the data fields a Search returns, e.g. {"name": 1}.
func Fields(fields any) Option { return func(o *callOptions) { o.fields = fields } }

// Sort orders a Search, e.g. {"name": 1, "_meta.modified": -1}.
func Sort(sort any) Option { return func(o *callOptions) { o.sort = sort } }

// Limit caps the number of items a Search returns.
func Limit(n int) Option { return func(o *callOptions) { o.limit = n } }

// Skip skips the first n items of a Search.
func Skip(n int) Option { return func(o *callOptions) { o.skip = n } }

// EventKind is what a subscription listens to (happn-3's event_type).
type EventKind string

// The event types of On.
const (
	SetEvent    EventKind = "set"
	RemoveEvent EventKind = "remove"
	AllEvents   EventKind = "all"
)

// EventType chooses which events On delivers (happn-3's event_type):
// SetEvent, RemoveEvent or AllEvents, the default.
func EventType(kind EventKind) Option { return func(o *callOptions) { o.eventType = kind } }

// Count makes a subscription end by itself after n events.
func Count(n int) Option { return func(o *callOptions) { o.count = n } }

// Once makes a subscription end by itself after its first event
// (happn-3's once); it is Count(1).
func Once() Option { return Count(1) }

// InitialCallback makes On fetch the items currently matching the
// subscription and pass them to fn before On returns. The handler gets
// no event of the subscription before fn has returned.
func InitialCallback(fn func(items []Item)) Option {
	return func(o *callOptions) { o.initialCallback = fn }
}

// InitialEmit makes the handler get each item currently matching the
// subscription, oldest first, before any event, on the client's event
// goroutine like every event (so possibly after On has returned). Events
// published while the items were read follow them and may repeat them.
func InitialEmit() Option { return func(o *callOptions) { o.initialEmit = true } }

// Depth sets how many segments a trailing "/**" subscription spans
// (default 5).
func Depth(n int) Option { return func(o *callOptions) { o.depth = n } }

// MergeOnly makes a subscription receive, for merge sets, only the
// fields that were merged in rather than the whole stored object.
func MergeOnly() Option { return func(o *callOptions) { o.mergeOnly = true } }

// PublishResult is the outcome of a publication.
type PublishResult struct {
	// Queued is how many subscriptions matched.
	Queued int
	// Successful is how many event frames were sent.
	Successful int
	// Failed is how many could not be sent.
	Failed int
	// Skipped is how many were skipped.
	Skipped int
	// Acknowledged is how many subscribers acknowledged (Acknowledged
	// consistency only).
	Acknowledged int
}

// DialOption configures a client connection (Dial or Server.LocalClient).
type DialOption func(*dialOptions)

type dialOptions struct {
	username, password, token string
	info                      map[string]any
	callTimeout               time.Duration
	logger                    *slog.Logger
	allowSelfSigned           bool
	onConnection              func(ConnectionEvent)
	keyPair                   *rsa.PrivateKey
	noReconnect               bool
	reconnectMin              time.Duration
	reconnectMax              time.Duration
	connectTimeout            time.Duration
	pingTimeout               time.Duration
	encrypt                   bool // WithPayloadEncryption (client_crypto.go)
}

func collectDial(opts []DialOption) *dialOptions {
	o := &dialOptions{
		callTimeout:    60 * time.Second,
		reconnectMin:   500 * time.Millisecond,
		reconnectMax:   3 * time.Minute,
		connectTimeout: 30 * time.Second,
		pingTimeout:    45 * time.Second,
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// WithCredentials logs in with a username and password.
func WithCredentials(username, password string) DialOption {
	return func(o *dialOptions) { o.username, o.password = username, password }
}

// WithToken logs in with a session token from an earlier login.
func WithToken(token string) DialOption { return func(o *dialOptions) { o.token = token } }

// WithInfo sends info with the login; the server keeps it in the session.
func WithInfo(info map[string]any) DialOption { return func(o *dialOptions) { o.info = info } }

// WithCallTimeout bounds how long a call waits for its answer when its
// context has no deadline. Default 60 s, as happn-3.
func WithCallTimeout(d time.Duration) DialOption {
	return func(o *dialOptions) { o.callTimeout = d }
}

// WithLogger gives the client a logger. Default: discard.
func WithLogger(l *slog.Logger) DialOption { return func(o *dialOptions) { o.logger = l } }

// WithConnectionEvents has fn called on every connection event
// (ConnectionEnded, ReconnectScheduled, ReconnectSuccessful,
// SessionEnded). It runs on one of the client's goroutines and must not
// block for long.
func WithConnectionEvents(fn func(ConnectionEvent)) DialOption {
	return func(o *dialOptions) { o.onConnection = fn }
}

// WithReconnectBackoff sets the reconnection backoff: the first attempt
// after min, doubling up to max. Defaults 500 ms and 3 minutes, as
// happn-3's client.
func WithReconnectBackoff(min, max time.Duration) DialOption {
	return func(o *dialOptions) {
		if min > 0 {
			o.reconnectMin = min
		}
		if max >= o.reconnectMin {
			o.reconnectMax = max
		}
	}
}

// WithoutReconnect makes a websocket client close for good when its
// connection is lost, instead of reconnecting.
func WithoutReconnect() DialOption { return func(o *dialOptions) { o.noReconnect = true } }

// WithPingTimeout sets how long a websocket client waits for a frame
// (the server's heartbeat comes every 30 s) before it considers the
// connection dead and reconnects. Default 45 s, as happn-3; 0 disables.
func WithPingTimeout(d time.Duration) DialOption {
	return func(o *dialOptions) { o.pingTimeout = d }
}

// AllowSelfSignedCerts makes Dial accept any TLS certificate. For
// development only.
func AllowSelfSignedCerts() DialOption { return func(o *dialOptions) { o.allowSelfSigned = true } }

// toJSON encodes v for the wire; []byte, json.RawMessage and string are
// taken to be JSON already.
func toJSON(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return x, nil
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	return json.Marshal(v)
}
