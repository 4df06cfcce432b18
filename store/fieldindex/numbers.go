package fieldindex

import (
	"slices"
	"strings"

	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/store"
	"github.com/tidwall/btree"
)

// numbers is the numeric ordering of one member: the documents holding
// numbers there, by value. A document whose numbers are all equal (most:
// a scalar) is a point at that value; one whose array holds different
// numbers is a span from the least to the greatest, kept apart because
// it can match a range that none of its numbers is in.
type numbers struct {
	points *btree.BTreeG[point] // by value, then path
	spans  *btree.BTreeG[span]  // by greatest value, then path
}

// point files a document holding the number v (once or more).
type point struct {
	v    float64
	path string
}

// span files a document whose numbers range from lo to hi, lo < hi.
type span struct {
	hi, lo float64
	path   string
}

func newNumbers() *numbers {
	// The Index's lock guards the trees: theirs would be a second one.
	opts := btree.Options{NoLocks: true}
	return &numbers{
		points: btree.NewBTreeGOptions(func(a, b point) bool {
			return a.v < b.v || (a.v == b.v && a.path < b.path)
		}, opts),
		spans: btree.NewBTreeGOptions(func(a, b span) bool {
			return a.hi < b.hi || (a.hi == b.hi && a.path < b.path)
		}, opts),
	}
}

func (n *numbers) len() int { return n.points.Len() + n.spans.Len() }

// extent returns the least and the greatest of the numbers that the
// member's JSON text raw holds, as comparisons see them; ok is false when
// it holds none.
func extent(raw string) (lo, hi float64, ok bool) {
	query.MemberKeys(raw, func(k query.IndexKey) {
		f, isNum := k.Number()
		switch {
		case !isNum:
		case !ok:
			lo, hi, ok = f, f, true
		case f < lo:
			lo = f
		case f > hi:
			hi = f
		}
	})
	return lo, hi, ok
}

// add files path under the numbers of raw, if it holds any.
func (n *numbers) add(raw, path string) {
	lo, hi, ok := extent(raw)
	switch {
	case !ok:
	case lo == hi:
		n.points.Set(point{lo, path})
	default:
		n.spans.Set(span{hi, lo, path})
	}
}

// remove takes out what add filed for raw and path.
func (n *numbers) remove(raw, path string) {
	lo, hi, ok := extent(raw)
	switch {
	case !ok:
	case lo == hi:
		n.points.Delete(point{lo, path})
	default:
		n.spans.Delete(span{hi, lo, path})
	}
}

// collect returns the paths under prefix of the documents holding a
// number at or above lo and one at or below hi, in ascending order. ok is
// false, and collect stops, when more than max documents (of any prefix)
// are in the range.
func (n *numbers) collect(prefix string, lo, hi store.Bound, max int) (paths []string, ok bool) {
	in := 0
	// The pivot's empty path sorts before every path at lo.Value.
	n.points.Ascend(point{v: lo.Value}, func(p point) bool {
		if !atMost(p.v, hi) {
			return false
		}
		if !atLeast(p.v, lo) {
			return true
		}
		if in++; in > max {
			return false
		}
		if strings.HasPrefix(p.path, prefix) {
			paths = append(paths, p.path)
		}
		return true
	})
	// A span's greatest number must meet lo (every span past the pivot
	// does, bar an exclusive lo's equal), and its least hi.
	n.spans.Ascend(span{hi: lo.Value}, func(s span) bool {
		if !atLeast(s.hi, lo) || !atMost(s.lo, hi) {
			return true
		}
		if in++; in > max {
			return false
		}
		if strings.HasPrefix(s.path, prefix) {
			paths = append(paths, s.path)
		}
		return true
	})
	if in > max {
		return nil, false
	}
	// A path is a point or a span, never both: sorting leaves each once.
	slices.Sort(paths)
	return paths, true
}

// atLeast reports whether v meets the lower bound b.
func atLeast(v float64, b store.Bound) bool {
	return v > b.Value || (v == b.Value && !b.Exclusive)
}

// atMost reports whether v meets the upper bound b.
func atMost(v float64, b store.Bound) bool {
	return v < b.Value || (v == b.Value && !b.Exclusive)
}
