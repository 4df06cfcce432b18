package happn_test

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/happn-go/happn/store/memstore"
)

// indexedStore is a store with an index that counts how searches reach
// it: Lookup and LookupRange calls, and Scan calls for wildcard patterns.
type indexedStore interface {
	store.Store
	store.Indexer
	store.RangeIndexer
	store.Viewer
}

type countingStore struct {
	indexedStore
	lookups, ranges, scans atomic.Int32
}

func (c *countingStore) LookupRange(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
	c.ranges.Add(1)
	return c.indexedStore.LookupRange(ctx, prefix, key, lo, hi)
}

func (c *countingStore) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	c.lookups.Add(1)
	return c.indexedStore.Lookup(ctx, prefix, key, value)
}

func (c *countingStore) Scan(ctx context.Context, pattern string) iter.Seq2[store.Item, error] {
	c.scans.Add(1)
	return c.indexedStore.Scan(ctx, pattern)
}

// indexedStores opens each store that has an index.
var indexedStores = map[string]func(t *testing.T) indexedStore{
	"memstore": func(*testing.T) indexedStore { return memstore.New() },
	"buntstore": func(t *testing.T) indexedStore {
		s, err := buntstore.Open(filepath.Join(t.TempDir(), "happn.db"), buntstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	},
}

// seededIndexServer returns a store made by open that counts how it is
// searched, and a local client of a server over it holding 40 items
// /ix/item/00 to /ix/item/39, {"n": i, "grp": "g<i mod 4>"}.
func seededIndexServer(t *testing.T, open func(t *testing.T) indexedStore) (*countingStore, *happn.Client) {
	t.Helper()
	cs := &countingStore{indexedStore: open(t)}
	srv, _ := testServer(t, happn.Config{Store: cs})
	c, err := srv.LocalClient(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		data := map[string]any{"n": i, "grp": fmt.Sprintf("g%d", i%4)}
		if _, err := c.Set(ctxT(t), fmt.Sprintf("/ix/item/%02d", i), data); err != nil {
			t.Fatal(err)
		}
	}
	return cs, c
}

// searchN searches /ix/item/* and returns the "n" of each item found.
func searchN(t *testing.T, c *happn.Client, opts ...happn.Option) []any {
	t.Helper()
	items, err := c.Search(ctxT(t), "/ix/item/*", opts...)
	if err != nil {
		t.Fatal(err)
	}
	var ns []any
	for _, it := range items {
		var v struct{ N any }
		if err := it.Decode(&v); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, v.N)
	}
	return ns
}

// wantN fails the test unless got prints as want does.
func wantN(t *testing.T, got []any, want ...any) {
	t.Helper()
	if fmt.Sprintf("%v", got) != fmt.Sprintf("%v", want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestSearchUsesIndex checks that a search whose criteria require an
// equality reads the store's index instead of scanning, and that its
// answers follow every write: sets that change the value, merges, removes
// (one path and a pattern), with the pattern, the rest of the criteria,
// sort and paging still applied.
func TestSearchUsesIndex(t *testing.T) {
	for name, open := range indexedStores {
		t.Run(name, func(t *testing.T) {
			cs, c := seededIndexServer(t, open)
			ctx := ctxT(t)
			// Same value outside the pattern: must not be returned.
			if _, err := c.Set(ctx, "/other/1", map[string]any{"n": 100, "grp": "g1"}); err != nil {
				t.Fatal(err)
			}
			search := func(opts ...happn.Option) []any { t.Helper(); return searchN(t, c, opts...) }
			want := func(got []any, want ...any) { t.Helper(); wantN(t, got, want...) }
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

// TestSearchUsesRangeIndex checks that a search whose criteria bound a
// member's numbers, and require no equality, reads the store's numeric
// ordering instead of scanning, and that its answers follow every write,
// with the pattern, the rest of the criteria, projection, sort and paging
// still applied.
func TestSearchUsesRangeIndex(t *testing.T) {
	for name, open := range indexedStores {
		t.Run(name, func(t *testing.T) {
			cs, c := seededIndexServer(t, open)
			ctx := ctxT(t)
			// In the range outside the pattern: must not be returned.
			if _, err := c.Set(ctx, "/other/1", map[string]any{"n": 12}); err != nil {
				t.Fatal(err)
			}
			search := func(opts ...happn.Option) []any { t.Helper(); return searchN(t, c, opts...) }
			want := func(got []any, want ...any) { t.Helper(); wantN(t, got, want...) }
			scansBefore := cs.scans.Load()
			want(search(happn.Criteria(`{"n":{"$gte":10,"$lt":15}}`)), 10, 11, 12, 13, 14)
			want(search(happn.Criteria(`{"$and":[{"n":{"$gt":35}},{"n":{"$lte":37.5}}]}`), happn.Fields(`{"n":1}`)), 36, 37)
			want(search(happn.Criteria(`{"n":{"$gte":20},"grp":{"$in":["g1"]}}`), happn.Sort(`{"n":-1}`), happn.Limit(3)), 37, 33, 29)
			want(search(happn.Criteria(`{"n":{"$lt":3}}`), happn.Skip(1)), 1, 2)

			if _, err := c.Set(ctx, "/ix/item/11", map[string]any{"n": 100}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(ctx, "/ix/item/30", map[string]any{"n": 13.5}, happn.Merge()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(ctx, "/ix/item/31", map[string]any{"n": []any{3, 50}}); err != nil {
				t.Fatal(err) // in (10, 15): 50 > 10 and 3 < 15
			}
			if _, err := c.Set(ctx, "/ix/item/32", map[string]any{"n": "12"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Remove(ctx, "/ix/item/12"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Remove(ctx, "/ix/item/2*"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Set(ctx, "/ix/item/99", map[string]any{"n": 14.0}); err != nil {
				t.Fatal(err)
			}
			want(search(happn.Criteria(`{"n":{"$gt":10,"$lt":15}}`)), 13, 14, 13.5, []any{3, 50}, 14)
			if n, err := c.Count(ctx, "/ix/item/*", happn.Criteria(`{"n":{"$gte":36}}`)); err != nil || n != 6 {
				t.Fatalf("Count = %d, %v; want 6", n, err)
			}
			if got := cs.scans.Load() - scansBefore; got != 0 {
				t.Errorf("range searches scanned the store %d times; want none", got)
			}
			if cs.ranges.Load() == 0 {
				t.Error("no search asked for a range")
			}
			// An equality term is preferred.
			ranges, lookups := cs.ranges.Load(), cs.lookups.Load()
			want(search(happn.Criteria(`{"grp":"g1","n":{"$gt":20}}`)), 33, 37)
			if cs.ranges.Load() != ranges || cs.lookups.Load() == lookups {
				t.Error("a search with an equality and a range did not use the equality")
			}
			// Bounds the ordering cannot answer exactly still scan, and agree.
			scans := cs.scans.Load()
			want(search(happn.Criteria(`{"n":{"$gt":9007199254740992}}`)))
			want(search(happn.Criteria(`{"n":{"$gt":"1"}}`)), "12")
			if cs.scans.Load() != scans+2 {
				t.Error("a search without a range the index answers did not scan")
			}
		})
	}
}

// TestSearchUnderWrites searches while writers keep moving documents in
// and out of the result, on each store: every answer holds each document
// that matched throughout (the stable ones), and nothing that did not
// match as it was read, nor a document caught half written (a == b).
// Equality and range criteria go through the field index, a regular
// expression through a scan.
func TestSearchUnderWrites(t *testing.T) {
	for name, open := range indexedStores {
		t.Run(name, func(t *testing.T) {
			srv, _ := testServer(t, happn.Config{Store: open(t)})
			ctx := ctxT(t)
			c, err := srv.LocalClient(ctx)
			if err != nil {
				t.Fatal(err)
			}
			const stable, churning = 100, 100
			for i := range stable {
				c.Set(ctx, fmt.Sprintf("/su/stable/%d", i), map[string]any{"grp": "in", "a": i, "b": i})
			}
			done := make(chan struct{})
			var writers sync.WaitGroup
			for w := range 3 {
				wc, err := srv.LocalClient(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer wc.Close()
				writers.Go(func() {
					for seq := 0; ; seq++ {
						select {
						case <-done:
							return
						default:
						}
						grp := []string{"in", "out"}[seq%2]
						n := stable + (seq*3+w)%churning // the churning ones: a >= stable
						wc.Set(ctx, fmt.Sprintf("/su/churn/%d", n), map[string]any{"grp": grp, "a": n + seq%2*1000, "b": n + seq%2*1000})
					}
				})
			}
			queries := []struct {
				name     string
				criteria map[string]any
				match    func(doc map[string]any) bool
			}{
				{"equality", map[string]any{"grp": "in"}, func(d map[string]any) bool { return d["grp"] == "in" }},
				{"range", map[string]any{"a": map[string]any{"$gte": 0, "$lt": 1000}}, func(d map[string]any) bool { return d["a"].(float64) < 1000 }},
				{"scan", map[string]any{"grp": map[string]any{"$regex": "^in$"}}, func(d map[string]any) bool { return d["grp"] == "in" }},
			}
			for round := range 30 {
				q := queries[round%len(queries)]
				items, err := c.Search(ctx, "/su/*", happn.Criteria(q.criteria))
				if err != nil {
					t.Fatal(err)
				}
				found := 0
				for _, it := range items {
					var doc map[string]any
					if err := it.Decode(&doc); err != nil {
						t.Fatal(err)
					}
					if !q.match(doc) || doc["a"] != doc["b"] {
						t.Fatalf("%s search answered %s = %v", q.name, it.Meta.Path, doc)
					}
					if strings.HasPrefix(it.Meta.Path, "/su/stable/") {
						found++
					}
				}
				if found != stable {
					t.Fatalf("%s search found %d of the %d documents that matched throughout", q.name, found, stable)
				}
			}
			close(done)
			writers.Wait()
		})
	}
}
