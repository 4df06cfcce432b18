package pubsub

import "sync"

// Index maps subscriptions (an action, a pattern, a depth and a subscriber
// value V) to the events that reach them. The zero value is an empty index
// ready to use; an Index must not be copied after first use.
//
// An Index is a multiset: adding the same (action, pattern, depth, v) twice
// stores it twice, Match yields it twice, and each Remove undoes one Add.
// Patterns are compared after normalisation, so "a/b" and "/a/b" are one
// topic, and depth only counts for variable-depth ("/**") patterns: it is
// ignored (stored as 0) for others, and 0 or less means DefaultDepth.
//
// An Index is safe for concurrent use. Match calls share a read lock and run
// in parallel; Add, Remove and RemoveFunc take the write lock. The callbacks
// (Match's yield, RemoveFunc's pred) run with the lock held: they must not
// call the Index (that deadlocks), and they should be quick, because while
// one runs no Add can proceed, and behind a waiting Add no Match can start.
type Index[V comparable] struct {
	mu   sync.RWMutex
	root node[V]
	// any holds the onAll ("*") subscriptions, by action; they match every
	// event, so they sit outside the trie.
	any [numActions][]V
	n   int
}

// Add subscribes v to the events of the given action whose paths match
// pattern (see the package comment for the dialect). depth bounds a pattern
// ending in "/**": it matches 1 to depth segments after the prefix (0 or
// less means DefaultDepth).
//
// Add panics if action is not All, Set or Remove, a programming error.
func (ix *Index[V]) Add(action Action, pattern string, depth int, v V) {
	if action >= numActions {
		panic("pubsub: Add with invalid " + action.String())
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.n++
	if pattern == onAllPattern {
		ix.any[action] = append(ix.any[action], v)
		return
	}
	pt := parsePattern(pattern)
	nd := &ix.root
	if !pt.none {
		nd = nd.walk(pt.prefix, segments(pt.prefix))
	}
	if pt.deep {
		nd.addDeep(action, deepSub[V]{v, normDepth(true, depth)})
		return
	}
	nd.subs[action] = append(nd.subs[action], v)
}

// Remove undoes one Add with the same action, pattern, depth and v (the
// pattern and depth compared as Add normalises them) and reports whether
// there was one.
func (ix *Index[V]) Remove(action Action, pattern string, depth int, v V) bool {
	if action >= numActions {
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var ok bool
	if pattern == onAllPattern {
		ok = deleteOne(&ix.any[action], v)
	} else {
		pt := parsePattern(pattern)
		left := 0
		if !pt.none {
			left = segments(pt.prefix)
		}
		ok = ix.root.remove(action, pt.prefix, left, pt.deep, normDepth(pt.deep, depth), v)
	}
	if ok {
		ix.n--
	}
	return ok
}

// RemoveFunc removes every subscription whose value satisfies pred (for
// example all of a session that went away) and returns how many it removed.
// It visits the whole index; a caller that knows a session's subscriptions
// can Remove them one by one instead.
func (ix *Index[V]) RemoveFunc(pred func(V) bool) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := ix.root.removeFunc(pred)
	for a := range numActions {
		n += deleteFunc(&ix.any[a], pred)
	}
	ix.n -= n
	return n
}

// Match calls yield for every subscription that an event of the given action
// (Set or Remove) on path reaches, until yield returns false. depth is the
// subscription's depth for a variable-depth ("/**") subscription, so that a
// server can send it as _meta.depth, and 0 for any other.
//
// The path is literal: a '*' in it is text. Each subscription is yielded
// once per Add, in no particular order; a caller that sends one frame per
// channel de-duplicates. An action other than Set or Remove reaches only
// All subscriptions and onAll ones. Match does not allocate.
func (ix *Index[V]) Match(action Action, path string, yield func(v V, depth int) bool) {
	if action >= numActions {
		action = All
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// onAll ignores the subscription's action.
	for a := range numActions {
		if !yieldSubs(ix.any[a], yield) {
			return
		}
	}
	path = trimLead(path)
	ix.root.match(action, path, segments(path), yield)
}

// Len returns the number of subscriptions in the index.
func (ix *Index[V]) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.n
}
