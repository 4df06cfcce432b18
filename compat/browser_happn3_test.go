package compat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// TestHappn3BrowserClient runs happn-3's own browser client (13.12.1 and
// 12.1.10, as a real happn-3 serves it at /browser_client, fetched at run
// time) in
// headless Chromium against Go servers, through
// compat/browser/happn3-client.js: the client fetches /browser_primus.js
// from our server, then data calls, events from the happn-3 node client,
// a secure login, a key-pair login signed by /browser_crypto.js from our
// server, a reconnect after the server restarts.
func TestHappn3BrowserClient(t *testing.T) {
	requireNode(t)
	requireChromium(t)
	insecure := startRestartable(t, happn.Config{})
	password := "happn3-browser-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	keys := newDigestKeys(t)
	const digestUser = "happn3-browser-digest"
	sec := secureServer(t, password, security.User{Username: digestUser, PublicKey: keys.publicPEM})
	control := httptest.NewServer(harnessControl(insecure, sec))
	t.Cleanup(control.Close)

	for _, version := range []string{"v13", "v12"} {
		// A server per run that the harness stops for good.
		term := startRestartable(t, happn.Config{})
		stop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			term.mu.Lock()
			defer term.mu.Unlock()
			if err := term.srv.Terminate(ctx); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}))
		t.Cleanup(stop.Close)
		skipped := runChromiumHarness(t, 3*time.Minute, " (happn-3 "+version+"'s own browser client)",
			"browser/happn3-client.js", "--chromium", chromiumPath, "--version", version,
			"--url", insecure.url(), "--secure-url", sec.url, "--password", password,
			"--restart-url", control.URL+"/restart",
			"--digest-user", digestUser, "--digest-key", keys.privateFile, "--digest-pub", keys.pubFile,
			"--terminate-server", term.url(), "--terminate-url", stop.URL)
		if skipped != 0 {
			t.Fatalf("%s: %d checks skipped: every check has what it needs here", version, skipped)
		}
	}
}
