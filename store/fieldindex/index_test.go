package fieldindex_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/fieldindex"
)

// docs is a minimal store for driving an Index by hand: a map of
// documents that tells the index of every write.
type docs struct {
	mu    sync.Mutex
	data  map[string]string
	index *fieldindex.Index
	// fail, when set, makes the index's pass over the items fail after
	// that many items.
	fail int
	// pause, when set, is received from before the pass's first item.
	pause chan struct{}
}

func newDocs() *docs {
	d := &docs{data: map[string]string{}}
	d.index = fieldindex.New(d.all)
	return d
}

func (d *docs) all(ctx context.Context) iter.Seq2[store.Item, error] {
	return func(yield func(store.Item, error) bool) {
		d.mu.Lock()
		var items []store.Item
		for p, v := range d.data {
			items = append(items, store.Item{Path: p, Data: []byte(v)})
		}
		d.mu.Unlock()
		if d.pause != nil {
			<-d.pause
		}
		for i, it := range items {
			if d.fail > 0 && i == d.fail {
				yield(store.Item{}, errors.New("disk on fire"))
				return
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

func (d *docs) set(path, v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old, ok := d.data[path]
	d.data[path] = v
	var before []byte
	if ok {
		before = []byte(old)
	}
	d.index.Apply(path, before, []byte(v))
}

func (d *docs) del(path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.data[path]; ok {
		delete(d.data, path)
		d.index.Apply(path, []byte(old), nil)
	}
}

// lookup calls Lookup and fails the test on an error.
func lookup(t *testing.T, x *fieldindex.Index, prefix, key, value string) ([]string, bool) {
	t.Helper()
	paths, ok, err := x.Lookup(t.Context(), prefix, key, []byte(value))
	if err != nil {
		t.Fatalf("Lookup(%q, %q, %s): %v", prefix, key, value, err)
	}
	return paths, ok
}

func TestLookupAndApply(t *testing.T) {
	d := newDocs()
	d.set("/a", `{"g":"x","n":1}`)
	d.set("/b", `{"g":"x","n":2}`)
	d.set("/c", `{"g":["y","x"]}`)
	d.index.Apply("/ignored", nil, []byte(`{"g":"x"}`)) // nothing indexed yet: nothing kept
	want := func(key, value string, paths ...string) {
		t.Helper()
		got, ok := lookup(t, d.index, "", key, value)
		if !ok || !slices.Equal(got, paths) {
			t.Errorf("Lookup(%s, %s) = %q, %v; want %q", key, value, got, ok, paths)
		}
	}
	want("g", `"x"`, "/a", "/b", "/c")
	d.set("/b", `{"g":"y","n":2}`)
	d.set("/d", `{"g":"\u0078"}`)
	d.del("/a")
	want("g", `"x"`, "/c", "/d")
	want("g", `"y"`, "/b", "/c")
	want("n", `2.0`, "/b")
	// g: "x" on /c and /d, "y" on /b and /c; n: 2 on /b.
	if st := d.index.Stats(); st != (fieldindex.Stats{Keys: 2, Values: 3, Entries: 5}) {
		t.Errorf("Stats = %+v, want 2 keys, 3 values, 5 entries", st)
	}
	d.index.Reset()
	if st := d.index.Stats(); st != (fieldindex.Stats{}) {
		t.Errorf("Stats after Reset = %+v", st)
	}
	want("g", `"y"`, "/b", "/c") // rebuilt
}

func TestLookupDeclines(t *testing.T) {
	d := newDocs()
	for i := range fieldindex.MaxKeys + 1 {
		d.set(fmt.Sprint("/", i), fmt.Sprintf(`{"k%d":1}`, i))
	}
	for _, v := range []string{`[1]`, `{"a":1}`, `nonsense`, `9007199254740992.0`} {
		if _, ok := lookup(t, d.index, "", "k0", v); ok {
			t.Errorf("Lookup of %s answered", v)
		}
	}
	if st := d.index.Stats(); st.Keys != 0 {
		t.Errorf("a declined value built an index: %+v", st)
	}
	for i := range fieldindex.MaxKeys {
		if paths, ok := lookup(t, d.index, "", fmt.Sprint("k", i), `1`); !ok || len(paths) != 1 {
			t.Errorf("key %d: %q, %v", i, paths, ok)
		}
	}
	if _, ok := lookup(t, d.index, "", fmt.Sprint("k", fieldindex.MaxKeys), `1`); ok {
		t.Errorf("key %d answered past MaxKeys", fieldindex.MaxKeys)
	}
	if _, ok := lookup(t, d.index, "", "k0", `1`); !ok {
		t.Error("an indexed key declined at the cap")
	}
}

func TestBuildFails(t *testing.T) {
	d := newDocs()
	for i := range 10 {
		d.set(fmt.Sprint("/", i), `{"k":1}`)
	}
	d.fail = 5
	if _, _, err := d.index.Lookup(t.Context(), "", "k", []byte(`1`)); err == nil {
		t.Fatal("a failed pass gave no error")
	}
	if st := d.index.Stats(); st.Keys != 0 {
		t.Errorf("a failed build stays: %+v", st)
	}
	d.fail = 0
	if paths, ok := lookup(t, d.index, "", "k", `1`); !ok || len(paths) != 10 {
		t.Errorf("after a failed build: %q, %v", paths, ok)
	}
}

func TestLookupDuringBuild(t *testing.T) {
	d := newDocs()
	d.set("/a", `{"k":1}`)
	d.pause = make(chan struct{})
	done := make(chan []string)
	go func() {
		paths, _, _ := d.index.Lookup(context.Background(), "", "k", []byte(`1`))
		done <- paths
	}()
	// Wait until the build is registered, then look up while it is paused.
	for d.index.Stats().Keys == 0 {
		runtime.Gosched()
	}
	if _, ok := lookup(t, d.index, "", "k", `1`); ok {
		t.Error("a lookup answered while the key was being built")
	}
	d.set("/b", `{"k":1}`) // written during the build: the build must keep it
	d.del("/a")            // deleted during the build, after the pass read it
	close(d.pause)
	if got := <-done; !slices.Equal(got, []string{"/b"}) {
		t.Errorf("the building lookup = %q, want [/b]", got)
	}
	if got, _ := lookup(t, d.index, "", "k", `1`); !slices.Equal(got, []string{"/b"}) {
		t.Errorf("after the build = %q, want [/b]", got)
	}
}
