package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn/store"
)

var updateChecks = []check{
	{"GetMissing", testGetMissing},
	{"UpdateCreate", testUpdateCreate},
	{"UpdateReplace", testUpdateReplace},
	{"UpdateGivenTimes", testUpdateGivenTimes},
	{"RevisionStoreWide", testRevisionStoreWide},
	{"UpdateFuncError", testUpdateFuncError},
	{"DataOwnership", testDataOwnership},
	{"InvalidData", testInvalidData},
	{"DataVerbatim", testDataVerbatim},
	{"PathsVerbatim", testPathsVerbatim},
	{"View", testView},
}

// testView checks the optional store.Viewer: View answers exactly as Get.
func testView(t *testing.T, open func() store.Store) {
	s := open()
	v := optional[store.Viewer](t, s, "store.Viewer")
	put(t, s, "/v", `{"a":1}`)
	for _, p := range []string{"/v", "/missing"} {
		got, gotOK, err := v.View(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		want, wantOK, _ := s.Get(t.Context(), p)
		if gotOK != wantOK {
			t.Fatalf("View(%q) found=%v, Get found=%v", p, gotOK, wantOK)
		}
		if gotOK {
			sameItem(t, "View "+p, got, want)
		}
	}
}

func testGetMissing(t *testing.T, open func() store.Store) {
	s := open()
	wantMissing(t, s, "/missing")
	putAll(t, s, "/a", "/lit*")
	// Get never treats its argument as a pattern, and near misses miss.
	for _, p := range []string{"/a/", "/A", "a", "/a*", "*", "/lit", "/lita"} {
		wantMissing(t, s, p)
	}
	if got := mustGet(t, s, "/lit*"); string(got.Data) != pathDoc("/lit*") {
		t.Errorf("Get(/lit*).Data = %s", got.Data)
	}
}

func testUpdateCreate(t *testing.T, open func() store.Store) {
	s := open()
	before := time.Now().UnixMilli()
	calls := 0
	it, err := s.Update(t.Context(), "/a/b", func(cur *store.Item) (store.Change, error) {
		calls++
		if cur != nil {
			t.Errorf("fn got current %s for a new path, want nil", show(*cur))
		}
		return store.Change{Data: []byte(`{"x":1}`), ModifiedBy: "alice"}, nil
	})
	after := time.Now().UnixMilli()
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
	if it.Path != "/a/b" || string(it.Data) != `{"x":1}` || it.ModifiedBy != "alice" {
		t.Errorf("Update returned %s", show(it))
	}
	if it.Created < before || it.Created > after || it.Modified != it.Created {
		t.Errorf("Created %d, Modified %d; want both equal and within [%d, %d]", it.Created, it.Modified, before, after)
	}
	if it.Revision == 0 {
		t.Errorf("Revision = 0, want > 0")
	}
	sameItem(t, "Get", mustGet(t, s, "/a/b"), it)
}

func testUpdateReplace(t *testing.T, open func() store.Store) {
	s := open()
	first, err := s.Update(t.Context(), "/doc", set(`{"a":1,"b":2}`, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // so that Modified, in milliseconds, must move
	second, err := s.Update(t.Context(), "/doc", func(cur *store.Item) (store.Change, error) {
		if cur == nil {
			t.Fatal("fn got nil current for an existing path")
		}
		sameItem(t, "fn's current", *cur, first)
		return store.Change{Data: []byte(`{"c":3}`), ModifiedBy: "bob"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if second.Created != first.Created {
		t.Errorf("Created changed from %d to %d", first.Created, second.Created)
	}
	if second.Modified <= first.Modified {
		t.Errorf("Modified = %d, want > %d", second.Modified, first.Modified)
	}
	if second.Revision <= first.Revision {
		t.Errorf("Revision = %d, want > %d", second.Revision, first.Revision)
	}
	if string(second.Data) != `{"c":3}` || second.ModifiedBy != "bob" || second.Path != "/doc" {
		t.Errorf("second write returned %s; want the new data replacing (not merging) the old", show(second))
	}
	sameItem(t, "Get", mustGet(t, s, "/doc"), second)
}

// testUpdateGivenTimes checks Change.Created and Change.Modified: when
// set they are recorded instead of the store's own times, each on its own.
func testUpdateGivenTimes(t *testing.T, open func() store.Store) {
	s := open()
	times := func(created, modified int64) store.UpdateFunc {
		return func(*store.Item) (store.Change, error) {
			return store.Change{Data: []byte(`{"t":1}`), Created: created, Modified: modified}, nil
		}
	}
	it, err := s.Update(t.Context(), "/imported", times(1_600_000_000_000, 1_600_000_000_500))
	if err != nil {
		t.Fatal(err)
	}
	if it.Created != 1_600_000_000_000 || it.Modified != 1_600_000_000_500 {
		t.Errorf("new item with given times: Created %d, Modified %d; want 1600000000000, 1600000000500", it.Created, it.Modified)
	}
	sameItem(t, "Get", mustGet(t, s, "/imported"), it)

	// Only Modified given: Created is kept from the current item.
	before := time.Now().UnixMilli()
	it, err = s.Update(t.Context(), "/imported", times(0, 1_700_000_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if it.Created != 1_600_000_000_000 || it.Modified != 1_700_000_000_000 {
		t.Errorf("Modified given: Created %d, Modified %d; want 1600000000000, 1700000000000", it.Created, it.Modified)
	}
	// Only Created given: Modified is now.
	it, err = s.Update(t.Context(), "/imported", times(1_500_000_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if it.Created != 1_500_000_000_000 || it.Modified < before || it.Modified > time.Now().UnixMilli() {
		t.Errorf("Created given: Created %d, Modified %d; want 1500000000000 and now", it.Created, it.Modified)
	}
	sameItem(t, "Get", mustGet(t, s, "/imported"), it)
}

func testRevisionStoreWide(t *testing.T, open func() store.Store) {
	s := open()
	var last uint64
	for i, p := range []string{"/a", "/b", "/a", "/c", "/b/c", "/a", "/d"} {
		if i == 4 {
			if _, err := s.Delete(t.Context(), "/c"); err != nil {
				t.Fatal(err)
			}
		}
		it := put(t, s, p, `{}`)
		if it.Revision <= last {
			t.Fatalf("write %d (%s) got revision %d, want > %d", i, p, it.Revision, last)
		}
		last = it.Revision
		if got := mustGet(t, s, p).Revision; got != it.Revision {
			t.Errorf("Get(%s).Revision = %d, want %d", p, got, it.Revision)
		}
	}
}

func testUpdateFuncError(t *testing.T, open func() store.Store) {
	s := open()
	old := put(t, s, "/x", `{"v":1}`)
	boom := errors.New("boom")
	_, err := s.Update(t.Context(), "/x", func(*store.Item) (store.Change, error) {
		return store.Change{Data: []byte(`{"v":2}`)}, boom
	})
	if err != boom { //nolint:errorlint // the contract is "unchanged", not "wrapped"
		t.Errorf("Update returned %v, want fn's error unchanged", err)
	}
	sameItem(t, "Get after the aborted update", mustGet(t, s, "/x"), old)

	_, err = s.Update(t.Context(), "/new", func(*store.Item) (store.Change, error) {
		return store.Change{Data: []byte(`{}`)}, boom
	})
	if err != boom { //nolint:errorlint
		t.Errorf("Update of a new path returned %v, want fn's error unchanged", err)
	}
	wantMissing(t, s, "/new")
	wantPaths(t, s, "*", "/x")
	if next := put(t, s, "/x", `{"v":3}`); next.Revision <= old.Revision || next.Created != old.Created {
		t.Errorf("write after an aborted one = %s; want revision > %d and Created %d", show(next), old.Revision, old.Created)
	}
}

func testDataOwnership(t *testing.T, open func() store.Store) {
	s := open()
	buf := []byte(`{"v":"abc"}`)
	if _, err := s.Update(t.Context(), "/x", func(*store.Item) (store.Change, error) {
		return store.Change{Data: buf}, nil
	}); err != nil {
		t.Fatal(err)
	}
	copy(buf, `{"v":"XYZ"}`) // the caller reuses its buffer
	got := mustGet(t, s, "/x")
	if string(got.Data) != `{"v":"abc"}` {
		t.Fatalf("stored data changed with the caller's buffer: %s", got.Data)
	}
	copy(got.Data, `{"v":"XYZ"}`) // a reader scribbles on what Get returned
	if again := mustGet(t, s, "/x"); string(again.Data) != `{"v":"abc"}` {
		t.Errorf("stored data changed with Get's result: %s", again.Data)
	}
	// Scan's items are read-only views: nothing to check by writing.
}

func testInvalidData(t *testing.T, open func() store.Store) {
	s := open()
	old := put(t, s, "/old", `{"keep":true}`)
	for _, data := range []string{
		"", " ", "null", "1", `"s"`, "[1,2]", "[]", "true", "{", `{"a":1`, `{"a":1}x`, `{"a":1}{}`,
		`{a:1}`, `{"a":}`, `{"a":1,}`, "\x00{}", `{"a":"` + "\x01" + `"}`,
	} {
		for _, path := range []string{"/new", "/old"} {
			_, err := s.Update(t.Context(), path, set(data, ""))
			if !errors.Is(err, store.ErrInvalidData) {
				t.Errorf("Update(%s, %q) error = %v, want ErrInvalidData", path, data, err)
			}
		}
	}
	wantMissing(t, s, "/new")
	sameItem(t, "Get(/old)", mustGet(t, s, "/old"), old)
}

func testDataVerbatim(t *testing.T, open func() store.Store) {
	s := open()
	big := `{"big":"` + strings.Repeat("0123456789abcdef", 1<<16) + `"}` // 1 MiB
	for i, data := range []string{
		`{}`,
		" \t\r\n{ \"spaced\" : [ 1 , 2 ] }\n",
		`{"a":[1,{"b":null}],"c":"é\u00e9\"\\\/","d":-1.5e+300,"e":{"f":{}}}`,
		`{"z":1,"a":2,"z":3}`,                      // duplicate keys and key order are the caller's business
		`{"bin":"` + "\u2028\u2029\xff\xfe" + `"}`, // not UTF-8: stored as given
		big,
	} {
		path := "/d/" + string(rune('a'+i))
		put(t, s, path, data)
		if got := mustGet(t, s, path); !bytes.Equal(got.Data, []byte(data)) {
			t.Errorf("Get(%s).Data differs from what was written (len %d, want %d): %.80q", path, len(got.Data), len(data), got.Data)
		}
	}
}

func testPathsVerbatim(t *testing.T, open func() store.Store) {
	s := open()
	paths := []string{"a/b", "/a/b", "/a/b/", "/a//b", "", "/", "/A/B", "/a b", "/é", "/a\tb", "//"}
	putAll(t, s, paths...)
	for _, p := range paths {
		if got := mustGet(t, s, p); got.Path != p || string(got.Data) != pathDoc(p) {
			t.Errorf("Get(%q) = %s", p, show(got))
		}
	}
	want := append([]string(nil), paths...)
	sortBytes(want)
	wantPaths(t, s, "*", want...)
}
