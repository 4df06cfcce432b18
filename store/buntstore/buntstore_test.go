package buntstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/happn-go/happn/store/storetest"
)

// openIn opens a store on dir/db, failing the test on error.
func openIn(t testing.TB, dir string, opts buntstore.Options) *buntstore.Store {
	t.Helper()
	s, err := buntstore.Open(filepath.Join(dir, "db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openIn(t, t.TempDir(), buntstore.Options{}) })
}

func TestSyncPolicies(t *testing.T) {
	// The policies differ only in when buntdb fsyncs, which a test cannot
	// observe short of pulling the plug; check that each one works.
	for _, p := range []buntstore.SyncPolicy{buntstore.SyncEverySecond, buntstore.SyncAlways, buntstore.SyncNever} {
		dir := t.TempDir()
		s := openIn(t, dir, buntstore.Options{Sync: p})
		for _, path := range []string{"/a", "/b", "/a"} {
			if _, err := s.Update(t.Context(), path, func(*store.Item) (store.Change, error) {
				return store.Change{Data: []byte(`{"p":1}`)}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		s = openIn(t, dir, buntstore.Options{Sync: p})
		if n, err := s.Count(t.Context(), "*"); n != 2 || err != nil {
			t.Errorf("policy %d: %d items after reopen, %v; want 2", p, n, err)
		}
		s.Close()
	}
}

func TestReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T, dir string) store.Store { return openIn(t, dir, buntstore.Options{}) })
}

func TestOpenTwice(t *testing.T) {
	dir := t.TempDir()
	s := openIn(t, dir, buntstore.Options{})
	_, err := buntstore.Open(filepath.Join(dir, "db"), buntstore.Options{})
	if !errors.Is(err, buntstore.ErrLocked) || !strings.Contains(err.Error(), "held by process") {
		t.Fatalf("second Open: %v, want ErrLocked naming the holder", err)
	}
	// The refused Open must not have disturbed the first store.
	if _, err := s.Update(t.Context(), "/a", func(*store.Item) (store.Change, error) {
		return store.Change{Data: []byte(`{}`)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Once closed, the file is free again and the write is there.
	s = openIn(t, dir, buntstore.Options{})
	defer s.Close()
	if _, ok, err := s.Get(t.Context(), "/a"); !ok || err != nil {
		t.Fatalf("Get after reopen: %v, %v", ok, err)
	}
}

func TestOpenRejectsBadArguments(t *testing.T) {
	for _, p := range []string{":memory:", ""} {
		if s, err := buntstore.Open(p, buntstore.Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
	if s, err := buntstore.Open(filepath.Join(t.TempDir(), "db"), buntstore.Options{Sync: 99}); err == nil {
		s.Close()
		t.Error("Open with SyncPolicy 99 succeeded, want an error")
	}
	if _, err := os.Stat(":memory:.lock"); err == nil {
		t.Error("Open(:memory:) created a lock file")
	}
}

func TestShrink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	s := openIn(t, dir, buntstore.Options{})
	ctx := t.Context()
	set := func(data string) store.UpdateFunc {
		return func(*store.Item) (store.Change, error) { return store.Change{Data: []byte(data)}, nil }
	}
	for range 50 {
		for _, p := range []string{"/a", "/b", "/c"} {
			if _, err := s.Update(ctx, p, set(`{"filler":"`+strings.Repeat("x", 100)+`"}`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	last, err := s.Update(ctx, "/c", set(`{"last":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, "/c"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := s.Shrink(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if after.Size() >= before.Size()/10 {
		t.Errorf("file %d bytes after Shrink, %d before; want it to lose the 150 overwritten records", after.Size(), before.Size())
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Shrink left %s.tmp behind: %v", path, err)
	}
	// Writes after the shrink land in the new file and everything,
	// including the revision high-water mark, survives a reopen.
	if _, err := s.Update(ctx, "/d", set(`{"after":"shrink"}`)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Shrink(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Shrink after Close: %v, want ErrClosed", err)
	}
	s = openIn(t, dir, buntstore.Options{})
	defer s.Close()
	var paths []string
	for it, err := range s.Scan(ctx, "*") {
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, it.Path)
	}
	if strings.Join(paths, ",") != "/a,/b,/d" {
		t.Errorf("after shrink and reopen: %q", paths)
	}
	if it, err := s.Update(ctx, "/e", set(`{}`)); err != nil || it.Revision <= last.Revision+1 {
		t.Errorf("revision after shrink and reopen = %d, %v; want > %d", it.Revision, err, last.Revision+1)
	}
}

func TestStaleShrinkFileRemoved(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "db.tmp")
	if err := os.WriteFile(tmp, []byte("half a compaction"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := openIn(t, dir, buntstore.Options{})
	defer s.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open left a stale %s: %v", tmp, err)
	}
}

func TestCorruptRecord(t *testing.T) {
	// A value that is not a record (another program wrote the file) is
	// reported as corruption at Open, not misread.
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	if err := os.WriteFile(path, []byte("*3\r\n$3\r\nset\r\n$2\r\nd/\r\n$5\r\nhello\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := buntstore.Open(path, buntstore.Options{}); !errors.Is(err, buntstore.ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
}
