package happn_test

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/happn-go/happn"
)

// TestStatsCounters: Stats counts connections, requests by action, error
// answers, events, deliveries and refused logins, exactly.
func TestStatsCounters(t *testing.T) {
	srv, url := testServer(t, happn.Config{Secure: true, AdminPassword: "pw"})
	ctx := ctxT(t)
	before := srv.Stats()
	c, err := happn.Dial(ctx, url, happn.WithCredentials("_ADMIN", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := make(chan struct{}, 10)
	if _, err := c.On(ctx, "/m/*", func(*happn.Event) { got <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Set(ctx, "/m/x", map[string]int{"a": 1}); err != nil {
			t.Fatal(err)
		}
	}
	c.Set(ctx, "/no/match", map[string]int{}) // an event nobody gets
	c.Get(ctx, "/m/x")
	if _, err := c.Search(ctx, "/m/*", happn.Criteria(map[string]any{"$bogus": 1})); err == nil {
		t.Fatal("bad criteria were accepted")
	}
	if _, err := happn.Dial(ctx, url, happn.WithCredentials("_ADMIN", "wrong"), happn.WithoutReconnect()); !errors.Is(err, happn.ErrAccessDenied) {
		t.Fatalf("wrong password: %v", err)
	}
	for range 3 {
		<-got
	}

	st := srv.Stats()
	if st.Connections-before.Connections != 2 {
		t.Errorf("Connections +%d, want +2", st.Connections-before.Connections)
	}
	for action, want := range map[string]uint64{"set": 4, "get": 2, "on": 1, "login": 2, "count": 0, "other": 0} {
		if st.Requests[action] != want {
			t.Errorf("Requests[%q] = %d, want %d", action, st.Requests[action], want)
		}
	}
	// The bad criteria and the wrong password.
	if st.Errors != 2 || st.LoginFailures != 1 {
		t.Errorf("Errors %d, LoginFailures %d; want 2 and 1", st.Errors, st.LoginFailures)
	}
	if st.Events != 4 || st.Deliveries != 3 || st.Undelivered != 0 {
		t.Errorf("Events %d, Deliveries %d, Undelivered %d; want 4, 3, 0", st.Events, st.Deliveries, st.Undelivered)
	}
}

// TestMetricsHandler: the handler serves the counters in Prometheus'
// text format, every sample after its TYPE line, without a token when
// mounted with HandlePublic.
func TestMetricsHandler(t *testing.T) {
	srv, url := testServer(t, happn.Config{Secure: true, AdminPassword: "pw"})
	srv.HandlePublic("/metrics", srv.MetricsHandler())
	ctx := ctxT(t)
	c, err := srv.LocalClient(ctx, happn.WithCredentials("_ADMIN", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Set(ctx, "/a", map[string]int{})
	c.Set(ctx, "/a", map[string]int{})

	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	text := string(body)
	for _, want := range []string{
		"\nhappn_sessions 1\n",
		"\nhappn_requests_total{action=\"set\"} 2\n",
		"\nhappn_events_total 2\n",
		"# TYPE happn_connections_total counter\n",
		"\ngo_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	comment := regexp.MustCompile(`^# (HELP|TYPE) ([a-z_]+) (.+)$`)
	sample := regexp.MustCompile(`^([a-z_]+)(\{[a-z_]+="[^"]*"\})? [0-9]+(\.[0-9]+)?$`)
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if m := comment.FindStringSubmatch(line); m != nil {
			if m[1] == "TYPE" {
				typed[m[2]] = true
			}
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a Prometheus sample line: %q", line)
			continue
		}
		if !typed[m[1]] {
			t.Errorf("sample %q comes before its TYPE line", line)
		}
	}
}
