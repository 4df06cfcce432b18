package storetest

import (
	"testing"

	"github.com/happn-go/happn/store"
)

// RunReopen checks that a persistent backend keeps everything across Close
// and reopen. open must return a store on the files in dir, creating them
// when dir is empty; the suite closes every store it opens.
func RunReopen(t *testing.T, open func(t *testing.T, dir string) store.Store) {
	t.Helper()
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, reopen func() store.Store)
	}{
		{"Persist", testPersist},
		{"RevisionAfterReopen", testRevisionAfterReopen},
		{"IndexAfterReopen", testIndexAfterReopen},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var last store.Store
			c.fn(t, func() store.Store {
				if last != nil {
					if err := last.Close(); err != nil {
						t.Fatalf("Close before reopening: %v", err)
					}
				}
				last = open(t, dir)
				return last
			})
			t.Cleanup(func() { _ = last.Close() })
		})
	}
}

func testPersist(t *testing.T, reopen func() store.Store) {
	s := reopen()
	want := map[string]store.Item{}
	write := func(path, data, by string) {
		t.Helper()
		it, err := s.Update(t.Context(), path, set(data, by))
		if err != nil {
			t.Fatal(err)
		}
		want[path] = it
	}
	write("/a", `{"a":1}`, "")
	write("/b/c", `{"s":"é\u00e9\"\\ \r\n*3\r\n$3\r\nset"}`, "alice") // text that looks like the AOF format
	write("", `{"empty":"path"}`, "bob")
	write("/gone", `{}`, "")
	write("/a", `{"a":2}`, "carol")
	imported, err := s.Update(t.Context(), "/imported", func(*store.Item) (store.Change, error) {
		return store.Change{Data: []byte(`{}`), Created: 1_600_000_000_000, Modified: 1_600_000_000_001}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want["/imported"] = imported
	bulk(t, s, "/many/", 600)
	if n, err := s.Delete(t.Context(), "/gone"); err != nil || n != 1 {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	if n, err := s.Delete(t.Context(), "/many/*5"); err != nil || n != 60 {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	delete(want, "/gone")
	before := scan(t, s, "*")

	for round := range 2 {
		s = reopen()
		after := scan(t, s, "*")
		if len(after) != len(before) {
			t.Fatalf("reopen %d: %d items, want %d", round, len(after), len(before))
		}
		for i := range after {
			sameItem(t, "reopened "+before[i].Path, after[i], before[i])
		}
		for p, it := range want {
			sameItem(t, "Get("+p+") after reopen", mustGet(t, s, p), it)
		}
		wantMissing(t, s, "/gone")
	}
}

func testRevisionAfterReopen(t *testing.T, reopen func() store.Store) {
	s := reopen()
	put(t, s, "/a", `{}`)
	put(t, s, "/b", `{}`)
	top := put(t, s, "/c", `{}`)
	// Deleting the newest record must not let its revision be issued again.
	if n, err := s.Delete(t.Context(), "/c"); err != nil || n != 1 {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	s = reopen()
	next := put(t, s, "/d", `{}`)
	if next.Revision <= top.Revision {
		t.Fatalf("after reopen: revision %d, want > %d", next.Revision, top.Revision)
	}
	// The same through a pattern delete, twice over.
	top = put(t, s, "/e/1", `{}`)
	if n, err := s.Delete(t.Context(), "/e/*"); err != nil || n != 1 {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	reopen() // opened and closed without a write: the revision must survive that too
	s = reopen()
	if next := put(t, s, "/a", `{}`); next.Revision <= top.Revision {
		t.Fatalf("after reopen: revision %d, want > %d", next.Revision, top.Revision)
	}
}
