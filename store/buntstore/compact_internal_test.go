package buntstore

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn/store"
)

func TestAutoCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 2,000 rewrites of 10 paths: about 300 KiB of file for 1.5 KiB of
	// data, far below the default threshold.
	for i := range 2000 {
		if _, err := s.Update(t.Context(), fmt.Sprintf("/c/%d", i%10), func(*store.Item) (store.Change, error) {
			return store.Change{Data: fmt.Appendf(nil, `{"i":%d,"pad":"%0100d"}`, i, 0)}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	big, _ := os.Stat(path)

	// Reopened with a low threshold, the store compacts the idle file by
	// itself: its live data (estimated at Open) is under half the file.
	minSize, every := compactMinSize, compactCheckEvery
	compactMinSize, compactCheckEvery = 64<<10, 10*time.Millisecond
	var logged bytes.Buffer
	s, err = Open(path, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	compactMinSize, compactCheckEvery = minSize, every
	if err != nil {
		t.Fatal(err)
	}
	// The deadline only turns a hang into a failure.
	deadline := time.Now().Add(20 * time.Second)
	for {
		fi, err := os.Stat(path)
		if err == nil && fi.Size() < 10<<10 {
			break
		}
		if time.Now().After(deadline) {
			s.Close()
			t.Fatalf("file still %d bytes (was %d): no compaction", fi.Size(), big.Size())
		}
		time.Sleep(10 * time.Millisecond)
	}
	it, ok, err := s.Get(t.Context(), "/c/9")
	if err != nil || !ok || string(it.Data) != fmt.Sprintf(`{"i":1999,"pad":"%0100d"}`, 0) || it.Revision != 2000 {
		t.Errorf("after compaction: %s rev %d, %v, %v", it.Data, it.Revision, ok, err)
	}
	s.Close() // waits for the compaction goroutine, which writes the log
	if !strings.Contains(logged.String(), "compacted the data file") {
		t.Errorf("compaction not logged: %q", logged.String())
	}
}
