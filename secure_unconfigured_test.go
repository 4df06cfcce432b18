package happn_test

import (
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// TestUnconfiguredSessionTimeout: a secure server drops a socket that
// has not logged in within UnconfiguredSessionTimeout and keeps one that
// did; an insecure server refuses the option.
func TestUnconfiguredSessionTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	cfg := secureConfig()
	cfg.UnconfiguredSessionTimeout = timeout
	_, base := secureServer(t, cfg)
	idle := dialSecRaw(t, base)
	idle.configure() // configured, but never logged in
	loggedIn := secDial(t, base, happn.WithCredentials("alice", "alice-pw"))

	start := time.Now()
	for {
		if _, _, err := idle.ws.Read(secCtx(t)); err != nil {
			break // dropped
		}
	}
	if d := time.Since(start); d < timeout/2 || d > 10*timeout {
		t.Fatalf("the socket that never logged in was dropped after %v, want about %v", d, timeout)
	}
	time.Sleep(timeout)
	if _, err := loggedIn.Get(secCtx(t), "/shared/x"); err != nil {
		t.Fatalf("a logged-in client after the timeout: %v", err)
	}

	if srv, err := happn.New(happn.Config{UnconfiguredSessionTimeout: timeout}); err == nil {
		srv.Close()
		t.Fatal("an insecure server accepted UnconfiguredSessionTimeout")
	}
}
