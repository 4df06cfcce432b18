// Package storetest is the conformance suite for store.Store backends.
//
// Every backend's tests call Run with a function that opens a fresh, empty
// store; backends that persist also call RunReopen with a function that
// opens a store on files in a given directory, so the suite can close and
// reopen it. Benchmark runs the shared benchmarks:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return mystore.New() })
//	}
//
// Each check asserts exact values. A backend that also implements
// store.Counter has Count checked against Scan, and one that implements
// store.Indexer (store.RangeIndexer) has Lookup (LookupRange) checked
// against Scan and the criteria evaluator, across writes, deletes,
// concurrent builds and (RunReopen) reopening.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/happn-go/happn/store"
)

// check is one conformance check; open returns a fresh empty store that is
// closed when the test ends.
type check struct {
	name string
	fn   func(t *testing.T, open func() store.Store)
}

// checks lists every check Run performs, grouped by the file that holds them.
var checks = slices.Concat(updateChecks, scanChecks, deleteChecks, concurrencyChecks, closeChecks, indexChecks, rangeChecks)

// Run runs the conformance suite against the stores open returns. open must
// return a new, empty store on each call; the suite closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, func() store.Store {
				s := open(t)
				t.Cleanup(func() { _ = s.Close() })
				return s
			})
		})
	}
}

// watchdog is how long a check waits for an operation that must not be
// blocked before it declares a deadlock. It is not a performance bound.
const watchdog = 20 * time.Second

// set returns an UpdateFunc that writes data as user by. Every call hands
// the store the same slice, which it must not keep.
func set(data, by string) store.UpdateFunc {
	raw := json.RawMessage(data)
	return func(*store.Item) (store.Change, error) {
		return store.Change{Data: raw, ModifiedBy: by}, nil
	}
}

// put writes data at path and fails the test on error.
func put(t *testing.T, s store.Store, path, data string) store.Item {
	t.Helper()
	it, err := s.Update(t.Context(), path, set(data, ""))
	if err != nil {
		t.Fatalf("Update(%q): %v", path, err)
	}
	return it
}

// putAll writes {"p": path} at every path.
func putAll(t *testing.T, s store.Store, paths ...string) {
	t.Helper()
	for _, p := range paths {
		put(t, s, p, pathDoc(p))
	}
}

// pathDoc is the document putAll stores at p.
func pathDoc(p string) string {
	b, _ := json.Marshal(map[string]string{"p": p})
	return string(b)
}

// mustGet returns the item at path, failing the test if there is none.
func mustGet(t *testing.T, s store.Store, path string) store.Item {
	t.Helper()
	it, ok, err := s.Get(t.Context(), path)
	if err != nil || !ok {
		t.Fatalf("Get(%q) = ok %v, err %v; want the item", path, ok, err)
	}
	return it
}

// wantMissing fails the test if path holds an item.
func wantMissing(t *testing.T, s store.Store, path string) {
	t.Helper()
	it, ok, err := s.Get(t.Context(), path)
	if err != nil || ok {
		t.Fatalf("Get(%q) = %+v, ok %v, err %v; want nothing", path, it, ok, err)
	}
}

// scan collects every item Scan yields, failing on an error.
func scan(t *testing.T, s store.Store, pattern string) []store.Item {
	t.Helper()
	var items []store.Item
	for it, err := range s.Scan(t.Context(), pattern) {
		if err != nil {
			t.Fatalf("Scan(%q): %v", pattern, err)
		}
		items = append(items, it)
	}
	return items
}

// scanPaths is scan reduced to the paths.
func scanPaths(t *testing.T, s store.Store, pattern string) []string {
	t.Helper()
	var paths []string
	for _, it := range scan(t, s, pattern) {
		paths = append(paths, it.Path)
	}
	return paths
}

// wantPaths fails the test unless Scan(pattern) yields exactly want, in
// that order.
func wantPaths(t *testing.T, s store.Store, pattern string, want ...string) {
	t.Helper()
	if got := scanPaths(t, s, pattern); !slices.Equal(got, want) {
		t.Errorf("Scan(%q) paths = %q, want %q", pattern, got, want)
	}
}

// sameItem fails the test unless got and want are equal in every field.
func sameItem(t *testing.T, what string, got, want store.Item) {
	t.Helper()
	if got.Path != want.Path || !bytes.Equal(got.Data, want.Data) || got.Created != want.Created ||
		got.Modified != want.Modified || got.ModifiedBy != want.ModifiedBy || got.Revision != want.Revision {
		t.Errorf("%s = %s, want %s", what, show(got), show(want))
	}
}

// show formats an item with its data as text.
func show(it store.Item) string {
	return fmt.Sprintf("{Path:%q Data:%s Created:%d Modified:%d ModifiedBy:%q Revision:%d}",
		it.Path, it.Data, it.Created, it.Modified, it.ModifiedBy, it.Revision)
}

// await runs fn in a goroutine and fails the test if it has not returned
// within the watchdog period, which means it was blocked.
func await(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(watchdog):
		t.Fatalf("%s was still blocked after %v", what, watchdog)
	}
}

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
