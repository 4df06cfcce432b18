package buntstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/tidwall/gjson"
)

// TestCopyWhileWriting backs the documented promise that copying the data
// file while the store is in use (cp, rsync) gives a usable backup: the
// copy opens, and holds every write acknowledged before the copy started,
// even while writers keep going and a compaction renames a new file into
// place during the copy.
func TestCopyWhileWriting(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "happn.db")
			s, err := buntstore.Open(path, buntstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			put := func(p string, i int) {
				t.Helper()
				_, err := s.Update(ctx, p, func(*store.Item) (store.Change, error) {
					return store.Change{Data: fmt.Appendf(nil, `{"i":%d,"pad":"%0200d"}`, i, i)}, nil
				})
				if err != nil {
					t.Error(err)
				}
			}
			// Documents overwritten many times, so that a compaction has
			// something to drop.
			for i := range 5000 {
				put(fmt.Sprintf("/doc/%d", i%500), i)
			}

			var stop atomic.Bool
			var wg sync.WaitGroup
			writing := make(chan struct{})
			wg.Go(func() {
				for i := 5000; !stop.Load(); i++ {
					put(fmt.Sprintf("/doc/%d", i%500), i)
					put(fmt.Sprintf("/new/%d", i), i)
					if i == 5100 {
						close(writing)
					}
				}
			})
			<-writing
			// The acknowledged state when the copy starts.
			want := map[string]string{}
			for it, err := range s.Scan(ctx, "*") {
				if err != nil {
					t.Fatal(err)
				}
				want[it.Path] = string(it.Data)
			}
			src, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			backup := filepath.Join(dir, "backup.db")
			dst, err := os.Create(backup)
			if err != nil {
				t.Fatal(err)
			}
			// A slow copy, as of a large file: writes and the compaction
			// happen while it runs.
			// It stops at the end of the file or, as the writer keeps the
			// file growing, 1 MiB past its size at the start, at whatever
			// byte that is: most likely in the middle of a record, a torn
			// tail that Open must drop.
			info, _ := src.Stat()
			limit := info.Size() + 1<<20 + 123
			buf := make([]byte, 16<<10)
			copied := int64(0)
			for chunk := 0; ; chunk++ {
				n, err := src.Read(buf[:min(int64(len(buf)), limit-copied)])
				dst.Write(buf[:n])
				copied += int64(n)
				if err == io.EOF || copied >= limit {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if chunk == 2 && compact {
					wg.Go(func() {
						if err := s.Shrink(); err != nil {
							t.Error(err)
						}
					})
				}
				time.Sleep(time.Millisecond)
			}
			src.Close()
			dst.Close()
			stop.Store(true)
			wg.Wait()

			var log strings.Builder
			b, err := buntstore.Open(backup, buntstore.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatalf("opening the copy: %v", err)
			}
			defer b.Close()
			for p, data := range want {
				it, ok, err := b.Get(ctx, p)
				if err != nil || !ok {
					t.Fatalf("copy lacks %s (acknowledged before the copy): %v", p, err)
				}
				// A document overwritten during the copy may be newer, never older.
				got, wanted := gjson.GetBytes(it.Data, "i").Int(), gjson.Get(data, "i").Int()
				if got < wanted || (p[:5] == "/new/" && got != wanted) {
					t.Fatalf("copy has %s = %s, want %s (or newer, for /doc/)", p, it.Data, data)
				}
			}
			t.Logf("%d documents acknowledged before the copy, all in it; torn tail dropped: %v", len(want), strings.Contains(log.String(), "torn write"))
		})
	}
}
