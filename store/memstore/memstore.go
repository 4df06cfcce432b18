// Package memstore is an in-memory happn store, for tests and for servers
// that need no persistence (happn's ":memory:" data path).
//
// Documents live in a B-tree ordered by path (github.com/tidwall/btree).
// Point operations take a mutex for a few hundred nanoseconds. A Scan or
// Count never holds the mutex while it iterates: it takes a copy-on-write
// snapshot of the tree (O(1)) and walks that, so writers never wait for a
// scan, and a scan sees the store as it was when the scan began. The first
// write after a snapshot copies the few tree nodes on its path; later writes
// pay nothing until the next snapshot.
//
// Searches for a value of a top-level member, or for its numbers within a
// range, are answered from an index of that member (store.Indexer,
// store.RangeIndexer, package fieldindex), built by the first search that
// asks for it and kept up to date by every write.
//
// Nothing survives Close or the end of the process.
package memstore

import (
	"context"
	"iter"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/fieldindex"
	"github.com/tidwall/btree"
)

var (
	_ store.Store        = (*Store)(nil)
	_ store.Counter      = (*Store)(nil)
	_ store.Viewer       = (*Store)(nil)
	_ store.Indexer      = (*Store)(nil)
	_ store.RangeIndexer = (*Store)(nil)
)

// entry is what the tree holds: the path it is ordered by, kept inline so
// that a comparison reads no other memory, and the document.
//
// Entries are small values (24 bytes) because the tree's binary search
// copies them into every comparison; a lookup key is entry{path: p} and
// costs no allocation.
type entry struct {
	path string
	rec  *record
}

// record is a stored document's body and metadata. Records are never
// modified once in the tree, so a snapshot shared with a running scan stays
// valid while writers replace them in the live tree.
type record struct {
	data       string // a string, so that no caller can alias and mutate it
	created    int64
	modified   int64
	modifiedBy string
	revision   uint64
}

func lessPath(a, b entry) bool { return a.path < b.path }

// view returns the entry as a read-only Item whose Data shares the
// record's immutable string (what Scan yields).
func (e entry) view() store.Item {
	return store.Item{
		Path:       e.path,
		Data:       unsafe.Slice(unsafe.StringData(e.rec.data), len(e.rec.data)),
		Created:    e.rec.created,
		Modified:   e.rec.modified,
		ModifiedBy: e.rec.modifiedBy,
		Revision:   e.rec.revision,
	}
}

// item copies e out as a store.Item; the caller owns the returned Data.
func (e entry) item() store.Item {
	return store.Item{
		Path:       e.path,
		Data:       []byte(e.rec.data),
		Created:    e.rec.created,
		Modified:   e.rec.modified,
		ModifiedBy: e.rec.modifiedBy,
		Revision:   e.rec.revision,
	}
}

// Store is an in-memory store.Store. It is safe for concurrent use by many
// goroutines. The zero value is not usable; call New.
type Store struct {
	mu   sync.RWMutex
	tree *btree.BTreeG[entry] // guarded by mu; nil after Close
	// snap is a read-only copy of tree shared by scans until the next
	// write sets it back to nil. Reusing it saves writers from copying
	// tree nodes again for every scan.
	snap *btree.BTreeG[entry]
	rev  uint64 // last revision assigned; guarded by mu
	// current is the view an Update hands its function; guarded by mu.
	current store.Item
	// index is told of every write while mu is held, which keeps its
	// updates in commit order.
	index *fieldindex.Index
}

// New returns an empty store.
func New() *Store {
	// The tree's own lock is redundant with mu, and a snapshot must be
	// readable without any lock.
	s := &Store{tree: btree.NewBTreeGOptions(lessPath, btree.Options{NoLocks: true})}
	s.index = fieldindex.New(func(ctx context.Context) iter.Seq2[store.Item, error] { return s.Scan(ctx, "*") })
	return s
}

// Get returns the item stored at exactly path.
func (s *Store) Get(ctx context.Context, path string) (store.Item, bool, error) {
	e, ok, err := s.lookup(ctx, path)
	if !ok {
		return store.Item{}, false, err
	}
	return e.item(), true, nil
}

// View is Get without the copy: the Item is a read-only view
// (store.Viewer).
func (s *Store) View(ctx context.Context, path string) (store.Item, bool, error) {
	e, ok, err := s.lookup(ctx, path)
	if !ok {
		return store.Item{}, false, err
	}
	return e.view(), true, nil
}

func (s *Store) lookup(ctx context.Context, path string) (entry, bool, error) {
	if err := ctx.Err(); err != nil {
		return entry{}, false, err
	}
	s.mu.RLock()
	if s.tree == nil {
		s.mu.RUnlock()
		return entry{}, false, store.ErrClosed
	}
	e, ok := s.tree.Get(entry{path: path})
	s.mu.RUnlock()
	return e, ok, nil
}

// Update atomically replaces the item at path with what fn returns. fn runs
// under the store's write lock, so concurrent Updates of any paths are
// serialised; keep it short.
func (s *Store) Update(ctx context.Context, path string, fn store.UpdateFunc) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock() // deferred so that a panicking fn cannot leave the store locked
	if s.tree == nil {
		return store.Item{}, store.ErrClosed
	}
	var hint btree.PathHint // makes the Set below skip most of the search
	old, found := s.tree.GetHint(entry{path: path}, &hint)
	var current *store.Item
	var before []byte
	if found {
		// read-only, as UpdateFunc's contract says. fn is called through
		// a func value, so a local Item would escape: the view lives in
		// the store, guarded by mu like fn's call.
		s.current = old.view()
		current, before = &s.current, s.current.Data
		defer func() { s.current = store.Item{} }() // pins no record
	}
	change, err := fn(current)
	if err != nil {
		return store.Item{}, err
	}
	if !store.ValidObject(change.Data) {
		return store.Item{}, store.ErrInvalidData
	}
	now := time.Now().UnixMilli()
	r := &record{
		data:       string(change.Data),
		created:    now,
		modified:   now,
		modifiedBy: change.ModifiedBy,
		revision:   s.rev + 1,
	}
	if change.Created != 0 {
		r.created = change.Created
	}
	if change.Modified != 0 {
		r.modified = change.Modified
	}
	if found {
		if change.Created == 0 {
			r.created = old.rec.created
		}
		path = old.path // keep the key the tree already holds
	} else {
		// The caller's string may share a large buffer (a request frame):
		// the tree keeps its own copy.
		path = strings.Clone(path)
	}
	s.tree.SetHint(entry{path: path, rec: r}, &hint)
	s.rev = r.revision
	s.snap = nil
	s.index.Apply(path, before, change.Data)
	return store.Item{
		Path:       path,
		Data:       change.Data,
		Created:    r.created,
		Modified:   r.modified,
		ModifiedBy: r.modifiedBy,
		Revision:   r.revision,
	}, nil
}

// Close discards every document. Later calls return store.ErrClosed. A
// Scan already iterating its snapshot may finish.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tree == nil {
		return store.ErrClosed
	}
	s.tree, s.snap = nil, nil
	s.index.Reset()
	return nil
}
