package query

import (
	"strings"

	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// metaKind says which piece of item metadata a field name addresses.
type metaKind uint8

const (
	metaNone       metaKind = iota // not metadata: a path into the document
	metaPath                       // Item.Path ("path", "_id")
	metaCreated                    // Item.Created
	metaModified                   // Item.Modified ("modified", "timestamp")
	metaModifiedBy                 // Item.ModifiedBy, absent when empty
	metaAbsent                     // known to happn-3 but not kept by our store ("createdBy", "_meta")
)

// metaFields maps happn-3's metadata field names, bare and "_meta."-prefixed
// (META_FIELDS and PREFIXED_META_FIELDS in happn-3's data service).
var metaFields = map[string]metaKind{
	"path": metaPath, "_id": metaPath, "_meta.path": metaPath, "_meta._id": metaPath,
	"created": metaCreated, "_meta.created": metaCreated,
	"modified": metaModified, "_meta.modified": metaModified,
	"timestamp": metaModified, "_meta.timestamp": metaModified,
	"modifiedBy": metaModifiedBy, "_meta.modifiedBy": metaModifiedBy,
	"createdBy": metaAbsent, "_meta.createdBy": metaAbsent, "_meta": metaAbsent,
}

// field is a compiled field name: item metadata, or a dotted path into a
// JSON document.
type field struct {
	name string // as the user wrote it, for error messages
	meta metaKind
	segs []seg
	slot int // 1 + its first segment's place in the query's keyCache, or 0
}

// seg is one step of a dotted path.
type seg struct {
	key   string // the member name, unescaped
	path  string // key escaped for gjson, so no user text is read as gjson syntax
	index int    // the array index key spells, or -1
	plain bool   // key holds no quote or backslash, so the scanner can compare it raw
}

// itemField maps a criteria, sort or fields key the way happn-3 does: meta
// names address metadata, "data.x" and "_data.x" address data field x, and
// any other key k addresses data field k.
func itemField(key string) (field, error) {
	if m, ok := metaFields[key]; ok {
		return field{name: key, meta: m}, nil
	}
	path := key
	if p, ok := strings.CutPrefix(key, "data."); ok {
		path = p
	} else if p, ok := strings.CutPrefix(key, "_data."); ok {
		path = p
	}
	return docField(key, path)
}

// docField compiles the dotted path of a plain-document field; name is kept
// for error messages.
func docField(name, path string) (field, error) {
	if n := strings.Count(path, ".") + 1; n > maxDepth {
		return field{}, invalid("field %q has more than %d segments", name, maxDepth)
	}
	parts := strings.Split(path, ".")
	segs := make([]seg, len(parts))
	for i, p := range parts {
		segs[i] = seg{key: p, path: gjson.Escape(p), index: arrayIndex(p), plain: !strings.ContainsAny(p, "\"\\")}
	}
	return field{name: name, segs: segs}, nil
}

// arrayIndex returns the array index that s spells in canonical decimal
// ("0", "17", not "01" or "+1"), or -1.
func arrayIndex(s string) int {
	if len(s) == 0 || len(s) > 9 || (s[0] == '0' && len(s) > 1) {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// metaValue presents one piece of item metadata as a JSON value. A nil item
// (a document query) has no metadata.
func metaValue(it *store.Item, m metaKind) gjson.Result {
	if it == nil {
		return gjson.Result{}
	}
	switch m {
	case metaPath:
		return gjson.Result{Type: gjson.String, Str: it.Path}
	case metaCreated:
		return gjson.Result{Type: gjson.Number, Num: float64(it.Created)}
	case metaModified:
		return gjson.Result{Type: gjson.Number, Num: float64(it.Modified)}
	case metaModifiedBy:
		if it.ModifiedBy != "" {
			return gjson.Result{Type: gjson.String, Str: it.ModifiedBy}
		}
	}
	return gjson.Result{}
}

// resolve follows segs from v for as long as the path needs no fan-out.
// It returns the value reached (the zero Result when missing) and -1, or,
// when it meets an array that a non-index segment must fan out over, that
// array and the index of the segment to continue with.
func resolve(v gjson.Result, segs []seg) (gjson.Result, int) {
	for i := range segs {
		s := &segs[i]
		switch {
		case v.IsObject():
			v = v.Get(s.path)
		case v.IsArray():
			if s.index < 0 {
				return v, i
			}
			v = v.Get(s.path)
		default:
			return gjson.Result{}, -1
		}
	}
	return v, -1
}
