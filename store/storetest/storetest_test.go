package storetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
	"github.com/happn-go/happn/store/storetest"
)

// brokenEnv, when set, makes TestSuiteCatchesBugs run the suite against
// the broken store it names, in a child process.
const brokenEnv = "STORETEST_BROKEN"

// wrapper is a memstore with some methods replaced to introduce a bug.
type wrapper struct {
	*memstore.Store
	get    func(ctx context.Context, path string) (store.Item, bool, error)
	update func(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error)
	delete func(ctx context.Context, pattern string) (int, error)
	scan   func(ctx context.Context, pattern string) iter.Seq2[store.Item, error]
	lookup func(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error)
	ranges func(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error)
}

func (w *wrapper) LookupRange(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
	if w.ranges != nil {
		return w.ranges(ctx, prefix, key, lo, hi)
	}
	return w.Store.LookupRange(ctx, prefix, key, lo, hi)
}

func (w *wrapper) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	if w.lookup != nil {
		return w.lookup(ctx, prefix, key, value)
	}
	return w.Store.Lookup(ctx, prefix, key, value)
}

func (w *wrapper) Get(ctx context.Context, path string) (store.Item, bool, error) {
	if w.get != nil {
		return w.get(ctx, path)
	}
	return w.Store.Get(ctx, path)
}

func (w *wrapper) Update(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error) {
	if w.update != nil {
		return w.update(ctx, path, fn)
	}
	return w.Store.Update(ctx, path, fn)
}

func (w *wrapper) Delete(ctx context.Context, pattern string) (int, error) {
	if w.delete != nil {
		return w.delete(ctx, pattern)
	}
	return w.Store.Delete(ctx, pattern)
}

func (w *wrapper) Scan(ctx context.Context, pattern string) iter.Seq2[store.Item, error] {
	if w.scan != nil {
		return w.scan(ctx, pattern)
	}
	return w.Store.Scan(ctx, pattern)
}

// broken maps a bug to a store that has it and to the check that must
// catch it.
var broken = map[string]struct {
	check string
	make  func(m *memstore.Store) *wrapper
}{
	"NoRevision": {"UpdateCreate", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.update = func(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error) {
			it, err := m.Update(ctx, path, fn)
			it.Revision = 0
			return it, err
		}
		return w
	}},
	"WrapsFnError": {"UpdateFuncError", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.update = func(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error) {
			it, err := m.Update(ctx, path, fn)
			if err != nil {
				err = fmt.Errorf("update: %w", err)
			}
			return it, err
		}
		return w
	}},
	"RacyUpdate": {"ConcurrentIncrements", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.update = func(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error) {
			cur, ok, _ := m.Get(ctx, path)
			var current *store.Item
			if ok {
				current = &cur
			}
			change, err := fn(current) // outside the store's lock
			if err != nil {
				return store.Item{}, err
			}
			// Widen the window so that concurrent increments reliably
			// overlap in it and lose updates.
			time.Sleep(50 * time.Microsecond)
			return m.Update(ctx, path, func(*store.Item) (store.Change, error) { return change, nil })
		}
		return w
	}},
	"DeleteCountsNothing": {"DeleteExact", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.delete = func(ctx context.Context, pattern string) (int, error) {
			_, err := m.Delete(ctx, pattern)
			return 0, err
		}
		return w
	}},
	"SharedData": {"DataOwnership", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		var mu sync.Mutex
		cache := map[string][]byte{}
		w.get = func(ctx context.Context, path string) (store.Item, bool, error) {
			it, ok, err := m.Get(ctx, path)
			mu.Lock()
			defer mu.Unlock()
			if data, hit := cache[path]; hit && ok {
				it.Data = data // hands every caller the same slice
			}
			cache[path] = it.Data
			return it, ok, err
		}
		return w
	}},
	"Descending": {"ScanOrder", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.scan = func(ctx context.Context, pattern string) iter.Seq2[store.Item, error] {
			return func(yield func(store.Item, error) bool) {
				var items []store.Item
				for it, err := range m.Scan(ctx, pattern) {
					if err != nil {
						yield(it, err)
						return
					}
					items = append(items, it)
				}
				slices.Reverse(items)
				for _, it := range items {
					if !yield(it, nil) {
						return
					}
				}
			}
		}
		return w
	}},
	"PrefixOnly": {"ScanPatterns", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.scan = func(ctx context.Context, pattern string) iter.Seq2[store.Item, error] {
			if wildcard.HasWildcard(pattern) {
				pattern = wildcard.Prefix(pattern) + "*" // forgets everything after the first '*'
			}
			return m.Scan(ctx, pattern)
		}
		return w
	}},
	"IgnoresContext": {"ScanContext", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.scan = func(_ context.Context, pattern string) iter.Seq2[store.Item, error] {
			return m.Scan(context.Background(), pattern)
		}
		return w
	}},
	"LookupIgnoresPrefix": {"IndexLookup", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.lookup = func(ctx context.Context, _, key string, value []byte) ([]string, bool, error) {
			return m.Lookup(ctx, "", key, value)
		}
		return w
	}},
	"StaleLookup": {"IndexAfterWrites", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		var mu sync.Mutex
		cache := map[string][]string{}
		w.lookup = func(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			q := prefix + "\x00" + key + "\x00" + string(value)
			if paths, ok := cache[q]; ok {
				return paths, true, nil // never sees a write after the first answer
			}
			paths, ok, err := m.Lookup(ctx, prefix, key, value)
			if ok && err == nil {
				cache[q] = paths
			}
			return paths, ok, err
		}
		return w
	}},
	"DeclinesLookups": {"IndexRandomWrites", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.lookup = func(context.Context, string, string, []byte) ([]string, bool, error) { return nil, false, nil }
		return w
	}},
	"RangeIgnoresPrefix": {"IndexRange", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.ranges = func(ctx context.Context, _, key string, lo, hi store.Bound) ([]string, bool, error) {
			return m.LookupRange(ctx, "", key, lo, hi)
		}
		return w
	}},
	"RangeInclusiveOnly": {"IndexRange", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.ranges = func(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
			lo.Exclusive, hi.Exclusive = false, false
			return m.LookupRange(ctx, prefix, key, lo, hi)
		}
		return w
	}},
	"RangeOneElement": {"IndexRange", func(m *memstore.Store) *wrapper {
		// Wants one number within both ends: misses [3,10] for (5, 8).
		w := &wrapper{Store: m}
		w.ranges = func(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
			paths, ok, err := m.LookupRange(ctx, prefix, key, lo, hi)
			var kept []string
			for _, p := range paths {
				it, _, _ := m.Get(ctx, p)
				var doc map[string]any
				_ = json.Unmarshal(it.Data, &doc)
				nums, isArr := doc[key].([]any)
				if !isArr {
					nums = []any{doc[key]}
				}
				if slices.ContainsFunc(nums, func(e any) bool {
					f, isNum := e.(float64)
					return isNum && (f > lo.Value || f == lo.Value && !lo.Exclusive) && (f < hi.Value || f == hi.Value && !hi.Exclusive)
				}) {
					kept = append(kept, p)
				}
			}
			return kept, ok, err
		}
		return w
	}},
	"StaleRange": {"IndexRangeAfterWrites", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		var mu sync.Mutex
		cache := map[string][]string{}
		w.ranges = func(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
			mu.Lock()
			defer mu.Unlock()
			q := fmt.Sprint(prefix, "\x00", key, "\x00", lo, hi)
			if paths, ok := cache[q]; ok {
				return paths, true, nil // never sees a write after the first answer
			}
			paths, ok, err := m.LookupRange(ctx, prefix, key, lo, hi)
			if ok && err == nil {
				cache[q] = paths
			}
			return paths, ok, err
		}
		return w
	}},
	"DeclinesRanges": {"IndexRangeRandomWrites", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.ranges = func(context.Context, string, string, store.Bound, store.Bound) ([]string, bool, error) {
			return nil, false, nil
		}
		return w
	}},
	"VagueClosed": {"Closed", func(m *memstore.Store) *wrapper {
		w := &wrapper{Store: m}
		w.get = func(ctx context.Context, path string) (store.Item, bool, error) {
			it, ok, err := m.Get(ctx, path)
			if errors.Is(err, store.ErrClosed) {
				err = errors.New("closed")
			}
			return it, ok, err
		}
		return w
	}},
}

// TestSuiteCatchesBugs runs the suite against stores with known bugs, each
// in a child process, and checks that the suite fails them where it should.
func TestSuiteCatchesBugs(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		storetest.Run(t, func(t *testing.T) store.Store { return broken[name].make(memstore.New()) })
		return
	}
	if testing.Short() {
		t.Skip("runs the suite once per bug")
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesBugs$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store with bug %s", name)
			}
			if want := "--- FAIL: TestSuiteCatchesBugs/" + b.check + " "; !strings.Contains(string(out), want) {
				t.Errorf("bug %s: %q not in the output:\n%s", name, want, out)
			}
		})
	}
}

func TestSuitePassesMemstore(t *testing.T) {
	// The control for TestSuiteCatchesBugs: the unbroken wrapper passes.
	storetest.Run(t, func(t *testing.T) store.Store { return &wrapper{Store: memstore.New()} })
}

// plainStore hides every optional interface of the store it wraps: it
// is what a third-party store with only store.Store's methods looks like.
type plainStore struct{ store.Store }

// TestSuitePassesAPlainStore: a store without the optional interfaces
// (Indexer, RangeIndexer, Viewer) passes; their checks are skipped, not
// failed, and every other check runs.
func TestSuitePassesAPlainStore(t *testing.T) {
	var skipped []string
	t.Run("suite", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			t.Cleanup(func() {
				if t.Skipped() {
					skipped = append(skipped, t.Name())
				}
			})
			return plainStore{memstore.New()}
		})
	})
	if len(skipped) == 0 {
		t.Fatal("no optional check was skipped for a store without the optional interfaces")
	}
	for _, name := range skipped {
		if !strings.Contains(name, "Index") && !strings.Contains(name, "View") {
			t.Errorf("%s was skipped: only the optional interfaces' checks may be", name)
		}
	}
}
