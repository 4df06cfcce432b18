package fieldindex_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
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

// span is the ends of a range.
type span struct{ lo, hi store.Bound }

// between is a range from lo to hi; x makes an end exclusive.
func between(lo float64, xlo bool, hi float64, xhi bool) span {
	return span{store.Bound{Value: lo, Exclusive: xlo}, store.Bound{Value: hi, Exclusive: xhi}}
}

func TestLookupRangeAndApply(t *testing.T) {
	d := newDocs()
	d.set("/a", `{"n":1}`)
	d.set("/b", `{"n":2.5}`)
	d.set("/c", `{"n":[3,10]}`)      // a span: in (5, 8) by 10 > 5 and 3 < 8
	d.set("/d", `{"n":[4,4.0,"x"]}`) // a point: its numbers are equal
	d.set("/e", `{"n":"5"}`)
	d.set("/f", `{"n":[[6]],"m":6}`)
	d.set("/g", `{"n":1e999}`)
	d.set("/h", `{"n":-0.0}`)
	inf := math.Inf(1)
	want := func(r span, paths ...string) {
		t.Helper()
		got, ok, err := d.index.LookupRange(t.Context(), "", "n", r.lo, r.hi)
		if err != nil || !ok || !slices.Equal(got, paths) {
			t.Errorf("LookupRange(%v, %v) = %q, %v, %v; want %q", r.lo, r.hi, got, ok, err, paths)
		}
	}
	want(between(-inf, false, inf, false), "/a", "/b", "/c", "/d", "/g", "/h")
	want(between(5, true, 8, true), "/c")
	want(between(1, false, 4, false), "/a", "/b", "/c", "/d")
	want(between(1, true, 4, true), "/b", "/c")
	want(between(0, false, 0, false), "/h")
	want(between(10, false, inf, true), "/c")
	want(between(10, true, inf, false), "/g")
	want(between(11, false, 3, false)) // no: 10 >= 11 fails
	want(between(9, false, 2, false))  // no: 10 >= 9 and 3 <= 2 fails
	want(between(9, false, 3, false), "/c")

	d.set("/c", `{"n":7}`)
	d.set("/a", `{"m":1}`)
	d.set("/i", `{"n":[5.5,9]}`)
	d.del("/d")
	want(between(5, true, 8, true), "/c", "/i")
	want(between(-inf, false, 4, false), "/b", "/h")
	// n: 2.5 /b, 7 /c, 1e999 /g, -0 /h, [5.5,9] /i; a range lookup of m
	// builds a second ordering: 1 /a, 6 /f.
	if _, ok, _ := d.index.LookupRange(t.Context(), "", "m", store.Bound{Value: -inf}, store.Bound{Value: inf}); !ok {
		t.Fatal("m declined")
	}
	if st := d.index.Stats(); st != (fieldindex.Stats{Keys: 2, Numbers: 7}) {
		t.Errorf("Stats = %+v, want 2 keys, 7 numbers", st)
	}
	// An equality index of n is a third index, built apart.
	if paths, ok := lookup(t, d.index, "", "n", `7.0`); !ok || !slices.Equal(paths, []string{"/c"}) {
		t.Errorf("Lookup(n, 7.0) = %q, %v", paths, ok)
	}
	if st := d.index.Stats(); st != (fieldindex.Stats{Keys: 3, Values: 7, Entries: 7, Numbers: 7}) {
		t.Errorf("Stats = %+v, want 3 keys, 7 values and entries, 7 numbers", st)
	}
}

func TestLookupRangePrefix(t *testing.T) {
	d := newDocs()
	for i := range 30 {
		d.set(fmt.Sprintf("/%c/%02d", 'a'+rune(i%3), i), fmt.Sprintf(`{"n":%d}`, 29-i))
	}
	d.set("/b/arr", `{"n":[0,100]}`)
	got, ok, err := d.index.LookupRange(t.Context(), "/b/", "n", store.Bound{Value: 10}, store.Bound{Value: 20})
	want := []string{"/b/10", "/b/13", "/b/16", "/b/19", "/b/arr"}
	if err != nil || !ok || !slices.Equal(got, want) {
		t.Errorf("LookupRange under /b/ = %q, %v, %v; want %q", got, ok, err, want)
	}
}

func TestLookupRangeDeclines(t *testing.T) {
	d := newDocs()
	d.set("/a", `{"n":1}`)
	nan := store.Bound{Value: math.NaN()}
	if _, ok, _ := d.index.LookupRange(t.Context(), "", "n", nan, store.Bound{Value: 1}); ok {
		t.Error("a NaN bound answered")
	}
	if _, ok, _ := d.index.LookupRange(t.Context(), "", "n", store.Bound{Value: 1}, nan); ok {
		t.Error("a NaN bound answered")
	}
	if st := d.index.Stats(); st.Keys != 0 {
		t.Errorf("a declined range built an index: %+v", st)
	}
	for i := range fieldindex.MaxKeys {
		if i%2 == 0 {
			lookup(t, d.index, "", fmt.Sprint("k", i), `1`)
		} else if _, ok, _ := d.index.LookupRange(t.Context(), "", fmt.Sprint("k", i), store.Bound{}, store.Bound{}); !ok {
			t.Fatalf("key %d declined", i)
		}
	}
	if _, ok, _ := d.index.LookupRange(t.Context(), "", "k0", store.Bound{}, store.Bound{}); ok {
		t.Error("a range answered past MaxKeys")
	}
}

func TestLookupRangeDuringBuild(t *testing.T) {
	d := newDocs()
	d.set("/a", `{"k":1}`)
	d.set("/c", `{"k":[0,9]}`)
	d.pause = make(chan struct{})
	all := func() ([]string, bool) {
		paths, ok, _ := d.index.LookupRange(context.Background(), "", "k", store.Bound{Value: 1}, store.Bound{Value: 1})
		return paths, ok
	}
	done := make(chan []string)
	go func() {
		paths, _ := all()
		done <- paths
	}()
	for d.index.Stats().Keys == 0 {
		runtime.Gosched()
	}
	if _, ok := all(); ok {
		t.Error("a range lookup answered while the key was being built")
	}
	d.set("/b", `{"k":[1,2]}`) // written during the build: the build must keep it
	d.del("/a")                // deleted during the build, after the pass read it
	d.set("/c", `{"k":[2,9]}`) // changed out of the range
	close(d.pause)
	if got := <-done; !slices.Equal(got, []string{"/b"}) {
		t.Errorf("the building lookup = %q, want [/b]", got)
	}
}

func TestLookupRangeDeclinesWide(t *testing.T) {
	d := newDocs()
	const n = 8 * fieldindex.RangeScanMin
	for i := range n {
		d.set(fmt.Sprintf("/%05d", i), fmt.Sprintf(`{"n":%d}`, i))
	}
	d.set("/s", `{"n":[-1,1e9]}`)               // a span in every range
	const limit = n / fieldindex.RangeScanShare // the span makes n+1 documents: the same
	for _, tc := range []struct {
		lo, hi float64
		ok     bool
	}{
		{0, limit - 2, true}, // limit-1 points and the span
		{0, limit - 1, false},
		{-1, -1, true},
		{0, n, false},
		{n - limit + 1, n, true},
	} {
		paths, ok, err := d.index.LookupRange(t.Context(), "", "n", store.Bound{Value: tc.lo}, store.Bound{Value: tc.hi})
		if err != nil || ok != tc.ok {
			t.Errorf("LookupRange(%v, %v): %d paths, ok %v, %v; want ok %v", tc.lo, tc.hi, len(paths), ok, err, tc.ok)
		}
	}
}
