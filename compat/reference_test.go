package compat

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// happn3Version is the happn-3 server the reference scripts run by default.
const happn3Version = "13.12.1"

// startHappn3 starts a real happn-3 13.12.1 server, in memory, on a free
// loopback port and returns its URL. Without a password it is
// reference-server.js, insecure; with one it is secure-reference-server.js,
// provisioned from secure-fixture.json (users compat-limited and others),
// with that password for _ADMIN. The server lives until the test ends (or
// at most 10 minutes).
func startHappn3(t *testing.T, password string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := strconv.Itoa(freePort(t))
		args := []string{"reference-server.js", "--port", port}
		if password != "" {
			args = []string{"secure-reference-server.js", "--port", port, "--pass", password}
		}
		p := startNode(t, 10*time.Minute, "", args...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		line, err := p.waitLine(ctx, func(l string) bool { return strings.Contains(l, "reference-server: happn-3 ") })
		cancel()
		if err == nil {
			p.drain()
			if !strings.Contains(line, " "+happn3Version+" ") {
				t.Fatalf("expected happn-3 %s, got %q", happn3Version, line)
			}
			return "http://127.0.0.1:" + port
		}
		// Another process may have taken the port between freePort and
		// the server's listen.
		if attempt < 3 && strings.Contains(err.Error(), "EADDRINUSE") {
			continue
		}
		t.Fatalf("starting happn-3: %v", err)
	}
}
