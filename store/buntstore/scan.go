package buntstore

import (
	"context"
	"iter"
	"strconv"
	"strings"

	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/store"
	"github.com/tidwall/buntdb"
)

// A transaction that walks a key range stops after chunkItems matches or
// chunkVisits keys, whichever comes first, and the walk resumes in a new
// transaction at the first key not yet examined. That bounds how long any
// walk holds buntdb's lock (tens of microseconds), however large the range
// and however few of its keys match.
const (
	chunkItems  = 256
	chunkVisits = 4096
)

// walkChunk calls visit for the keys matching r, in key order, starting at
// key start, until the range or the chunk ends. It returns the key to
// resume from, or "" when the range is done. It must not modify the
// database: buntdb forbids writes during iteration.
func walkChunk(tx *buntdb.Tx, r wildcard.Range, start string, visit func(key, val string)) (next string, err error) {
	lo := dataPrefix + r.Prefix
	visits, matches := 0, 0
	err = tx.AscendGreaterOrEqual("", start, func(k, v string) bool {
		if !strings.HasPrefix(k, lo) {
			return false
		}
		if visits == chunkVisits || matches == chunkItems {
			next = k // never "": every data key starts with dataPrefix
			return false
		}
		visits++
		if r.Match(k[len(dataPrefix):]) {
			matches++
			visit(k, v)
		}
		return true
	})
	return next, err
}

type keyVal struct{ key, val string }

// Scan yields the items whose paths match pattern in ascending byte order.
// It reads a chunk of items per read transaction and yields them after the
// transaction ends, so it may observe writes committed between chunks but
// yields each path at most once.
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
		r := wildcard.NewRange(pattern)
		batch := make([]keyVal, 0, chunkItems)
		done := ctx.Done()
		for start := dataPrefix + r.Prefix; start != ""; {
			if s.closed.Load() {
				yield(store.Item{}, store.ErrClosed)
				return
			}
			batch = batch[:0]
			err := s.db.View(func(tx *buntdb.Tx) error {
				var err error
				start, err = walkChunk(tx, r, start, func(k, v string) {
					batch = append(batch, keyVal{k, v}) // buntdb strings are immutable: no copy needed
				})
				return err
			})
			if err != nil {
				yield(store.Item{}, s.fail(err))
				return
			}
			for _, kv := range batch {
				if done != nil {
					select {
					case <-done:
						yield(store.Item{}, ctx.Err())
						return
					default:
					}
				}
				it, err := decodeView(kv.key[len(dataPrefix):], kv.val)
				if err != nil {
					yield(store.Item{}, s.fail(err))
					return
				}
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// Count returns how many paths match pattern, reading only keys.
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
	r := wildcard.NewRange(pattern)
	n := 0
	for start := dataPrefix + r.Prefix; start != ""; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if s.closed.Load() {
			return 0, store.ErrClosed
		}
		err := s.db.View(func(tx *buntdb.Tx) error {
			var err error
			start, err = walkChunk(tx, r, start, func(string, string) { n++ })
			return err
		})
		if err != nil {
			return 0, s.fail(err)
		}
	}
	return n, nil
}

// Delete removes every item whose path matches pattern and returns how many
// it removed. A pattern is deleted a chunk per write transaction, so other
// callers interleave with a large delete; items written behind its cursor
// while it runs survive it.
func (s *Store) Delete(ctx context.Context, pattern string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s.closed.Load() {
		return 0, store.ErrClosed
	}
	if !wildcard.HasWildcard(pattern) {
		key := dataKey(pattern)
		n := 0
		var gone string
		s.writing.Lock() // until the index is told (see Store.writing)
		defer s.writing.Unlock()
		err := s.db.Update(func(tx *buntdb.Tx) error {
			switch v, err := tx.Delete(key); err {
			case nil:
				n, gone = 1, v
				return s.markRevision(tx)
			case buntdb.ErrNotFound:
				return nil
			default:
				return err
			}
		})
		if err != nil {
			return 0, s.fail(err)
		}
		if n == 1 {
			s.unindex(pattern, gone)
		}
		return n, nil
	}
	r := wildcard.NewRange(pattern)
	total := 0
	var doomed []keyVal
	for start := dataPrefix + r.Prefix; start != ""; {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		if s.closed.Load() {
			return total, store.ErrClosed
		}
		s.writing.Lock()
		err := s.db.Update(func(tx *buntdb.Tx) error {
			doomed = doomed[:0]
			var err error
			start, err = walkChunk(tx, r, start, func(k, v string) { doomed = append(doomed, keyVal{k, v}) })
			if err != nil || len(doomed) == 0 {
				return err
			}
			for _, kv := range doomed {
				if _, err := tx.Delete(kv.key); err != nil {
					return err
				}
			}
			return s.markRevision(tx)
		})
		if err == nil {
			for _, kv := range doomed {
				s.unindex(kv.key[len(dataPrefix):], kv.val)
			}
		}
		s.writing.Unlock()
		if err != nil {
			return total, s.fail(err)
		}
		total += len(doomed)
	}
	return total, nil
}

// unindex tells the index that the record v at path is deleted.
func (s *Store) unindex(path, v string) {
	if _, data, err := decodeMeta(path, v); err == nil {
		s.index.Apply(path, bytesOf(data), nil)
	}
}

// markRevision records the highest revision issued so far, inside a write
// transaction that deletes records: if it deleted the record holding that
// revision, Open could otherwise not know it had been issued.
func (s *Store) markRevision(tx *buntdb.Tx) error {
	if s.marked == s.rev {
		return nil
	}
	if _, _, err := tx.Set(revKey, strconv.FormatUint(s.rev, 10), nil); err != nil {
		return err
	}
	s.marked = s.rev
	return nil
}
