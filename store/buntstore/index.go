package buntstore

import (
	"context"

	"github.com/happn-go/happn/store"
)

// Lookup returns the paths under prefix, in ascending order, of the items
// whose data member key equals value (store.Indexer). The first lookup of
// a key after Open builds an in-memory index of that member, reading the
// records in chunks without stopping writers; later ones read it. ok is
// false past fieldindex.MaxKeys keys, or for a value the index cannot
// answer for.
func (s *Store) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if s.closed.Load() {
		return nil, false, store.ErrClosed
	}
	return s.index.Lookup(ctx, prefix, key, value)
}

// LookupRange returns the paths under prefix, in ascending order, of the
// items whose data member key holds a number at or above lo and one at or
// below hi (store.RangeIndexer). The first range lookup of a key after
// Open builds an in-memory ordering of that member's numbers, reading the
// records in chunks without stopping writers; later ones read it. ok is
// false past fieldindex.MaxKeys indexes, or for a range holding too many
// items (more than fieldindex.RangeScanMin, and a quarter of those with
// numbers there).
func (s *Store) LookupRange(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if s.closed.Load() {
		return nil, false, store.ErrClosed
	}
	return s.index.LookupRange(ctx, prefix, key, lo, hi)
}
