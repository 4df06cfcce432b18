package buntstore

import (
	"context"
	"time"

	"github.com/happn-go/happn/store"
	"github.com/tidwall/buntdb"
)

// Get returns the item stored at exactly path.
func (s *Store) Get(ctx context.Context, path string) (store.Item, bool, error) {
	return s.get(ctx, path, decodeRecord)
}

// View is Get without the copy: the Item is a read-only view
// (store.Viewer).
func (s *Store) View(ctx context.Context, path string) (store.Item, bool, error) {
	return s.get(ctx, path, decodeView)
}

func (s *Store) get(ctx context.Context, path string, decode func(path, v string) (store.Item, error)) (store.Item, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, false, err
	}
	if s.closed.Load() {
		return store.Item{}, false, store.ErrClosed
	}
	key := dataKey(path)
	var v string
	err := s.db.View(func(tx *buntdb.Tx) error {
		var err error
		v, err = tx.Get(key)
		return err
	})
	if err == buntdb.ErrNotFound { //nolint:errorlint // buntdb returns it unwrapped
		return store.Item{}, false, nil
	}
	if err != nil {
		return store.Item{}, false, s.fail(err)
	}
	// Decoded after the read lock is gone: buntdb values are immutable.
	it, err := decode(path, v)
	if err != nil {
		return store.Item{}, false, s.fail(err)
	}
	return it, true, nil
}

// Update atomically replaces the item at path with what fn returns. fn runs
// inside a buntdb write transaction, which excludes every other reader and
// writer of the store; keep it short. The write is in the file before
// Update returns.
func (s *Store) Update(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	if s.closed.Load() {
		return store.Item{}, store.ErrClosed
	}
	key := dataKey(path)
	var (
		out     store.Item
		userErr error  // returned as is: the contract forbids wrapping it
		before  string // the document replaced, for the index
	)
	s.writing.Lock()
	defer s.writing.Unlock()
	err := s.db.Update(func(tx *buntdb.Tx) error {
		var current *store.Item
		switch v, err := tx.Get(key); err {
		case nil:
			it, err := decodeRecord(path, v)
			if err != nil {
				return err
			}
			current = &it
			_, before, _ = decodeMeta(path, v)
		case buntdb.ErrNotFound:
		default:
			return err
		}
		change, err := fn(current)
		if err != nil {
			userErr = err
			return err
		}
		if !store.ValidObject(change.Data) {
			userErr = store.ErrInvalidData
			return userErr
		}
		now := time.Now().UnixMilli()
		out = store.Item{
			Path:       path,
			Data:       change.Data,
			Created:    now,
			Modified:   now,
			ModifiedBy: change.ModifiedBy,
			Revision:   s.rev + 1,
		}
		if current != nil {
			out.Created = current.Created
		}
		if change.Created != 0 {
			out.Created = change.Created
		}
		if change.Modified != 0 {
			out.Modified = change.Modified
		}
		if _, _, err := tx.Set(key, encodeRecord(&out), nil); err != nil {
			return err
		}
		// Taken even if the commit then fails: a skipped revision is
		// harmless, a repeated one is not.
		s.rev = out.Revision
		return nil
	})
	if userErr != nil {
		return store.Item{}, userErr
	}
	if err != nil {
		return store.Item{}, s.fail(err)
	}
	// The index keeps the path: key's, which buntdb keeps too, rather than
	// the caller's string, which may share a request's buffer.
	s.index.Apply(key[len(dataPrefix):], bytesOf(before), out.Data)
	return out, nil
}
