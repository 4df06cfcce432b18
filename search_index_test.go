package happn_test

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/happn-go/happn/store/memstore"
)

// indexedStore is a store with an index that counts how searches reach
// it: Lookup calls, and Scan calls for wildcard patterns.
type indexedStore interface {
	store.Store
	store.Indexer
	store.Viewer
}

type countingStore struct {
	indexedStore
	lookups, scans atomic.Int32
}

func (c *countingStore) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	c.lookups.Add(1)
	return c.indexedStore.Lookup(ctx, prefix, key, value)
}

func (c *countingStore) Scan(ctx context.Context, pattern string) iter.Seq2[store.Item, error] {
	c.scans.Add(1)
	return c.indexedStore.Scan(ctx, pattern)
}

// TestSearchUsesIndex checks that a search whose criteria require an
// equality reads the store's index instead of scanning, and that its
// answers follow every write: sets that change the value, merges, removes
// (one path and a pattern), with the pattern, the rest of the criteria,
// sort and paging still applied.
func TestSearchUsesIndex(t *testing.T) {
	stores := map[string]func(t *testing.T) indexedStore{
		"memstore": func(*testing.T) indexedStore { return memstore.New() },
		"buntstore": func(t *testing.T) indexedStore {
			s, err := buntstore.Open(filepath.Join(t.TempDir(), "happn.db"), buntstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			cs := &countingStore{indexedStore: open(t)}
			srv, _ := testServer(t, happn.Config{Store: cs})
			c, err := srv.LocalClient(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx := ctxT(t)
			for i := range 40 {
				data := map[string]any{"n": i, "grp": fmt.Sprintf("g%d", i%4)}
				if _, err := c.Set(ctx, fmt.Sprintf("/ix/item/%02d", i), data); err != nil {
					t.Fatal(err)
				}
			}
			// Same value outside the pattern: must not be returned.
			if _, err := c.Set(ctx, "/other/1", map[string]any{"n": 100, "grp": "g1"}); err != nil {
				t.Fatal(err)
			}
			search := func(opts ...happn.Option) []int {
				t.Helper()
				items, err := c.Search(ctx, "/ix/item/*", opts...)
				if err != nil {
					t.Fatal(err)
				}
				var ns []int
				for _, it := range items {
					var v struct{ N int }
					if err := it.Decode(&v); err != nil {
						t.Fatal(err)
					}
					ns = append(ns, v.N)
				}
				return ns
			}
			want := func(got []int, want ...int) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
			scansBefore := cs.scans.Load()
			want(search(happn.Criteria(`{"grp":"g1"}`)), 1, 5, 9, 13, 17, 21, 25, 29, 33, 37)
			want(search(happn.Criteria(`{"grp":"g1","n":{"$gt":20}}`), happn.Sort(`{"n":-1}`), happn.Limit(3)), 37, 33, 29)
			want(search(happn.Criteria(`{"$and":[{"grp":{"$eq":"g2"}},{"n":{"$lt":10}}]}`)), 2, 6)

			if _, err := c.Set(ctx, "/ix/item/05", map[string]any{"n": 5, "grp": "g2"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(ctx, "/ix/item/02", map[string]any{"grp": "g1"}, happn.Merge()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Remove(ctx, "/ix/item/09"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Remove(ctx, "/ix/item/3*"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(ctx, "/ix/item/99", map[string]any{"n": 99, "grp": "g1"}); err != nil {
				t.Fatal(err)
			}
			want(search(happn.Criteria(`{"grp":"g1"}`)), 1, 2, 13, 17, 21, 25, 29, 99)
			want(search(happn.Criteria(`{"grp":"g2","n":{"$lt":10}}`)), 5, 6)
			if n, err := c.Count(ctx, "/ix/item/*", happn.Criteria(`{"grp":"g1"}`)); err != nil || n != 8 {
				t.Fatalf("Count = %d, %v; want 8", n, err)
			}
			if got := cs.scans.Load() - scansBefore; got != 0 {
				t.Errorf("equality searches scanned the store %d times; want none", got)
			}
			if cs.lookups.Load() == 0 {
				t.Error("no search asked the index")
			}
			// Criteria with no equality term still scan, and agree.
			want(search(happn.Criteria(`{"grp":{"$in":["g1"]}}`)), 1, 2, 13, 17, 21, 25, 29, 99)
			if cs.scans.Load() == scansBefore {
				t.Error("a search without an equality term did not scan")
			}
		})
	}
}
