// Package store defines how a happn server keeps its documents.
//
// A Store holds JSON documents keyed by their path ("/a/b/c"). The server
// never talks to a database directly: it calls the small Store interface
// below, so a third party can supply a backend by importing only this
// package (as database/sql/driver works). Every backend runs the same
// conformance suite, package storetest.
//
// Two backends ship with happn: buntstore (the default, a persistent
// append-only file through github.com/tidwall/buntdb) and memstore (in
// memory, for tests and ephemeral servers).
//
// Paths are stored verbatim: "a/b" and "/a/b" are two different records.
// Patterns use happn's data wildcard dialect: '*' matches any run of
// characters, '/' included, and may stand for part of a segment
// ("/a/b*" matches "/a/bc" and "/a/b/c"). A pattern without '*' matches
// exactly one path. Matching is case-sensitive.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"iter"

	"github.com/tidwall/gjson"
)

// Item is one stored document and its metadata.
type Item struct {
	// Path is the document's key, exactly as it was written.
	Path string
	// Data is the document, always a JSON object (happn wraps primitives
	// and arrays as {"value": x} before they reach the store).
	Data json.RawMessage
	// Created is when the path was first written, in Unix milliseconds.
	Created int64
	// Modified is when the path was last written, in Unix milliseconds.
	Modified int64
	// ModifiedBy is the username of the last writer; empty on an insecure server.
	ModifiedBy string
	// Revision is a store-wide, strictly increasing number assigned to
	// every committed write. It survives restarts.
	Revision uint64
}

// Change is what an UpdateFunc asks the store to write.
type Change struct {
	// Data is the new document; it must be a JSON object.
	Data json.RawMessage
	// ModifiedBy is recorded as Item.ModifiedBy.
	ModifiedBy string
	// Created and Modified, when not zero, are recorded as the item's
	// times (Unix milliseconds) instead of the current item's Created and
	// now: an import (package happn3file) keeps the times its documents
	// had. The server never sets them.
	Created, Modified int64
}

// UpdateFunc computes the new value of a path from its current one.
// current is nil when the path holds nothing; it is a read-only view (its
// Data must not be modified or kept). The function runs while the
// store holds its write lock (possibly for the whole store): it must be
// quick and must not call the store. Returning an error aborts the update and the store
// returns that error unchanged.
type UpdateFunc func(current *Item) (Change, error)

// Store is a happn storage backend. Implementations must be safe for
// concurrent use by many goroutines.
//
// A store does not keep the slices it is given (Change.Data), and the
// Items returned by Get and Update belong to the caller. The Items a Scan
// yields are read-only views that may share the store's memory: their
// Data must not be modified (copy it first); it stays valid after the
// iteration. This keeps searches over many items free of copies.
// When ctx is already done, Get, Update, Delete and Count return its error
// without doing anything.
type Store interface {
	// Get returns the item stored at exactly path. ok is false when there
	// is none; path is never treated as a pattern.
	Get(ctx context.Context, path string) (item Item, ok bool, err error)

	// Update atomically reads path, calls fn with the current item and
	// writes the Change it returns. The store sets Created (kept from the
	// current item, or now), Modified (now) and a new Revision (unless
	// the Change gives Created or Modified), and
	// returns the stored item. Once Update returns without error the write
	// must survive the process being killed.
	Update(ctx context.Context, path string, fn UpdateFunc) (Item, error)

	// Delete removes every item whose path matches pattern (data wildcard
	// dialect; a pattern without '*' is one exact path) and returns how
	// many were removed.
	Delete(ctx context.Context, pattern string) (int, error)

	// Scan yields every item whose path matches pattern, in ascending
	// byte order of path. The yielded Items are read-only (see above). A scan must not stop writers for its whole
	// length: it may observe writes committed while it runs, but it
	// yields each path at most once. Stopping the iteration early is
	// allowed and releases everything the scan holds.
	Scan(ctx context.Context, pattern string) iter.Seq2[Item, error]

	// Close flushes and releases the store. Calls after Close return
	// ErrClosed.
	Close() error
}

// Counter is an optional capability: a store that can count matches of a
// pattern faster than scanning them. The server uses it for count
// requests without criteria.
type Counter interface {
	Count(ctx context.Context, pattern string) (int, error)
}

// Viewer is an optional capability: Get without copying the document.
// The returned Item is a read-only view, like Scan's; the server uses it
// to answer reads, which only encode the data.
type Viewer interface {
	View(ctx context.Context, path string) (item Item, ok bool, err error)
}

// Indexer is an optional capability: finding the items whose data has a
// given value in a top-level member without scanning them. The server
// uses it for searches whose criteria require an equality ({"grp":"g7"})
// and applies the whole criteria to the items it names.
//
// Lookup returns, in ascending byte order, the paths starting with prefix
// of the items whose data member key (a top-level member name, unescaped)
// equals value, the JSON text of a string, number, true, false or null,
// as search criteria {key: value} compare them: numbers by value (4242,
// 4242.0 and 4.242e3 are equal), strings after unescaping, and a member
// holding an array when one of its elements (not nested ones) is equal. A
// document with no member key is not returned, even for null. ok is false
// when the store cannot answer for that key or value (it has not indexed
// the key, or holds too many indexes); the caller then scans. Package
// fieldindex implements it for stores that see every write.
//
// Lookup may observe writes committed while it runs, like Scan. When ctx
// is already done it returns ctx's error.
type Indexer interface {
	Lookup(ctx context.Context, prefix, key string, value []byte) (paths []string, ok bool, err error)
}

// RangeIndexer is an optional capability: finding the items whose data
// holds numbers within a range in a top-level member without scanning
// them. The server uses it for searches whose criteria bound a member
// with $gt, $gte, $lt or $lte and a number, when they have no equality
// term an Indexer answers, and applies the whole criteria to the items it
// names.
//
// LookupRange returns, in ascending byte order and each once, the paths
// starting with prefix of the items whose data member key (a top-level
// member name, unescaped) holds a number at or above lo and a number at
// or below hi: the member itself, or elements (not nested ones) of an
// array it holds, the two not necessarily the same element. That is how
// criteria {key: {"$gte": lo, "$lte": hi}} select items ($gt and $lt for
// an exclusive end), each operator holding on its own. Numbers compare as
// their float64 values (a JSON number's value rounded to the nearest
// float64, ±Inf beyond its range). Strings, booleans, null, objects and
// nested arrays are in no range. ok is false when the store cannot answer
// for that key (it has not indexed the key, or holds too many indexes), a
// bound is NaN, or the range holds so many items that reading them one
// by one would cost more than a scan; the caller then scans. Package
// fieldindex implements it for stores that see every write.
//
// LookupRange may observe writes committed while it runs, like Scan. When
// ctx is already done it returns ctx's error.
type RangeIndexer interface {
	LookupRange(ctx context.Context, prefix, key string, lo, hi Bound) (paths []string, ok bool, err error)
}

// Bound is one end of a range of numbers (RangeIndexer). A lower end of
// math.Inf(-1) or an upper end of math.Inf(1), not exclusive, leaves that
// side open: every number is within it.
type Bound struct {
	// Value is the end.
	Value float64
	// Exclusive leaves Value itself out of the range, as $gt and $lt do;
	// otherwise it is in, as with $gte and $lte.
	Exclusive bool
}

// ErrClosed is returned by every method of a closed store.
var ErrClosed = errors.New("store: closed")

// ErrInvalidData is returned when a Change holds something other than a
// JSON object.
var ErrInvalidData = errors.New("store: data must be a JSON object")

// ValidObject reports whether data is exactly one JSON object, surrounding
// whitespace allowed: what an implementation must check before storing a
// Change (returning ErrInvalidData otherwise).
func ValidObject(data []byte) bool {
	i := 0
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	// gjson's validator is several times faster than encoding/json's and
	// allocates nothing.
	return i < len(data) && data[i] == '{' && gjson.ValidBytes(data)
}
