package storetest

import (
	"errors"
	"testing"

	"github.com/happn-go/happn/store"
)

var closeChecks = []check{
	{"Closed", testClosed},
	{"CloseDuringScan", testCloseDuringScan},
}

func testClosed(t *testing.T, open func() store.Store) {
	s := open()
	putAll(t, s, "/a", "/b")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	if _, _, err := s.Get(ctx, "/a"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Get: %v, want ErrClosed", err)
	}
	called := false
	if _, err := s.Update(ctx, "/a", func(*store.Item) (store.Change, error) {
		called = true
		return store.Change{Data: []byte(`{}`)}, nil
	}); !errors.Is(err, store.ErrClosed) || called {
		t.Errorf("Update: %v (fn called: %v), want ErrClosed without calling fn", err, called)
	}
	if _, err := s.Delete(ctx, "/a"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Delete: %v, want ErrClosed", err)
	}
	if _, err := s.Delete(ctx, "*"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Delete(*): %v, want ErrClosed", err)
	}
	for _, pattern := range []string{"*", "/a"} {
		n := 0
		for _, err := range s.Scan(ctx, pattern) {
			n++
			if !errors.Is(err, store.ErrClosed) {
				t.Errorf("Scan(%q): %v, want ErrClosed", pattern, err)
			}
		}
		if n != 1 {
			t.Errorf("Scan(%q) yielded %d times, want once (the error)", pattern, n)
		}
	}
	if c, ok := s.(store.Counter); ok {
		if _, err := c.Count(ctx, "*"); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Count: %v, want ErrClosed", err)
		}
	}
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}

func testCloseDuringScan(t *testing.T, open func() store.Store) {
	s := open()
	paths := bulk(t, s, "/q/", 2000)
	n, closed := 0, false
	var last string
	for it, err := range s.Scan(t.Context(), "/q/*") {
		if err != nil {
			// A backend may stop the scan once the store is closed; it must
			// say why, and only after the close.
			if !closed || !errors.Is(err, store.ErrClosed) {
				t.Errorf("scan error %v (closed: %v), want ErrClosed after Close", err, closed)
			}
			continue
		}
		if it.Path <= last {
			t.Fatalf("%q after %q", it.Path, last)
		}
		last = it.Path
		n++
		if n == 10 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			closed = true
		}
	}
	if n < 10 || n > len(paths) {
		t.Errorf("scan yielded %d items", n)
	}
}
