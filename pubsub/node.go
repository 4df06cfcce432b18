package pubsub

import (
	"slices"
	"strings"
)

// node is one trie node: the subscriptions reachable after consuming the
// segments on the way from the root to it.
type node[V comparable] struct {
	// The children for literal segments: the first one inline (litSeg,
	// lit), then all of them in lits. Most nodes of a big index have one
	// child, and a map would cost two more cache misses on every Match.
	litSeg string
	lit    *node[V]
	lits   map[string]*node[V]
	// star is the child for "*".
	star *node[V]
	// subs are the subscriptions whose pattern ends here, by action.
	subs [numActions][]V
	// deep are the variable-depth subscriptions whose trailing "/**" starts
	// here, by action. Each is stored once with its depth; expanding it into
	// depth patterns, as happn-3 does, would multiply memory and Add/Remove
	// work by the depth for nothing. Few nodes have any, so they sit behind
	// a pointer that keeps every other node small.
	deep *deepSubs[V]
}

// deepSubs are a node's variable-depth subscriptions, by action.
type deepSubs[V comparable] [numActions][]deepSub[V]

// deepSub is a variable-depth subscription.
type deepSub[V comparable] struct {
	v     V
	depth int
}

// child returns the child for seg, or nil.
func (nd *node[V]) child(seg string) *node[V] {
	if seg == "*" {
		return nd.star
	}
	return nd.litChild(seg)
}

// litChild returns the literal child for seg, or nil. A "*" in an event
// path is literal text, and no literal child is ever made for "*".
func (nd *node[V]) litChild(seg string) *node[V] {
	if nd.lits != nil {
		return nd.lits[seg]
	}
	if nd.lit != nil && nd.litSeg == seg {
		return nd.lit
	}
	return nil
}

// makeChild returns the child for seg, creating it if needed.
func (nd *node[V]) makeChild(seg string) *node[V] {
	if c := nd.child(seg); c != nil {
		return c
	}
	c := new(node[V])
	if seg == "*" {
		nd.star = c
		return c
	}
	// Clone: seg may be a slice of a large request buffer the node would
	// otherwise keep alive.
	seg = strings.Clone(seg)
	switch {
	case nd.lits != nil:
		nd.lits[seg] = c
	case nd.lit == nil:
		nd.litSeg, nd.lit = seg, c
	default:
		nd.lits = map[string]*node[V]{nd.litSeg: nd.lit, seg: c}
		nd.litSeg, nd.lit = "", nil
	}
	return c
}

// dropChild removes the child for seg.
func (nd *node[V]) dropChild(seg string) {
	if seg == "*" {
		nd.star = nil
		return
	}
	if nd.lits == nil {
		nd.litSeg, nd.lit = "", nil
		return
	}
	delete(nd.lits, seg)
	if len(nd.lits) == 0 {
		nd.lits = nil
	}
}

// empty reports whether the node holds nothing and can be pruned.
func (nd *node[V]) empty() bool {
	if nd.star != nil || nd.lit != nil || len(nd.lits) > 0 {
		return false
	}
	for a := range numActions {
		if len(nd.subs[a]) > 0 {
			return false
		}
	}
	return nd.deep == nil
}

// addDeep adds a variable-depth subscription.
func (nd *node[V]) addDeep(a Action, d deepSub[V]) {
	if nd.deep == nil {
		nd.deep = new(deepSubs[V])
	}
	nd.deep[a] = append(nd.deep[a], d)
}

// pruneDeep drops the deep set once it holds nothing.
func (nd *node[V]) pruneDeep() {
	for a := range numActions {
		if len(nd.deep[a]) > 0 {
			return
		}
	}
	nd.deep = nil
}

// walk returns the node at the end of the left segments of p, creating the
// nodes on the way.
func (nd *node[V]) walk(p string, left int) *node[V] {
	for ; left > 0; left-- {
		var seg string
		seg, p = cut(p)
		nd = nd.makeChild(seg)
	}
	return nd
}

// remove deletes one subscription (v, depth) of action a from the node at
// the end of the left segments of p, pruning nodes it leaves empty, and
// reports whether it found one.
func (nd *node[V]) remove(a Action, p string, left int, deep bool, depth int, v V) bool {
	if left == 0 {
		if deep {
			if nd.deep == nil || !deleteOne(&nd.deep[a], deepSub[V]{v, depth}) {
				return false
			}
			nd.pruneDeep()
			return true
		}
		return deleteOne(&nd.subs[a], v)
	}
	seg, rest := cut(p)
	c := nd.child(seg)
	if c == nil || !c.remove(a, rest, left-1, deep, depth, v) {
		return false
	}
	if c.empty() {
		nd.dropChild(seg)
	}
	return true
}

// removeFunc deletes every subscription under nd whose value satisfies pred,
// prunes emptied children, and returns how many it deleted.
func (nd *node[V]) removeFunc(pred func(V) bool) int {
	n := 0
	for a := range numActions {
		n += deleteFunc(&nd.subs[a], pred)
	}
	if nd.deep != nil {
		for a := range numActions {
			n += deleteFunc(&nd.deep[a], func(d deepSub[V]) bool { return pred(d.v) })
		}
		nd.pruneDeep()
	}
	if nd.lit != nil {
		n += nd.lit.removeFunc(pred)
		if nd.lit.empty() {
			nd.litSeg, nd.lit = "", nil
		}
	}
	for seg, c := range nd.lits {
		n += c.removeFunc(pred)
		if c.empty() {
			nd.dropChild(seg)
		}
	}
	if nd.star != nil {
		n += nd.star.removeFunc(pred)
		if nd.star.empty() {
			nd.star = nil
		}
	}
	return n
}

// match yields the subscriptions of action All or a (which the caller has
// made Set, Remove or All) under nd that match the left segments of p. It
// returns false once yield has.
func (nd *node[V]) match(a Action, p string, left int, yield func(V, int) bool) bool {
	if left == 0 {
		return yieldSubs(nd.subs[All], yield) && (a == All || yieldSubs(nd.subs[a], yield))
	}
	// A "/**" starting here covers the remaining 1..depth segments.
	if d := nd.deep; d != nil && (!yieldDeep(d[All], left, yield) || (a != All && !yieldDeep(d[a], left, yield))) {
		return false
	}
	seg, rest := cut(p)
	if c := nd.litChild(seg); c != nil && !c.match(a, rest, left-1, yield) {
		return false
	}
	if nd.star != nil {
		return nd.star.match(a, rest, left-1, yield)
	}
	return true
}

func yieldSubs[V comparable](vs []V, yield func(V, int) bool) bool {
	for _, v := range vs {
		if !yield(v, 0) {
			return false
		}
	}
	return true
}

func yieldDeep[V comparable](ds []deepSub[V], left int, yield func(V, int) bool) bool {
	for _, d := range ds {
		if left <= d.depth && !yield(d.v, d.depth) {
			return false
		}
	}
	return true
}

// deleteOne deletes the first x from *s and reports whether it found one.
// It keeps the rest in order (the search is O(n) anyway), so a topic's
// subscribers stay in a deterministic order.
func deleteOne[T comparable](s *[]T, x T) bool {
	i := slices.Index(*s, x)
	if i < 0 {
		return false
	}
	*s = slices.Delete(*s, i, i+1)
	if len(*s) == 0 {
		*s = nil // let a topic everyone left release its array
	}
	return true
}

// deleteFunc deletes every element of *s that satisfies del and returns how
// many it deleted.
func deleteFunc[T any](s *[]T, del func(T) bool) int {
	n := len(*s)
	*s = slices.DeleteFunc(*s, del)
	if len(*s) == 0 {
		*s = nil
	}
	return n - len(*s)
}
