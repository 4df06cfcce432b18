package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// chromiumPath is Debian's Chromium, which the browser harness drives
// through playwright-core (it never downloads a browser of its own).
const chromiumPath = "/usr/bin/chromium"

// requireChromium skips the test when Chromium is not installed, unless
// HAPPN_REQUIRE_BROWSER=1 (set by CI), where a missing browser is a failure.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err == nil {
		return
	}
	msg := "Chromium is needed for the browser-client test: apt-get install -y chromium (expected at " + chromiumPath + ")"
	if os.Getenv("HAPPN_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; HAPPN_REQUIRE_BROWSER=1 makes this a failure")
	}
	t.Skip(msg)
}

var browserSummary = regexp.MustCompile(`^summary: (\d+) passed, (\d+) failed, (\d+) skipped$`)

// TestBrowserClient loads our browser client from a Go server's
// /browser_client into headless Chromium and runs compat/browser/run.js
// against it: connect, every data call, search, subscriptions with events
// another client (the happn-3 node client, a second page) caused,
// consistency levels, reconnect, heartbeat and the served file's caching.
func TestBrowserClient(t *testing.T) {
	requireNode(t)
	requireChromium(t)
	// A short ping interval lets the harness see a server ping answered
	// with a pong, and the client's watchdog stay quiet, in seconds.
	const ping = time.Second
	insecure := startRestartable(t, happn.Config{PingInterval: ping})

	password := "browser-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	keys := newDigestKeys(t)
	const digestUser = "browser-digest"
	sec := secureServer(t, password, security.User{Username: digestUser, PublicKey: keys.publicPEM})

	control := httptest.NewServer(harnessControl(insecure, sec))
	t.Cleanup(control.Close)
	// The "encrypted: …" checks are TestBrowserPayloadEncryption's.
	runBrowserHarness(t, "--only", "^(?!encrypted: )",
		"--url", insecure.url(), "--heartbeat",
		"--ping-interval", strconv.Itoa(int(ping.Milliseconds())),
		"--restart-url", control.URL+"/restart",
		"--secure-url", sec.url, "--password", password,
		"--digest-user", digestUser, "--digest-key", keys.privateFile, "--digest-pub", keys.pubFile,
		"--security-url", control.URL)
}

// harnessControl answers the browser harness's requests to change the
// servers under it: POST /restart restarts the insecure server; POST
// /limited-user and /remove-permission change the secure server's
// directory, as the happn-3 server API does in the harness's --reference
// mode.
func harnessControl(insecure *restartable, sec *secureGoServer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /restart", func(w http.ResponseWriter, r *http.Request) {
		if err := insecure.restart(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /limited-user", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Username, Password, Group, PathPattern string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		err := sec.addLimitedUser(r.Context(), req.Username, req.Password, req.Group, req.PathPattern)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /remove-permission", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Group, PathPattern, Action string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := sec.svc.RemoveGroupPermission(r.Context(), req.Group, req.PathPattern, req.Action); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}

// runBrowserHarness runs browser/run.js with args, logs every line that is
// not a PASS, prints the summary as "browser: …" for CI, and fails the test
// when a check failed or none passed.
func runBrowserHarness(t *testing.T, args ...string) {
	t.Helper()
	args = append([]string{"browser/run.js", "--chromium", chromiumPath}, args...)
	if os.Getenv("HAPPN_BROWSER_VERBOSE") == "1" {
		args = append(args, "--verbose") // the page's console, and stacks of failures
	}
	runChromiumHarness(t, 4*time.Minute, "", args...)
}

// runChromiumHarness runs a node harness that prints PASS/FAIL/SKIP lines
// and a summary, prints "browser: <counts><suffix>" for CI's log, and
// fails the test on a failed check, a bad exit or nothing passed. It
// returns the number of skipped checks.
func runChromiumHarness(t *testing.T, timeout time.Duration, suffix string, args ...string) (skipped int) {
	t.Helper()
	p := startNode(t, timeout, "", args...)
	var counts []string
	for line := range p.lines {
		if !strings.HasPrefix(line, "PASS ") {
			t.Log(line)
		}
		if m := browserSummary.FindStringSubmatch(line); m != nil {
			counts = m
		}
	}
	err := p.wait()
	if counts == nil {
		t.Fatalf("the browser harness printed no summary (exit: %v)", err)
	}
	line := fmt.Sprintf("browser: %s passed, %s failed, %s skipped%s", counts[1], counts[2], counts[3], suffix)
	fmt.Println(line)
	if counts[2] != "0" || err != nil {
		t.Fatalf("%s (exit: %v)", line, err)
	}
	if counts[1] == "0" {
		t.Fatal("no browser check passed: the harness ran nothing")
	}
	skipped, _ = strconv.Atoi(counts[3])
	return skipped
}

// restartable is a Go server that can be stopped and started again on the
// same port, as an operator restarting it would: clients see their socket
// close and must reconnect by themselves.
type restartable struct {
	cfg  happn.Config
	addr string

	mu  sync.Mutex
	srv *happn.Server
}

// startRestartable starts a server on a free loopback port; the test's
// clean-up stops whichever instance is running then.
func startRestartable(t *testing.T, cfg happn.Config) *restartable {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &restartable{cfg: cfg, addr: l.Addr().String()}
	if err := r.serve(l); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.srv.Shutdown(ctx)
	})
	return r
}

func (r *restartable) url() string { return "http://" + r.addr }

// serve starts a new server instance on l.
func (r *restartable) serve(l net.Listener) error {
	srv, err := happn.New(r.cfg)
	if err != nil {
		l.Close()
		return err
	}
	r.srv = srv
	go srv.Serve(l)
	return nil
}

// restart shuts the running instance down (clients may reconnect) and
// starts a fresh one, with an empty store, on the same address. It returns
// once the new one is listening.
func (r *restartable) restart() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// The old listener is closed by now; retry briefly in case the port
	// is not yet reusable.
	var err error
	for range 50 {
		var l net.Listener
		if l, err = net.Listen("tcp", r.addr); err == nil {
			return r.serve(l)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("listen again on %s: %w", r.addr, err)
}
