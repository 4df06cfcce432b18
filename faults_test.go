package happn_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/happn-go/happn"
	"github.com/happn-go/happn/transport"
)

// waitFor polls cond for up to ten seconds (generous: CI machines are
// loaded).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOversizedFrameClosesOnlyThatClient sends a frame over the limit:
// that connection is closed (status 1009); everyone else carries on.
func TestOversizedFrameClosesOnlyThatClient(t *testing.T) {
	srv, url := testServer(t, happn.Config{MaxMessageSize: 64 << 10})
	ctx := ctxT(t)
	other := connectors[1].connect(t, srv, url)
	r := dialRaw(t, url)
	r.handshake(t)
	big := `{"action":"set","eventId":9,"path":"/big","data":{"x":"` + strings.Repeat("a", 100<<10) + `"}}`
	r.ws.Write(ctx, websocket.MessageText, []byte(big))
	_, _, err := r.ws.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("read after an oversized frame: %v, want close 1009", err)
	}
	if _, err := other.Set(ctx, "/after", map[string]any{"ok": true}); err != nil {
		t.Fatalf("another client failed after the oversized frame: %v", err)
	}
	if it, _ := other.Get(ctx, "/big"); it != nil {
		t.Fatal("the oversized set was stored")
	}
}

// TestDefaultLimitIsTenMiB checks happn-3's default message limit: 10 MiB
// passes, more does not.
func TestDefaultLimitIsTenMiB(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	ctx := ctxT(t)
	c := connectors[1].connect(t, srv, url)
	payload := strings.Repeat("a", 9<<20)
	if _, err := c.Set(ctx, "/nine", map[string]any{"x": payload}); err != nil {
		t.Fatalf("a 9 MiB set failed: %v", err)
	}
	_, err := c.Set(ctx, "/eleven", map[string]any{"x": strings.Repeat("a", 11<<20)})
	if err == nil {
		t.Fatal("an 11 MiB set succeeded")
	}
	if !errors.Is(err, happn.ErrDisconnected) && !errors.Is(err, happn.ErrClosed) {
		t.Fatalf("11 MiB set: err = %v, want the connection closed", err)
	}
}

// TestVanishedClient drops a connection with requests in flight; the
// server forgets its session and subscriptions and serves everyone else.
func TestVanishedClient(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	ctx := ctxT(t)
	c := connectors[0].connect(t, srv, url)
	for i := range 200 {
		c.Set(ctx, "/v/"+strings.Repeat("x", i%7)+string(rune('a'+i%26)), map[string]any{"i": i}, happn.NoPublish())
	}
	before := srv.Stats()
	r := dialRaw(t, url)
	r.handshake(t)
	r.send(t, `{"action":"on","eventId":4,"path":"/ALL@/v/*","data":null,"options":{}}`)
	r.read(t)
	for i := range 50 {
		r.send(t, `{"action":"get","eventId":`+string(rune('0'+i%10))+`,"path":"/v/*","data":null}`)
	}
	r.ws.CloseNow()
	waitFor(t, "the session to go", func() bool {
		st := srv.Stats()
		return st.Sessions == before.Sessions && st.Subscriptions == before.Subscriptions
	})
	if _, err := c.Set(ctx, "/v/after", map[string]any{}); err != nil {
		t.Fatal(err)
	}
}

// TestSlowSubscriberIsDisconnected stops reading on one subscriber while
// events keep coming: its queue fills, it is disconnected, and the other
// subscriber gets every event.
func TestSlowSubscriberIsDisconnected(t *testing.T) {
	srv, url := testServer(t, happn.Config{QueueLimit: 256 << 10})
	ctx := ctxT(t)
	pub := connectors[0].connect(t, srv, url)
	good := connectors[1].connect(t, srv, url)
	got := make(chan struct{}, 1000)
	good.On(ctx, "/slow", func(*happn.Event) { got <- struct{}{} })

	stalled := dialRaw(t, url)
	stalled.handshake(t)
	stalled.send(t, `{"action":"on","eventId":4,"path":"/ALL@/slow","data":null,"options":{}}`)
	stalled.read(t)
	// From here on, stalled never reads again.
	before := srv.Stats().Sessions
	payload := strings.Repeat("p", 64<<10)
	const n = 400 // 25 MiB: more than the queue limit plus the socket buffers
	for i := range n {
		if _, err := pub.Set(ctx, "/slow", map[string]any{"i": i, "p": payload}); err != nil {
			t.Fatal(err)
		}
		// Paced by the reading subscriber, so that only the stalled one
		// falls behind.
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("the reading subscriber got %d of %d events", i, n)
		}
	}
	waitFor(t, "the stalled client to be dropped", func() bool { return srv.Stats().Sessions == before-1 })
}

// TestSlowSubscriberDropPolicy keeps a stalled client connected and drops
// its frames instead.
func TestSlowSubscriberDropPolicy(t *testing.T) {
	srv, url := testServer(t, happn.Config{QueueLimit: 256 << 10, SlowConsumer: transport.Drop})
	ctx := ctxT(t)
	pub := connectors[0].connect(t, srv, url)
	stalled := dialRaw(t, url)
	stalled.handshake(t)
	stalled.send(t, `{"action":"on","eventId":4,"path":"/ALL@/drop","data":null,"options":{}}`)
	stalled.read(t)
	before := srv.Stats().Sessions
	payload := strings.Repeat("p", 64<<10)
	for i := range 400 {
		if _, err := pub.Set(ctx, "/drop", map[string]any{"i": i, "p": payload}); err != nil {
			t.Fatal(err)
		}
	}
	st := srv.Stats()
	if st.Sessions != before {
		t.Fatal("the Drop policy disconnected the stalled client")
	}
	// Every event the stalled client did not get is counted, and only those.
	if st.Undelivered == 0 || st.Deliveries+st.Undelivered != 400 {
		t.Errorf("Deliveries %d + Undelivered %d, want 400 with some undelivered", st.Deliveries, st.Undelivered)
	}
}

// TestServerSurvivesGarbage sends a stream of malformed frames; each gets
// dropped or an error, and the connection keeps working.
func TestServerSurvivesGarbage(t *testing.T) {
	_, url := testServer(t, happn.Config{})
	r := dialRaw(t, url)
	r.handshake(t)
	for _, junk := range []string{`{`, `[]`, `null`, `"just a string"`, `{"action":null}`, `{"action":"set","path":"/x","data":{"unterminated":}`,
		`{"action":"set","eventId":1,"path":"/x","data":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`} {
		r.send(t, junk)
	}
	r.send(t, `{"action":"get","eventId":99,"path":"/x"}`)
	for {
		got := r.read(t)
		if strings.Contains(got, `"eventId":99`) {
			return
		}
		if !strings.Contains(got, `"status":"error"`) {
			t.Fatalf("unexpected answer to garbage: %s", got)
		}
	}
}

func TestCallsAfterCloseFail(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	for _, cn := range connectors {
		c := cn.connect(t, srv, url)
		c.Close()
		if _, err := c.Get(ctxT(t), "/x"); !errors.Is(err, happn.ErrClosed) {
			t.Errorf("%s: Get after Close: %v, want ErrClosed", cn.name, err)
		}
	}
}
