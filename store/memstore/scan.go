package memstore

import (
	"context"
	"iter"
	"strings"

	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/store"
	"github.com/tidwall/btree"
)

// snapshot returns a read-only copy of the tree that stays valid, and may
// be read without any lock, however the live tree changes afterwards.
func (s *Store) snapshot() (*btree.BTreeG[entry], error) {
	s.mu.RLock()
	snap, closed := s.snap, s.tree == nil
	s.mu.RUnlock()
	if closed {
		return nil, store.ErrClosed
	}
	if snap != nil {
		return snap, nil
	}
	// Copy changes the live tree's copy-on-write marker, so it needs the
	// write lock; it costs nanoseconds.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tree == nil {
		return nil, store.ErrClosed
	}
	if s.snap == nil {
		s.snap = s.tree.Copy()
	}
	return s.snap, nil
}

// Scan yields the items whose paths match pattern in ascending byte order,
// from a snapshot taken when iteration starts: writes committed after that
// are not seen, and no lock is held while the loop body runs.
func (s *Store) Scan(ctx context.Context, pattern string) iter.Seq2[store.Item, error] {
	return func(yield func(store.Item, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(store.Item{}, err)
			return
		}
		if !wildcard.HasWildcard(pattern) {
			it, ok, err := s.Get(ctx, pattern)
			if err != nil || ok {
				yield(it, err)
			}
			return
		}
		snap, err := s.snapshot()
		if err != nil {
			yield(store.Item{}, err)
			return
		}
		r := wildcard.NewRange(pattern)
		done := ctx.Done()
		snap.Ascend(entry{path: r.Prefix}, func(e entry) bool {
			if !strings.HasPrefix(e.path, r.Prefix) {
				return false
			}
			if done != nil {
				select {
				case <-done:
					yield(store.Item{}, ctx.Err())
					return false
				default:
				}
			}
			if !r.Match(e.path) {
				return true
			}
			return yield(e.view(), nil)
		})
	}
}

// Count returns how many paths match pattern, without copying any document.
func (s *Store) Count(ctx context.Context, pattern string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !wildcard.HasWildcard(pattern) {
		_, ok, err := s.Get(ctx, pattern)
		if ok {
			return 1, err
		}
		return 0, err
	}
	snap, err := s.snapshot()
	if err != nil {
		return 0, err
	}
	r := wildcard.NewRange(pattern)
	n := 0
	snap.Ascend(entry{path: r.Prefix}, func(e entry) bool {
		if !strings.HasPrefix(e.path, r.Prefix) {
			return false
		}
		if r.Match(e.path) {
			n++
		}
		return true
	})
	return n, ctx.Err()
}

// Delete removes every item whose path matches pattern and returns how many
// it removed. It holds the write lock throughout, which at a few hundred
// nanoseconds per item is short even for large ranges.
func (s *Store) Delete(ctx context.Context, pattern string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tree == nil {
		return 0, store.ErrClosed
	}
	if !wildcard.HasWildcard(pattern) {
		e, ok := s.tree.Delete(entry{path: pattern})
		if !ok {
			return 0, nil
		}
		s.snap = nil
		s.index.Apply(e.path, e.view().Data, nil)
		return 1, nil
	}
	r := wildcard.NewRange(pattern)
	var doomed []entry
	s.tree.Ascend(entry{path: r.Prefix}, func(e entry) bool {
		if !strings.HasPrefix(e.path, r.Prefix) {
			return false
		}
		if r.Match(e.path) {
			doomed = append(doomed, e)
		}
		return true
	})
	for _, e := range doomed {
		s.tree.Delete(e)
		s.index.Apply(e.path, e.view().Data, nil)
	}
	if len(doomed) > 0 {
		s.snap = nil
	}
	return len(doomed), nil
}
