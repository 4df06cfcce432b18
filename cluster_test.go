package happn_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
)

// clusterNode starts a server named name on hub and returns it with a
// websocket client of it.
func clusterNode(t *testing.T, hub *pubsub.Hub, name string) (*happn.Server, *happn.Client) {
	t.Helper()
	srv, url := testServer(t, happn.Config{Name: name, Broker: hub.Broker()})
	c, err := happn.Dial(ctxT(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

// keptOpen shares a store between servers: each server's Close closes
// its Store, so this one ignores it.
type keptOpen struct{ store.Store }

func (keptOpen) Close() error { return nil }

// TestBrokerServersWithOneName: servers that share a store and were given
// no name take the one the first kept there, so they share it; each must
// still get the other's events (it used to take them for its own).
func TestBrokerServersWithOneName(t *testing.T) {
	shared := keptOpen{memstore.New()}
	t.Cleanup(func() { shared.Store.Close() })
	hub := &pubsub.Hub{}
	a, urlA := testServer(t, happn.Config{Store: shared, Broker: hub.Broker()})
	b, urlB := testServer(t, happn.Config{Store: shared, Broker: hub.Broker()})
	if a.Name() != b.Name() {
		t.Fatalf("names %q and %q: the second server did not take the stored name", a.Name(), b.Name())
	}
	ctx := ctxT(t)
	onB := newEvents()
	if _, err := connectors[1].connect(t, b, urlB).On(ctx, "/one/*", onB.handler); err != nil {
		t.Fatal(err)
	}
	if _, err := connectors[1].connect(t, a, urlA).Set(ctx, "/one/x", map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, onB.next(t).Data, `{"x":1}`)
}

// TestBrokerCarriesEvents: a set, a merge and a remove on one server
// reach the subscribers of another on the same hub, with the
// publisher's meta; the publisher's own server delivers them once.
func TestBrokerCarriesEvents(t *testing.T) {
	hub := &pubsub.Hub{}
	_, a := clusterNode(t, hub, "node-a")
	_, b := clusterNode(t, hub, "node-b")
	ctx := ctxT(t)
	onA, onB, mergeB := newEvents(), newEvents(), newEvents()
	if _, err := a.On(ctx, "/c/**", onA.handler); err != nil {
		t.Fatal(err)
	}
	if _, err := b.On(ctx, "/c/**", onB.handler); err != nil {
		t.Fatal(err)
	}
	if _, err := b.On(ctx, "/c/m", mergeB.handler, happn.MergeOnly()); err != nil {
		t.Fatal(err)
	}

	it, err := a.Set(ctx, "/c/x", map[string]any{"x": 1}, happn.Meta(map[string]any{"why": "test"}))
	if err != nil {
		t.Fatal(err)
	}
	ev := onB.next(t)
	jsonEq(t, ev.Data, `{"x":1}`)
	if m := ev.Meta; m.Path != "/c/x" || m.Action != "/SET@/c/x" || m.Channel != "/ALL@/c/**" ||
		m.SessionID != a.SessionID() || m.Created != it.Meta.Created || m.Modified != it.Meta.Modified ||
		m.Consistency != happn.Transactional || string(m.Get("why")) != `"test"` {
		t.Fatalf("event on the other server: meta %+v", m)
	}
	if ev := onA.next(t); ev.Meta.PublicationID == "" {
		t.Fatalf("event on the publisher's server: %+v", ev.Meta)
	}
	onA.none(t) // not echoed back by the hub

	if _, err := a.Set(ctx, "/c/m", map[string]any{"p": 1, "q": 1}); err != nil {
		t.Fatal(err)
	}
	onB.next(t)
	mergeB.next(t)
	if _, err := a.Set(ctx, "/c/m", map[string]any{"q": 2}, happn.Merge()); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, onB.next(t).Data, `{"p":1,"q":2}`)
	jsonEq(t, mergeB.next(t).Data, `{"q":2}`) // the patch, as on the publisher's server

	if _, err := a.Remove(ctx, "/c/x"); err != nil {
		t.Fatal(err)
	}
	ev = onB.next(t)
	jsonEq(t, ev.Data, `{"removed":1}`)
	if ev.Meta.Action != "/REMOVE@/c/x" {
		t.Fatalf("remove on the other server: meta %+v", ev.Meta)
	}
	onB.none(t)
}

// TestBrokerTargetClients: an event for given sessions reaches only them,
// on whichever server they are.
func TestBrokerTargetClients(t *testing.T) {
	hub := &pubsub.Hub{}
	_, a := clusterNode(t, hub, "node-a")
	_, b := clusterNode(t, hub, "node-b")
	_, c := clusterNode(t, hub, "node-c")
	ctx := ctxT(t)
	onB, onC := newEvents(), newEvents()
	b.On(ctx, "/t", onB.handler)
	c.On(ctx, "/t", onC.handler)
	if _, err := a.Set(ctx, "/t", 1, happn.TargetClients(b.SessionID())); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, onB.next(t).Data, `{"value":1}`)
	onC.none(t)
}

// TestBrokerNoCluster: a set or remove with NoCluster (happn-cluster's
// noCluster) reaches the subscribers of its own server only; the next
// write without it goes everywhere again.
func TestBrokerNoCluster(t *testing.T) {
	hub := &pubsub.Hub{}
	_, a := clusterNode(t, hub, "node-a")
	_, b := clusterNode(t, hub, "node-b")
	ctx := ctxT(t)
	onA, onB := newEvents(), newEvents()
	a.On(ctx, "/nc", onA.handler)
	b.On(ctx, "/nc", onB.handler)
	if _, err := a.Set(ctx, "/nc", 1, happn.NoCluster()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Remove(ctx, "/nc", happn.NoCluster()); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, onA.next(t).Data, `{"value":1}`)
	jsonEq(t, onA.next(t).Data, `{"removed":1}`)
	if _, err := a.Set(ctx, "/nc", 2); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, onB.next(t).Data, `{"value":2}`) // the first event b gets
	jsonEq(t, onA.next(t).Data, `{"value":2}`)
}

// TestBrokerLeftOnClose: a closed server leaves the hub (its broker is
// stopped); the others keep publishing to each other.
func TestBrokerLeftOnClose(t *testing.T) {
	hub := &pubsub.Hub{}
	_, a := clusterNode(t, hub, "node-a")
	_, c := clusterNode(t, hub, "node-c")
	bb := hub.Broker()
	srvB, err := happn.New(happn.Config{Name: "node-b", Broker: bb})
	if err != nil {
		t.Fatal(err)
	}
	srvB.Close()
	ctx := ctxT(t)
	if err := bb.Publish(ctx, &pubsub.Publication{Origin: "node-b", Action: pubsub.Set, Path: "/l", Data: []byte(`1`)}); !errors.Is(err, pubsub.ErrStopped) {
		t.Fatalf("publishing through a closed server's broker: %v, want ErrStopped", err)
	}
	onC := newEvents()
	c.On(ctx, "/l", onC.handler)
	if _, err := a.Set(ctx, "/l", 1); err != nil {
		t.Fatal(err)
	}
	onC.next(t)
}

// TestBrokerIgnoresBadEvents: an event from this server's own name, or
// with malformed JSON, is not delivered; the next good one is.
func TestBrokerIgnoresBadEvents(t *testing.T) {
	hub := &pubsub.Hub{}
	_, b := clusterNode(t, hub, "node-b")
	other := hub.Broker()
	stop, err := other.Subscribe(func(*pubsub.Publication) {})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := ctxT(t)
	onB := newEvents()
	b.On(ctx, "/bad", onB.handler)
	good := pubsub.Publication{Origin: "node-x", Action: pubsub.Set, Path: "/bad", Data: []byte(`{"ok":true}`), SessionID: "s", ID: "s-1"}
	for _, p := range []pubsub.Publication{
		func(p pubsub.Publication) pubsub.Publication { p.Origin = "node-b"; return p }(good),
		func(p pubsub.Publication) pubsub.Publication { p.Data = []byte(`{"broken`); return p }(good),
		func(p pubsub.Publication) pubsub.Publication { p.Meta = []byte(`[1]`); return p }(good),
		func(p pubsub.Publication) pubsub.Publication { p.Action = pubsub.All; return p }(good),
		good,
	} {
		if err := other.Publish(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	ev := onB.next(t)
	jsonEq(t, ev.Data, `{"ok":true}`)
	if ev.Meta.SessionID != "s" || ev.Meta.PublicationID != "s-1" {
		t.Fatalf("meta %+v", ev.Meta)
	}
	onB.none(t)
}

// failingBroker refuses every publication.
type failingBroker struct{}

func (failingBroker) Publish(context.Context, *pubsub.Publication) error {
	return errors.New("broker down")
}

func (failingBroker) Subscribe(func(*pubsub.Publication)) (func(), error) { return func() {}, nil }

// TestBrokerFailureKeepsTheWrite: when the broker fails, the set still
// succeeds and this server's subscribers still get the event.
func TestBrokerFailureKeepsTheWrite(t *testing.T) {
	_, url := testServer(t, happn.Config{Broker: failingBroker{}})
	c, err := happn.Dial(ctxT(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	on := newEvents()
	c.On(ctx, "/f", on.handler)
	if _, err := c.Set(ctx, "/f", 1); err != nil {
		t.Fatal(err)
	}
	on.next(t)
	if it, err := c.Get(ctx, "/f"); err != nil || it == nil {
		t.Fatalf("get after a set the broker failed: %v %v", it, err)
	}
}

// TestBrokerSubscribeFailureFailsNew: New reports a broker it cannot
// subscribe to.
func TestBrokerSubscribeFailureFailsNew(t *testing.T) {
	hub := &pubsub.Hub{}
	b := hub.Broker()
	if _, err := b.Subscribe(func(*pubsub.Publication) {}); err != nil {
		t.Fatal(err)
	}
	if srv, err := happn.New(happn.Config{Broker: b}); err == nil {
		srv.Close()
		t.Fatal("New with a broker already subscribed succeeded")
	}
}

// FuzzRemotePublication: whatever another node's broker sends, the
// server stays up, and a subscriber gets each event it delivers as valid
// JSON with the path and publisher it was sent with.
func FuzzRemotePublication(f *testing.F) {
	f.Add("/a/b", `{"x":1}`, `{"tag":"t"}`, "session-1", uint8(1))
	f.Add("/a/*", `{"removed":2}`, ``, `s"\`, uint8(2))
	f.Add("", `"str"`, `{}`, "", uint8(1))
	f.Add("/\u2028/\x00", `[1,{"a":null}]`, `{"a":{"b":[]}}`, "\xff", uint8(1))
	f.Add("/x", `{"broken`, `[1]`, "s", uint8(0))
	f.Add("/_SYSTEM/_EXPIRES/_NOTICE", `{"at":1}`, `"/a/b"`, "s", uint8(1)) // an expiry notice
	f.Add("/_SYSTEM/_EXPIRES/_NOTICE", `{"at":"x"}`, `{}`, "s", uint8(1))
	hub := &pubsub.Hub{}
	srv, err := happn.New(happn.Config{Name: "fuzzed", Broker: hub.Broker()})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c, err := srv.LocalClient(ctx)
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	got := make(chan *happn.Event, 16)
	if _, err := c.OnAll(ctx, func(ev *happn.Event) { got <- ev }); err != nil {
		f.Fatal(err)
	}
	other := hub.Broker()
	stop, err := other.Subscribe(func(*pubsub.Publication) {})
	if err != nil {
		f.Fatal(err)
	}
	defer stop()
	f.Fuzz(func(t *testing.T, path, data, meta, session string, action uint8) {
		p := &pubsub.Publication{Origin: "other", Action: pubsub.Action(action % 4), Path: path,
			Data: []byte(data), SessionID: session, ID: session + "-1"}
		if meta != "" {
			p.Meta = []byte(meta)
		}
		if err := other.Publish(ctx, p); err != nil {
			t.Fatal(err)
		}
		// A marker event, always well formed, follows: everything before
		// it has been delivered or dropped by then.
		marker := &pubsub.Publication{Origin: "other", Action: pubsub.Set, Path: "/marker", Data: []byte(`{}`), ID: "m"}
		if err := other.Publish(ctx, marker); err != nil {
			t.Fatal(err)
		}
		for {
			ev := <-got
			if ev.Meta.Path == "/marker" && ev.Meta.PublicationID == "m" {
				return
			}
			if !json.Valid(ev.Data) || !json.Valid(ev.Meta.Raw) {
				t.Fatalf("event with invalid JSON: data %q meta %q", ev.Data, ev.Meta.Raw)
			}
			if want := asJSONString(session + "-1"); ev.Meta.PublicationID != want {
				t.Fatalf("event from %q arrived with publication id %q", session, ev.Meta.PublicationID)
			}
		}
	})
}

// asJSONString returns s as it reads after a trip through a JSON string:
// invalid UTF-8 becomes U+FFFD.
func asJSONString(s string) string {
	b, _ := json.Marshal(s)
	var out string
	json.Unmarshal(b, &out)
	return out
}

// TestBrokerCarriesSecurityChanges: secure servers that share a store and
// a broker see each other's security changes at once: permissions,
// deleted users and revoked tokens.
func TestBrokerCarriesSecurityChanges(t *testing.T) {
	hub := &pubsub.Hub{}
	st := memstore.New()
	node := func(name string) (*happn.Server, string) {
		cfg := secureConfig()
		cfg.Name, cfg.Store, cfg.Broker = name, st, hub.Broker()
		return secureServer(t, cfg)
	}
	srvA, _ := node("node-a")
	_, baseB := node("node-b")
	ctx := secCtx(t)
	alice := secDial(t, baseB, happn.WithCredentials("alice", "alice-pw"))
	rita := secDial(t, baseB, happn.WithCredentials("rita", "rita-pw"))
	if _, err := alice.Get(ctx, "/shared/x"); err != nil {
		t.Fatal(err)
	}

	// A permission removed on node A no longer allows on node B.
	if err := srvA.Security().RemoveGroupPermission(ctx, "editors", "/shared/*", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Get(ctx, "/shared/x"); !errors.Is(err, happn.ErrUnauthorized) {
		t.Fatalf("alice on node B after node A removed her permission: %v", err)
	}

	// A user deleted on node A is disconnected from node B.
	if err := srvA.Security().DeleteUser(ctx, "rita"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "rita's session on node B to end", func() bool {
		_, err := rita.Get(ctx, "/shared/x")
		return err != nil
	})

	// A token revoked on node A is refused by node B.
	if err := srvA.Security().RevokeToken(ctx, alice.Token(), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Set(ctx, "/users/alice/x", 1); err == nil {
		t.Fatal("node B served a token node A revoked")
	}
}
