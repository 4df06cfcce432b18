package happn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/tidwall/gjson"
)

func TestOnReceivesSetAndRemove(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		all, sets, removes := newEvents(), newEvents(), newEvents()
		sub.On(ctx, "/e/a", all.handler)
		sub.On(ctx, "/e/a", sets.handler, happn.EventType(happn.SetEvent))
		sub.On(ctx, "/e/a", removes.handler, happn.EventType(happn.RemoveEvent))

		it, err := pub.Set(ctx, "/e/a", map[string]any{"x": 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []events{all, sets} {
			ev := e.next(t)
			jsonEq(t, ev.Data, `{"x":1}`)
			if ev.Meta.Path != "/e/a" || ev.Meta.Action != "/SET@/e/a" || ev.Meta.SessionID != pub.SessionID() ||
				ev.Meta.Created != it.Meta.Created || ev.Meta.Modified != it.Meta.Modified || ev.Meta.Consistency != happn.Transactional {
				t.Fatalf("event meta %+v", ev.Meta)
			}
		}
		removes.none(t)
		if _, err := pub.Remove(ctx, "/e/a"); err != nil {
			t.Fatal(err)
		}
		for _, e := range []events{all, removes} {
			ev := e.next(t)
			jsonEq(t, ev.Data, `{"removed":1}`)
			if ev.Meta.Action != "/REMOVE@/e/a" {
				t.Fatalf("remove meta %+v", ev.Meta)
			}
		}
		sets.none(t)
	})
}

// TestSubscriptionWildcards checks the subscription dialect: '*' is one
// whole segment, a trailing "/**" spans up to depth segments, "*" alone
// hears everything.
func TestSubscriptionWildcards(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		patterns := []struct {
			pattern string
			opts    []happn.Option
		}{
			{"/s/*", nil},
			{"/s/b*", nil},
			{"/s/**", []happn.Option{happn.Depth(2)}},
			{"*", nil},
		}
		heard := map[string][]string{}
		var mu sync.Mutex
		for _, p := range patterns {
			p := p
			sub.On(ctx, p.pattern, func(ev *happn.Event) {
				mu.Lock()
				heard[p.pattern] = append(heard[p.pattern], ev.Meta.Path)
				mu.Unlock()
			}, p.opts...)
		}
		for _, path := range []string{"/s/b", "/s/bc", "/s/b/c", "/s/b/c/d", "/t/x"} {
			if _, err := pub.Set(ctx, path, map[string]any{}); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string][]string{
			"/s/*":  {"/s/b", "/s/bc"},
			"/s/**": {"/s/b", "/s/bc", "/s/b/c"},
			"*":     {"/s/b", "/s/bc", "/s/b/c", "/s/b/c/d", "/t/x"},
		}
		deadline := time.Now().Add(2 * time.Second)
		for {
			mu.Lock()
			got := map[string][]string{}
			for k, v := range heard {
				got[k] = append([]string(nil), v...)
			}
			mu.Unlock()
			if reflect.DeepEqual(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("heard %v, want %v", got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestWildcardRemoveEvent checks that a wildcard remove publishes one
// event carrying the pattern, heard by matching wildcard subscriptions
// but not by subscribers of the concrete paths (as happn-3).
func TestWildcardRemoveEvent(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		wild, concrete := newEvents(), newEvents()
		sub.On(ctx, "/wr/*", wild.handler, happn.EventType(happn.RemoveEvent))
		sub.On(ctx, "/wr/a", concrete.handler, happn.EventType(happn.RemoveEvent))
		pub.Set(ctx, "/wr/a", map[string]any{}, happn.NoPublish())
		pub.Set(ctx, "/wr/b", map[string]any{}, happn.NoPublish())
		if n, err := pub.Remove(ctx, "/wr/*"); err != nil || n != 2 {
			t.Fatalf("Remove = %d, %v", n, err)
		}
		ev := wild.next(t)
		jsonEq(t, ev.Data, `{"removed":2}`)
		if ev.Meta.Path != "/wr/*" {
			t.Fatalf("path %q", ev.Meta.Path)
		}
		wild.none(t)
		concrete.none(t)
	})
}

// TestOneFramePerChannel checks happn-3's de-duplication: several
// listeners on one channel share one frame; distinct channels each get one.
func TestOneFramePerChannel(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		a, b, c := newEvents(), newEvents(), newEvents()
		sub.On(ctx, "/d/x", a.handler)
		sub.On(ctx, "/d/x", b.handler)
		sub.On(ctx, "/d/*", c.handler, happn.EventType(happn.SetEvent))
		var result happn.PublishResult
		got := make(chan struct{})
		pub.Set(ctx, "/d/x", map[string]any{}, happn.Consistency(happn.Deferred), happn.OnPublished(func(r happn.PublishResult, err error) {
			result = r
			close(got)
		}))
		for _, e := range []events{a, b, c} {
			e.next(t)
			e.none(t)
		}
		<-got
		if result.Successful != 2 || result.Queued != 3 { // as happn-3, queued counts subscriptions
			t.Fatalf("result %+v, want 2 frames sent for 3 matching subscriptions", result)
		}
	})
}

func TestOffOffPathOffAll(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		a, b, c := newEvents(), newEvents(), newEvents()
		idA, _ := sub.On(ctx, "/o/a", a.handler)
		sub.On(ctx, "/o/b", b.handler)
		sub.On(ctx, "/p/c", c.handler)
		if err := sub.Off(ctx, idA); err != nil {
			t.Fatal(err)
		}
		pub.Set(ctx, "/o/a", map[string]any{})
		a.none(t)
		if err := sub.OffPath(ctx, "/o/*"); err != nil {
			t.Fatal(err)
		}
		pub.Set(ctx, "/o/b", map[string]any{})
		b.none(t)
		pub.Set(ctx, "/p/c", map[string]any{})
		c.next(t)
		if err := sub.OffAll(ctx); err != nil {
			t.Fatal(err)
		}
		pub.Set(ctx, "/p/c", map[string]any{})
		c.none(t)
	})
}

func TestCountAndOnce(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		e := newEvents()
		sub.On(ctx, "/cnt", e.handler, happn.Count(2))
		for range 4 {
			pub.Set(ctx, "/cnt", map[string]any{})
		}
		e.next(t)
		e.next(t)
		e.none(t)
	})
}

func TestInitialValues(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		c.Set(ctx, "/iv/2", map[string]any{"n": 2})
		time.Sleep(2 * time.Millisecond)
		c.Set(ctx, "/iv/1", map[string]any{"n": 1})
		time.Sleep(2 * time.Millisecond)
		c.Set(ctx, "/iv/1/deep", map[string]any{"n": 3})
		var initial []happn.Item
		if _, err := c.On(ctx, "/iv/*", func(*happn.Event) {}, happn.InitialCallback(func(items []happn.Item) { initial = items })); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, it := range initial {
			paths = append(paths, it.Meta.Path)
		}
		// Oldest first, read with the data dialect (as happn-3).
		if want := []string{"/iv/2", "/iv/1", "/iv/1/deep"}; !reflect.DeepEqual(paths, want) {
			t.Fatalf("initial paths %v, want %v", paths, want)
		}
		emitted := newEvents()
		if _, err := c.On(ctx, "/iv/**", emitted.handler, happn.InitialEmit(), happn.Depth(1)); err != nil {
			t.Fatal(err)
		}
		var got []string
		for range 2 {
			got = append(got, emitted.next(t).Meta.Path)
		}
		emitted.none(t)
		sort.Strings(got)
		if want := []string{"/iv/1", "/iv/2"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("initial emit %v, want %v (depth 1)", got, want)
		}
	})
}

// pauseAnswer returns an outbound layer that holds the first frame
// containing every one of parts until release is closed, and closes
// paused when it starts to.
func pauseAnswer(parts ...string) (layer happn.Layer, paused, release chan struct{}) {
	paused, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	layer = func(_ context.Context, m *happn.Message) error {
		for _, p := range parts {
			if !bytes.Contains(m.Frame, []byte(p)) {
				return nil
			}
		}
		once.Do(func() {
			close(paused)
			<-release
		})
		return nil
	}
	return layer, paused, release
}

// TestInitialValuesAnswerPrecedesEvents holds the server's answer to a
// subscription with initial values (an outbound layer pauses it) while the
// path is written: on the wire, the write's event must come after the
// answer, or a client that applies both in order (happn-3's does) ends
// with the older value the answer carries.
func TestInitialValuesAnswerPrecedesEvents(t *testing.T) {
	layer, paused, release := pauseAnswer(`"action":"on"`, `"v":1`)
	srv, url := testServer(t, happn.Config{OutboundLayers: []happn.Layer{layer}})
	ctx := ctxT(t)
	writer := connectors[0].connect(t, srv, url)
	if _, err := writer.Set(ctx, "/init/x", map[string]any{"v": 1}); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, url)
	r.handshake(t)
	r.send(t, `{"action":"on","eventId":4,"path":"/ALL@/init/x","data":null,"options":{"event_type":"all","count":0,"initialEmit":true}}`)
	<-paused
	if _, err := writer.Set(ctx, "/init/x", map[string]any{"v": 2}); err != nil {
		t.Fatal(err)
	}
	close(release)
	first := r.read(t)
	if !strings.Contains(first, `"action":"on"`) {
		t.Fatalf("the write's event came before the answer: %s", first)
	}
	if err := matchFrame(`{"data":[{"v":1,"_meta":"<ANY>"}],"_meta":{"referenceId":"<ANY>","type":"response","status":"ok","published":false,"eventId":4,"action":"on"},"protocol":"happn_4"}`, first); err != nil {
		t.Fatalf("the answer: %v: %s", err, first)
	}
	if got := r.read(t); !strings.Contains(got, `"data":{"v":2}`) {
		t.Fatalf("after the answer: %s, want the event of the write", got)
	}
}

// TestHeldEventsAreBounded: events held for a subscriber while its
// initial values are read count against its queue limit; past it, the
// subscriber is disconnected (the default policy) and the writer carries
// on.
func TestHeldEventsAreBounded(t *testing.T) {
	layer, paused, release := pauseAnswer(`"action":"on"`, `"/bound/x"`)
	srv, url := testServer(t, happn.Config{OutboundLayers: []happn.Layer{layer}, QueueLimit: 16 << 10})
	ctx := ctxT(t)
	writer := connectors[0].connect(t, srv, url)
	writer.Set(ctx, "/bound/x", map[string]any{"v": 0})
	r := dialRaw(t, url)
	r.handshake(t)
	r.send(t, `{"action":"on","eventId":4,"path":"/ALL@/bound/x","data":null,"options":{"initialCallback":true}}`)
	<-paused
	before := srv.Stats()
	payload := strings.Repeat("p", 1000)
	for i := range 40 { // 40 KB of events for a 16 KB limit
		if _, err := writer.Set(ctx, "/bound/x", map[string]any{"v": i, "p": payload}); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	go func() { // read, so that the closing handshake completes
		for {
			if _, _, err := r.ws.Read(ctx); err != nil {
				return
			}
		}
	}()
	waitFor(t, "the subscriber to be disconnected", func() bool { return srv.Stats().Sessions == before.Sessions-1 })
	if st := srv.Stats(); st.Undelivered == before.Undelivered {
		t.Fatal("no event counted as undelivered")
	}
}

// TestInitialValuesThenEvents does the same with the Go clients, which
// must call the handler with the initial value first, then the write's
// event, one at a time.
func TestInitialValuesThenEvents(t *testing.T) {
	for _, cn := range connectors {
		t.Run(cn.name, func(t *testing.T) {
			layer, paused, release := pauseAnswer(`"action":"on"`, `"v":1`)
			srv, url := testServer(t, happn.Config{OutboundLayers: []happn.Layer{layer}})
			ctx := ctxT(t)
			writer := cn.connect(t, srv, url)
			if _, err := writer.Set(ctx, "/init/x", map[string]any{"v": 1}); err != nil {
				t.Fatal(err)
			}
			sub := cn.connect(t, srv, url)
			var mu sync.Mutex
			var seen []string
			subscribed := make(chan error, 1)
			go func() {
				_, err := sub.On(ctx, "/init/x", func(ev *happn.Event) {
					mu.Lock()
					seen = append(seen, string(ev.Data))
					mu.Unlock()
				}, happn.InitialEmit())
				subscribed <- err
			}()
			<-paused
			if _, err := writer.Set(ctx, "/init/x", map[string]any{"v": 2}); err != nil {
				t.Fatal(err)
			}
			close(release)
			if err := <-subscribed; err != nil {
				t.Fatal(err)
			}
			waitFor(t, "both values", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(seen) == 2
			})
			mu.Lock()
			defer mu.Unlock()
			if want := []string{`{"v":1}`, `{"v":2}`}; !reflect.DeepEqual(seen, want) {
				t.Fatalf("the handler got %v, want %v: the initial value, then the write's event", seen, want)
			}
		})
	}
}

func TestMergeOnlySubscription(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		pub.Set(ctx, "/mo", map[string]any{"a": 1})
		patch, whole := newEvents(), newEvents()
		sub.On(ctx, "/mo", patch.handler, happn.MergeOnly())
		sub.On(ctx, "/mo", whole.handler, happn.EventType(happn.SetEvent))
		pub.Set(ctx, "/mo", map[string]any{"b": 2}, happn.Merge())
		jsonEq(t, patch.next(t).Data, `{"b":2}`)
		jsonEq(t, whole.next(t).Data, `{"a":1,"b":2}`)
	})
}

func TestPublishTargetsAndMeta(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, one, two := connect(), connect(), connect()
		ctx := ctxT(t)
		e1, e2 := newEvents(), newEvents()
		one.On(ctx, "/pub", e1.handler)
		two.On(ctx, "/pub", e2.handler)
		err := pub.Publish(ctx, "/pub", map[string]any{"msg": "hi"},
			happn.TargetClients(two.SessionID()), happn.Meta(map[string]any{"custom": "m", "path": "/forged"}))
		if err != nil {
			t.Fatal(err)
		}
		ev := e2.next(t)
		jsonEq(t, ev.Data, `{"msg":"hi"}`)
		if ev.Meta.Path != "/pub" || string(ev.Meta.Get("custom")) != `"m"` {
			t.Fatalf("meta %s", ev.Meta.Raw)
		}
		if strings.Count(string(ev.Meta.Raw), `"path"`) != 1 {
			t.Fatalf("reserved meta key was copied: %s", ev.Meta.Raw)
		}
		e1.none(t)
		if it, _ := pub.Get(ctx, "/pub"); it != nil {
			t.Fatal("Publish stored data")
		}
	})
}

func TestNoPublish(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		e := newEvents()
		sub.On(ctx, "/np", e.handler)
		pub.Set(ctx, "/np", map[string]any{}, happn.NoPublish())
		pub.Remove(ctx, "/np", happn.NoPublish())
		e.none(t)
	})
}

// TestTransactionalOrdering checks that with the default consistency the
// event frames of a set are sent before its response: a connection that
// subscribes to its own path reads the event first; with QUEUED it reads
// the response first.
func TestTransactionalOrdering(t *testing.T) {
	_, url := testServer(t, happn.Config{})
	r := dialRaw(t, url)
	r.handshake(t)
	r.send(t, `{"action":"on","eventId":4,"path":"/ALL@/tx","data":null,"options":{"event_type":"all"}}`)
	r.read(t)
	r.send(t, `{"action":"set","eventId":5,"path":"/tx","data":{"n":1}}`)
	if got := r.read(t); gjson.Get(got, "_meta.type").Str != "data" {
		t.Fatalf("first frame after a TRANSACTIONAL set is %s, want the event", got)
	}
	if got := r.read(t); gjson.Get(got, "_meta.type").Str != "response" {
		t.Fatalf("second frame is %s, want the response", got)
	}
	r.send(t, `{"action":"set","eventId":6,"path":"/tx","data":{"n":2},"options":{"consistency":0}}`)
	if got := r.read(t); gjson.Get(got, "_meta.type").Str != "response" {
		t.Fatalf("first frame after a QUEUED set is %s, want the response", got)
	}
	if got := r.read(t); gjson.Get(got, "_meta.type").Str != "data" {
		t.Fatalf("second frame is %s, want the event", got)
	}
}

func TestConsistencyLevels(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		e := newEvents()
		sub.On(ctx, "/cl", e.handler)
		// QUEUED reports nothing to the publisher (as happn-3's client);
		// DEFERRED and ACKNOWLEDGED report through OnPublished.
		pub.Set(ctx, "/cl", map[string]any{"level": happn.Queued}, happn.Consistency(happn.Queued),
			happn.OnPublished(func(happn.PublishResult, error) { t.Error("OnPublished called for QUEUED") }))
		if ev := e.next(t); ev.Meta.Consistency != happn.Queued {
			t.Fatalf("event consistency %d", ev.Meta.Consistency)
		}
		for _, level := range []int{happn.Deferred, happn.Acknowledged} {
			results := make(chan happn.PublishResult, 1)
			_, err := pub.Set(ctx, "/cl", map[string]any{"level": level}, happn.Consistency(level),
				happn.OnPublished(func(r happn.PublishResult, err error) {
					if err != nil {
						t.Errorf("level %d: %v", level, err)
					}
					results <- r
				}))
			if err != nil {
				t.Fatal(err)
			}
			ev := e.next(t)
			if ev.Meta.Consistency != level {
				t.Fatalf("event consistency %d, want %d", ev.Meta.Consistency, level)
			}
			select {
			case r := <-results:
				if r.Successful != 1 || (level == happn.Acknowledged && r.Acknowledged != 1) {
					t.Fatalf("level %d result %+v", level, r)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("level %d: no publication result", level)
			}
		}
	})
}

// TestAcknowledgedDuplicateChannel is a happn-3 bug we fix: with two
// listeners on one channel the publication never completed there.
func TestAcknowledgedDuplicateChannel(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		pub, sub := connect(), connect()
		ctx := ctxT(t)
		sub.On(ctx, "/ack", func(*happn.Event) {})
		sub.On(ctx, "/ack", func(*happn.Event) {})
		done := make(chan happn.PublishResult, 1)
		pub.Set(ctx, "/ack", map[string]any{}, happn.Consistency(happn.Acknowledged),
			happn.OnPublished(func(r happn.PublishResult, err error) {
				if err != nil {
					t.Error(err)
				}
				done <- r
			}))
		select {
		case r := <-done:
			if r.Acknowledged != 1 || r.Successful != 1 {
				t.Fatalf("result %+v", r)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("ACKNOWLEDGED publication never completed")
		}
	})
}

// TestAcknowledgeTimeout checks that unacknowledged publications are
// reported as such: a raw subscriber that never acks.
func TestAcknowledgeTimeout(t *testing.T) {
	srv, url := testServer(t, happn.Config{AcknowledgeTimeout: 200 * time.Millisecond})
	ctx := ctxT(t)
	pub := connectors[0].connect(t, srv, url)
	raw := dialRaw(t, url)
	raw.handshake(t)
	raw.send(t, `{"action":"on","eventId":10,"path":"/ALL@/noack","data":null,"options":{"event_type":"all"}}`)
	raw.expect(t, `{"data":{"id":"<ANY>"},"_meta":{"type":"response","status":"ok","published":false,"eventId":10,"action":"on"},"protocol":"happn_4"}`)
	errs := make(chan error, 1)
	pub.Set(ctx, "/noack", map[string]any{}, happn.Consistency(happn.Acknowledged),
		happn.OnPublished(func(r happn.PublishResult, err error) { errs <- err }))
	select {
	case err := <-errs:
		if err == nil || !strings.Contains(err.Error(), "unacknowledged publication") {
			t.Fatalf("err = %v, want unacknowledged publication", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no publication result")
	}
}

func TestEventOrderPerPath(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	ctx := ctxT(t)
	sub := connectors[1].connect(t, srv, url)
	var mu sync.Mutex
	var seen []int
	sub.On(ctx, "/order", func(ev *happn.Event) {
		var v struct{ N int }
		json.Unmarshal(ev.Data, &v)
		mu.Lock()
		seen = append(seen, v.N)
		mu.Unlock()
	})
	pub := connectors[0].connect(t, srv, url)
	for i := range 200 {
		pub.Set(ctx, "/order", map[string]any{"n": i}, happn.Consistency(happn.Queued))
	}
	pub.Set(context.Background(), "/sync", map[string]any{})
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, n := range seen {
		if n != i {
			t.Fatalf("event %d carried n=%d: events out of order", i, n)
		}
	}
	if len(seen) != 200 {
		t.Fatalf("%d of 200 events", len(seen))
	}
}

// TestPatternRemoveOrderedWithSets pauses the event of a set of /race/1
// (an outbound layer holds it) and removes /race/*: the remove must wait
// for the set's event, because a subscriber to /race/* that applies each
// event it gets must end with what is stored. Without that, the remove
// deletes /race/1 and its event overtakes the set's, and the subscriber
// believes in a document that is gone.
func TestPatternRemoveOrderedWithSets(t *testing.T) {
	hold, paused, release := pauseAnswer(`"/SET@/race/1"`)
	srv, url := testServer(t, happn.Config{OutboundLayers: []happn.Layer{hold}})
	ctx := ctxT(t)
	sub := connectors[1].connect(t, srv, url)
	var mu sync.Mutex
	replayed := map[string]bool{}
	sub.On(ctx, "/race/*", func(ev *happn.Event) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(ev.Meta.Action, "/REMOVE@") {
			clear(replayed)
			return
		}
		replayed[ev.Meta.Path] = true
	})
	setter := connectors[0].connect(t, srv, url)
	remover := connectors[0].connect(t, srv, url)

	var wg sync.WaitGroup
	wg.Go(func() { setter.Set(ctx, "/race/1", map[string]any{}) })
	<-paused
	removed := make(chan struct{})
	wg.Go(func() {
		remover.Remove(ctx, "/race/*")
		close(removed)
	})
	select {
	case <-removed:
		t.Error("the remove of /race/* finished while the event of a set it removed was still on its way")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	wg.Wait()

	sub.Set(ctx, "/race/end", map[string]any{})
	waitFor(t, "the end marker", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return replayed["/race/end"]
	})
	items, err := sub.Search(ctx, "/race/*")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, it := range items {
		stored[it.Meta.Path] = true
	}
	mu.Lock()
	defer mu.Unlock()
	if !maps.Equal(stored, replayed) {
		t.Fatalf("the events say %v is stored, the store has %v", slices.Sorted(maps.Keys(replayed)), slices.Sorted(maps.Keys(stored)))
	}
}
