package query

import (
	"cmp"
	"slices"
	"strings"

	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// SortItems sorts items in place by s, stably: items equal on every key
// keep their order, as with Less and sort.SliceStable, whose result it
// gives. Each item's sort values are read once, up front, rather than on
// every comparison, so it costs a fraction of sorting with Less.
//
// When 0 < first < len(items), only the first places matter: items[:first]
// end up holding, in order, the items a full sort would put there, and
// the rest follow in their original order. A search with a limit (plus
// skip) needs no more, and selecting is cheaper than sorting. A nil s, or
// one with no keys, leaves items as they are.
func (s *Sort) SortItems(items []store.Item, first int) {
	if s == nil || len(s.keys) == 0 || len(items) < 2 {
		return
	}
	nk := len(s.keys)
	vals := make([]sortValue, len(items)*nk)
	for i := range items {
		d := newDoc(bytesString(items[i].Data))
		for j := range s.keys {
			vals[i*nk+j] = d.sortValue(&s.keys[j].field, &items[i])
		}
	}
	// Ties go to the earlier item, which makes the order total and the
	// sort stable whatever algorithm runs it.
	compare := func(a, b int) int {
		if nk == 1 {
			c := compareSortValues(&vals[a], &vals[b])
			if s.keys[0].desc {
				c = -c
			}
			if c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		}
		va, vb := vals[a*nk:(a+1)*nk], vals[b*nk:(b+1)*nk]
		for j := range s.keys {
			if c := compareSortValues(&va[j], &vb[j]); c != 0 {
				if s.keys[j].desc {
					return -c
				}
				return c
			}
		}
		return cmp.Compare(a, b)
	}
	var order []int
	if first > 0 && first < len(items) {
		order = selectFirst(len(items), first, compare)
	} else {
		order = make([]int, len(items))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, compare)
	}
	permute(items, order)
}

// permute moves items[order[p]] to items[p] for every p, in place: it
// follows each cycle of the permutation, marking order as it goes.
func permute(items []store.Item, order []int) {
	for p := range order {
		if order[p] < 0 {
			continue
		}
		held := items[p]
		q := p
		for {
			src := order[q]
			order[q] = -1
			if src == p {
				items[q] = held
				break
			}
			items[q] = items[src]
			q = src
		}
	}
}

// selectFirst returns the indexes 0..n-1 with the k least under compare
// first, in order, then the others in increasing order. It keeps the k
// least seen so far in a max-heap: n log k comparisons, not n log n.
func selectFirst(n, k int, compare func(a, b int) int) []int {
	heap := make([]int, 0, k)
	for i := range n {
		if len(heap) < k {
			heap = append(heap, i)
			siftUp(heap, len(heap)-1, compare)
		} else if compare(i, heap[0]) < 0 {
			heap[0] = i
			siftDown(heap, 0, compare)
		}
	}
	slices.SortFunc(heap, compare)
	chosen := make([]bool, n)
	for _, i := range heap {
		chosen[i] = true
	}
	order := heap
	for i := range n {
		if !chosen[i] {
			order = append(order, i)
		}
	}
	return order
}

// siftUp and siftDown keep h a max-heap under compare.
func siftUp(h []int, i int, compare func(a, b int) int) {
	for i > 0 {
		parent := (i - 1) / 2
		if compare(h[i], h[parent]) <= 0 {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func siftDown(h []int, i int, compare func(a, b int) int) {
	for {
		big, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && compare(h[l], h[big]) > 0 {
			big = l
		}
		if r < len(h) && compare(h[r], h[big]) > 0 {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// sortValue is one sort key's value in one item, decoded once for
// SortItems's many comparisons.
type sortValue struct {
	rank int
	num  number // numbers; booleans as 0 and 1
	str  string // strings; the raw text of arrays and objects
}

func sortValueOf(r gjson.Result) sortValue {
	v := sortValue{rank: rank(r.Type, r.Raw)}
	switch v.rank {
	case rankNumber:
		v.num = numberOf(r)
	case rankString:
		v.str = r.Str
	case rankBool:
		v.num.i = int64(boolRank(r.Type))
	case rankObject, rankArray:
		v.str = r.Raw
	}
	return v
}

// sortValue returns the sort value of f in the document, as
// sortValueOf(d.lookup(f, it)) but straight from the raw text when it can.
func (d *doc) sortValue(f *field, it *store.Item) sortValue {
	if f.meta == metaNone && d.obj != "" {
		raw, res, fan := d.scan(f, nil)
		switch {
		case res == scanAbsent, res == scanFound && fan >= 0:
			return sortValue{rank: rankNull}
		case res == scanFound:
			switch t, plain := plainScalar(raw); {
			case !plain:
			case t == gjson.Number:
				return sortValue{rank: rankNumber, num: rawNumber(raw)}
			case t == gjson.String:
				return sortValue{rank: rankString, str: raw[1 : len(raw)-1]}
			default:
				return sortValueOf(rawResult(raw))
			}
		}
	}
	return sortValueOf(d.lookup(f, it))
}

// compareSortValues is compareValues over decoded values.
func compareSortValues(a, b *sortValue) int {
	if a.rank != b.rank {
		return cmp.Compare(a.rank, b.rank)
	}
	switch a.rank {
	case rankNumber:
		return compareNumbers(a.num, b.num)
	case rankString:
		return strings.Compare(a.str, b.str)
	case rankBool:
		return cmp.Compare(a.num.i, b.num.i)
	case rankObject, rankArray:
		return compareValues(gjson.Result{Type: gjson.JSON, Raw: a.str}, gjson.Result{Type: gjson.JSON, Raw: b.str}, 0)
	}
	return 0
}
