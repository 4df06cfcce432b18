package happn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store/memstore"
)

// TestChaos runs clients of both kinds at once against a server on a real
// data file: writes, merges, increments, removes, reads and searches on
// paths of their own and on shared ones (some of those writes expiring), subscriptions coming and going, clients closed with
// writes in flight, raw connections dropped mid-request and one sending
// garbage. Then nothing acknowledged may be lost or reordered: every path
// holds what its last acknowledged write left, a subscriber to them all saw
// each path's events in order and ending in that state, the same holds after
// a restart, and the sessions, subscriptions and goroutines the clients had
// are gone.
func TestChaos(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	dataPath := filepath.Join(t.TempDir(), "happn.db")
	srv, url := testServer(t, happn.Config{DataPath: dataPath})
	ctx := ctxT(t)

	watcher := connectors[1].connect(t, srv, url)
	seen := newChaosLog()
	if _, err := watcher.On(ctx, "/chaos/*/*", seen.add, happn.EventType(happn.AllEvents)); err != nil {
		t.Fatal(err)
	}
	baseline := srv.Stats()
	goroutines := runtime.NumGoroutine()

	const workers, rounds, ops = 6, 5, 50
	models := make([]chaosModel, workers)
	acked := make([]map[string]any, workers) // writes in flight at a close that were acknowledged
	var wg sync.WaitGroup
	for w := range workers {
		models[w], acked[w] = chaosModel{}, map[string]any{}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for r := range rounds {
				c, err := chaosClient(ctx, srv, url, (w+r)%2 == 0)
				if err != nil {
					t.Error(err)
					return
				}
				if err := chaosRound(ctx, c, rng, w, r, ops, models[w]); err != nil {
					t.Errorf("worker %d round %d: %v", w, r, err)
					c.Close()
					return
				}
				if r%2 == 1 {
					closeWithWritesInFlight(ctx, c, w, r, acked[w])
				} else {
					c.Close()
				}
			}
		})
	}
	// Meanwhile, on the test's goroutine (they may fail it): a subscriber
	// joins with the values stored at that moment (its later events may
	// repeat older ones, but must end in what is stored), raw
	// connections drop and one sends garbage.
	late := connectors[1].connect(t, srv, url)
	joined := newChaosLog()
	joined.unordered = true
	if _, err := late.On(ctx, "/chaos/*/*", joined.add, happn.InitialEmit()); err != nil {
		t.Fatal(err)
	}
	for r := range 4 {
		dropMidRequest(t, url, r)
	}
	sendGarbage(t, url)
	wg.Wait()
	if t.Failed() {
		return
	}

	// Events: the end marker comes after every worker's last event, and
	// after the last expiry.
	waitFor(t, "the shared paths' expiries", func() bool { return srv.Stats().Expiring == 0 })
	t.Logf("%d documents expired", srv.Stats().Expired)
	if _, err := watcher.Set(ctx, "/chaos/zz/end", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the end marker", func() bool { return seen.has("/chaos/zz/end") && joined.has("/chaos/zz/end") })
	if d := seen.disorder(); len(d) > 0 {
		t.Errorf("events out of order: %v", d)
	}
	for w, m := range models {
		for j := range 8 {
			path := fmt.Sprintf("/chaos/w%d/%d", w, j)
			if err := seen.check(path, m[path]); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}
	}

	want := map[string]map[string]any{} // every path written, nil for absent
	for w, m := range models {
		for n := range 8 {
			path := fmt.Sprintf("/chaos/w%d/%d", w, n)
			want[path] = m[path]
		}
		for path, j := range acked[w] {
			want[path] = map[string]any{"j": j}
		}
	}
	reader := connectors[0].connect(t, srv, url)
	checkChaosState(t, reader, want)
	// Writers raced on the shared paths; their events must still have come
	// in the order of the writes, ending in what is stored.
	for n := range sharedPaths {
		path := fmt.Sprintf("/chaos/shared/%d", n)
		it, err := reader.Get(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if it != nil {
			var doc map[string]any
			if err := it.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			want[path] = doc
		}
		if err := seen.check(path, want[path]); err != nil {
			t.Error(err)
		}
	}
	for path, doc := range want {
		if !strings.HasPrefix(path, "/chaos/") {
			continue // not under its subscription
		}
		if err := joined.check(path, doc); err != nil {
			t.Errorf("the subscriber that joined halfway: %v", err)
		}
	}
	late.Close()

	waitFor(t, "the clients' sessions and subscriptions to go", func() bool {
		st := srv.Stats()
		return st.Sessions == baseline.Sessions+1 && st.Subscriptions == baseline.Subscriptions // + reader
	})
	reader.Close()
	waitFor(t, "the clients' goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutines+2 })

	// A restart reads the same from the file.
	watcher.Close()
	srv.Close()
	checkChaosState(t, reopen(t, dataPath), want)
}

// reopen starts a server on the data file at path, to be closed with the
// test, and returns a local client of it.
func reopen(t *testing.T, path string) *happn.Client {
	t.Helper()
	srv, err := happn.New(happn.Config{DataPath: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c, err := srv.LocalClient(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// chaosModel is what a worker's acknowledged writes left: path → document,
// absent when removed or never written.
type chaosModel map[string]map[string]any

// chaosClient connects a local client or a websocket one.
func chaosClient(ctx context.Context, srv *happn.Server, url string, local bool) (*happn.Client, error) {
	if local {
		return srv.LocalClient(ctx)
	}
	return happn.Dial(ctx, url)
}

// chaosRound makes ops random requests on the worker's paths
// /chaos/w<w>/<0-7>, checking every answer against the model and updating
// it; a subscription of its own comes and goes on the way.
func chaosRound(ctx context.Context, c *happn.Client, rng *rand.Rand, w, r, ops int, m chaosModel) error {
	var sub happn.ListenerID
	for i := range ops {
		switch {
		case i == ops/4:
			var err error
			if sub, err = c.On(ctx, fmt.Sprintf("/chaos/w%d/*", w), func(*happn.Event) {}); err != nil {
				return err
			}
		case i == ops*3/4 && r%2 == 0:
			if err := c.Off(ctx, sub); err != nil {
				return err
			}
		}
		seq := float64(r*ops + i)
		if rng.IntN(4) == 0 {
			if err := sharedWrite(ctx, c, rng, seq); err != nil {
				return err
			}
			continue
		}
		path := fmt.Sprintf("/chaos/w%d/%d", w, rng.IntN(8))
		switch op := rng.IntN(10); {
		case rng.IntN(40) == 0: // now and then, everything at once
			n, err := c.Remove(ctx, fmt.Sprintf("/chaos/w%d/*", w))
			if err != nil {
				return err
			}
			if n != len(m) {
				return fmt.Errorf("remove /chaos/w%d/* removed %d, the model has %d", w, n, len(m))
			}
			clear(m)
		case op < 3:
			doc := map[string]any{"seq": seq, "w": float64(w)}
			if _, err := c.Set(ctx, path, doc); err != nil {
				return err
			}
			m[path] = doc
		case op < 5:
			if _, err := c.Set(ctx, path, map[string]any{"m": seq, "seq": seq}, happn.Merge()); err != nil {
				return err
			}
			doc := map[string]any{}
			for k, v := range m[path] {
				doc[k] = v
			}
			doc["m"], doc["seq"] = seq, seq
			m[path] = doc
		case op < 6:
			got, err := c.Increment(ctx, path, "g", 1)
			if err != nil {
				return err
			}
			doc := map[string]any{}
			for k, v := range m[path] {
				doc[k] = v
			}
			want := 1.0
			if g, ok := doc["g"].(map[string]any); ok {
				want += g["value"].(float64)
			}
			if got != want {
				return fmt.Errorf("increment %s = %v, want %v", path, got, want)
			}
			doc["g"] = map[string]any{"value": want}
			m[path] = doc
		case op < 7:
			n, err := c.Remove(ctx, path)
			if err != nil {
				return err
			}
			if want := len(m[path]); (n == 1) != (want > 0) {
				return fmt.Errorf("remove %s removed %d, the model has %v", path, n, m[path])
			}
			delete(m, path)
		case op < 9:
			it, err := c.Get(ctx, path)
			if err != nil {
				return err
			}
			if err := sameDoc(path, it, m[path]); err != nil {
				return err
			}
		default:
			n, err := c.Count(ctx, fmt.Sprintf("/chaos/w%d/*", w), happn.Criteria(map[string]any{"seq": map[string]any{"$exists": true}}))
			if err != nil {
				return err
			}
			want := 0
			for _, doc := range m {
				if _, ok := doc["seq"]; ok {
					want++
				}
			}
			if n != want {
				return fmt.Errorf("count of documents with seq = %d, the model has %d", n, want)
			}
		}
	}
	return nil
}

// sharedPaths are written by every worker at once.
const sharedPaths = 3

// sharedWrite sets (possibly with a ttl), merges, increments or removes
// one of the shared paths /chaos/shared/<n>.
func sharedWrite(ctx context.Context, c *happn.Client, rng *rand.Rand, seq float64) error {
	path := fmt.Sprintf("/chaos/shared/%d", rng.IntN(sharedPaths))
	var err error
	switch rng.IntN(5) {
	case 0:
		_, err = c.Set(ctx, path, map[string]any{"seq": seq})
	case 4: // expires on its own, unless written again first
		_, err = c.Set(ctx, path, map[string]any{"seq": seq}, happn.TTL(time.Duration(1+rng.IntN(20))*time.Millisecond))
	case 1:
		_, err = c.Set(ctx, path, map[string]any{"m": seq}, happn.Merge())
	case 2:
		_, err = c.Increment(ctx, path, "g", 1)
	default:
		_, err = c.Remove(ctx, path)
	}
	return err
}

// closeWithWritesInFlight starts 20 sets on paths of their own and closes
// the client while they are on their way; those acknowledged go in acked.
func closeWithWritesInFlight(ctx context.Context, c *happn.Client, w, r int, acked map[string]any) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for j := range 20 {
		path := fmt.Sprintf("/chaos-inflight/w%d/%d/%d", w, r, j)
		wg.Go(func() {
			if _, err := c.Set(ctx, path, map[string]any{"j": float64(j)}); err == nil {
				mu.Lock()
				acked[path] = float64(j)
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Duration(r) * 100 * time.Microsecond)
	c.Close()
	wg.Wait()
}

// dropMidRequest sends 20 sets on a raw connection and drops it at once,
// without a close frame.
func dropMidRequest(t *testing.T, url string, r int) {
	raw := dialRaw(t, url)
	raw.handshake(t)
	for j := range 20 {
		raw.send(t, fmt.Sprintf(`{"action":"set","eventId":%d,"path":"/chaos-raw/%d/%d","data":{"j":%d},"options":{}}`, 10+j, r, j, j))
	}
	raw.ws.CloseNow()
}

// sendGarbage sends frames that are not happn requests; the server may
// answer with errors or close the connection, and nothing else changes.
func sendGarbage(t *testing.T, url string) {
	raw := dialRaw(t, url)
	defer raw.ws.CloseNow()
	raw.handshake(t)
	for _, frame := range []string{`{"action":`, `[1,2,3]`, `{"action":"set","eventId":"x","path":7}`, "\x00\xff", `{"action":"nope","eventId":5}`} {
		if err := raw.ws.Write(ctxT(t), websocket.MessageText, []byte(frame)); err != nil {
			return // closed for it: fine
		}
	}
}

// checkChaosState reads every path of want through c, and the paths of the
// raw writes dropped mid-request.
func checkChaosState(t *testing.T, c *happn.Client, want map[string]map[string]any) {
	t.Helper()
	ctx := ctxT(t)
	for path, doc := range want {
		it, err := c.Get(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameDoc(path, it, doc); err != nil {
			t.Error(err)
		}
	}
	// Raw writes dropped mid-request may or may not have been done, but
	// none half: each is there as sent or not at all.
	items, err := c.Search(ctx, "/chaos-raw/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		j := it.Meta.Path[strings.LastIndexByte(it.Meta.Path, '/')+1:]
		if string(it.Data) != `{"j":`+j+`}` {
			t.Errorf("%s holds %s", it.Meta.Path, it.Data)
		}
	}
}

// sameDoc says how it differs from want (nil: absent).
func sameDoc(path string, it *happn.Item, want map[string]any) error {
	if it == nil || want == nil {
		if (it == nil) != (want == nil) {
			return fmt.Errorf("get %s = %v, want %v", path, it, want)
		}
		return nil
	}
	var got map[string]any
	if err := json.Unmarshal(it.Data, &got); err != nil {
		return err
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("get %s = %v, want %v", path, got, want)
	}
	return nil
}

// chaosLog replays the events a subscriber saw into the state they
// describe, path by path, and notes a set whose seq goes backwards.
type chaosLog struct {
	mu    sync.Mutex
	state map[string]map[string]any // nil: removed
	seq   map[string]float64
	order []string // paths whose seq went backwards
	// unordered skips the order check, for a subscriber with initial
	// values: events published while they were read may be older.
	unordered bool
}

func newChaosLog() *chaosLog {
	return &chaosLog{state: map[string]map[string]any{}, seq: map[string]float64{}}
}

func (l *chaosLog) add(ev *happn.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	path := ev.Meta.Path
	var data map[string]any
	json.Unmarshal(ev.Data, &data)
	switch {
	case strings.HasPrefix(ev.Meta.Action, "/REMOVE@") && strings.Contains(path, "*"):
		for p := range l.state {
			if wildcard.Match(path, p) {
				l.state[p] = nil
			}
		}
	case strings.HasPrefix(ev.Meta.Action, "/REMOVE@"):
		l.state[path] = nil
	case data["gauge"] != nil && len(data) == 2: // an increment's {"value", "gauge"}
		doc := map[string]any{}
		for k, v := range l.state[path] {
			doc[k] = v
		}
		doc[data["gauge"].(string)] = map[string]any{"value": data["value"]}
		l.state[path] = doc
	default:
		// Each worker counts its own seq, so only its own paths have
		// an order to keep.
		if s, ok := data["seq"].(float64); ok && !l.unordered && !strings.HasPrefix(path, "/chaos/shared/") {
			if s < l.seq[path] {
				l.order = append(l.order, fmt.Sprintf("%s: seq %v after %v", path, s, l.seq[path]))
			}
			l.seq[path] = s
		}
		l.state[path] = data
	}
}

func (l *chaosLog) has(path string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.state[path]
	return ok
}

// disorder lists the paths whose events came out of order.
func (l *chaosLog) disorder() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order
}

// check says how the events' last state of path differs from want.
func (l *chaosLog) check(path string, want map[string]any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if got := l.state[path]; !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the events of %s end in %v, the model in %v", path, got, want)
	}
	return nil
}

// TestShutdownUnderLoad shuts a server down while clients of both kinds
// write as fast as they can, others subscribe and one subscriber never
// reads: Shutdown returns (without its context running out), every
// write acknowledged before it is in the data file, and nothing the
// clients had is left running.
func TestShutdownUnderLoad(t *testing.T) {
	dataPath := filepath.Join(t.TempDir(), "happn.db")
	srv, url := testServer(t, happn.Config{DataPath: dataPath, QueueLimit: 64 << 10})
	ctx := ctxT(t)
	goroutines := runtime.NumGoroutine()

	for range 2 {
		sub := connectors[1].connect(t, srv, url)
		if _, err := sub.On(ctx, "/load/*/*", func(*happn.Event) {}); err != nil {
			t.Fatal(err)
		}
	}
	stalled := dialRaw(t, url)
	stalled.handshake(t)
	stalled.send(t, `{"action":"on","eventId":4,"path":"/ALL@/load/*/*","data":null,"options":{}}`)
	stalled.read(t) // and never again

	const writers = 6
	acked := make([][]string, writers)
	var total atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		c, err := chaosClient(ctx, srv, url, w%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer c.Close()
			for i := 0; ; i++ {
				path := fmt.Sprintf("/load/w%d/%d", w, i)
				if _, err := c.Set(ctx, path, map[string]any{"i": i}); err != nil {
					return // the server has gone
				}
				acked[w] = append(acked[w], path)
				total.Add(1)
			}
		})
	}
	waitFor(t, "a load going", func() bool { return total.Load() >= 3000 })
	stop, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil {
		t.Fatalf("Shutdown under load: %v", err)
	}
	wg.Wait()
	waitFor(t, "the clients' goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutines+2 })

	c := reopen(t, dataPath)
	n := 0
	for w := range writers {
		for _, path := range acked[w] {
			it, err := c.Get(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if it == nil {
				t.Fatalf("%s was acknowledged before the shutdown and is not in the data file", path)
			}
			n++
		}
	}
	t.Logf("%d acknowledged writes, all there after the restart", n)
}

// TestChaosAcrossServers is TestChaos's workload on two servers that
// share a store and a broker (pubsub.Hub), each worker on one of them: a
// subscriber on each server must see every worker path's events in
// order, ending in the state the worker's acknowledged writes left,
// whichever server took them.
func TestChaosAcrossServers(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	shared := keptOpen{memstore.New()}
	t.Cleanup(func() { shared.Store.Close() })
	hub := &pubsub.Hub{}
	var servers [2]*happn.Server
	var urls [2]string
	var logs [2]*chaosLog
	ctx := ctxT(t)
	for i := range servers {
		servers[i], urls[i] = testServer(t, happn.Config{Store: shared, Broker: hub.Broker()})
		logs[i] = newChaosLog()
		watcher := connectors[1].connect(t, servers[i], urls[i])
		if _, err := watcher.On(ctx, "/chaos/*/*", logs[i].add); err != nil {
			t.Fatal(err)
		}
	}

	const workers, rounds, ops = 4, 3, 50
	models := make([]chaosModel, workers)
	var wg sync.WaitGroup
	for w := range workers {
		models[w] = chaosModel{}
		srv, url := servers[w%2], urls[w%2]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for r := range rounds {
				c, err := chaosClient(ctx, srv, url, r%2 == 0)
				if err != nil {
					t.Error(err)
					return
				}
				err = chaosRound(ctx, c, rng, w, r, ops, models[w])
				c.Close()
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, srv := range servers {
		waitFor(t, "the expiries", func() bool { return srv.Stats().Expiring == 0 })
		end := fmt.Sprintf("/chaos/zz/end%d", i)
		c := connectors[0].connect(t, srv, urls[i])
		if _, err := c.Set(ctx, end, map[string]any{}); err != nil {
			t.Fatal(err)
		}
	}
	for i, l := range logs {
		waitFor(t, "both end markers", func() bool { return l.has("/chaos/zz/end0") && l.has("/chaos/zz/end1") })
		if d := l.disorder(); len(d) > 0 {
			t.Errorf("server %d's subscriber: events out of order: %v", i, d)
		}
		for w, m := range models {
			for j := range 8 {
				path := fmt.Sprintf("/chaos/w%d/%d", w, j)
				if err := l.check(path, m[path]); err != nil {
					t.Errorf("server %d's subscriber, worker %d (on server %d): %v", i, w, w%2, err)
				}
			}
		}
	}
}
