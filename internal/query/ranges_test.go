package query

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/happn-go/happn/store"
)

// bound formats a Range's end, [ or ( for a lower one and ] or ) for an
// upper one, inf for an open end.
func bound(b store.Bound, lower bool) string {
	v := fmt.Sprint(b.Value)
	if math.IsInf(b.Value, 0) {
		v = "inf"
	}
	switch {
	case lower && b.Exclusive:
		return "(" + v
	case lower:
		return "[" + v
	case b.Exclusive:
		return v + ")"
	}
	return v + "]"
}

func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		criteria string
		want     string // the terms, formatted
	}{
		{`{"n":{"$gte":5000,"$lt":5100}}`, `[n[5000,5100)]`},
		{`{"$and":[{"n":{"$gte":5000}},{"n":{"$lt":5100}}]}`, `[n[5000,5100)]`},
		{`{"n":{"$gt":1}}`, `[n(1,inf]]`},
		{`{"n":{"$lte":-2.5}}`, `[n[inf,-2.5]]`},
		{`{"n":{"$gt":1,"$gte":1}}`, `[n(1,inf]]`},
		{`{"n":{"$gte":1,"$gt":1}}`, `[n(1,inf]]`},
		{`{"n":{"$gte":1,"$gt":0,"$gte":3,"$lt":9,"$lte":7}}`, `[n[3,7]]`},
		{`{"n":{"$lt":1,"$lte":1}}`, `[n[inf,1)]`},
		{`{"n":{"$gt":8,"$lt":5}}`, `[n(8,5)]`}, // an array [9, 4] matches
		{`{"n":{"$gte":1e3}}`, `[n[1000,inf]]`},
		{`{"n":{"$gte":1e999}}`, `[n[inf,inf]]`},
		{`{"data.n":{"$gt":1},"_data.m":{"$lt":2}}`, `[n(1,inf] m[inf,2)]`},
		{`{"grp":"g7","n":{"$gte":5}}`, `[n[5,inf]]`},
		{`{"n":5,"m":{"$gt":1}}`, `[m(1,inf]]`},
		{`{"n":{"$gte":9007199254740991,"$lt":9007199254740992}}`, `[n[9.007199254740991e+15,inf]]`},
		{`{"n":{"$gt":-9007199254740992,"$lt":9007199254740992.0}}`, `[n[inf,9.007199254740992e+15)]`},
		{`{"n":{"$gt":"a","$lt":5}}`, `[n[inf,5)]`},
		// Nothing every match must satisfy, or nothing an index can answer.
		{`{"n":{"$gt":9007199254740992}}`, `[]`},
		{`{"n":{"$lt":-9007199254740992}}`, `[]`},
		{`{"n":{"$gt":"a"}}`, `[]`},
		{`{"n":{"$gt":null}}`, `[]`},
		{`{"n":{"$gt":true}}`, `[]`},
		{`{"n":{"$not":{"$gt":5}}}`, `[]`},
		{`{"n":{"$elemMatch":{"$gt":5}}}`, `[]`},
		{`{"$or":[{"n":{"$gt":5}}]}`, `[]`},
		{`{"$nor":[{"n":{"$gt":5}}]}`, `[]`},
		{`{"$not":{"n":{"$gt":5}}}`, `[]`},
		{`{"a.b":{"$gt":5}}`, `[]`},
		{`{"modified":{"$gt":5}}`, `[]`},
		{`{"_meta.created":{"$gt":5}}`, `[]`},
		{`{"n":{"$in":[5]}}`, `[]`},
		{`{}`, `[]`},
	} {
		q, err := Compile([]byte(tc.criteria))
		if err != nil {
			t.Fatalf("Compile(%s): %v", tc.criteria, err)
		}
		var terms []string
		for _, r := range q.Ranges() {
			terms = append(terms, r.Key+bound(r.Lo, true)+","+bound(r.Hi, false))
		}
		if got := "[" + strings.Join(terms, " ") + "]"; got != tc.want {
			t.Errorf("Ranges of %s = %s, want %s", tc.criteria, got, tc.want)
		}
	}
	if (*Query)(nil).Ranges() != nil {
		t.Error("a nil Query has ranges")
	}
}

// rangeIndex answers every range lookup with its arguments, or declines
// the keys in decline.
type rangeIndex struct {
	decline map[string]bool
	asked   []string
}

func (r *rangeIndex) LookupRange(_ context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
	r.asked = append(r.asked, key)
	if r.decline[key] {
		return nil, false, nil
	}
	return []string{prefix + key + bound(lo, true) + "," + bound(hi, false)}, true, nil
}

func TestRangeCandidates(t *testing.T) {
	q, err := Compile([]byte(`{"a":{"$gt":1},"b":{"$lte":2}}`))
	if err != nil {
		t.Fatal(err)
	}
	rx := &rangeIndex{decline: map[string]bool{"a": true}}
	paths, ok, err := q.RangeCandidates(t.Context(), rx, "/p/")
	if !ok || err != nil || len(paths) != 1 || paths[0] != "/p/b[inf,2]" {
		t.Errorf("RangeCandidates = %q, %v, %v; want the second term's", paths, ok, err)
	}
	rx.decline["b"] = true
	if _, ok, _ := q.RangeCandidates(t.Context(), rx, "/p/"); ok {
		t.Error("RangeCandidates answered with every term declined")
	}
	if got := strings.Join(rx.asked, " "); got != "a b a b" {
		t.Errorf("asked %s", got)
	}
}

// inRange reports whether member k of doc holds a number at or above r.Lo
// and one at or below r.Hi, as an index of its numbers sees them.
func inRange(doc string, r Range) bool {
	above, below := false, false
	MemberKeys(TopMember([]byte(doc), r.Key), func(k IndexKey) {
		f, ok := k.Number()
		if !ok {
			return
		}
		above = above || f > r.Lo.Value || (f == r.Lo.Value && !r.Lo.Exclusive)
		below = below || f < r.Hi.Value || (f == r.Hi.Value && !r.Hi.Exclusive)
	})
	return above && below
}

// FuzzRanges checks on FuzzMatch's grammar that every document a query
// matches satisfies each of its Ranges, as an index sees them.
func FuzzRanges(f *testing.F) {
	fuzzMatches(f, func(t *testing.T, crit []byte, q *Query, doc string) {
		for _, r := range q.Ranges() {
			if !inRange(doc, r) {
				t.Fatalf("%s matches %s, but its member %q is not in %s,%s", crit, doc, r.Key, bound(r.Lo, true), bound(r.Hi, false))
			}
		}
	})
}

func TestIndexKeyNumber(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want float64
		ok   bool
	}{
		{`5`, 5, true}, {`-0`, 0, true}, {`-0.0`, 0, true}, {`4.242e3`, 4242, true},
		{`9007199254740993`, 9007199254740992, true}, {`1e999`, math.Inf(1), true},
		{`"5"`, 0, false}, {`true`, 0, false}, {`null`, 0, false},
	} {
		f, ok := scalarKey(tc.raw).Number()
		if f != tc.want || ok != tc.ok || math.Signbit(f) {
			t.Errorf("Number of %s = %v, %v; want %v, %v", tc.raw, f, ok, tc.want, tc.ok)
		}
	}
}
