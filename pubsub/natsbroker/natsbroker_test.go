package natsbroker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/pubsub/natsbroker"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// natsServer starts a real NATS server on a free loopback port.
func natsServer(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

func connect(t *testing.T, ns *server.Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// node starts a happn server named name with a broker on its own NATS
// connection, and returns it with a websocket client of it.
func node(t *testing.T, ns *server.Server, name string, opts natsbroker.Options) (*happn.Server, *happn.Client) {
	t.Helper()
	nc := connect(t, ns, nats.NoEcho())
	srv, err := happn.New(happn.Config{Name: name, Broker: natsbroker.New(nc, opts)})
	if err != nil {
		t.Fatal(err)
	}
	// The subscription reaches the NATS server asynchronously: until it
	// has, another connection's messages would not be delivered to it.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	c, err := happn.Dial(ctx(t), hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func next(t *testing.T, events chan *happn.Event) *happn.Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event arrived")
		return nil
	}
}

func none(t *testing.T, events chan *happn.Event) {
	t.Helper()
	select {
	case ev := <-events:
		t.Fatalf("unexpected event %s %s", ev.Data, ev.Meta.Raw)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestEventsCrossServers: sets and removes through one happn server reach
// the subscribers of another through NATS, with their meta, in order.
func TestEventsCrossServers(t *testing.T) {
	ns := natsServer(t)
	_, a := node(t, ns, "node-a", natsbroker.Options{})
	_, b := node(t, ns, "node-b", natsbroker.Options{})
	ctx := ctx(t)
	onA, onB := make(chan *happn.Event, 100), make(chan *happn.Event, 100)
	if _, err := a.On(ctx, "/n/*", func(ev *happn.Event) { onA <- ev }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.On(ctx, "/n/*", func(ev *happn.Event) { onB <- ev }); err != nil {
		t.Fatal(err)
	}
	it, err := a.Set(ctx, "/n/1", map[string]any{"v": 1}, happn.Meta(map[string]any{"by": "test"}))
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, onB)
	if string(ev.Data) != `{"v":1}` || ev.Meta.Path != "/n/1" || ev.Meta.Action != "/SET@/n/1" ||
		ev.Meta.SessionID != a.SessionID() || ev.Meta.Modified != it.Meta.Modified || string(ev.Meta.Get("by")) != `"test"` {
		t.Fatalf("event on node-b: %s %+v", ev.Data, ev.Meta)
	}
	next(t, onA)
	for i := 2; i <= 20; i++ {
		if _, err := a.Set(ctx, "/n/"+string(rune('a'+i)), i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Remove(ctx, "/n/1"); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 20; i++ {
		if ev := next(t, onB); ev.Meta.Path != "/n/"+string(rune('a'+i)) {
			t.Fatalf("event %d on node-b is for %s: out of order", i, ev.Meta.Path)
		}
	}
	if ev := next(t, onB); ev.Meta.Action != "/REMOVE@/n/1" {
		t.Fatalf("remove on node-b: %+v", ev.Meta)
	}
	none(t, onB)
	for range 20 {
		next(t, onA)
	}
	none(t, onA) // NoEcho, and the name check: nothing twice
}

// TestSubjectsSeparateClusters: clusters on different subjects do not
// hear each other.
func TestSubjectsSeparateClusters(t *testing.T) {
	ns := natsServer(t)
	_, a := node(t, ns, "a", natsbroker.Options{Subject: "cluster-1"})
	_, b := node(t, ns, "b", natsbroker.Options{Subject: "cluster-2"})
	ctx := ctx(t)
	onB := make(chan *happn.Event, 10)
	b.On(ctx, "/s", func(ev *happn.Event) { onB <- ev })
	if _, err := a.Set(ctx, "/s", 1); err != nil {
		t.Fatal(err)
	}
	none(t, onB)
}

// TestBadMessagesIgnored: a message on the subject that is not an event
// is skipped; the next event is delivered.
func TestBadMessagesIgnored(t *testing.T) {
	ns := natsServer(t)
	var logged lockedBuffer
	_, b := node(t, ns, "node-b", natsbroker.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	ctx := ctx(t)
	onB := make(chan *happn.Event, 10)
	b.On(ctx, "/bad", func(ev *happn.Event) { onB <- ev })
	raw := connect(t, ns)
	good, _ := json.Marshal(pubsub.Publication{Origin: "x", Action: pubsub.Set, Path: "/bad", Data: json.RawMessage(`{"ok":1}`), SessionID: "s", ID: "s-1"})
	for _, m := range [][]byte{[]byte(`not json`), []byte(`{"action":"SET"}`), []byte(`{"origin":"x","action":1,"path":"/bad","data":1,"meta":[1]}`), good} {
		if err := raw.Publish(natsbroker.DefaultSubject, m); err != nil {
			t.Fatal(err)
		}
	}
	if ev := next(t, onB); string(ev.Data) != `{"ok":1}` {
		t.Fatalf("got %s", ev.Data)
	}
	none(t, onB)
	// The third message is an event to the broker, but the server drops
	// it (its meta is not an object).
	if n := strings.Count(logged.String(), "not an event ignored"); n != 2 {
		t.Fatalf("%d messages logged as not events, want 2:\n%s", n, logged.String())
	}
}

// lockedBuffer is a bytes.Buffer safe for a logger's goroutine and the
// test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestStop: after stop, the subscription is gone from the NATS server and
// nothing more is delivered.
func TestStop(t *testing.T) {
	ns := natsServer(t)
	nc := connect(t, ns)
	br := natsbroker.New(nc, natsbroker.Options{Subject: "stop"})
	before := ns.NumSubscriptions()
	got := make(chan *pubsub.Publication, 10)
	stop, err := br.Subscribe(func(p *pubsub.Publication) { got <- p })
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	pub := natsbroker.New(connect(t, ns), natsbroker.Options{Subject: "stop"})
	c := context.Background()
	if err := pub.Publish(c, &pubsub.Publication{Origin: "p", Action: pubsub.Set, Path: "/1", Data: json.RawMessage(`1`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p.Path != "/1" || string(p.Data) != "1" {
			t.Fatalf("got %+v", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing delivered")
	}
	stop()
	stop()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := ns.NumSubscriptions(); n != before {
		t.Fatalf("%d subscriptions on the NATS server after stop, %d before Subscribe", n, before)
	}
	pub.Publish(c, &pubsub.Publication{Origin: "p", Action: pubsub.Set, Path: "/2", Data: json.RawMessage(`2`)})
	select {
	case p := <-got:
		t.Fatalf("delivered after stop: %+v", p)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestTooBigForNATS: an event over NATS' max_payload is refused by
// Publish; the happn write still succeeds.
func TestTooBigForNATS(t *testing.T) {
	ns := natsServer(t)
	big := strings.Repeat("x", 2<<20)
	br := natsbroker.New(connect(t, ns), natsbroker.Options{})
	p := &pubsub.Publication{Origin: "a", Action: pubsub.Set, Path: "/big", Data: json.RawMessage(`"` + big + `"`)}
	if err := br.Publish(context.Background(), p); !errors.Is(err, nats.ErrMaxPayload) {
		t.Fatalf("publishing 2 MiB: %v, want nats.ErrMaxPayload", err)
	}
	_, a := node(t, ns, "node-a", natsbroker.Options{})
	if _, err := a.Set(ctx(t), "/big", big); err != nil {
		t.Fatalf("a set too big for NATS failed: %v", err)
	}
}
