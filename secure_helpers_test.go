package happn_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// The helpers of the secure-mode tests. They are separate from the core
// tests' helpers so that the two can change independently.

const secAdminPassword = "admin-test-pw"

// secureConfig is a secure server with two users: alice (group
// "editors": everything under /shared/ and her own /users/alice/) and
// rita (group "readers": get and on under /shared/).
func secureConfig() happn.Config {
	return happn.Config{
		Secure:        true,
		AdminPassword: secAdminPassword,
		Groups: []security.Group{
			{Name: "readers", Permissions: security.Permissions{
				"/shared/*":        {Actions: []string{"get", "on"}},
				"/shared/secret/*": {Prohibit: []string{"*"}},
			}},
			{Name: "editors", Permissions: security.Permissions{
				"/shared/*":                  {Actions: []string{"get", "set", "on", "remove"}},
				"/users/{{user.username}}/*": {Actions: []string{"*"}},
				"/@HTTP/reports/*":           {Actions: []string{"get"}},
			}},
		},
		Users: []security.User{
			{Username: "alice", Password: "alice-pw", Groups: []string{"editors"}},
			{Username: "rita", Password: "rita-pw", Groups: []string{"readers"}},
		},
	}
}

// secureServer starts a server on a real listener.
func secureServer(t testing.TB, cfg happn.Config) (*happn.Server, string) {
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

// cleanersServer is a secure server where carl (group "cleaners") may get,
// subscribe to and remove /shared/*, with /shared/secret/* prohibited
// when prohibit is true (otherwise the test adds the prohibition), and
// /shared/a, /shared/b/c and /shared/secret/s hold documents. It returns
// the server, its URL and an _ADMIN client.
func cleanersServer(t *testing.T, prohibit bool) (*happn.Server, string, *happn.Client) {
	t.Helper()
	srv, url := secureServer(t, secureConfig())
	ctx := secCtx(t)
	sec := srv.Security()
	perms := security.Permissions{"/shared/*": {Actions: []string{"get", "on", "remove"}}}
	if prohibit {
		perms["/shared/secret/*"] = security.Permission{Prohibit: []string{"*"}}
	}
	if _, err := sec.UpsertGroup(ctx, security.Group{Name: "cleaners", Permissions: perms}); err != nil {
		t.Fatal(err)
	}
	if _, err := sec.UpsertUser(ctx, security.User{Username: "carl", Password: "carl-pw", Groups: []string{"cleaners"}}); err != nil {
		t.Fatal(err)
	}
	admin := secDial(t, url, happn.WithCredentials("_ADMIN", secAdminPassword))
	for _, p := range []string{"/shared/a", "/shared/b/c", "/shared/secret/s"} {
		if _, err := admin.Set(ctx, p, map[string]any{"p": p}); err != nil {
			t.Fatal(err)
		}
	}
	return srv, url, admin
}

func secCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// secDial logs a Go client in over a websocket.
func secDial(t testing.TB, url string, opts ...happn.DialOption) *happn.Client {
	t.Helper()
	c, err := happn.Dial(secCtx(t), url, append([]happn.DialOption{happn.WithoutReconnect()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// secRaw is a bare websocket that speaks happn_4 frames by hand.
type secRaw struct {
	t  testing.TB
	ws *websocket.Conn
}

func dialSecRaw(t testing.TB, url string) *secRaw {
	t.Helper()
	ws, _, err := websocket.Dial(secCtx(t), strings.Replace(url, "http", "ws", 1)+"/primus", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return &secRaw{t: t, ws: ws}
}

func (r *secRaw) send(frame string) {
	r.t.Helper()
	if err := r.ws.Write(secCtx(r.t), websocket.MessageText, []byte(frame)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *secRaw) sendJSON(v any) {
	r.t.Helper()
	b, _ := json.Marshal(v)
	r.send(string(b))
}

// next returns the next frame that is not a heartbeat, or "" when the
// connection closed.
func (r *secRaw) next() string {
	r.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, b, err := r.ws.Read(ctx)
		cancel()
		if err != nil {
			return ""
		}
		if strings.HasPrefix(string(b), `"primus::ping`) {
			continue
		}
		return string(b)
	}
}

// configure sends configure-session and reads its answer.
func (r *secRaw) configure() {
	r.t.Helper()
	r.send(`{"action":"configure-session","eventId":1,"data":{"protocol":"happn_4","version":"13.12.1","browser":false}}`)
	if f := r.next(); !strings.Contains(f, `"status":"ok"`) {
		r.t.Fatalf("configure-session: %s", f)
	}
}

// login logs in with data and returns the login response.
func (r *secRaw) login(data map[string]any) string {
	r.t.Helper()
	r.configure()
	if _, ok := data["info"]; !ok {
		data["info"] = map[string]any{"_browser": false, "_local": false}
	}
	r.sendJSON(map[string]any{"action": "login", "eventId": 2, "data": data})
	return r.next()
}

// field returns the JSON value at a dotted path of a frame.
func field(t testing.TB, frame, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(frame), &v); err != nil {
		t.Fatalf("%v: %s", err, frame)
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// expectGoodbye reads the server-side-disconnect with reason, Primus'
// close, and then the end of the connection.
func (r *secRaw) expectGoodbye(reason string) {
	r.t.Helper()
	f := r.next()
	if field(r.t, f, "eventKey") != "server-side-disconnect" || field(r.t, f, "data.reason") != reason {
		r.t.Fatalf("want server-side-disconnect %q, got %s", reason, f)
	}
	if f := r.next(); f != `"primus::server::close"` {
		r.t.Fatalf("want primus::server::close, got %s", f)
	}
	if f := r.next(); f != "" {
		r.t.Fatalf("want the connection closed, got %s", f)
	}
}

// waitUntil polls cond for up to 5 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
