package buntstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
)

// killChildEnv, when set to a directory, makes TestKill9 act as the child:
// it writes to a store in that directory until it is killed.
const killChildEnv = "BUNTSTORE_KILL9_CHILD"

// TestKill9 checks the promise that an acknowledged write survives the
// process being killed: a child process writes as fast as it can and
// prints each write after Update returns; the parent SIGKILLs it mid-load
// and then finds every printed write in the file.
func TestKill9(t *testing.T) {
	cmd, dir, ok := childProcess(t, killChildEnv, kill9Child)
	if !ok {
		return
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]string{} // path -> the data acknowledged last
	lines := bufio.NewScanner(out)
	n, killed := 0, false
	for lines.Scan() {
		path, data, ok := strings.Cut(strings.TrimPrefix(lines.Text(), "ACK "), " ")
		if !ok || !strings.HasPrefix(lines.Text(), "ACK ") {
			continue // test framework chatter
		}
		acked[path] = data
		if n++; n == 20_000 && !killed {
			// Kill while the child is busy writing; the lines it printed
			// before dying are still read below.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	state, _ := cmd.Process.Wait()
	if !killed || state == nil || state.Success() {
		t.Fatalf("child ended by itself (%v) after %d acknowledged writes", state, n)
	}
	s, err := buntstore.Open(filepath.Join(dir, "db"), buntstore.Options{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	for path, data := range acked {
		it, ok, err := s.Get(t.Context(), path)
		if err != nil || !ok {
			t.Fatalf("acknowledged %s is missing after kill -9 (%v)", path, err)
		}
		// The child may have overwritten the path after the last line we
		// read; it only ever counts up.
		got, _ := strconv.Atoi(strings.Trim(string(it.Data), `{"v:}`))
		want, _ := strconv.Atoi(strings.Trim(data, `{"v:}`))
		if got < want {
			t.Errorf("%s = %s, want at least the acknowledged %s", path, it.Data, data)
		}
	}
	t.Logf("%d acknowledged writes to %d paths, all present after kill -9", n, len(acked))
}

// kill9Child writes {"v":n} at /k/<worker>/<n mod 997> from four goroutines
// and prints each write once it is acknowledged, until it is killed (or,
// if the parent has vanished, for a minute at most).
func kill9Child(dir string) {
	s, err := buntstore.Open(filepath.Join(dir, "db"), buntstore.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	deadline := time.Now().Add(time.Minute)
	var wg sync.WaitGroup
	for worker := range 4 {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				path := fmt.Sprintf("/k/%d/%d", worker, n%997)
				data := fmt.Sprintf(`{"v":%d}`, n)
				if _, err := s.Update(context.Background(), path, func(*store.Item) (store.Change, error) {
					return store.Change{Data: []byte(data)}, nil
				}); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(w, "ACK %s %s\n", path, data)
				w.Flush() // printed only after Update returned
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	os.Exit(3) // never reached when the parent kills us in time
}
