// Package examples holds small runnable programs; this test runs them.
package examples

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

func run(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", append([]string{"run"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go run %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestQuickstart(t *testing.T) {
	out := run(t, "./quickstart")
	for _, want := range []string{"event /SET@/sensors/t1 on /sensors/t1", `found /sensors/t1: {"celsius":21.5,"room":"lab"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
}

func TestDial(t *testing.T) {
	srv, err := happn.New(happn.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	out := run(t, "./dial", "-url", "http://"+l.Addr().String())
	if !strings.Contains(out, "read /examples/dial: {\"at\":") {
		t.Errorf("dial output: %s", out)
	}
}

func TestPresence(t *testing.T) {
	out := run(t, "./presence")
	want := "/presence/alice is online\n/presence/alice is online\n/presence/alice is online\n/presence/alice went away\nno presence document left\n"
	if out != want {
		t.Errorf("presence output:\n%s\nwant:\n%s", out, want)
	}
}
