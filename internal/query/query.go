package query

import (
	"github.com/happn-go/happn/store"
)

// Query is compiled search criteria. It is immutable and safe for
// concurrent use; a nil *Query matches everything.
type Query struct {
	root node
	item bool     // compiled by Compile: field names follow happn's item mapping
	keys []string // member names of the root fields' cache slots (keyCache)
	eqs  []Equality
	rngs []Range
}

// Compile parses happn search criteria (a JSON object) for matching store
// items. Keys starting with '$' are operators. "_meta.created",
// "_meta.modified", "_meta.path", "_meta.modifiedBy" and the bare "created",
// "modified", "path", "_id", "modifiedBy" and "timestamp" address item
// metadata ("_id" and "path" are Item.Path, "timestamp" is Item.Modified);
// "data.x" and "_data.x" address data field x, and any other key k addresses
// data field k. The error, if any, wraps ErrInvalid.
func Compile(criteria []byte) (*Query, error) {
	return compile(criteria, true)
}

// CompileDocument parses criteria for plain JSON documents: every key that
// is not an operator is a dotted path into the document, with no mapping
// ("user.username" is member username of member user). The error, if any,
// wraps ErrInvalid.
func CompileDocument(criteria []byte) (*Query, error) {
	return compile(criteria, false)
}

func compile(criteria []byte, item bool) (*Query, error) {
	r, err := parseObject(criteria, "criteria")
	if err != nil {
		return nil, err
	}
	root, err := compiler{item: item}.criteria(r, 1)
	if err != nil {
		return nil, err
	}
	q := &Query{root: simplify(root), item: item}
	q.keys = cacheKeys(&q.root)
	q.eqs = equalities(&q.root)
	q.rngs = ranges(&q.root)
	return q, nil
}

// MatchItem reports whether it matches q. A query from CompileDocument
// sees only the item's data, as a plain document.
func (q *Query) MatchItem(it store.Item) bool {
	if q == nil {
		return true
	}
	if !q.item {
		return q.match(bytesString(it.Data), nil)
	}
	return q.match(bytesString(it.Data), &it)
}

// MatchDocument reports whether the JSON document doc matches q. A query
// from Compile sees doc as an item's data, with no metadata.
func (q *Query) MatchDocument(doc []byte) bool {
	if q == nil {
		return true
	}
	return q.match(bytesString(doc), nil)
}

func (q *Query) match(text string, it *store.Item) bool {
	d := newDoc(text)
	if q.keys == nil || d.obj == "" {
		return q.root.match(&d, nil, it)
	}
	cache := keyCache{keys: q.keys}
	return q.root.match(&d, &cache, it)
}
