package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// TestGoClientAgainstHappn3 drives a real happn-3 13.12.1 server (started
// from node, insecure and secure) with our Go client, through every call
// happn-3 supports, and checks the values it gets back. Each case is a
// subtest named <mode>/<case>; the summary line "interop: …" counts them.
func TestGoClientAgainstHappn3(t *testing.T) {
	requireNode(t)
	runInterop(t, "happn-3 "+happn3Version, func(t *testing.T, password string) *interopEnv {
		s := startHappn3(t, password)
		return &interopEnv{server: s, url: s.url}
	})
}

// TestGoClientAgainstGoServer runs the same cases against in-process Go
// servers (the secure one with the directory of secure-fixture.json): what
// was checked against happn-3 must hold for ours too.
func TestGoClientAgainstGoServer(t *testing.T) {
	runInterop(t, "the Go server", func(t *testing.T, password string) *interopEnv {
		cfg := happn.Config{}
		if password != "" {
			cfg = fixtureConfig(t, password)
		}
		host, port := serve(t, cfg)
		return &interopEnv{goServer: true, url: "http://" + net.JoinHostPort(host, port)}
	})
}

// runInterop runs interopCases in an insecure and a secure mode, each
// against a server start returns, and prints the counts as
// "interop: … against <target>".
func runInterop(t *testing.T, target string, start func(t *testing.T, password string) *interopEnv) {
	var passed, failed, skipped int
	defer func() {
		fmt.Printf("interop: %d passed, %d failed, %d skipped against %s\n", passed, failed, skipped, target)
	}()
	for _, mode := range []struct {
		name     string
		password string
	}{
		{"insecure", ""},
		{"secure", "interop-" + strconv.FormatInt(time.Now().UnixNano(), 36)},
	} {
		ran := 0
		ok := t.Run(mode.name, func(t *testing.T) {
			e := start(t, mode.password)
			e.secure, e.password = mode.password != "", mode.password
			for _, c := range interopCases {
				if (c.mode == "secure" && !e.secure) || (c.mode == "insecure" && e.secure) || (c.happn3Only && e.goServer) {
					continue
				}
				var skip bool
				ok := t.Run(c.name, func(t *testing.T) {
					defer func() { skip = t.Skipped() }()
					e.prefix = fmt.Sprintf("/interop/%s/%d", mode.name, e.seq.Add(1))
					c.run(t, e)
				})
				ran++
				switch {
				case !ok:
					failed++
				case skip:
					skipped++
				default:
					passed++
				}
			}
		})
		if !ok && ran == 0 {
			failed++ // the server did not start
		}
	}
}

// fixtureConfig is a secure Go server with the directory of
// secure-fixture.json (the one the secure happn-3 reference is provisioned
// with) and password for _ADMIN.
func fixtureConfig(t *testing.T, password string) happn.Config {
	t.Helper()
	b, err := os.ReadFile("secure-fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Groups   []security.Group
		Users    []security.User
		Profiles []security.Profile
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("secure-fixture.json: %v", err)
	}
	return happn.Config{Secure: true, AdminPassword: password, Groups: fx.Groups, Users: fx.Users, Profiles: fx.Profiles}
}

// A user of secure-fixture.json, the directory of the secure reference
// server: it may get, set, on and remove under /compat/*/*/*/allowed/*, and
// only get and on under /compat/*/*/*/readonly/*.
const (
	limitedUser     = "compat-limited"
	limitedPassword = "compat-pw"
)

// interopCase is one call (or a few related ones) checked against happn-3
// (and then against the Go server).
type interopCase struct {
	name string
	mode string // "insecure" or "secure" to run in only one mode; "" for both
	// happn3Only cases need a happn-3 process (they restart it).
	happn3Only bool
	run        func(t *testing.T, e *interopEnv)
}

// interopEnv is what a case gets: the server and a private path prefix.
type interopEnv struct {
	server   *happn3Server // nil for a Go server
	goServer bool
	url      string
	secure   bool
	password string
	prefix   string // unique to the case: cases never see each other's data
	seq      atomic.Int64
}

// path returns a path under the case's prefix.
func (e *interopEnv) path(rel string) string { return e.prefix + rel }

// dial connects a Go client, as _ADMIN on the secure server, and closes it
// when the case ends.
func (e *interopEnv) dial(t *testing.T, opts ...happn.DialOption) *happn.Client {
	t.Helper()
	if e.secure {
		opts = append([]happn.DialOption{happn.WithCredentials("_ADMIN", e.password)}, opts...)
	}
	c, err := happn.Dial(ctxT(t), e.url, append([]happn.DialOption{happn.WithCallTimeout(15 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("dial %s: %v", e.url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ctxT is a context for one call: generous, for a loaded CI machine, but
// bounded so a missing answer fails the case instead of hanging it.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// must fails the case on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jsonEq fails unless got holds the same JSON value as want (object key
// order and number formatting aside).
func jsonEq(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: not JSON: %q: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		panic(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: got %s, want %s", what, got, want)
	}
}

// eq fails unless got equals want.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", what, got, want)
	}
}

// eventLog collects the events a handler receives, in order.
type eventLog struct{ ch chan *happn.Event }

func newEventLog() *eventLog { return &eventLog{ch: make(chan *happn.Event, 256)} }

// handle is the handler to subscribe with.
func (l *eventLog) handle(ev *happn.Event) {
	select {
	case l.ch <- ev:
	default:
		panic("eventLog: more than 256 events")
	}
}

// next returns the next event, failing the case if none comes in time.
func (l *eventLog) next(t *testing.T, what string) *happn.Event {
	t.Helper()
	select {
	case ev := <-l.ch:
		return ev
	case <-time.After(15 * time.Second):
		t.Fatalf("no event: %s", what)
		return nil
	}
}

// nextPath returns the path of the next event.
func (l *eventLog) nextPath(t *testing.T, what string) string {
	t.Helper()
	return l.next(t, what).Meta.Path
}

// empty fails if an event is waiting: call it after an event that, by the
// server's ordering, must have come after any unwanted one.
func (l *eventLog) empty(t *testing.T, what string) {
	t.Helper()
	select {
	case ev := <-l.ch:
		t.Fatalf("%s: unexpected event on %s: %s", what, ev.Meta.Path, ev.Data)
	default:
	}
}
