package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/store"
)

// The checks of store.Indexer hold every lookup to a reference: a Scan
// with the criteria evaluator's {key: value}. A lookup the store declines
// (ok false) is allowed and skipped, but each check fails a store that
// declines all of its lookups: an Indexer is expected to index at least
// the dozen keys a check uses.
var indexChecks = []check{
	{"IndexLookup", testIndexLookup},
	{"IndexAfterWrites", testIndexAfterWrites},
	{"IndexRandomWrites", testIndexRandomWrites},
	{"IndexBuildDuringWrites", testIndexBuildDuringWrites},
	{"IndexContextAndClose", testIndexContextAndClose},
}

// indexer returns s as a store.Indexer, or skips the test.
func indexer(t *testing.T, s store.Store) store.Indexer {
	t.Helper()
	return optional[store.Indexer](t, s, "store.Indexer")
}

// optional returns s as the optional interface T (named name), or skips
// the test: a store need not implement the optional interfaces, and the
// checks of one it does not implement do not apply to it.
func optional[T any](t *testing.T, s store.Store, name string) T {
	t.Helper()
	v, ok := s.(T)
	if !ok {
		t.Skip("the store does not implement " + name + " (optional)")
	}
	return v
}

// referenceLookup is what Lookup must return: the paths under prefix of
// the items that criteria {key: value} match and that have member key.
func referenceLookup(t *testing.T, s store.Store, prefix, key, value string) []string {
	t.Helper()
	crit, err := json.Marshal(map[string]json.RawMessage{key: json.RawMessage(value)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := query.CompileDocument(crit) // keys here have no dots: a top-level member
	if err != nil {
		t.Fatalf("criteria %s: %v", crit, err)
	}
	var want []string
	for _, it := range scan(t, s, prefix+"*") {
		if q.MatchItem(it) && query.TopMember(it.Data, key) != "" {
			want = append(want, it.Path)
		}
	}
	return want
}

// lookupCounter checks lookups against the reference and counts those the
// store answered.
type lookupCounter struct {
	ix       store.Indexer
	s        store.Store
	answered int
}

// check compares Lookup(prefix, key, value) with the reference.
func (c *lookupCounter) check(t *testing.T, what, prefix, key, value string) {
	t.Helper()
	got, ok, err := c.ix.Lookup(t.Context(), prefix, key, []byte(value))
	if err != nil {
		t.Fatalf("%sLookup(%q, %q, %s): %v", what, prefix, key, value, err)
	}
	if !ok {
		return
	}
	c.answered++
	want := referenceLookup(t, c.s, prefix, key, value)
	if !slices.Equal(got, want) {
		t.Errorf("%sLookup(%q, %q, %s): %s", what, prefix, key, value, pathsDiff(got, want))
	}
}

// pathsDiff describes how got differs from want, briefly.
func pathsDiff(got, want []string) string {
	if !slices.IsSorted(got) {
		return fmt.Sprintf("not in order: %q", got)
	}
	var missing, extra []string
	for _, p := range want {
		if !slices.Contains(got, p) {
			missing = append(missing, p)
		}
	}
	for _, p := range got {
		if !slices.Contains(want, p) {
			extra = append(extra, p)
		}
	}
	short := func(ps []string) []string { return ps[:min(len(ps), 10)] }
	return fmt.Sprintf("%d paths, want %d: %d missing %q, %d extra %q (at most 10 shown)",
		len(got), len(want), len(missing), short(missing), len(extra), short(extra))
}

// done fails the test if the store declined every lookup.
func (c *lookupCounter) done(t *testing.T) {
	t.Helper()
	if c.answered == 0 {
		t.Error("the store declined every lookup (ok false)")
	}
}

// indexFixture is documents that hold a value in many spellings.
var indexFixture = []struct{ path, data string }{
	{"/i/a", `{"n":4242,"s":"x","b":true,"z":null,"arr":["x","y"],"o":{"s":"x"}}`},
	{"/i/b", `{"n":4242.0,"s":"\u0078","b":false,"arr":[1,2.0,[3]],"nested":[["x"]]}`},
	{"/i/c", `{"n":4.242e3,"s":"X","arr":[],"z":[null]}`},
	{"/i/d", `{"n":"4242","s":"a\"b","caf\u00e9":"\u00e9"}`},
	{"/i/e", `{"s":"x","s":"y"}`},
	{"/i/f", `{"\u006e":4242}`},
	{"/i/g", `{"n":9007199254740993}`},
	{"/i/h", `{"n":9007199254740992.0}`},
	{"/i/i", `{"n":-0}`},
	{"/i/j", `{"n":0.0}`},
	{"/j/a", `{"n":4242}`},
}

func testIndexLookup(t *testing.T, open func() store.Store) {
	s := open()
	ix := indexer(t, s)
	for _, d := range indexFixture {
		put(t, s, d.path, d.data)
	}
	c := &lookupCounter{ix: ix, s: s}
	for _, tc := range []struct {
		prefix, key, value string
		want               []string
	}{
		{"/i/", "n", `4242`, []string{"/i/a", "/i/b", "/i/c", "/i/f"}},
		{"/i/", "n", `4242.0`, []string{"/i/a", "/i/b", "/i/c", "/i/f"}},
		{"/i/", "n", `4.242e3`, []string{"/i/a", "/i/b", "/i/c", "/i/f"}},
		{"/i/", "n", `"4242"`, []string{"/i/d"}},
		{"/i/", "n", `9007199254740993`, []string{"/i/g", "/i/h"}},
		{"/i/", "n", `9007199254740992`, []string{"/i/h"}},
		{"/i/", "n", `0`, []string{"/i/i", "/i/j"}},
		{"/i/", "n", `-0.0`, []string{"/i/i", "/i/j"}},
		{"/i/", "s", `"x"`, []string{"/i/a", "/i/b", "/i/e"}},
		{"/i/", "s", `"\u0078"`, []string{"/i/a", "/i/b", "/i/e"}},
		{"/i/", "s", `"y"`, nil},
		{"/i/", "s", `"X"`, []string{"/i/c"}},
		{"/i/", "s", `"a\"b"`, []string{"/i/d"}},
		{"/i/", "café", `"é"`, []string{"/i/d"}},
		{"/i/", "b", `true`, []string{"/i/a"}},
		{"/i/", "b", `false`, []string{"/i/b"}},
		{"/i/", "z", `null`, []string{"/i/a", "/i/c"}},
		{"/i/", "arr", `"x"`, []string{"/i/a"}},
		{"/i/", "arr", `2`, []string{"/i/b"}},
		{"/i/", "arr", `3`, nil},
		{"/i/", "nested", `"x"`, nil},
		{"/i/", "o", `"x"`, nil},
		{"/i/", "none", `1`, nil},
		{"", "n", `4242`, []string{"/i/a", "/i/b", "/i/c", "/i/f", "/j/a"}},
		{"/i/a", "n", `4242`, []string{"/i/a"}},
		{"/j", "n", `4242`, []string{"/j/a"}},
		{"/k", "n", `4242`, nil},
	} {
		if ref := referenceLookup(t, s, tc.prefix, tc.key, tc.value); !slices.Equal(ref, tc.want) {
			t.Fatalf("the table says %q for (%q, %q, %s), the evaluator %q", tc.want, tc.prefix, tc.key, tc.value, ref)
		}
		got, ok, err := ix.Lookup(t.Context(), tc.prefix, tc.key, []byte(tc.value))
		if err != nil {
			t.Fatalf("Lookup(%q, %q, %s): %v", tc.prefix, tc.key, tc.value, err)
		}
		if !ok {
			continue
		}
		c.answered++
		if !slices.Equal(got, tc.want) {
			t.Errorf("Lookup(%q, %q, %s) = %q, want %q", tc.prefix, tc.key, tc.value, got, tc.want)
		}
	}
	c.done(t)
}

func testIndexAfterWrites(t *testing.T, open func() store.Store) {
	s := open()
	c := &lookupCounter{ix: indexer(t, s), s: s}
	for i := range 20 {
		put(t, s, fmt.Sprintf("/w/%02d", i), fmt.Sprintf(`{"n":%d,"g":"g%d","tags":["t%d","all"]}`, i, i%3, i%2))
	}
	lookups := func(what string) {
		t.Helper()
		for _, v := range []string{`0`, `1`, `5`, `5.0`, `7`, `100`} {
			c.check(t, what, "/w/", "n", v)
		}
		for _, v := range []string{`"g0"`, `"g1"`, `"g2"`, `"new"`} {
			c.check(t, what, "/w/", "g", v)
		}
		for _, v := range []string{`"t0"`, `"t1"`, `"all"`, `"x"`} {
			c.check(t, what, "/w/", "tags", v)
		}
	}
	lookups("built: ") // builds the three indexes
	steps := []struct {
		what string
		do   func()
	}{
		{"value changed", func() { put(t, s, "/w/05", `{"n":100,"g":"g2","tags":["t1","all"]}`) }},
		{"same value rewritten", func() { put(t, s, "/w/06", `{"n":6,"g":"g0","tags":["t0","all"],"extra":1}`) }},
		{"number respelled", func() { put(t, s, "/w/07", `{"n":7.0,"g":"g1"}`) }},
		{"member removed", func() { put(t, s, "/w/01", `{"g":"g1"}`) }},
		{"scalar to array", func() { put(t, s, "/w/02", `{"n":[2,5],"g":["g2","new"],"tags":"x"}`) }},
		{"array to object", func() { put(t, s, "/w/03", `{"n":{"v":3},"tags":{"0":"t1"}}`) }},
		{"string escaped", func() { put(t, s, "/w/04", `{"g":"\u0067\u0030"}`) }},
		{"created", func() { put(t, s, "/w/99", `{"n":5,"g":"new","tags":["all","all"]}`) }},
		{"deleted", func() { mustDelete(t, s, "/w/00", 1) }},
		{"pattern deleted", func() { mustDelete(t, s, "/w/1*", 10) }},
		{"recreated", func() { put(t, s, "/w/10", `{"n":0,"g":"g0"}`) }},
		{"deleted all", func() { mustDelete(t, s, "/w/*", 11) }},
		{"created again", func() { put(t, s, "/w/05", `{"n":5.0,"g":"g2","tags":["t1"]}`) }},
	}
	for _, st := range steps {
		st.do()
		lookups("after " + st.what + ": ")
	}
	c.done(t)
}

// mustDelete deletes pattern and checks how many items went.
func mustDelete(t *testing.T, s store.Store, pattern string, want int) {
	t.Helper()
	if n, err := s.Delete(t.Context(), pattern); err != nil || n != want {
		t.Fatalf("Delete(%q) = %d, %v; want %d", pattern, n, err, want)
	}
}

// Random documents for the randomized checks: few values, in several
// spellings, so that lookups find something.
var (
	randNumbers = []string{`1`, `1.0`, `1e0`, `2`, `2.0`, `-0`, `0`, `3`}
	randStrings = []string{`"a"`, `"\u0061"`, `"b"`, `"A"`, `""`}
	randScalars = slices.Concat(randNumbers, randStrings, []string{`true`, `false`, `null`})
)

func randValue(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return "[" + randScalars[r.IntN(len(randScalars))] + "," + randScalars[r.IntN(len(randScalars))] + "]"
	case 1:
		return `{"a":` + randScalars[r.IntN(len(randScalars))] + `}`
	}
	return randScalars[r.IntN(len(randScalars))]
}

// randDoc is a document whose members k0..k<keys-1> are each present or
// not, holding a random value.
func randDoc(r *rand.Rand, keys int) string {
	var b strings.Builder
	b.WriteString(`{"id":1`)
	for k := range keys {
		if r.IntN(4) > 0 {
			fmt.Fprintf(&b, `,"k%d":%s`, k, randValue(r))
		}
	}
	b.WriteString("}")
	return b.String()
}

// randomWrites makes 400 random writes, deletes and pattern deletes of
// documents with members k0 to k3 on 40 paths under /p/ and /q/, and
// calls check after every fifth with a random prefix and member name.
func randomWrites(t *testing.T, s store.Store, r *rand.Rand, check func(step int, prefix, key string)) {
	const keys = 4
	paths := make([]string, 40)
	for i := range paths {
		paths[i] = fmt.Sprintf("/%c/%02d", 'p'+rune(i%2), i)
	}
	for step := range 400 {
		p := paths[r.IntN(len(paths))]
		switch r.IntN(10) {
		case 0:
			if _, err := s.Delete(t.Context(), p); err != nil {
				t.Fatal(err)
			}
		case 1:
			if _, err := s.Delete(t.Context(), p[:3]+"*"+p[len(p)-1:]); err != nil {
				t.Fatal(err)
			}
		default:
			put(t, s, p, randDoc(r, keys))
		}
		if step%5 == 0 {
			prefix := []string{"", "/p/", "/q/", "/p/1"}[r.IntN(4)]
			check(step, prefix, fmt.Sprintf("k%d", r.IntN(keys)))
		}
	}
}

func testIndexRandomWrites(t *testing.T, open func() store.Store) {
	s := open()
	c := &lookupCounter{ix: indexer(t, s), s: s}
	r := rand.New(rand.NewPCG(1, 2))
	randomWrites(t, s, r, func(step int, prefix, key string) {
		c.check(t, fmt.Sprintf("step %d: ", step), prefix, key, randScalars[r.IntN(len(randScalars))])
	})
	c.done(t)
}

// testIndexBuildDuringWrites builds indexes while writers change the very
// members being indexed, then checks them once the writers stop: a write
// that the build overlooks or undoes shows.
func testIndexBuildDuringWrites(t *testing.T, open func() store.Store) {
	s := open()
	c := &lookupCounter{ix: indexer(t, s), s: s}
	buildsDuringWrites(t, s, rand.New(rand.NewPCG(3, 4)), func(key string) error {
		_, _, err := c.ix.Lookup(t.Context(), "", key, []byte(`1`))
		return err
	}, func(key string) {
		for _, v := range randScalars {
			c.check(t, "after a build during writes: ", "/b/", key, v)
		}
	})
	c.done(t)
}

// buildsDuringWrites seeds 3,000 random documents (randDoc, members k0 to
// k7) at /b/0000 to /b/2999, then for each member runs build (a lookup
// that builds its index) while random writes go on (duringRandomWrites)
// and check once they have stopped.
func buildsDuringWrites(t *testing.T, s store.Store, r *rand.Rand, build func(key string) error, check func(key string)) {
	const items, keys = 3000, 8
	for i := range items {
		put(t, s, fmt.Sprintf("/b/%04d", i), randDoc(r, keys))
	}
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		if err := duringRandomWrites(t, s, items, keys, uint64(k), func() error { return build(key) }); err != nil {
			t.Fatal(err)
		}
		check(key)
	}
}

// duringRandomWrites runs build while two writers replace or delete
// random items among /b/0000 to /b/<items-1> with documents of keys
// members (randDoc), then stops the writers and returns build's error.
func duringRandomWrites(t *testing.T, s store.Store, items, keys int, seed uint64, build func() error) error {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for !stop.Load() {
				p := fmt.Sprintf("/b/%04d", r.IntN(items))
				var err error
				if r.IntN(8) == 0 {
					_, err = s.Delete(context.Background(), p)
				} else {
					_, err = s.Update(context.Background(), p, set(randDoc(r, keys), ""))
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	err := build()
	stop.Store(true)
	wg.Wait()
	return err
}

func testIndexContextAndClose(t *testing.T, open func() store.Store) {
	s := open()
	ix := indexer(t, s)
	put(t, s, "/a", `{"n":1}`)
	if _, _, err := ix.Lookup(cancelled(t), "", "n", []byte(`1`)); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup with a cancelled context: %v, want context.Canceled", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ix.Lookup(t.Context(), "", "n", []byte(`1`)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Lookup after Close: %v, want store.ErrClosed", err)
	}
}

// testIndexAfterReopen checks that lookups (and range lookups, when the
// store has them) after a reopen see what was written before it and after
// it.
func testIndexAfterReopen(t *testing.T, reopen func() store.Store) {
	s := reopen()
	indexer(t, s)
	r := rand.New(rand.NewPCG(5, 6))
	write := func(n int) {
		for range n {
			p := fmt.Sprintf("/r/%02d", r.IntN(30))
			if r.IntN(6) == 0 {
				if _, err := s.Delete(t.Context(), p); err != nil {
					t.Fatal(err)
				}
				continue
			}
			put(t, s, p, randDoc(r, 3))
		}
	}
	answered, ranges := 0, 0
	_, isRange := s.(store.RangeIndexer)
	lookups := func(what string) {
		t.Helper()
		c := &lookupCounter{ix: s.(store.Indexer), s: s}
		for k := range 3 {
			for _, v := range randScalars {
				c.check(t, what, "/r/", fmt.Sprintf("k%d", k), v)
			}
		}
		answered += c.answered
		if !isRange {
			return
		}
		rc := &rangeCounter{rx: s.(store.RangeIndexer), s: s}
		for k := range 3 {
			for range 6 {
				rc.random(t, r, what, "/r/", fmt.Sprintf("k%d", k))
			}
		}
		ranges += rc.answered
	}
	write(100)
	lookups("before reopening: ")
	write(50)
	s = reopen()
	lookups("after reopening: ")
	write(50)
	lookups("after reopening and writing: ")
	if answered == 0 {
		t.Error("the store declined every lookup (ok false)")
	}
	if isRange && ranges == 0 {
		t.Error("the store declined every range lookup (ok false)")
	}
}
