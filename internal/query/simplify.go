package query

import "slices"

// simplify rewrites compiled criteria into an equivalent form that is
// cheaper to match: an $and inside an $and (criteria objects are $ands
// too) joins its parent, and the nodes of one $and that test the same
// field become one node, so the field is looked up once per document.
// That is sound because a field's conds hold independently of each other:
// {"$and":[{"n":{"$gte":5}},{"n":{"$lt":8}}]} is {"n":{"$gte":5,"$lt":8}}.
// Matching has no side effects, so the order tests run in is free.
func simplify(n node) node {
	for i := range n.kids {
		n.kids[i] = simplify(n.kids[i])
	}
	if n.kind != nodeAnd {
		return n
	}
	kids := n.kids
	if slices.ContainsFunc(kids, func(k node) bool { return k.kind == nodeAnd }) {
		kids = nil
		for _, k := range n.kids {
			if k.kind == nodeAnd {
				kids = append(kids, k.kids...)
			} else {
				kids = append(kids, k)
			}
		}
	}
	out := kids[:0] // compacts in place: out never passes i
	for i := range kids {
		k := &kids[i]
		if k.kind == nodeField {
			if j := sameFieldAt(out, &k.field); j >= 0 {
				out[j].conds = slices.Concat(out[j].conds, k.conds)
				continue
			}
		}
		out = append(out, *k)
	}
	if len(out) == 1 {
		return out[0]
	}
	n.kids = out
	return n
}

// sameFieldAt returns the index of the field node in nodes on field f, or
// -1.
func sameFieldAt(nodes []node, f *field) int {
	for j := range nodes {
		if nodes[j].kind == nodeField && sameField(&nodes[j].field, f) {
			return j
		}
	}
	return -1
}

// sameField reports whether a and b address the same value.
func sameField(a, b *field) bool {
	if a.meta != b.meta {
		return false
	}
	return a.meta != metaNone || slices.EqualFunc(a.segs, b.segs, func(x, y seg) bool { return x.key == y.key })
}
