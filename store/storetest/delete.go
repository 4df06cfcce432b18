package storetest

import (
	"slices"
	"testing"

	"github.com/happn-go/happn/store"
)

var deleteChecks = []check{
	{"DeleteExact", testDeleteExact},
	{"DeletePattern", testDeletePattern},
	{"DeleteMany", testDeleteMany},
}

func testDeleteExact(t *testing.T, open func() store.Store) {
	s := open()
	putAll(t, s, "/a/b", "/a/b/c", "/a/bc", "a/b")
	for _, c := range []struct {
		path string
		n    int
	}{{"/a/b", 1}, {"/a/b", 0}, {"/missing", 0}, {"/A/B", 0}, {"/a/b/", 0}} {
		if n, err := s.Delete(t.Context(), c.path); err != nil || n != c.n {
			t.Errorf("Delete(%q) = %d, %v; want %d", c.path, n, err, c.n)
		}
	}
	wantMissing(t, s, "/a/b")
	wantPaths(t, s, "*", "/a/b/c", "/a/bc", "a/b")
	// The path is free for a new document, with a new Created.
	it := put(t, s, "/a/b", `{"again":true}`)
	if got := mustGet(t, s, "/a/b"); got.Revision != it.Revision || string(got.Data) != `{"again":true}` {
		t.Errorf("rewritten path = %s", show(got))
	}
}

func testDeletePattern(t *testing.T, open func() store.Store) {
	s := open()
	for _, c := range patternCases {
		if _, err := s.Delete(t.Context(), "*"); err != nil {
			t.Fatal(err)
		}
		putAll(t, s, patternFixture...)
		n, err := s.Delete(t.Context(), c.pattern)
		if err != nil || n != len(c.want) {
			t.Errorf("Delete(%q) = %d, %v; want %d", c.pattern, n, err, len(c.want))
		}
		var rest []string
		for _, p := range patternFixture {
			if !slices.Contains(c.want, p) {
				rest = append(rest, p)
			}
		}
		sortBytes(rest)
		wantPaths(t, s, "*", rest...)
	}
}

func testDeleteMany(t *testing.T, open func() store.Store) {
	s := open()
	// More than any sensible batch, so a backend that deletes in chunks
	// must resume correctly; odd-numbered paths are interleaved and stay.
	paths := bulk(t, s, "/m/", 3000)
	var odd []string
	for i, p := range paths {
		if i%2 == 1 {
			odd = append(odd, p)
		}
	}
	n, err := s.Delete(t.Context(), "/m/*0")
	n2, err2 := s.Delete(t.Context(), "/m/*2")
	n4, _ := s.Delete(t.Context(), "/m/*4")
	n6, _ := s.Delete(t.Context(), "/m/*6")
	n8, _ := s.Delete(t.Context(), "/m/*8")
	if err != nil || err2 != nil || n+n2+n4+n6+n8 != 1500 || n != 300 {
		t.Errorf("deleted %d+%d+%d+%d+%d (errors %v, %v); want 300 each", n, n2, n4, n6, n8, err, err2)
	}
	wantPaths(t, s, "/m/*", odd...)
	if n, err := s.Delete(t.Context(), "/m/*"); err != nil || n != 1500 {
		t.Errorf("Delete(/m/*) = %d, %v; want 1500", n, err)
	}
	wantPaths(t, s, "*")
}
