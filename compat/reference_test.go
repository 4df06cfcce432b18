package compat

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// happn3Version is the happn-3 server the reference scripts run by default.
const happn3Version = "13.12.1"

// happn3Server is a real happn-3 server run by a test.
type happn3Server struct {
	// owner is the test that started the server: it, not a subtest that
	// restarts the server, owns every process (they end with it).
	owner    *testing.T
	url      string
	port     string
	password string
	proc     *nodeProcess
}

// startHappn3 starts a real happn-3 13.12.1 server, in memory, on a free
// loopback port. Without a password it is reference-server.js, insecure;
// with one it is secure-reference-server.js, provisioned from
// secure-fixture.json (users compat-limited and others), with that password
// for _ADMIN. The server lives until the test ends (or at most 10 minutes).
func startHappn3(t *testing.T, password string) *happn3Server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		s := &happn3Server{owner: t, port: strconv.Itoa(freePort(t)), password: password}
		err := s.start()
		if err == nil {
			return s
		}
		// Another process may have taken the port between freePort and
		// the server's listen.
		if attempt < 3 && strings.Contains(err.Error(), "EADDRINUSE") {
			continue
		}
		t.Fatalf("starting happn-3: %v", err)
	}
}

// start runs the server on s.port and waits until it listens. It may be
// called from a subtest: it reports errors rather than failing s.owner.
func (s *happn3Server) start() error {
	t := s.owner
	args := []string{"reference-server.js", "--port", s.port}
	if s.password != "" {
		args = []string{"secure-reference-server.js", "--port", s.port, "--pass", s.password}
	}
	p := startNode(t, 10*time.Minute, "", args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	line, err := p.waitLine(ctx, func(l string) bool { return strings.Contains(l, "reference-server: happn-3 ") })
	if err != nil {
		return err
	}
	p.drain()
	if !strings.Contains(line, " "+happn3Version+" ") {
		return fmt.Errorf("expected happn-3 %s, got %q", happn3Version, line)
	}
	s.proc, s.url = p, "http://127.0.0.1:"+s.port
	return nil
}

// restart stops the server and starts a new one, with an empty store, on
// the same port. A crash (SIGKILL) gives clients no warning, so they
// reconnect; otherwise it is a stop for good (SIGTERM: reference-server.js
// stops with reconnect:false, sending server-side-disconnect first).
func (s *happn3Server) restart(t *testing.T, crash bool) {
	t.Helper()
	if crash {
		s.proc.kill()
	} else {
		s.proc.terminate()
	}
	var err error
	for range 20 { // the port can stay busy for a moment
		if err = s.start(); err == nil || !strings.Contains(err.Error(), "EADDRINUSE") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("restarting happn-3: %v", err)
	}
}
