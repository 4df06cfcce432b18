package query

import (
	"context"

	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// Equality is a term that every document a query matches satisfies: its
// top-level member Key equals Value, as the query's equality test has it
// (numbers by value, strings after unescaping, and an array member when
// one of its elements is equal). A store that indexes members by value
// can answer it with a lookup instead of a scan (store.Indexer).
type Equality struct {
	// Key is the member name, unescaped: a data field of an item.
	Key string
	// Value is the JSON text of a string, number, true or false.
	Value []byte
}

// Equalities returns the equality terms that every match of q requires,
// in the order the criteria give them, or nil. A term comes from a field
// {"k": v} or {"k": {"$eq": v}} (or an element of "$all") on a top-level
// data field, at the root of the criteria or inside a root "$and"; never
// from "$or", "$nor", "$not", "$in", metadata, dotted paths or
// {"k": null}, which a document without k matches too. The slice is
// shared: do not modify it.
func (q *Query) Equalities() []Equality {
	if q == nil {
		return nil
	}
	return q.eqs
}

// equalities collects the terms Equalities reports from simplified
// criteria: their root is a field node, or an $and whose field kids are
// all required (simplify has already merged nested $ands into it).
func equalities(root *node) []Equality {
	var eqs []Equality
	add := func(n *node) {
		f := &n.field
		if n.kind != nodeField || f.meta != metaNone || len(f.segs) != 1 {
			return
		}
		for i := range n.conds {
			c := &n.conds[i]
			if c.kind != condEq || c.neg {
				continue
			}
			switch c.lit.typ {
			case gjson.String, gjson.Number, gjson.True, gjson.False:
				eqs = append(eqs, Equality{Key: f.segs[0].key, Value: []byte(c.lit.raw)})
			}
		}
	}
	if root.kind == nodeAnd {
		for i := range root.kids {
			add(&root.kids[i])
		}
	} else {
		add(root)
	}
	return eqs
}

// Candidates asks ix for the paths under prefix of the items that can
// match q: those satisfying its first equality term that ix answers for.
// ok is false when q has no such term; the caller then scans. The paths
// only narrow the search: the caller still matches each item against q,
// which may have other terms.
func (q *Query) Candidates(ctx context.Context, ix store.Indexer, prefix string) (paths []string, ok bool, err error) {
	for _, e := range q.Equalities() {
		if paths, ok, err = ix.Lookup(ctx, prefix, e.Key, e.Value); ok || err != nil {
			return paths, ok, err
		}
	}
	return nil, false, nil
}
