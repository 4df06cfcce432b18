package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/happn-go/happn/store"
)

var concurrencyChecks = []check{
	{"ConcurrentIncrements", testConcurrentIncrements},
	{"ConcurrentPaths", testConcurrentPaths},
}

// increment adds one to the "n" field of the current document.
func increment(cur *store.Item) (store.Change, error) {
	var doc struct{ N int }
	if cur != nil {
		if err := json.Unmarshal(cur.Data, &doc); err != nil {
			return store.Change{}, err
		}
	}
	return store.Change{Data: fmt.Appendf(nil, `{"n":%d}`, doc.N+1)}, nil
}

func testConcurrentIncrements(t *testing.T, open func() store.Store) {
	s := open()
	const workers, each = 8, 250
	revs := make([][]uint64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				it, err := s.Update(context.Background(), "/counter", increment)
				if err != nil {
					t.Error(err)
					return
				}
				revs[w] = append(revs[w], it.Revision)
			}
		})
	}
	wg.Wait()
	got := mustGet(t, s, "/counter")
	if string(got.Data) != fmt.Sprintf(`{"n":%d}`, workers*each) {
		t.Errorf("counter = %s after %d increments", got.Data, workers*each)
	}
	seen := map[uint64]bool{}
	var max uint64
	for _, rs := range revs {
		for i, r := range rs {
			if seen[r] {
				t.Fatalf("revision %d returned twice", r)
			}
			if i > 0 && r <= rs[i-1] {
				t.Errorf("one goroutine saw revision %d after %d", r, rs[i-1])
			}
			seen[r] = true
			max = maxOf(max, r)
		}
	}
	if got.Revision != max {
		t.Errorf("stored revision %d, want the last one returned, %d", got.Revision, max)
	}
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

func testConcurrentPaths(t *testing.T, open func() store.Store) {
	s := open()
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			for i := range each {
				p := fmt.Sprintf("/p/%d/%03d", w, i)
				if _, err := s.Update(ctx, p, set(fmt.Sprintf(`{"w":%d,"i":%d}`, w, i), "")); err != nil {
					t.Error(err)
					return
				}
				if i%4 == 3 {
					if n, err := s.Delete(ctx, p); err != nil || n != 1 {
						t.Errorf("Delete(%s) = %d, %v", p, n, err)
						return
					}
				}
				if _, _, err := s.Get(ctx, fmt.Sprintf("/p/%d/%03d", (w+1)%workers, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	items := scan(t, s, "/p/*")
	if len(items) != workers*each*3/4 {
		t.Fatalf("%d items, want %d", len(items), workers*each*3/4)
	}
	revs := map[uint64]string{}
	for _, it := range items {
		var w, i int
		if _, err := fmt.Sscanf(it.Path, "/p/%d/%d", &w, &i); err != nil || i%4 == 3 ||
			string(it.Data) != fmt.Sprintf(`{"w":%d,"i":%d}`, w, i) {
			t.Errorf("unexpected item %s", show(it))
		}
		if other, dup := revs[it.Revision]; dup {
			t.Errorf("%s and %s share revision %d", other, it.Path, it.Revision)
		}
		revs[it.Revision] = it.Path
	}
}
