package query

import (
	"context"
	"math"

	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// Range is a term that every document a query matches satisfies: its
// top-level member Key holds a number at or above Lo and a number at or
// below Hi, not necessarily the same one when the member is an array
// (each comparison holds on its own, as the evaluator has it). A store
// that keeps members' numbers in order can answer it without a scan
// (store.RangeIndexer).
type Range struct {
	// Key is the member name, unescaped: a data field of an item.
	Key string
	// Lo and Hi are the ends, open (infinite) when the criteria bound
	// only one side.
	Lo, Hi store.Bound
}

// Ranges returns the range terms that every match of q requires, one per
// member, in the order the criteria give the members, or nil. A term
// gathers the comparisons $gt, $gte, $lt and $lte with a number on one
// top-level data field, at the root of the criteria or inside a root
// "$and" (where Equalities finds its terms): the greatest lower and the
// least upper bound. A comparison with an integer of magnitude 2^53 or
// more is left out: the evaluator compares two integers exactly, and
// float64 values, which a Range's bounds are, cannot tell such integers
// apart. Leaving a comparison out only widens the term, which stays
// required. The slice is shared: do not modify it.
func (q *Query) Ranges() []Range {
	if q == nil {
		return nil
	}
	return q.rngs
}

// ranges collects the terms Ranges reports from simplified criteria, in
// which one $and holds one node per field (simplify merges the rest).
func ranges(root *node) []Range {
	var rs []Range
	add := func(n *node) {
		f := &n.field
		if n.kind != nodeField || f.meta != metaNone || len(f.segs) != 1 {
			return
		}
		r := Range{Key: f.segs[0].key, Lo: store.Bound{Value: math.Inf(-1)}, Hi: store.Bound{Value: math.Inf(1)}}
		bounded := false
		for i := range n.conds {
			c := &n.conds[i]
			if c.kind != condCmp || c.lit.typ != gjson.Number {
				continue
			}
			num := c.lit.num
			if num.isInt && (num.i >= exactFloatInts || num.i <= -exactFloatInts) {
				continue
			}
			b := store.Bound{Value: num.f, Exclusive: c.cmp == cmpGt || c.cmp == cmpLt}
			if c.cmp == cmpGt || c.cmp == cmpGte {
				if b.Value > r.Lo.Value || (b.Value == r.Lo.Value && b.Exclusive) {
					r.Lo = b
				}
			} else {
				if b.Value < r.Hi.Value || (b.Value == r.Hi.Value && b.Exclusive) {
					r.Hi = b
				}
			}
			bounded = true
		}
		if bounded {
			rs = append(rs, r)
		}
	}
	if root.kind == nodeAnd {
		for i := range root.kids {
			add(&root.kids[i])
		}
	} else {
		add(root)
	}
	return rs
}

// RangeCandidates asks rx for the paths under prefix of the items that
// can match q: those satisfying its first range term that rx answers
// for. ok is false when q has no such term; the caller then scans. Like
// Candidates' paths, they only narrow the search.
func (q *Query) RangeCandidates(ctx context.Context, rx store.RangeIndexer, prefix string) (paths []string, ok bool, err error) {
	for _, r := range q.Ranges() {
		if paths, ok, err = rx.LookupRange(ctx, prefix, r.Key, r.Lo, r.Hi); ok || err != nil {
			return paths, ok, err
		}
	}
	return nil, false, nil
}
