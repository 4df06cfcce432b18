package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/happn-go/happn/store"
)

var scanChecks = []check{
	{"ScanPatterns", testScanPatterns},
	{"ScanItems", testScanItems},
	{"ScanOrder", testScanOrder},
	{"ScanEarlyBreak", testScanEarlyBreak},
	{"ScanContext", testScanContext},
	{"ScanWhileWriting", testScanWhileWriting},
	{"ScanDoesNotBlockWriters", testScanDoesNotBlockWriters},
}

// sortBytes sorts paths in ascending byte order, the order Scan must use.
func sortBytes(paths []string) { sort.Strings(paths) }

// patternFixture is the set of paths the pattern checks run against.
var patternFixture = []string{
	"/a", "/a/", "/a/b", "/a/b/c", "/a/bc", "/a/c", "/ab", "/b/c", "a/b", "/x/y/c", "/x/y/cd", "/a*b",
}

// patternCases gives, for each pattern, exactly the fixture paths it must
// match, in scan order.
var patternCases = []struct {
	pattern string
	want    []string
}{
	{"*", []string{"/a", "/a*b", "/a/", "/a/b", "/a/b/c", "/a/bc", "/a/c", "/ab", "/b/c", "/x/y/c", "/x/y/cd", "a/b"}},
	{"**", []string{"/a", "/a*b", "/a/", "/a/b", "/a/b/c", "/a/bc", "/a/c", "/ab", "/b/c", "/x/y/c", "/x/y/cd", "a/b"}},
	{"/a/*", []string{"/a/", "/a/b", "/a/b/c", "/a/bc", "/a/c"}},  // '*' crosses '/' and may be empty
	{"/a/**", []string{"/a/", "/a/b", "/a/b/c", "/a/bc", "/a/c"}}, // runs of '*' are one '*'
	{"/a/b*", []string{"/a/b", "/a/b/c", "/a/bc"}},                // part of a segment
	{"/a*", []string{"/a", "/a*b", "/a/", "/a/b", "/a/b/c", "/a/bc", "/a/c", "/ab"}},
	{"*/c", []string{"/a/b/c", "/a/c", "/b/c", "/x/y/c"}},                     // leading '*'
	{"*c*", []string{"/a/b/c", "/a/bc", "/a/c", "/b/c", "/x/y/c", "/x/y/cd"}}, // leading and trailing
	{"/a/*/c", []string{"/a/b/c"}},
	{"/x/*/c*", []string{"/x/y/c", "/x/y/cd"}},
	{"/a*b", []string{"/a*b", "/a/b", "/ab"}}, // a '*' in a stored path is an ordinary byte
	{"a/*", []string{"a/b"}},                  // no leading slash is a different path
	{"/a/b", []string{"/a/b"}},                // no '*': exactly one path
	{"/a/b/", nil},
	{"/none/*", nil},
	{"*/none", nil},
	{"/A/*", nil}, // case-sensitive
}

func testScanPatterns(t *testing.T, open func() store.Store) {
	s := open()
	putAll(t, s, patternFixture...)
	counter, _ := s.(store.Counter)
	for _, c := range patternCases {
		wantPaths(t, s, c.pattern, c.want...)
		if counter != nil {
			if n, err := counter.Count(t.Context(), c.pattern); err != nil || n != len(c.want) {
				t.Errorf("Count(%q) = %d, %v; want %d", c.pattern, n, err, len(c.want))
			}
		}
	}
}

func testScanItems(t *testing.T, open func() store.Store) {
	s := open()
	want := map[string]store.Item{}
	for i, p := range []string{"/i/1", "/i/2", "/i/3", "/j"} {
		it, err := s.Update(t.Context(), p, set(fmt.Sprintf(`{"n":%d}`, i), fmt.Sprintf("user%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		want[p] = it
	}
	want["/i/2"] = put(t, s, "/i/2", `{"n":"replaced"}`)
	got := scan(t, s, "/i/*")
	if len(got) != 3 {
		t.Fatalf("Scan(/i/*) yielded %d items, want 3", len(got))
	}
	for _, it := range got {
		sameItem(t, "scanned "+it.Path, it, want[it.Path])
	}
}

func testScanOrder(t *testing.T, open func() store.Store) {
	s := open()
	paths := []string{"/z", "/a", "/B", "/0", "/é", "/a0", "/a/", "/~", "/\x7f", "/a/b", "/a.b", "/a-b", "/Z", "/_", "/ ", "/\u00ff", "/\U0001F600"}
	for i := range 50 {
		paths = append(paths, fmt.Sprintf("/n/%d", i)) // "/n/10" sorts before "/n/2"
	}
	shuffled := slices.Clone(paths)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	putAll(t, s, shuffled...)
	sortBytes(paths)
	wantPaths(t, s, "/*", paths...)
}

// bulk writes n small documents at prefix + a zero-padded number.
func bulk(t *testing.T, s store.Store, prefix string, n int) []string {
	t.Helper()
	paths := make([]string, n)
	for i := range n {
		paths[i] = fmt.Sprintf("%s%05d", prefix, i)
		put(t, s, paths[i], fmt.Sprintf(`{"i":%d}`, i))
	}
	return paths
}

func testScanEarlyBreak(t *testing.T, open func() store.Store) {
	s := open()
	paths := bulk(t, s, "/e/", 1000)
	var got []string
	for it, err := range s.Scan(t.Context(), "/e/*") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it.Path)
		if len(got) == 2 {
			break
		}
	}
	if !slices.Equal(got, paths[:2]) {
		t.Errorf("first two = %q, want %q", got, paths[:2])
	}
	// Nothing the abandoned scan held may block what follows.
	await(t, "Update after an abandoned scan", func() {
		if _, err := s.Update(context.Background(), "/e/new", set(`{}`, "")); err != nil {
			t.Error(err)
		}
	})
	await(t, "Delete after an abandoned scan", func() {
		if n, err := s.Delete(context.Background(), "/e/0000*"); err != nil || n != 10 {
			t.Errorf("Delete = %d, %v; want 10", n, err)
		}
	})
	if got := len(scanPaths(t, s, "/e/*")); got != 991 {
		t.Errorf("a second scan yielded %d items, want 991", got)
	}
}

func testScanContext(t *testing.T, open func() store.Store) {
	s := open()
	paths := bulk(t, s, "/c/", 1000)

	t.Run("CancelledBefore", func(t *testing.T) {
		for _, pattern := range []string{"/c/*", "/c/00001"} {
			n := 0
			for it, err := range s.Scan(cancelled(t), pattern) {
				n++
				if !errors.Is(err, context.Canceled) || it.Path != "" {
					t.Errorf("Scan(%q) yielded %q, %v; want only context.Canceled", pattern, it.Path, err)
				}
			}
			if n != 1 {
				t.Errorf("Scan(%q) with a cancelled context yielded %d times, want once", pattern, n)
			}
		}
	})

	t.Run("CancelledDuring", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var got []string
		var errs []error
		for it, err := range s.Scan(ctx, "/c/*") {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, it.Path)
			if len(got) == 3 {
				cancel()
			}
		}
		if !slices.Equal(got, paths[:3]) || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("got paths %q and errors %v; want %q then context.Canceled once", got, errs, paths[:3])
		}
	})

	t.Run("OtherCalls", func(t *testing.T) {
		ctx := cancelled(t)
		if _, _, err := s.Get(ctx, "/c/00001"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get: %v, want context.Canceled", err)
		}
		if _, err := s.Update(ctx, "/c/new", set(`{}`, "")); !errors.Is(err, context.Canceled) {
			t.Errorf("Update: %v, want context.Canceled", err)
		}
		if _, err := s.Delete(ctx, "/c/*"); !errors.Is(err, context.Canceled) {
			t.Errorf("Delete: %v, want context.Canceled", err)
		}
		if c, ok := s.(store.Counter); ok {
			if _, err := c.Count(ctx, "/c/*"); !errors.Is(err, context.Canceled) {
				t.Errorf("Count: %v, want context.Canceled", err)
			}
		}
		wantMissing(t, s, "/c/new")
		if n := len(scanPaths(t, s, "/c/*")); n != 1000 {
			t.Errorf("%d items left, want all 1000", n)
		}
	})
}

func testScanWhileWriting(t *testing.T, open func() store.Store) {
	s := open()
	// Even numbers are written first and never deleted; a writer adds,
	// rewrites and deletes odd numbers and rewrites even ones meanwhile.
	const n = 3000
	var stable []string
	for i := 0; i < n; i += 2 {
		p := fmt.Sprintf("/w/%05d", i)
		stable = append(stable, p)
		put(t, s, p, `{"v":0}`)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 0; ; round++ {
			for i := 1; i < n; i += 2 {
				select {
				case <-stop:
					return
				default:
				}
				ctx := context.Background()
				odd := fmt.Sprintf("/w/%05d", (i*7+round)%n|1)
				even := fmt.Sprintf("/w/%05d", (i*13+round)%n&^1)
				if _, err := s.Update(ctx, odd, set(`{"v":1}`, "")); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Update(ctx, even, set(`{"v":2}`, "")); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if _, err := s.Delete(ctx, odd); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for range 5 {
		for _, pattern := range []string{"/w/*", "*"} {
			got := scanPaths(t, s, pattern)
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] {
					t.Fatalf("Scan(%q) yielded %q after %q: duplicate or out of order", pattern, got[i], got[i-1])
				}
			}
			var evens []string
			for _, p := range got {
				if p[len(p)-1]%2 == 0 {
					evens = append(evens, p)
				}
			}
			if !slices.Equal(evens, stable) {
				t.Fatalf("Scan(%q) yielded %d of the %d paths that always existed", pattern, len(evens), len(stable))
			}
		}
	}
}

func testScanDoesNotBlockWriters(t *testing.T, open func() store.Store) {
	s := open()
	paths := bulk(t, s, "/s/", 1000)
	n := 0
	for it, err := range s.Scan(t.Context(), "/s/*") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 1 || n == 600 {
			// The loop body runs between yields; whatever a backend holds
			// for the scan must not stop other callers now.
			ctx := context.Background()
			await(t, fmt.Sprintf("Update inside the loop body at item %d", n), func() {
				for _, p := range []string{"/s/zz", "/other"} {
					if _, err := s.Update(ctx, p, set(`{}`, "")); err != nil {
						t.Error(err)
					}
				}
			})
			await(t, fmt.Sprintf("Delete inside the loop body at item %d", n), func() {
				if n, err := s.Delete(ctx, "/other"); err != nil || n != 1 {
					t.Errorf("Delete = %d, %v; want 1", n, err)
				}
			})
			await(t, fmt.Sprintf("Get inside the loop body at item %d", n), func() {
				if got, ok, err := s.Get(ctx, it.Path); err != nil || !ok || got.Path != it.Path {
					t.Errorf("Get(%s) = %s, %v, %v", it.Path, show(got), ok, err)
				}
			})
		}
	}
	if n < len(paths) {
		t.Errorf("scan yielded %d items, want at least %d", n, len(paths))
	}
}
