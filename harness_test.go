package happn_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// testServer starts a server on a real listener (httptest) and stops it
// when the test ends.
func testServer(t testing.TB, cfg happn.Config) (*happn.Server, string) {
	t.Helper()
	srv, err := happn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return srv, hs.URL
}

// connector makes a client of one kind for a server.
type connector struct {
	name    string
	connect func(t testing.TB, srv *happn.Server, url string) *happn.Client
}

// connectors are the two ways into a server; most behaviour tests run
// with both, because a local client must see what a remote one sees.
var connectors = []connector{
	{"local", func(t testing.TB, srv *happn.Server, _ string) *happn.Client {
		t.Helper()
		c, err := srv.LocalClient(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}},
	{"websocket", func(t testing.TB, _ *happn.Server, url string) *happn.Client {
		t.Helper()
		c, err := happn.Dial(ctxT(t), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}},
}

// eachConnector runs f once per client kind, each with a fresh server.
func eachConnector(t *testing.T, f func(t *testing.T, srv *happn.Server, connect func() *happn.Client)) {
	for _, cn := range connectors {
		t.Run(cn.name, func(t *testing.T) {
			srv, url := testServer(t, happn.Config{})
			f(t, srv, func() *happn.Client { return cn.connect(t, srv, url) })
		})
	}
}

// ctxT returns a context that ends with the test (or after 20 s).
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// events collects a subscription's events for assertions.
type events chan *happn.Event

func newEvents() events { return make(events, 100) }

func (e events) handler(ev *happn.Event) { e <- ev }

// next returns the next event, failing the test after a second.
func (e events) next(t testing.TB) *happn.Event {
	t.Helper()
	select {
	case ev := <-e:
		return ev
	case <-time.After(2 * time.Second):
		t.Fatal("no event arrived")
		return nil
	}
}

// none fails the test if an event arrives within a short wait.
func (e events) none(t testing.TB) {
	t.Helper()
	select {
	case ev := <-e:
		t.Fatalf("unexpected event: %s %s", ev.Data, ev.Meta.Raw)
	case <-time.After(100 * time.Millisecond):
	}
}
