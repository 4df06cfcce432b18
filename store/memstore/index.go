package memstore

import (
	"context"

	"github.com/happn-go/happn/store"
)

// Lookup returns the paths under prefix, in ascending order, of the items
// whose data member key equals value (store.Indexer). The first lookup of
// a key builds an index of that member from a snapshot, without stopping
// writers; later ones read it. ok is false past fieldindex.MaxKeys keys,
// or for a value the index cannot answer for.
func (s *Store) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	if err := s.lookable(ctx); err != nil {
		return nil, false, err
	}
	return s.index.Lookup(ctx, prefix, key, value)
}

// LookupRange returns the paths under prefix, in ascending order, of the
// items whose data member key holds a number at or above lo and one at or
// below hi (store.RangeIndexer). The first range lookup of a key builds an
// ordering of that member's numbers from a snapshot, without stopping
// writers; later ones read it. ok is false past fieldindex.MaxKeys
// indexes, or for a range holding too many items (more than
// fieldindex.RangeScanMin, and a quarter of those with numbers there).
func (s *Store) LookupRange(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
	if err := s.lookable(ctx); err != nil {
		return nil, false, err
	}
	return s.index.LookupRange(ctx, prefix, key, lo, hi)
}

// lookable returns the error a lookup gives before it starts: ctx's, or
// ErrClosed.
func (s *Store) lookable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.tree == nil {
		return store.ErrClosed
	}
	return nil
}
