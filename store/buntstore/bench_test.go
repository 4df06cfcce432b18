package buntstore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/happn-go/happn/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Store { return openIn(b, b.TempDir(), buntstore.Options{}) })
}

// BenchmarkOpen100k measures Open (replaying the file and recovering the
// revision) of a file holding 100,000 small documents.
func BenchmarkOpen100k(b *testing.B) {
	dir := b.TempDir()
	s := openIn(b, dir, buntstore.Options{Sync: buntstore.SyncNever})
	for i := range 100_000 {
		if _, err := s.Update(b.Context(), fmt.Sprintf("/h2h/mem/%d", i), func(*store.Item) (store.Change, error) {
			return store.Change{Data: []byte(`{"a":1,"b":"x"}`)}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	fi, _ := os.Stat(filepath.Join(dir, "db"))
	for b.Loop() {
		s := openIn(b, dir, buntstore.Options{})
		s.Close()
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB-file")
}
