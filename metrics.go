package happn

import (
	"fmt"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/internal/protocol"
)

// requestKinds are the request actions Stats counts one by one; the last
// entry counts every other.
var requestKinds = [...]string{
	protocol.ActionSet, protocol.ActionGet, protocol.ActionCount, protocol.ActionRemove,
	protocol.ActionOn, protocol.ActionOff, protocol.ActionAck, protocol.ActionLogin,
	protocol.ActionConfigureSession, protocol.ActionDescribe,
	protocol.ActionRequestNonce, protocol.ActionRevokeToken,
	protocol.ActionDisconnectChildSessions, protocol.ActionChangePassword,
	"other",
}

// Indexes into requestKinds.
const (
	kindSet = iota
	kindGet
	kindCount
	kindRemove
	kindOn
	kindOff
	kindAck
	kindLogin
	kindConfigure
	kindDescribe
	kindNonce
	kindRevoke
	kindDisconnectChildren
	kindChangePassword
	kindOther
)

// counters are a server's activity since it started. Atomic adds on the
// request path cost a few nanoseconds.
type counters struct {
	started       time.Time
	connections   atomic.Uint64
	requests      [len(requestKinds)]atomic.Uint64
	errors        atomic.Uint64
	events        atomic.Uint64
	deliveries    atomic.Uint64
	undelivered   atomic.Uint64
	loginFailures atomic.Uint64
	expired       atomic.Uint64
}

// request counts one request of kind.
func (c *counters) request(kind int) { c.requests[kind].Add(1) }

// MetricsHandler returns an http.Handler that serves Stats in
// Prometheus' text format, with the Go runtime's goroutine count and
// heap size. It is not mounted by default: mount it with HandlePublic
// (scrapers do not log in; it shows counts, never data) or Handle, or on
// a mux of your own. cmd/happn mounts it with -metrics /metrics.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, s.metricsText())
	})
}

// metricsText renders Stats in Prometheus' text exposition format.
func (s *Server) metricsText() string {
	st := s.Stats()
	var b strings.Builder
	metric := func(name, kind, help string, samples ...string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
		for _, sample := range samples {
			b.WriteString(name + sample + "\n")
		}
	}
	value := func(v any) string { return fmt.Sprintf(" %v", v) }
	metric("happn_sessions", "gauge", "Connected clients, in-process ones included.", value(st.Sessions))
	metric("happn_subscriptions", "gauge", "Entries in the subscription index.", value(st.Subscriptions))
	metric("happn_connections_total", "counter", "Clients connected since the server started.", value(st.Connections))
	var reqs []string
	for _, kind := range slices.Sorted(maps.Keys(st.Requests)) {
		reqs = append(reqs, fmt.Sprintf(`{action=%q} %d`, kind, st.Requests[kind]))
	}
	metric("happn_requests_total", "counter", "Requests received, by action.", reqs...)
	metric("happn_request_errors_total", "counter", "Requests answered with an error.", value(st.Errors))
	metric("happn_events_total", "counter", "Events published by sets, removes and publishes.", value(st.Events))
	metric("happn_deliveries_total", "counter", "Event frames sent to subscribers.", value(st.Deliveries))
	metric("happn_undelivered_total", "counter", "Event frames a subscriber could not be sent (slow or gone).", value(st.Undelivered))
	metric("happn_login_failures_total", "counter", "Refused logins, over websockets and HTTP.", value(st.LoginFailures))
	metric("happn_expiring_documents", "gauge", "Documents set to expire (the ttl option).", value(st.Expiring))
	metric("happn_expired_total", "counter", "Documents removed because they expired.", value(st.Expired))
	metric("happn_start_time_seconds", "gauge", "When the server started, in Unix seconds.", value(s.counters.started.Unix()))
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	metric("go_goroutines", "gauge", "Number of goroutines that currently exist.", value(runtime.NumGoroutine()))
	metric("go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and still in use.", value(mem.HeapAlloc))
	return b.String()
}
