package query

import (
	"regexp"
	"strings"

	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// nodeKind says what a criteria node does.
type nodeKind uint8

const (
	nodeAnd   nodeKind = iota // every kid matches ({} is an empty $and)
	nodeOr                    // some kid matches
	nodeNor                   // no kid matches
	nodeNot                   // kids[0] does not match (nedb's top-level $not)
	nodeField                 // the field's values satisfy every cond
)

// node is one compiled piece of criteria. It is a concrete type rather than
// an interface so that matching stays free of allocations.
type node struct {
	kind  nodeKind
	kids  []node
	field field
	conds []cond
}

// condKind says which test a cond applies.
type condKind uint8

const (
	condEq        condKind = iota // $eq, $ne, implicit equality, each $all element
	condIn                        // $in, $nin
	condCmp                       // $gt $gte $lt $lte
	condExists                    // $exists
	condRegex                     // $regex
	condSize                      // $size
	condElemMatch                 // $elemMatch
	condNot                       // $not: the sub conds do not all hold
	condNever                     // an empty $all
	condContains                  // $containsAny, $contains, $containsNone (happn-3 13.x's loki)
)

// cmpKind is the comparison of a condCmp.
type cmpKind uint8

const (
	cmpGt cmpKind = iota
	cmpGte
	cmpLt
	cmpLte
)

// holds reports whether a comparison that came out d (negative: the value
// is less than the literal, 0: equal, positive: greater) satisfies k.
func (k cmpKind) holds(d int) bool {
	switch k {
	case cmpGt:
		return d > 0
	case cmpGte:
		return d >= 0
	case cmpLt:
		return d < 0
	default:
		return d <= 0
	}
}

// cond is one operator applied to a field. Operators on a field hold
// independently: {"$gt":5,"$lt":8} holds for [3, 10] because 10 > 5 and
// 3 < 8, as in MongoDB.
type cond struct {
	kind condKind
	neg  bool // $ne, $nin, $exists:false: the negation of the positive test
	cmp  cmpKind
	lit  lit                 // condEq, condCmp
	set  []lit               // condIn
	strs map[string]struct{} // condIn with many string elements
	flat bool                // condIn whose elements are all scalars
	re   *regexp.Regexp      // condRegex
	size int64               // condSize
	sub  []cond              // condNot; condElemMatch over values
	doc  *node               // condElemMatch over documents
	all  bool                // condContains: every element of set (else any)
}

// match reports whether the document d (and item metadata, if it is
// non-nil) satisfies n.
func (n *node) match(d *doc, c *keyCache, it *store.Item) bool {
	if n.kind == nodeField {
		return n.matchField(d, c, it)
	}
	switch n.kind {
	case nodeAnd:
		for i := range n.kids {
			if !n.kids[i].match(d, c, it) {
				return false
			}
		}
		return true
	case nodeOr:
		for i := range n.kids {
			if n.kids[i].match(d, c, it) {
				return true
			}
		}
		return false
	case nodeNor:
		for i := range n.kids {
			if n.kids[i].match(d, c, it) {
				return false
			}
		}
		return true
	case nodeNot:
		return !n.kids[0].match(d, c, it)
	}
	return n.matchField(d, c, it)
}

// matchField reports whether the values of a field node's field satisfy
// its conds.
func (n *node) matchField(d *doc, c *keyCache, it *store.Item) bool {
	if n.field.meta != metaNone {
		vs := values{v: metaValue(it, n.field.meta), ready: true, fan: -1}
		return allHold(n.conds, &vs)
	}
	if d.obj == "" {
		vs := d.general(n.field.segs)
		return allHold(n.conds, &vs)
	}
	raw, res, fan := d.scan(&n.field, c)
	if res == scanFound && fan < 0 {
		// The commonest criteria, {"n":4242} and {"name":"x"}, are
		// settled here when the value is of the literal's type.
		if q := n.conds; len(q) == 1 && q[0].kind == condEq {
			q := &q[0]
			switch q.lit.typ {
			case gjson.Number:
				if i, ok := smallInt(raw); ok && q.lit.num.isInt {
					return (i == q.lit.num.i) != q.neg
				}
			case gjson.String:
				if raw[0] == '"' && !hasBackslash(raw) {
					return (raw[1:len(raw)-1] == q.lit.str) != q.neg
				}
			}
		}
		// Otherwise a scalar is tested on its raw text.
		if t, ok := plainScalar(raw); ok {
			s := scalar{raw: raw, t: t}
			if len(n.conds) == 1 && n.conds[0].kind != condNot {
				return n.conds[0].testRaw(&s) != n.conds[0].neg
			}
			return allHoldRaw(n.conds, &s)
		}
	}
	var vs values
	if res == scanUnsure {
		vs = d.general(n.field.segs)
	} else {
		vs = scanned(raw, res, fan, n.field.segs)
	}
	return allHold(n.conds, &vs)
}

// values are what a field path reaches in one document. Most paths reach a
// single value, found once for all the field's conds: raw text from the
// scanner, which conds test directly when they can and otherwise turn
// into v (ready). When the path crosses an array of objects, v is that
// array (fan >= 0) and each cond walks segs[fan:] over its elements itself.
type values struct {
	v     gjson.Result
	raw   string
	ready bool // v holds the value; otherwise raw does
	segs  []seg
	fan   int
}

// value returns the single value as a gjson.Result.
func (vs *values) value() gjson.Result {
	if !vs.ready {
		vs.v, vs.ready = rawResult(vs.raw), true
	}
	return vs.v
}

func allHold(cs []cond, vs *values) bool {
	for i := range cs {
		if !cs[i].holds(vs) {
			return false
		}
	}
	return true
}

// holds reports whether c holds for the field's values: its positive test
// passes for at least one of them (or, when c is negated, for none).
func (c *cond) holds(vs *values) bool {
	if c.kind == condNot {
		return !allHold(c.sub, vs)
	}
	var hit bool
	switch {
	case vs.fan >= 0:
		hit = c.walk(vs.v, vs.segs[vs.fan:])
	case !vs.ready:
		t, ok := plainScalar(vs.raw)
		switch {
		case ok:
			hit = c.testRaw(&scalar{raw: vs.raw, t: t})
		case vs.raw[0] == '[' && c.elementwise():
			hit, ok = c.testRawElements(vs.raw)
		}
		if !ok {
			hit = c.test(vs.value())
		}
	default:
		hit = c.test(vs.v)
	}
	return hit != c.neg
}

// walk applies c's positive test to every value that segs reaches from v,
// fanning out over arrays of objects as MongoDB does for "friends.first".
// A branch that reaches nothing counts as one missing value, so that
// {"friends.first": null} and $exists see it.
func (c *cond) walk(v gjson.Result, segs []seg) bool {
	for i := range segs {
		s := &segs[i]
		if v.IsArray() && s.index < 0 {
			objects, hit := false, false
			v.ForEach(func(_, e gjson.Result) bool {
				if e.IsObject() {
					objects = true
					hit = c.walk(e, segs[i:])
				}
				return !hit
			})
			if objects {
				return hit
			}
			return c.test(gjson.Result{})
		}
		if !v.IsObject() && !v.IsArray() {
			return c.test(gjson.Result{})
		}
		v = v.Get(s.path)
	}
	return c.test(v)
}

// test is c's positive test on one value v, which may be missing (the zero
// Result). Equality, $in, comparisons and $regex also pass when some
// element of an array v passes: {"tags":"x"} matches {"tags":["x","y"]}.
func (c *cond) test(v gjson.Result) bool {
	switch c.kind {
	case condExists:
		return v.Exists()
	case condSize:
		return v.IsArray() && count(v) == c.size
	case condElemMatch:
		return v.IsArray() && c.elemMatch(v)
	case condNever:
		return false
	case condContains:
		return c.contains(v)
	}
	if c.one(v) {
		return true
	}
	if !v.IsArray() {
		return false
	}
	hit := false
	v.ForEach(func(_, e gjson.Result) bool {
		hit = c.one(e)
		return !hit
	})
	return hit
}

// one tests one value for the operators that also look inside arrays.
func (c *cond) one(v gjson.Result) bool {
	switch c.kind {
	case condEq:
		return equal(v, &c.lit)
	case condIn:
		if c.strs != nil && v.Type == gjson.String {
			_, ok := c.strs[v.Str]
			return ok
		}
		for i := range c.set {
			if equal(v, &c.set[i]) {
				return true
			}
		}
		return false
	case condCmp:
		d, ok := compareScalar(v, &c.lit)
		return ok && c.cmp.holds(d)
	case condRegex:
		return v.Type == gjson.String && c.re.MatchString(v.Str)
	}
	return false
}

// elemMatch reports whether some element of the array v satisfies every
// sub cond (value form, {"$gte":80,"$lt":85}) or the sub criteria (document
// form, {"product":"xyz","score":{"$gte":8}}).
func (c *cond) elemMatch(v gjson.Result) bool {
	hit := false
	v.ForEach(func(_, e gjson.Result) bool {
		if c.doc != nil {
			if e.IsObject() {
				ed := newDoc(e.Raw)
				hit = c.doc.match(&ed, nil, nil)
			}
		} else {
			ev := values{v: e, ready: true, fan: -1}
			hit = allHold(c.sub, &ev)
		}
		return !hit
	})
	return hit
}

// contains is the test of $containsAny, $contains and $containsNone as
// LokiJS (happn-3 13.x's store) applies them to the whole value v: a
// string contains the strings of set as substrings, an array contains
// elements equal to them, an object has them as member names; anything
// else contains nothing.
func (c *cond) contains(v gjson.Result) bool {
	if v.Type == gjson.String {
		return c.containsIn(v.Str)
	}
	if !v.IsArray() && !v.IsObject() {
		return false
	}
	for i := range c.set {
		l := &c.set[i]
		has := false
		if v.IsArray() {
			v.ForEach(func(_, e gjson.Result) bool {
				has = equal(e, l)
				return !has
			})
		} else {
			has = l.typ == gjson.String && v.Get(gjson.Escape(l.str)).Exists()
		}
		if has != c.all {
			return has // any: the first found; all: the first missing
		}
	}
	return c.all
}

// containsIn is contains for a string value.
func (c *cond) containsIn(s string) bool {
	for i := range c.set {
		l := &c.set[i]
		if has := l.typ == gjson.String && strings.Contains(s, l.str); has != c.all {
			return has
		}
	}
	return c.all
}

// count returns the number of elements of the array v.
func count(v gjson.Result) int64 {
	var n int64
	v.ForEach(func(_, _ gjson.Result) bool {
		n++
		return true
	})
	return n
}
