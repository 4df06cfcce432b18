package happn_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/happn-go/happn"
)

const killChildEnv = "HAPPN_KILL9_CHILD_DATA"

// TestMain lets the test binary double as the server that
// TestKillDashNine kills.
func TestMain(m *testing.M) {
	if path := os.Getenv(killChildEnv); path != "" {
		runKillChild(path)
		return
	}
	os.Exit(m.Run())
}

// runKillChild serves a persistent server until it is killed.
func runKillChild(path string) {
	srv, err := happn.New(happn.Config{DataPath: path})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Println("ADDR http://" + l.Addr().String())
	http.Serve(l, srv.Handler())
}

// TestKillDashNine runs a server in a child process on a data file, writes
// to it from several clients, SIGKILLs it mid-load, reopens the file and
// checks that every write the server acknowledged is there.
func TestKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child server")
	}
	path := filepath.Join(t.TempDir(), "happn.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		t.Fatalf("child said %q, %v", line, err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))

	ctx := ctxT(t)
	var mu sync.Mutex
	acked := map[string]int{}
	const writers, killAfter = 4, 2000
	kill := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range writers {
		c, err := happn.Dial(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			for i := 0; ; i++ {
				p := fmt.Sprintf("/kill/%d/%d", w, i%300)
				if _, err := c.Set(context.Background(), p, map[string]any{"i": i}); err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[p] = i
				n := len(acked) + i
				mu.Unlock()
				if n >= killAfter {
					once.Do(func() { close(kill) })
				}
			}
		}()
	}
	<-kill
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()

	srv, err := happn.New(happn.Config{DataPath: path})
	if err != nil {
		t.Fatalf("reopening after kill -9: %v", err)
	}
	defer srv.Close()
	c, err := srv.LocalClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < writers*100 {
		t.Fatalf("only %d paths acknowledged before the kill; the test proves little", len(acked))
	}
	for p, i := range acked {
		it, err := c.Get(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if it == nil {
			t.Fatalf("%s was acknowledged but is gone after kill -9", p)
		}
		var v struct{ I int }
		it.Decode(&v)
		// A later write may have landed without its ack reaching us.
		if v.I < i {
			t.Fatalf("%s holds i=%d, but i=%d was acknowledged", p, v.I, i)
		}
	}
	t.Logf("%d acknowledged paths all survived kill -9", len(acked))
}
