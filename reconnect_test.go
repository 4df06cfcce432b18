package happn_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// restartable is a server on a fixed port and data file that can be
// stopped and started again, as a deployment restarts a process.
type restartable struct {
	t    *testing.T
	addr string
	path string
	srv  *happn.Server
}

func newRestartable(t *testing.T) *restartable {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &restartable{t: t, addr: addr, path: filepath.Join(t.TempDir(), "happn.db")}
	r.start()
	t.Cleanup(func() {
		if r.srv != nil {
			r.srv.Close()
		}
	})
	return r
}

func (r *restartable) url() string { return "http://" + r.addr }

func (r *restartable) start() {
	r.t.Helper()
	srv, err := happn.New(happn.Config{DataPath: r.path})
	if err != nil {
		r.t.Fatal(err)
	}
	var l net.Listener
	for i := 0; ; i++ { // the port may linger for a moment after a stop
		if l, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		if i == 100 {
			r.t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	go srv.Serve(l)
	r.srv = srv
}

func (r *restartable) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
	r.srv = nil
}

// connEvents records a client's connection events.
type connEvents struct {
	mu  sync.Mutex
	all []happn.ConnectionEvent
}

func (e *connEvents) record(ev happn.ConnectionEvent) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func (e *connEvents) has(typ happn.ConnectionEventType) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.all {
		if ev.Type == typ {
			return true
		}
	}
	return false
}

// TestReconnect stops the server under a subscribed client and starts it
// again on the same port: the client reconnects by itself, logs in again
// under a new session, restores its subscription and receives events.
func TestReconnect(t *testing.T) {
	r := newRestartable(t)
	ctx := ctxT(t)
	var ce connEvents
	c, err := happn.Dial(ctx, r.url(), happn.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond),
		happn.WithConnectionEvents(ce.record))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := newEvents()
	if _, err := c.On(ctx, "/r/*", got.handler, happn.EventType(happn.SetEvent)); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "/r/before", map[string]any{"n": 1})
	got.next(t)
	oldSession := c.SessionID()

	r.stop()
	waitFor(t, "connection-ended", func() bool { return ce.has(happn.ConnectionEnded) })
	if _, err := c.Get(ctx, "/r/before"); !errors.Is(err, happn.ErrDisconnected) {
		t.Fatalf("a call while disconnected: err = %v, want ErrDisconnected at once", err)
	}
	r.start()
	waitFor(t, "reconnect-successful", func() bool { return ce.has(happn.ReconnectSuccessful) })
	if !ce.has(happn.ReconnectScheduled) {
		t.Fatal("no reconnect-scheduled event")
	}
	if c.SessionID() == oldSession || c.SessionID() == "" {
		t.Fatalf("session id %q after reconnecting, was %q", c.SessionID(), oldSession)
	}
	// The subscription is back: a write by another client reaches it.
	pub, err := r.srv.LocalClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	pub.Set(ctx, "/r/after", map[string]any{"n": 2})
	if ev := got.next(t); ev.Meta.Path != "/r/after" {
		t.Fatalf("event for %s", ev.Meta.Path)
	}
	// And the data written before the restart persisted.
	it, err := c.Get(ctx, "/r/before")
	if err != nil || it == nil {
		t.Fatalf("Get after reconnecting: %v, %v", it, err)
	}
}

// TestTerminateEndsSessions stops the server for good: clients get
// session-ended and do not reconnect.
func TestTerminateEndsSessions(t *testing.T) {
	r := newRestartable(t)
	ctx := ctxT(t)
	var ce connEvents
	c, err := happn.Dial(ctx, r.url(), happn.WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond),
		happn.WithConnectionEvents(ce.record))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := r.srv.Terminate(tctx); err != nil {
		t.Fatal(err)
	}
	r.srv = nil
	waitFor(t, "session-ended", func() bool { return ce.has(happn.SessionEnded) })
	r.start()
	time.Sleep(300 * time.Millisecond)
	if ce.has(happn.ReconnectScheduled) {
		t.Fatal("the client tried to reconnect after the server ended its session")
	}
	if _, err := c.Get(ctx, "/x"); !errors.Is(err, happn.ErrSessionEnded) {
		t.Fatalf("call after session end: err = %v, want ErrSessionEnded", err)
	}
}

// TestClientDetectsDeadServer: a server that stops sending anything (not
// even heartbeats) is given up after the ping timeout and reconnected to.
func TestClientDetectsDeadServer(t *testing.T) {
	r := newRestartable(t)
	ctx := ctxT(t)
	var ce connEvents
	// The server pings every 30 s; a 300 ms ping timeout trips first.
	c, err := happn.Dial(ctx, r.url(), happn.WithPingTimeout(300*time.Millisecond),
		happn.WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond), happn.WithConnectionEvents(ce.record))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, "the silent connection to be dropped", func() bool { return ce.has(happn.ConnectionEnded) })
	waitFor(t, "reconnection", func() bool { return ce.has(happn.ReconnectSuccessful) })
}

// TestCloseFromCallbacks closes a client from inside its own event
// handler, publication callback and connection-event callback: Close
// must return there (it used to wait for the very goroutine calling it).
func TestCloseFromCallbacks(t *testing.T) {
	closedIn := func(t *testing.T, what string, closed <-chan struct{}) {
		t.Helper()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("Close called from %s never returned", what)
		}
	}
	eachConnector(t, func(t *testing.T, srv *happn.Server, connect func() *happn.Client) {
		ctx := ctxT(t)
		c := connect()
		closed := make(chan struct{})
		if _, err := c.On(ctx, "/bye", func(*happn.Event) { c.Close(); close(closed) }); err != nil {
			t.Fatal(err)
		}
		connect().Set(ctx, "/bye", map[string]any{})
		closedIn(t, "an event handler", closed)
		if _, err := c.Get(ctx, "/bye"); !errors.Is(err, happn.ErrClosed) {
			t.Fatalf("a call after Close: %v", err)
		}

		c = connect()
		closed = make(chan struct{})
		c.Set(ctx, "/pub", map[string]any{}, happn.Consistency(happn.Deferred), happn.OnPublished(func(happn.PublishResult, error) {
			c.Close()
			close(closed)
		}))
		closedIn(t, "a publication callback", closed)
	})

	srv, url := testServer(t, happn.Config{})
	closed := make(chan struct{})
	var c *happn.Client
	ready := make(chan struct{})
	c, err := happn.Dial(ctxT(t), url, happn.WithConnectionEvents(func(ev happn.ConnectionEvent) {
		<-ready
		if ev.Type == happn.ConnectionEnded {
			c.Close()
			close(closed)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	close(ready)
	srv.Close()
	closedIn(t, "a connection-event callback", closed)
}
