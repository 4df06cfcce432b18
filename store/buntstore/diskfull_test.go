//go:build linux

package buntstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
)

// fullChildEnv, when set to a directory, makes TestDiskFull act as the
// child: it writes to a store there under a file size limit.
const fullChildEnv = "BUNTSTORE_DISKFULL_CHILD"

// TestDiskFull: when the file cannot grow (here a file size limit,
// RLIMIT_FSIZE, which fails writes as a full disk does), Update returns
// the error and stores nothing, reads keep working, writes work again
// once there is room, and the file then opens with every acknowledged
// write and none of the refused ones. It runs in a child process, since
// the limit applies to a whole process.
func TestDiskFull(t *testing.T) {
	cmd, dir, ok := childProcess(t, fullChildEnv, diskFullChild)
	if !ok {
		return
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var acked, refused int
	if _, err := fmt.Sscanf(lastLine(string(out)), "acked %d refused %d", &acked, &refused); err != nil || acked == 0 || refused == 0 {
		t.Fatalf("child's report: %v\n%s", err, out)
	}
	s, err := buntstore.Open(filepath.Join(dir, "db"), buntstore.Options{})
	if err != nil {
		t.Fatalf("opening the file after it was full: %v", err)
	}
	defer s.Close()
	for i := range acked {
		if _, ok, err := s.Get(t.Context(), fmt.Sprintf("/full/%d", i)); !ok || err != nil {
			t.Fatalf("acknowledged /full/%d is missing (%v)", i, err)
		}
	}
	if _, ok, _ := s.Get(t.Context(), fmt.Sprintf("/full/%d", acked)); ok {
		t.Errorf("the refused write /full/%d is in the file", acked)
	}
	if _, ok, _ := s.Get(t.Context(), "/after"); !ok {
		t.Error("the write made once there was room is missing")
	}
	t.Logf("%d writes acknowledged before the file was full, %d refused, all as reported after reopening", acked, refused)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// diskFullChild writes 1 KiB documents until the file size limit stops
// it, checks that the store still reads, lifts the limit, writes once
// more and reports how many writes were acknowledged and refused.
func diskFullChild(dir string) {
	fail := func(format string, args ...any) {
		fmt.Printf("child: "+format+"\n", args...)
		os.Exit(2)
	}
	s, err := buntstore.Open(filepath.Join(dir, "db"), buntstore.Options{})
	if err != nil {
		fail("%v", err)
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim)
	full := lim
	full.Cur = 256 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		fail("setrlimit: %v", err)
	}
	ctx := context.Background()
	put := func(path string) error {
		_, err := s.Update(ctx, path, func(*store.Item) (store.Change, error) {
			return store.Change{Data: fmt.Appendf(nil, `{"pad":"%01000d"}`, 0)}, nil
		})
		return err
	}
	acked, refused := 0, 0
	for ; acked < 10000; acked++ {
		if err := put(fmt.Sprintf("/full/%d", acked)); err != nil {
			if !strings.Contains(err.Error(), "file too large") {
				fail("unexpected error: %v", err)
			}
			refused++
			break
		}
	}
	// Refused again, and reads keep working.
	if err := put(fmt.Sprintf("/full/%d", acked)); err == nil {
		fail("a write succeeded with the file still full")
	}
	refused++
	if _, ok, err := s.Get(ctx, "/full/0"); !ok || err != nil {
		fail("read while full: %v", err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fail("setrlimit: %v", err)
	}
	if err := put("/after"); err != nil {
		fail("write once there is room: %v", err)
	}
	if err := s.Close(); err != nil {
		fail("close: %v", err)
	}
	fmt.Printf("acked %d refused %d\n", acked, refused)
	os.Exit(0)
}
