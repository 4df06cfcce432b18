package compat

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// TestHappn3ClientsReconnect stops the server under subscribed happn-3
// node clients (13.x and 12.x) and starts it again on the same port: each
// client reconnects by itself and receives events again.
func TestHappn3ClientsReconnect(t *testing.T) {
	requireNode(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	data := filepath.Join(t.TempDir(), "happn.db")
	start := func(l net.Listener) *happn.Server {
		srv, err := happn.New(happn.Config{DataPath: data})
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l)
		return srv
	}
	srv := start(l)
	defer func() { srv.Close() }()

	type client struct {
		version string
		lines   chan string
	}
	var clients []client
	for _, v := range []string{"v13", "v12"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", "reconnect-client.js", port, v)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		clients = append(clients, client{v, lines})
	}
	await := func(c client, prefix string) string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case line, ok := <-c.lines:
				if !ok {
					t.Fatalf("%s client exited before %q", c.version, prefix)
				}
				if strings.HasPrefix(line, "ERROR") {
					t.Fatalf("%s client: %s", c.version, line)
				}
				if strings.HasPrefix(line, prefix) {
					return line
				}
			case <-timeout:
				t.Fatalf("%s client: no %q line", c.version, prefix)
			}
		}
	}
	for _, c := range clients {
		await(c, "READY")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	srv.Shutdown(ctx) // reconnect allowed: sockets are just closed
	cancel()
	for i := 0; ; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		if i == 100 {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv = start(l)
	for _, c := range clients {
		await(c, "RECONNECTED")
	}
	pub, err := srv.LocalClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if _, err := pub.Set(context.Background(), "/rc/after", map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if line := await(c, "EVENT"); line != "EVENT /rc/after" {
			t.Fatalf("%s client: %s", c.version, line)
		}
	}
}
