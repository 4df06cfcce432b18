package compat

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// The real happn-3 clients (13.x and 12.x, from node_modules)
// against a secure Go server whose directory the test changes through
// Server.Security(): what no wire-only conformance scenario can do.

// happn3Client is a running secure-interop-client.js.
type happn3Client struct {
	t     *testing.T
	stdin io.WriteCloser
	lines chan map[string]any
}

func startHappn3Client(t *testing.T, version, port, user, pass, pattern string) *happn3Client {
	t.Helper()
	requireNode(t)
	modules, _ := filepath.Abs("node_modules")
	cmd := exec.Command("node", "secure-interop-client.js", version, port, user, pass, pattern)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
	})
	c := &happn3Client{t: t, stdin: stdin, lines: make(chan map[string]any, 100)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				c.lines <- m
			}
		}
		close(c.lines)
	}()
	return c
}

// next returns the client's next report line of type typ, skipping none.
func (c *happn3Client) next(typ string) map[string]any {
	c.t.Helper()
	select {
	case m, ok := <-c.lines:
		if !ok {
			c.t.Fatalf("the happn-3 client exited while %s was expected", typ)
		}
		if m["type"] != typ {
			c.t.Fatalf("happn-3 client: want %s, got %v", typ, m)
		}
		return m
	case <-time.After(10 * time.Second):
		c.t.Fatalf("happn-3 client: no %s within 10 s", typ)
	}
	return nil
}

func (c *happn3Client) command(cmd string) {
	io.WriteString(c.stdin, cmd+"\n")
}

func TestHappn3ClientsFollowSecurityChanges(t *testing.T) {
	for _, version := range []string{"v13", "v12"} {
		t.Run(version, func(t *testing.T) {
			srv, err := happn.New(happn.Config{
				Secure:        true,
				AdminPassword: "admin-pw",
				Groups: []security.Group{{Name: "readers", Permissions: security.Permissions{
					"/shared/*": {Actions: []string{"get", "on"}},
				}}},
				Users: []security.User{{Username: "rita", Password: "rita-pw", Groups: []string{"readers"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			hs := &http.Server{Handler: srv.Handler()}
			go hs.Serve(l)
			t.Cleanup(func() { hs.Close(); srv.Close() })
			_, port, _ := net.SplitHostPort(l.Addr().String())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			admin, err := srv.AdminClient(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()

			c := startHappn3Client(t, version, port, "rita", "rita-pw", "/shared/*")
			c.next("ready")
			admin.Set(ctx, "/shared/one", map[string]any{"n": 1})
			if ev := c.next("event"); ev["path"] != "/shared/one" {
				t.Fatalf("event: %v", ev)
			}

			// Take "on" away: the client is told, its re-subscription is
			// refused, and it drops the listener; events stop.
			if err := srv.Security().RemoveGroupPermission(ctx, "readers", "/shared/*", "on"); err != nil {
				t.Fatal(err)
			}
			sys := c.next("system")
			data, _ := sys["data"].(map[string]any)
			if sys["eventKey"] != "security-data-changed" || data["whatHappnd"] != "permission-removed" {
				t.Fatalf("system message: %v", sys)
			}
			admin.Set(ctx, "/shared/two", map[string]any{"n": 2})
			time.Sleep(300 * time.Millisecond)
			c.command("report")
			rep := c.next("report")
			if rep["events"] != 1.0 {
				t.Fatalf("events after the permission went: %v", rep)
			}
			if l, _ := rep["listeners"].([]any); len(l) != 0 {
				t.Fatalf("the client kept its listeners: %v", rep)
			}

			// Deleting the user ends its session.
			if err := srv.Security().DeleteUser(ctx, "rita"); err != nil {
				t.Fatal(err)
			}
			ended := c.next("session-ended")
			if d, _ := ended["data"].(map[string]any); d["reason"] != "security directory update: user deleted" {
				t.Fatalf("session-ended: %v", ended)
			}
		})
	}
}
