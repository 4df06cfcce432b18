package happn

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/browserclient"
	"github.com/happn-go/happn/internal/ids"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/happn-go/happn/store/memstore"
	"github.com/happn-go/happn/transport"
)

// Version is the version reported by GET /version and in the login
// session. It names the happn-3 release whose protocol this server speaks.
const Version = "13.12.1"

// Server is a happn server: a store of JSON documents on paths, a
// publish/subscribe broker, and the happn_4 protocol over websockets and
// in-process connections.
//
// A Server is safe for concurrent use. Each connection is served by its
// own goroutine, which handles that connection's requests in order;
// different connections are served in parallel.
type Server struct {
	cfg   Config
	log   *slog.Logger
	store store.Store
	sec   security.Provider
	name  string
	// instance tells this process's events apart from other servers' on
	// a broker (pubsub.Publication.Instance).
	instance string
	// secure is the secure provider, when sec is one (Config.Secure).
	secure *security.Service

	subs     pubsub.Index[*channelSub]
	refs     *ids.Generator // subscription references
	siblings *ids.Generator // setSibling and tag ids
	acks     ackTracker
	// leaveBroker stops the delivery of other nodes' events (Config.Broker).
	leaveBroker func()

	// stripes serialise writers of the same path so that subscribers see
	// a path's events in the order its writes were committed; a remove of
	// a pattern holds them all (lockPattern).
	stripes [256]sync.Mutex

	mu       sync.Mutex
	sessions map[string]*session
	servers  map[*http.Server]struct{}
	closing  bool

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // session goroutines and the heartbeat
	closed atomic.Bool

	handlerOnce sync.Once
	handler     http.Handler
	mux         *http.ServeMux // Handle adds routes to it
	tls         *tls.Config    // nil for plain HTTP

	counters counters // Stats
	expiries expiries // documents that expire (ttl.go)
}

// New builds a server from cfg. It opens the store (the default one is a
// file at cfg.DataPath, or memory) but does no network I/O: call
// ListenAndServe, Serve or Handler to accept websocket clients, or
// LocalClient for in-process ones.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.MaxMessageSize < 1024 {
		return nil, fmt.Errorf("happn: MaxMessageSize %d is too small (minimum 1024)", cfg.MaxMessageSize)
	}
	if cfg.QueueLimit < 1024 {
		return nil, fmt.Errorf("happn: QueueLimit %d is too small (minimum 1024)", cfg.QueueLimit)
	}
	if cfg.SlowConsumer != transport.Disconnect && cfg.SlowConsumer != transport.Drop {
		return nil, fmt.Errorf("happn: unknown SlowConsumer policy %d", cfg.SlowConsumer)
	}
	var tlsConfig *tls.Config
	if cfg.HTTPS != nil {
		var err error
		if tlsConfig, err = cfg.HTTPS.tlsConfig(); err != nil {
			return nil, err
		}
	}
	st := cfg.Store
	if st == nil {
		var err error
		if st, err = openDefaultStore(cfg); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:      cfg,
		counters: counters{started: time.Now()},
		log:      cfg.Logger,
		store:    st,
		sec:      cfg.Security,
		refs:     ids.NewGenerator(),
		siblings: ids.NewGenerator(),
		sessions: make(map[string]*session),
		servers:  make(map[*http.Server]struct{}),
		ctx:      ctx,
		cancel:   cancel,
		tls:      tlsConfig,
	}
	s.acks.init()
	name, err := s.loadName(cfg.Name)
	if err != nil {
		cancel()
		st.Close()
		return nil, err
	}
	s.name = name
	s.instance = ids.UUID()
	if err := s.setupSecurity(ctx); err != nil {
		cancel()
		st.Close()
		return nil, err
	}
	if d := cfg.UnconfiguredSessionTimeout; d < 0 || d > 0 && s.secure == nil {
		cancel()
		st.Close()
		return nil, fmt.Errorf("happn: UnconfiguredSessionTimeout %v needs a secure server and a positive duration", d)
	}
	if err := s.loadExpiries(ctx); err != nil {
		cancel()
		st.Close()
		return nil, fmt.Errorf("happn: reading the expiries: %w", err)
	}
	if err := s.joinBroker(); err != nil {
		cancel()
		st.Close()
		return nil, fmt.Errorf("happn: subscribing to the broker: %w", err)
	}
	s.wg.Add(2)
	go s.heartbeats()
	go s.runExpiries()
	return s, nil
}

func openDefaultStore(cfg Config) (store.Store, error) {
	if cfg.DataPath == "" || cfg.DataPath == ":memory:" {
		return memstore.New(), nil
	}
	st, err := buntstore.Open(cfg.DataPath, buntstore.Options{Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("happn: opening data file: %w", err)
	}
	return st, nil
}

// namePath is where happn-3 persists the server name.
const namePath = "/_SYSTEM/_NETWORK/_SETTINGS/NAME"

// loadName returns the configured name, else the persisted one, else a
// new random name which it persists.
func (s *Server) loadName(configured string) (string, error) {
	ctx := context.Background()
	if configured != "" {
		return configured, nil
	}
	it, ok, err := s.store.Get(ctx, namePath)
	if err != nil {
		return "", fmt.Errorf("happn: reading server name: %w", err)
	}
	if ok {
		var v struct{ Value string }
		if json.Unmarshal(it.Data, &v) == nil && v.Value != "" {
			return v.Value, nil
		}
	}
	name := randomName()
	data, _ := json.Marshal(map[string]string{"value": name})
	_, err = s.store.Update(ctx, namePath, func(*store.Item) (store.Change, error) {
		return store.Change{Data: data}, nil
	})
	if err != nil {
		return "", fmt.Errorf("happn: saving server name: %w", err)
	}
	return name, nil
}

func randomName() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return "happn_" + string(b)
}

// Name returns the server's name.
func (s *Server) Name() string { return s.name }

// Store returns the server's store. Writing to it directly bypasses
// events and security.
func (s *Server) Store() store.Store { return s.store }

// Handler returns the server's HTTP handler: the websocket endpoint at
// /primus (and below), GET /ping, GET /version, GET /primus/spec, our
// browser client at GET /browser_client, and the Primus client API that
// happn-3's browser client fetches at GET /browser_primus.js (and
// /primus/primus.js), with the signer it fetches at GET /browser_crypto.js.
func (s *Server) Handler() http.Handler {
	s.handlerOnce.Do(func() {
		mux := http.NewServeMux()
		ws := s.cfg.Transport.Handler(s.serveConn)
		mux.Handle("/primus", ws)
		mux.Handle("/primus/", ws)
		mux.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("pong"))
		})
		mux.Handle(browserclient.Path, browserclient.Handler())
		mux.Handle(browserclient.PrimusPath, browserclient.PrimusHandler())
		mux.Handle(browserclient.PrimusLibraryPath, browserclient.PrimusHandler())
		mux.Handle(browserclient.CryptoPath, browserclient.CryptoHandler())
		mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"version":"` + Version + `"}`))
		})
		s.mountSecurityRoutes(mux)
		s.mux = mux
		s.handler = mux
		if s.tls != nil {
			s.handler = withHSTS(mux)
		}
	})
	return s.handler
}

// ListenAndServe listens on addr (DefaultAddr when empty) and serves
// until the server is shut down. It returns http.ErrServerClosed after
// Shutdown or Close.
func (s *Server) ListenAndServe(addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l until the server is shut down; with
// Config.HTTPS it speaks TLS on them. It returns http.ErrServerClosed
// after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	if s.tls != nil {
		l = tls.NewListener(l, s.tls)
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       s.cfg.KeepAliveTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	s.servers[hs] = struct{}{}
	s.mu.Unlock()
	return hs.Serve(l)
}

// Shutdown stops the server gracefully: it stops accepting connections,
// lets each session finish the request it is handling, sends what is
// queued for every client, closes every connection and then the store.
// Clients may reconnect (to a restarted server): nothing tells them
// otherwise, as happn-3's stop({reconnect:true}). Use Terminate to stop
// for good. If ctx ends first, Shutdown closes everything at once and
// returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.stop(ctx, "")
}

// Terminate is Shutdown for good: each client is first sent the
// server-side-disconnect system message (reason "reconnect-false") and
// Primus' close signal, so happn-3 clients end their session instead of
// reconnecting.
func (s *Server) Terminate(ctx context.Context) error {
	return s.stop(ctx, "reconnect-false")
}

func (s *Server) stop(ctx context.Context, reason string) error {
	s.mu.Lock()
	s.closing = true
	servers := make([]*http.Server, 0, len(s.servers))
	for hs := range s.servers {
		servers = append(servers, hs)
	}
	sessions := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()

	for _, hs := range servers {
		// Hijacked websocket connections are not tracked by http.Server;
		// this only stops the listeners and idle HTTP connections.
		hs.Shutdown(ctx)
	}
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, ss := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ss.end(reason)
			}()
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
	return s.Close()
}

// Close stops the server at once: listeners and connections are closed
// without flushing, then the store is closed. It is safe to call more
// than once.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	s.closing = true
	for hs := range s.servers {
		hs.Close()
	}
	sessions := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	if s.leaveBroker != nil {
		s.leaveBroker()
	}
	s.cancel()
	for _, ss := range sessions {
		ss.conn.Close()
	}
	s.wg.Wait()
	s.acks.stop()
	if err := s.store.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
		return err
	}
	return nil
}

// serveConn runs a session on c until the connection ends.
func (s *Server) serveConn(c transport.Conn) {
	ss := newSession(s, c)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.sessions[ss.id] = ss
	s.wg.Add(1)
	s.mu.Unlock()
	s.counters.connections.Add(1)
	defer s.wg.Done()
	defer s.dropSession(ss)
	if d := s.cfg.UnconfiguredSessionTimeout; d > 0 {
		t := time.AfterFunc(d, ss.endIfAnonymous)
		defer t.Stop()
	}
	ss.run(s.ctx)
}

func (s *Server) dropSession(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss.id)
	s.mu.Unlock()
	ss.clearSubscriptions()
	ss.securityClosed()
	ss.conn.Close()
}

// heartbeats sends Primus pings to every happn_4 session every
// PingInterval and drops the ones that stopped answering.
func (s *Server) heartbeats() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			s.mu.Lock()
			sessions := make([]*session, 0, len(s.sessions))
			for _, ss := range s.sessions {
				sessions = append(sessions, ss)
			}
			s.mu.Unlock()
			ping := now.UnixMilli()
			for _, ss := range sessions {
				ss.heartbeat(ping)
			}
		}
	}
}

// lockPattern locks every stripe, in order, for a write whose path is a
// pattern and so may touch any path: a remove of "/a/*" must not delete
// a document whose set then publishes after the remove's event, leaving
// subscribers believing in a document that is gone. A writer holds one
// stripe at most, so taking them in order cannot deadlock. It returns the
// unlock.
func (s *Server) lockPattern() func() {
	for i := range s.stripes {
		s.stripes[i].Lock()
	}
	return func() {
		for i := range s.stripes {
			s.stripes[i].Unlock()
		}
	}
}

// stripe returns the lock that orders writes to path.
func (s *Server) stripe(path string) *sync.Mutex {
	// FNV-1a; cheap and good enough to spread paths over the stripes.
	h := uint32(2166136261)
	for i := 0; i < len(path); i++ {
		h ^= uint32(path[i])
		h *= 16777619
	}
	return &s.stripes[h%uint32(len(s.stripes))]
}
