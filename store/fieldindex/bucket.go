package fieldindex

import (
	"slices"
	"strings"

	"github.com/tidwall/btree"
)

// smallMax is the most paths a bucket keeps in a sorted slice. Inserting
// into the slice moves up to this many string headers (1 KiB); beyond it
// a B-tree keeps a write to a popular value ("type":"order" on a million
// documents) logarithmic.
const smallMax = 64

// bucket is the set of paths filed under one value, in ascending order:
// a sorted slice while small (most values are unique to a document or
// two), a B-tree beyond smallMax.
type bucket struct {
	small []string
	big   *btree.Set[string]
}

func (b *bucket) len() int {
	if b.big != nil {
		return b.big.Len()
	}
	return len(b.small)
}

// add inserts path and reports whether it was not there yet.
func (b *bucket) add(path string) bool {
	if b.big != nil {
		n := b.big.Len()
		b.big.Insert(path)
		return b.big.Len() > n
	}
	i, found := slices.BinarySearch(b.small, path)
	if found {
		return false
	}
	if len(b.small) < smallMax {
		b.small = slices.Insert(b.small, i, path)
		return true
	}
	b.big = new(btree.Set[string])
	for _, p := range b.small {
		b.big.Load(p) // in order: Load appends without searching
	}
	b.small = nil
	b.big.Insert(path)
	return true
}

// remove deletes path and reports whether it was there. A B-tree stays a
// B-tree until the bucket is empty and dropped.
func (b *bucket) remove(path string) bool {
	if b.big != nil {
		n := b.big.Len()
		b.big.Delete(path)
		return b.big.Len() < n
	}
	i, found := slices.BinarySearch(b.small, path)
	if !found {
		return false
	}
	b.small = slices.Delete(b.small, i, i+1)
	return true
}

// appendPrefix appends the paths starting with prefix, in order.
func (b *bucket) appendPrefix(dst []string, prefix string) []string {
	if b.big != nil {
		b.big.Ascend(prefix, func(p string) bool {
			if !strings.HasPrefix(p, prefix) {
				return false
			}
			dst = append(dst, p)
			return true
		})
		return dst
	}
	i, _ := slices.BinarySearch(b.small, prefix)
	for _, p := range b.small[i:] {
		if !strings.HasPrefix(p, prefix) {
			break
		}
		dst = append(dst, p)
	}
	return dst
}

// mergeSorted merges two ascending lists of paths into one, each path
// once (a document whose array holds 4242 and 4242.0 is in both).
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := strings.Compare(a[0], b[0]); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}
