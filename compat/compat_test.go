// Package compat runs the node conformance suite (run.js, scenarios/)
// against a Go server started by the test: the real happn-3 node clients
// 13.12.1 and 12.1.10 drive it and check what they get back.
package compat

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// npmInstall makes sure the pinned node packages are installed, running
// `npm ci` when node_modules is missing or older than the lock file.
var npmInstall = sync.OnceValue(func() error {
	lock, err := os.Stat("package-lock.json")
	if err != nil {
		return err
	}
	if installed, err := os.Stat(filepath.Join("node_modules", ".package-lock.json")); err == nil && !installed.ModTime().Before(lock.ModTime()) {
		return nil
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci: %v\n%s", err, out)
	}
	return nil
})

// requireNode fails the test when node or the packages are not there:
// this suite is part of the project's tests, not an optional extra.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is needed for the happn-3 conformance suite: install Node.js 18 or later")
	}
	if err := npmInstall(); err != nil {
		t.Fatal(err)
	}
}

// serve starts a Go happn server on a free loopback port.
func serve(t *testing.T, cfg happn.Config) (host, port string) {
	t.Helper()
	srv, err := happn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	host, port, _ = net.SplitHostPort(l.Addr().String())
	return host, port
}

var summary = regexp.MustCompile(`compat: (\d+) passed, (\d+) failed, (\d+) skipped`)

// runSuite runs run.js with args and fails the test on any failed
// scenario, logging every line that is not a PASS.
func runSuite(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"run.js"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last string
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "PASS ") {
			t.Log(line)
		}
		if summary.MatchString(line) {
			last = line
		}
	}
	werr := cmd.Wait()
	m := summary.FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("the suite printed no summary (exit: %v)", werr)
	}
	fmt.Println(last) // the scenario count, in the test output CI shows
	if m[2] != "0" || werr != nil {
		t.Fatalf("%s (exit: %v)", last, werr)
	}
	if m[1] == "0" {
		t.Fatal("no scenario passed: the suite ran nothing")
	}
}

func TestHappn3Clients(t *testing.T) {
	requireNode(t)
	host, port := serve(t, happn.Config{})
	runSuite(t, "--host", host, "--port", port, "--target", "go")
}

// TestHappn3ClientsSecure runs the whole suite against a secure server
// with the directory of secure-fixture.json, every client logged in as
// _ADMIN, plus the secure scenarios (logins, refusals, 401/403, sessions
// ended on revocation, HTTP routes).
func TestHappn3ClientsSecure(t *testing.T) {
	requireNode(t)
	const password = "compat-admin-pw"
	host, port := serve(t, fixtureConfig(t, password))
	runSuite(t, "--host", host, "--port", port, "--target", "go", "--secure", "--user", "_ADMIN", "--pass", password)
}

// TestServedOverHTTP checks the plain HTTP endpoints a happn-3 client or
// operator calls.
func TestServedOverHTTP(t *testing.T) {
	host, port := serve(t, happn.Config{})
	for path, want := range map[string]string{"/ping": "pong", "/version": `{"version":"` + happn.Version + `"}`} {
		resp, err := http.Get("http://" + net.JoinHostPort(host, port) + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		if resp.StatusCode != 200 || b.String() != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, resp.StatusCode, b.String(), want)
		}
	}
}
