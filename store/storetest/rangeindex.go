package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/store"
)

// The checks of store.RangeIndexer hold every range lookup to a
// reference, as those of store.Indexer do: a Scan with the criteria
// evaluator's {key: {"$gte": lo, "$lte": hi}} ($gt, $lt for exclusive
// ends), the bounds written as JSON numbers that are not integers so that
// the evaluator compares float64 values, as LookupRange does. A check
// fails a store that declines all of its range lookups.
var rangeChecks = []check{
	{"IndexRange", testIndexRange},
	{"IndexRangeAfterWrites", testIndexRangeAfterWrites},
	{"IndexRangeRandomWrites", testIndexRangeRandomWrites},
	{"IndexRangeBuildDuringWrites", testIndexRangeBuildDuringWrites},
	{"IndexRangeContextAndClose", testIndexRangeContextAndClose},
}

// rangeIndexer returns s as a store.RangeIndexer, or skips the test.
func rangeIndexer(t *testing.T, s store.Store) store.RangeIndexer {
	t.Helper()
	return optional[store.RangeIndexer](t, s, "store.RangeIndexer")
}

// boundJSON writes v as a JSON number that is not an integer (strconv's
// 'e' form always has an exponent), ±1e400 for the infinities, which the
// evaluator reads as ±Inf.
func boundJSON(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "1e400"
	case math.IsInf(v, -1):
		return "-1e400"
	}
	return strconv.FormatFloat(v, 'e', -1, 64)
}

// rangeString shows a range as [lo, hi], ( and ) for exclusive ends.
func rangeString(lo, hi store.Bound) string {
	open, closed := "[", "]"
	if lo.Exclusive {
		open = "("
	}
	if hi.Exclusive {
		closed = ")"
	}
	return fmt.Sprintf("%s%v, %v%s", open, lo.Value, hi.Value, closed)
}

// referenceRange is what LookupRange must return.
func referenceRange(t *testing.T, s store.Store, prefix, key string, lo, hi store.Bound) []string {
	t.Helper()
	gt, lt := `"$gte"`, `"$lte"`
	if lo.Exclusive {
		gt = `"$gt"`
	}
	if hi.Exclusive {
		lt = `"$lt"`
	}
	crit := fmt.Sprintf(`{%s:{%s:%s,%s:%s}}`, strconv.Quote(key), gt, boundJSON(lo.Value), lt, boundJSON(hi.Value))
	q, err := query.CompileDocument([]byte(crit)) // keys here have no dots: a top-level member
	if err != nil {
		t.Fatalf("criteria %s: %v", crit, err)
	}
	var want []string
	for _, it := range scan(t, s, prefix+"*") {
		if q.MatchItem(it) {
			want = append(want, it.Path)
		}
	}
	return want
}

// rangeCounter checks range lookups against the reference and counts
// those the store answered.
type rangeCounter struct {
	rx       store.RangeIndexer
	s        store.Store
	answered int
}

// check compares LookupRange(prefix, key, lo, hi) with the reference.
func (c *rangeCounter) check(t *testing.T, what, prefix, key string, lo, hi store.Bound) {
	t.Helper()
	got, ok, err := c.rx.LookupRange(t.Context(), prefix, key, lo, hi)
	if err != nil {
		t.Fatalf("%sLookupRange(%q, %q, %s): %v", what, prefix, key, rangeString(lo, hi), err)
	}
	if !ok {
		return
	}
	c.answered++
	if want := referenceRange(t, c.s, prefix, key, lo, hi); !slices.Equal(got, want) {
		t.Errorf("%sLookupRange(%q, %q, %s): %s", what, prefix, key, rangeString(lo, hi), pathsDiff(got, want))
	}
}

// done fails the test if the store declined every range lookup.
func (c *rangeCounter) done(t *testing.T) {
	t.Helper()
	if c.answered == 0 {
		t.Error("the store declined every range lookup (ok false)")
	}
}

// rangeFixture is documents holding numbers in many forms, and things
// that are not numbers.
var rangeFixture = []struct{ path, data string }{
	{"/r/a", `{"n":1}`},
	{"/r/b", `{"n":2.5}`},
	{"/r/c", `{"n":[3,10]}`},
	{"/r/d", `{"n":[4,4.0,"x",[5]]}`},
	{"/r/e", `{"n":"5"}`},
	{"/r/f", `{"n":{"v":6},"m":6}`},
	{"/r/g", `{"n":1e999}`},
	{"/r/h", `{"n":-0.0}`},
	{"/r/i", `{"n":9007199254740993}`},
	{"/r/j", `{"n":-1e999}`},
	{"/r/k", `{"n":null,"m":true}`},
	{"/r/l", `{"\u006e":7,"n":99}`},
	{"/s/a", `{"n":5}`},
}

func testIndexRange(t *testing.T, open func() store.Store) {
	s := open()
	c := &rangeCounter{rx: rangeIndexer(t, s), s: s}
	for _, d := range rangeFixture {
		put(t, s, d.path, d.data)
	}
	inf := math.Inf(1)
	in := func(v float64) store.Bound { return store.Bound{Value: v} }
	ex := func(v float64) store.Bound { return store.Bound{Value: v, Exclusive: true} }
	for _, tc := range []struct {
		prefix, key string
		lo, hi      store.Bound
		want        []string
	}{
		{"/r/", "n", in(-inf), in(inf), []string{"/r/a", "/r/b", "/r/c", "/r/d", "/r/g", "/r/h", "/r/i", "/r/j", "/r/l"}},
		{"/r/", "n", ex(5), ex(8), []string{"/r/c", "/r/l"}}, // [3,10]: 10 > 5 and 3 < 8
		{"/r/", "n", in(1), in(4), []string{"/r/a", "/r/b", "/r/c", "/r/d"}},
		{"/r/", "n", ex(1), ex(4), []string{"/r/b", "/r/c"}},
		{"/r/", "n", in(0), in(0), []string{"/r/h"}},
		{"/r/", "n", in(9007199254740992), in(9007199254740992), []string{"/r/i"}},
		{"/r/", "n", ex(1e308), in(inf), []string{"/r/g"}},
		{"/r/", "n", ex(1e308), ex(inf), nil},
		{"/r/", "n", in(-inf), ex(-1e308), []string{"/r/j"}},
		{"/r/", "n", in(11), in(3), nil},
		{"/r/", "n", in(9), in(3), []string{"/r/c"}},
		{"", "n", in(5), in(5), []string{"/r/c", "/s/a"}},
		{"/r/", "m", in(-inf), in(inf), []string{"/r/f"}},
		{"/r/", "none", in(-inf), in(inf), nil},
		{"/t", "n", in(-inf), in(inf), nil},
		{"/r/a", "n", in(-inf), in(inf), []string{"/r/a"}},
	} {
		if ref := referenceRange(t, s, tc.prefix, tc.key, tc.lo, tc.hi); !slices.Equal(ref, tc.want) {
			t.Fatalf("the table says %q for (%q, %q, %s), the evaluator %q", tc.want, tc.prefix, tc.key, rangeString(tc.lo, tc.hi), ref)
		}
		c.check(t, "", tc.prefix, tc.key, tc.lo, tc.hi)
	}
	c.done(t)
}

// rangeBounds are ends for the randomized checks, around randNumbers.
var rangeBounds = []float64{math.Inf(-1), -1, 0, 0.5, 1, 1.5, 2, 3, math.Inf(1)}

// random checks a random range of member key under prefix.
func (c *rangeCounter) random(t *testing.T, r *rand.Rand, what, prefix, key string) {
	t.Helper()
	lo := store.Bound{Value: rangeBounds[r.IntN(len(rangeBounds))], Exclusive: r.IntN(2) == 0}
	hi := store.Bound{Value: rangeBounds[r.IntN(len(rangeBounds))], Exclusive: r.IntN(2) == 0}
	c.check(t, what, prefix, key, lo, hi)
}

func testIndexRangeAfterWrites(t *testing.T, open func() store.Store) {
	s := open()
	c := &rangeCounter{rx: rangeIndexer(t, s), s: s}
	for i := range 20 {
		put(t, s, fmt.Sprintf("/w/%02d", i), fmt.Sprintf(`{"n":%d,"g":"g%d"}`, i, i%3))
	}
	lookups := func(what string) {
		t.Helper()
		for _, b := range [][2]float64{{0, 0}, {1, 5}, {4.5, 7}, {5, 5}, {7, 100}, {-1, 2}} {
			c.check(t, what, "/w/", "n", store.Bound{Value: b[0]}, store.Bound{Value: b[1]})
			c.check(t, what, "/w/", "n", store.Bound{Value: b[0], Exclusive: true}, store.Bound{Value: b[1], Exclusive: true})
		}
		c.check(t, what, "/w/", "n", store.Bound{Value: math.Inf(-1)}, store.Bound{Value: math.Inf(1)})
	}
	lookups("built: ")
	for _, st := range []struct {
		what string
		do   func()
	}{
		{"value changed", func() { put(t, s, "/w/05", `{"n":100,"g":"g2"}`) }},
		{"same value rewritten", func() { put(t, s, "/w/06", `{"n":6,"g":"g0","extra":1}`) }},
		{"number respelled", func() { put(t, s, "/w/07", `{"n":7.0}`) }},
		{"member removed", func() { put(t, s, "/w/01", `{"g":"g1"}`) }},
		{"scalar to array", func() { put(t, s, "/w/02", `{"n":[0,5]}`) }},
		{"array widened", func() { put(t, s, "/w/02", `{"n":[0,5,9]}`) }},
		{"array of equal numbers", func() { put(t, s, "/w/03", `{"n":[3,3.0,"3"]}`) }},
		{"array to object", func() { put(t, s, "/w/04", `{"n":{"v":4}}`) }},
		{"number to string", func() { put(t, s, "/w/08", `{"n":"8"}`) }},
		{"created", func() { put(t, s, "/w/99", `{"n":5}`) }},
		{"deleted", func() { mustDelete(t, s, "/w/00", 1) }},
		{"pattern deleted", func() { mustDelete(t, s, "/w/1*", 10) }},
		{"recreated", func() { put(t, s, "/w/10", `{"n":[1,6]}`) }},
		{"deleted all", func() { mustDelete(t, s, "/w/*", 11) }},
		{"created again", func() { put(t, s, "/w/05", `{"n":5.0}`) }},
	} {
		st.do()
		lookups("after " + st.what + ": ")
	}
	c.done(t)
}

func testIndexRangeRandomWrites(t *testing.T, open func() store.Store) {
	s := open()
	c := &rangeCounter{rx: rangeIndexer(t, s), s: s}
	r := rand.New(rand.NewPCG(7, 8))
	randomWrites(t, s, r, func(step int, prefix, key string) {
		c.random(t, r, fmt.Sprintf("step %d: ", step), prefix, key)
	})
	c.done(t)
}

// testIndexRangeBuildDuringWrites is testIndexBuildDuringWrites for the
// orderings that range lookups build.
func testIndexRangeBuildDuringWrites(t *testing.T, open func() store.Store) {
	s := open()
	c := &rangeCounter{rx: rangeIndexer(t, s), s: s}
	r := rand.New(rand.NewPCG(9, 10))
	buildsDuringWrites(t, s, r, func(key string) error {
		_, _, err := c.rx.LookupRange(t.Context(), "", key, store.Bound{Value: 1}, store.Bound{Value: 2})
		return err
	}, func(key string) {
		for range 8 {
			c.random(t, r, "after a build during writes: ", "/b/", key)
		}
	})
	c.done(t)
}

func testIndexRangeContextAndClose(t *testing.T, open func() store.Store) {
	s := open()
	rx := rangeIndexer(t, s)
	put(t, s, "/a", `{"n":1}`)
	all := []store.Bound{{Value: math.Inf(-1)}, {Value: math.Inf(1)}}
	if _, _, err := rx.LookupRange(cancelled(t), "", "n", all[0], all[1]); !errors.Is(err, context.Canceled) {
		t.Errorf("LookupRange with a cancelled context: %v, want context.Canceled", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rx.LookupRange(t.Context(), "", "n", all[0], all[1]); !errors.Is(err, store.ErrClosed) {
		t.Errorf("LookupRange after Close: %v, want store.ErrClosed", err)
	}
}
