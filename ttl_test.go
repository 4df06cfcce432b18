package happn_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
)

// TestTTLExpires: a document set with TTL is removed when it expires, and
// its subscribers get the remove event, marked expired.
func TestTTLExpires(t *testing.T) {
	eachConnector(t, func(t *testing.T, srv *happn.Server, connect func() *happn.Client) {
		ctx := ctxT(t)
		c, sub := connect(), connect()
		events := make(chan *happn.Event, 10)
		if _, err := sub.On(ctx, "/presence/*", func(e *happn.Event) { events <- e }); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Set(ctx, "/presence/alice", map[string]string{"status": "online"}, happn.TTL(150*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if e := <-events; !strings.HasPrefix(e.Meta.Action, "/SET@") {
			t.Fatalf("first event %s, want the set", e.Meta.Action)
		}
		if it, _ := c.Get(ctx, "/presence/alice"); it == nil {
			t.Fatal("the document is gone before its ttl")
		}
		var e *happn.Event
		select {
		case e = <-events:
		case <-time.After(5 * time.Second):
			t.Fatal("no remove event after the ttl")
		}
		if took := time.Since(start); took < 150*time.Millisecond {
			t.Errorf("removed after %v, before its ttl", took)
		}
		if e.Meta.Action != "/REMOVE@/presence/alice" || string(e.Data) != `{"removed":1}` || string(e.Meta.Get("expired")) != "true" {
			t.Errorf("expiry event: %s %s %s", e.Meta.Action, e.Data, e.Meta.Raw)
		}
		if it, err := c.Get(ctx, "/presence/alice"); it != nil || err != nil {
			t.Errorf("Get after expiry = %+v, %v; want nothing", it, err)
		}
		if n := countExpiryRecords(t, srv); n != 0 {
			t.Errorf("%d expiry records left after the expiry", n)
		}
		if st := srv.Stats(); st.Expiring != 0 || st.Expired != 1 {
			t.Errorf("Stats: Expiring %d, Expired %d; want 0 and 1", st.Expiring, st.Expired)
		}
	})
}

// countExpiryRecords counts the expiry records in the server's store.
func countExpiryRecords(t *testing.T, srv *happn.Server) int {
	t.Helper()
	n := 0
	for _, err := range srv.Store().Scan(t.Context(), "/_SYSTEM/_EXPIRES/*") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// TestTTLChangedByLaterWrites: a set or merge without TTL makes the
// document permanent again, a set with TTL moves its expiry, an increment
// without TTL keeps it, and a remove ends it.
func TestTTLChangedByLaterWrites(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	ctx := ctxT(t)
	c := connectors[1].connect(t, srv, url)
	const ttl = 100 * time.Millisecond
	set := func(path string, opts ...happn.Option) {
		t.Helper()
		if _, err := c.Set(ctx, path, map[string]int{"x": 1}, opts...); err != nil {
			t.Fatal(err)
		}
	}
	set("/permanent/set", happn.TTL(ttl))
	set("/permanent/set")
	set("/permanent/merge", happn.TTL(ttl))
	set("/permanent/merge", happn.Merge())
	set("/moved", happn.TTL(ttl))
	set("/moved", happn.TTL(time.Hour))
	set("/incremented", happn.TTL(ttl))
	if _, err := c.Increment(ctx, "/incremented", "hits", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Increment(ctx, "/counter", "hits", 1, happn.TTL(ttl)); err != nil {
		t.Fatal(err)
	}
	set("/removed", happn.TTL(time.Hour))
	if _, err := c.Remove(ctx, "/removed"); err != nil {
		t.Fatal(err)
	}
	set("/wild/a", happn.TTL(time.Hour))
	set("/wild/b", happn.TTL(time.Hour))
	if _, err := c.Remove(ctx, "/wild/*"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the increments' documents to expire", func() bool {
		a, _ := c.Get(ctx, "/incremented")
		b, _ := c.Get(ctx, "/counter")
		return a == nil && b == nil
	})
	time.Sleep(2 * ttl)
	for _, p := range []string{"/permanent/set", "/permanent/merge", "/moved"} {
		if it, err := c.Get(ctx, p); it == nil || err != nil {
			t.Errorf("%s expired; a later write should have kept it", p)
		}
	}
	// Only /moved still has an expiry.
	if n := countExpiryRecords(t, srv); n != 1 {
		t.Errorf("%d expiry records, want 1 (/moved)", n)
	}
	if st := srv.Stats(); st.Expiring != 1 || st.Expired != 2 {
		t.Errorf("Stats: Expiring %d, Expired %d; want 1 and 2 (the incremented ones)", st.Expiring, st.Expired)
	}
}

// TestTTLSurvivesRestart: expiries are kept in the data file; one that
// passed while the server was down is carried out when it starts.
func TestTTLSurvivesRestart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "happn.db")
	ctx := ctxT(t)
	srv, err := happn.New(happn.Config{DataPath: data})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := srv.LocalClient(ctx)
	c.Set(ctx, "/short", map[string]int{}, happn.TTL(50*time.Millisecond))
	c.Set(ctx, "/long", map[string]int{}, happn.TTL(800*time.Millisecond))
	c.Close()
	srv.Close()
	time.Sleep(100 * time.Millisecond) // /short expires while no server runs

	srv, err = happn.New(happn.Config{DataPath: data})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, _ = srv.LocalClient(ctx)
	defer c.Close()
	waitFor(t, "/short to be removed at start", func() bool { it, _ := c.Get(ctx, "/short"); return it == nil })
	if it, _ := c.Get(ctx, "/long"); it == nil {
		t.Fatal("/long expired early")
	}
	waitFor(t, "/long to expire", func() bool { it, _ := c.Get(ctx, "/long"); return it == nil })
}

// TestTTLBadValues: a ttl that is not a positive number of milliseconds
// is refused, and nothing is written.
func TestTTLBadValues(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	r := dialRaw(t, url)
	r.handshake(t)
	for i, ttl := range []string{`-5`, `0.0`, `"soon"`, `{}`, `1e300`} {
		r.send(t, `{"action":"set","eventId":`+string(rune('1'+i))+`,"path":"/bad","data":{},"options":{"ttl":`+ttl+`}}`)
		if got := r.read(t); !strings.Contains(got, "ttl must be a positive number of milliseconds") {
			t.Errorf("ttl %s: %s", ttl, got)
		}
	}
	if it, _, _ := srv.Store().Get(t.Context(), "/bad"); it.Path != "" {
		t.Error("a refused set wrote its document")
	}
}

// TestBrokerExpiries: servers sharing a store and a broker. An expiry is
// carried out once, by the server that took the write, and its event
// reaches both servers' subscribers once; when that server is gone,
// another carries it out; and an expiry a later write cancelled on one
// server is never carried out by another whose memory still has it.
func TestBrokerExpiries(t *testing.T) {
	hub := &pubsub.Hub{}
	st := memstore.New()
	defer st.Close()
	ctx := ctxT(t)
	node := func(name string) (*happn.Server, *happn.Client) {
		srv, err := happn.New(happn.Config{Name: name, Store: unclosed{st}, Broker: hub.Broker()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		c, err := srv.LocalClient(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return srv, c
	}
	srvA, a := node("node-a")
	_, b := node("node-b")
	onA, onB := newEvents(), newEvents()
	a.On(ctx, "/x", onA.handler, happn.EventType(happn.RemoveEvent))
	b.On(ctx, "/x", onB.handler, happn.EventType(happn.RemoveEvent))
	if _, err := a.Set(ctx, "/x", 1, happn.TTL(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for _, on := range []events{onA, onB} {
		if ev := on.next(t); string(ev.Data) != `{"removed":1}` || string(ev.Meta.Get("expired")) != "true" {
			t.Fatalf("expiry event: %s %s", ev.Data, ev.Meta.Raw)
		}
	}

	// Cancelled on A: B, which heard of the expiry, must leave /kept alone.
	if _, err := a.Set(ctx, "/kept", 1, happn.TTL(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Set(ctx, "/kept", 2); err != nil {
		t.Fatal(err)
	}
	// Set on A, which then goes away: B carries it out, after its grace.
	if _, err := a.Set(ctx, "/orphan", 1, happn.TTL(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	a.Close()
	srvA.Close()
	waitFor(t, "node B to remove /orphan", func() bool { it, _ := b.Get(ctx, "/orphan"); return it == nil })
	onA.none(t)
	onB.none(t)
	time.Sleep(1200 * time.Millisecond) // past B's grace for /kept
	if it, err := b.Get(ctx, "/kept"); it == nil || err != nil || string(it.Data) != `{"value":2}` {
		t.Fatalf("/kept after its cancelled expiry: %+v, %v", it, err)
	}
}

// unclosed is a store that servers share in a test: closing one server
// leaves it open for the others.
type unclosed struct{ store.Store }

func (unclosed) Close() error { return nil }
