package query

import (
	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// Sort is a compiled sort order. It is immutable and safe for concurrent
// use; a nil *Sort or one with no keys orders nothing.
type Sort struct {
	keys []sortKey
}

type sortKey struct {
	field field
	desc  bool
}

// CompileSort parses a happn sort object such as {"name":1,"_meta.created":-1}:
// keys in order of precedence, 1 ascending and -1 descending. Field names
// map as in Compile. A dotted path that crosses an array sorts as missing.
// The error, if any, wraps ErrInvalid.
func CompileSort(sort []byte) (*Sort, error) {
	r, err := parseObject(sort, "sort")
	if err != nil {
		return nil, err
	}
	s := &Sort{}
	r.ForEach(func(k, v gjson.Result) bool {
		var f field
		f, err = itemField(k.Str)
		if err != nil {
			return false
		}
		if v.Type != gjson.Number || (v.Num != 1 && v.Num != -1) {
			err = invalid("sort direction for %q must be 1 or -1, got %s", k.Str, describe(v))
			return false
		}
		s.keys = append(s.keys, sortKey{field: f, desc: v.Num < 0})
		return true
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Less reports whether a sorts before b. Values of different types order
// as in MongoDB: missing and null, numbers, strings, objects, arrays,
// booleans. Items equal on every key are not less either way, so use
// sort.SliceStable (or slices.SortStableFunc) to keep their order; or,
// much cheaper for many items, SortItems.
func (s *Sort) Less(a, b store.Item) bool {
	if s == nil || len(s.keys) == 0 {
		return false
	}
	da, db := newDoc(bytesString(a.Data)), newDoc(bytesString(b.Data))
	for i := range s.keys {
		k := &s.keys[i]
		c := compareValues(da.lookup(&k.field, &a), db.lookup(&k.field, &b), 0)
		if c != 0 {
			return (c < 0) != k.desc
		}
	}
	return false
}
