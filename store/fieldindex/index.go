// Package fieldindex indexes a store's documents by the values of their
// top-level members, so that a store can implement store.Indexer: a search
// with criteria {"grp":"g7"} then reads the items filed under "g7" instead
// of every item.
//
// An Index starts empty. The first Lookup of a member name builds that
// member's index with one pass over the store (through the Source the
// store gives New); from then on the store reports every committed write
// with Apply and the index stays exact. At most MaxKeys member names are
// indexed; Lookup answers ok=false for the others, and the caller scans.
// Nothing is persisted: a store that is reopened starts with an empty
// Index and rebuilds what is looked up again.
//
// Equality is the evaluator's (package internal/query: IndexKey): numbers
// by value (4242 = 4242.0 = 4.242e3), strings after unescaping, true,
// false and null, and a member holding an array is filed under each of
// its scalar elements.
//
// # Memory
//
// Per indexed member name, a document costs one entry per distinct scalar
// it holds there (one for a scalar, one per distinct element of an array,
// none when the member is missing or an object): about 20 bytes when many
// documents share a value (a path reference in a sorted slice or B-tree),
// and about 120 bytes plus the value's length when values are unique (a
// map entry, a bucket and its one-element slice). Paths are shared with
// the store, not copied. BenchmarkMemory measures both cases.
//
// # Building without stopping writers
//
// The pass that builds a member's index runs while writers go on. A write
// committed during the pass is applied to the index at once (Apply) and
// marks its path, and the pass then skips that path, whose entries are
// already current. Apply must therefore be called in commit order, after
// the write is committed (so that the pass can no longer read the state
// before it), which a store guarantees by calling it while it still
// serialises writes.
package fieldindex

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/store"
)

// MaxKeys is how many member names one Index indexes at most. It bounds
// the memory the index takes and the work every write does to keep it.
const MaxKeys = 16

// buildBatch is how many entries a build files per acquisition of the
// index's lock, so that lookups and writes wait for it only briefly.
const buildBatch = 256

// Source yields every item of the store, for building the index of a
// member. The store's Scan(ctx, "*") is one. Paths it yields are kept, so
// they must not share memory that changes; Data is only read.
type Source func(ctx context.Context) iter.Seq2[store.Item, error]

// Index maps, for each indexed member name, a value to the paths of the
// documents holding it. It is safe for concurrent use, Apply excepted:
// the store calls Apply in commit order (see the package documentation).
type Index struct {
	all Source

	// active is len(members): a write checks it without the lock, so
	// that a store with nothing indexed pays nothing per write.
	active  atomic.Int32
	mu      sync.RWMutex
	members map[string]*member // by member name; guarded by mu
}

// member is the index of one member name.
type member struct {
	building bool
	touched  map[string]struct{} // paths Apply changed while building
	vals     map[query.IndexKey]*bucket
	entries  int // paths filed, over all values
}

// New returns an empty index over the store whose items all yields.
func New(all Source) *Index {
	return &Index{all: all, members: map[string]*member{}}
}

// Lookup answers store.Indexer's Lookup: the paths under prefix, in
// ascending order, of the documents whose member key equals value. The
// first lookup of a key builds its index, with a pass over the store; ok
// is false when value is not a scalar the index can answer for (see
// query.EqualKeys), when MaxKeys names are already indexed, or while
// another lookup is building this key's index. An error is the pass's.
func (x *Index) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	var buf [2]query.IndexKey
	want, ok := query.EqualKeys(buf[:0], value)
	if !ok {
		return nil, false, nil
	}
	x.mu.RLock()
	m := x.members[key]
	if m != nil && !m.building {
		paths := m.collect(prefix, want)
		x.mu.RUnlock()
		return paths, true, nil
	}
	x.mu.RUnlock()
	if m != nil {
		return nil, false, nil // a build is under way; scanning is no slower than waiting for it
	}
	if m, err := x.build(ctx, key); m == nil || err != nil {
		return nil, false, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	m = x.members[key]
	if m == nil || m.building {
		return nil, false, nil // dropped by Reset meanwhile
	}
	return m.collect(prefix, want), true, nil
}

// build indexes member key with a pass over the store. It returns nil
// when the key cannot be indexed now (too many keys, or another lookup
// got there first).
func (x *Index) build(ctx context.Context, key string) (*member, error) {
	x.mu.Lock()
	if x.members[key] != nil || len(x.members) >= MaxKeys {
		x.mu.Unlock()
		return nil, nil
	}
	m := &member{building: true, touched: map[string]struct{}{}, vals: map[query.IndexKey]*bucket{}}
	x.members[key] = m
	x.active.Add(1)
	x.mu.Unlock()

	type entry struct {
		path string
		key  query.IndexKey
	}
	batch := make([]entry, 0, buildBatch)
	flush := func() {
		x.mu.Lock()
		for _, e := range batch {
			if _, changed := m.touched[e.path]; !changed {
				m.add(e.key, e.path)
			}
		}
		x.mu.Unlock()
		batch = batch[:0]
	}
	for it, err := range x.all(ctx) {
		if err != nil {
			x.drop(key, m)
			return nil, err
		}
		// The keys share it.Data, which stays valid: add copies what it keeps.
		query.MemberKeys(query.TopMember(it.Data, key), func(k query.IndexKey) {
			batch = append(batch, entry{it.Path, k})
		})
		if len(batch) >= buildBatch {
			flush()
		}
	}
	flush()
	x.mu.Lock()
	m.building, m.touched = false, nil
	x.mu.Unlock()
	return m, nil
}

// drop forgets member key if m still indexes it.
func (x *Index) drop(key string, m *member) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.members[key] == m {
		delete(x.members, key)
		x.active.Add(-1)
	}
}

// Apply records a committed write: the document at path was old and is
// now new (nil for none: a creation or a delete). The store must call it
// for every Update and every item it deletes, after the write is
// committed and in commit order. The index keeps path, which must not
// share memory that changes; it keeps nothing of old or new.
func (x *Index) Apply(path string, old, new []byte) {
	if x.active.Load() == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for key, m := range x.members {
		before, after := query.TopMember(old, key), query.TopMember(new, key)
		if before == after {
			// Same text, same entries. The path is not marked either: a
			// build still to reach it files it correctly.
			continue
		}
		if m.building {
			m.touched[path] = struct{}{}
		}
		query.MemberKeys(before, func(k query.IndexKey) { m.remove(k, path) })
		query.MemberKeys(after, func(k query.IndexKey) { m.add(k, path) })
	}
}

// Reset forgets every member's index, as a closing store does to free the
// memory. A build under way finishes into nothing.
func (x *Index) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.members = map[string]*member{}
	x.active.Store(0)
}

// Stats describes an Index's size.
type Stats struct {
	Keys    int // member names indexed (being built included)
	Values  int // distinct values filed, over all members
	Entries int // paths filed, over all members and values
}

// Stats returns the index's current size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	st := Stats{Keys: len(x.members)}
	for _, m := range x.members {
		st.Values += len(m.vals)
		st.Entries += m.entries
	}
	return st
}

// add files path under k, copying k's string if the value is new.
func (m *member) add(k query.IndexKey, path string) {
	b := m.vals[k]
	if b == nil {
		b = &bucket{}
		m.vals[k.Clone()] = b
	}
	if b.add(path) {
		m.entries++
	}
}

// remove takes path out of k's bucket, and the bucket out when empty.
func (m *member) remove(k query.IndexKey, path string) {
	b := m.vals[k]
	if b == nil || !b.remove(path) {
		return
	}
	m.entries--
	if b.len() == 0 {
		delete(m.vals, k)
	}
}

// collect returns the paths under prefix filed under any of keys, in
// ascending order, each once.
func (m *member) collect(prefix string, keys []query.IndexKey) []string {
	var paths []string
	for _, k := range keys {
		b := m.vals[k]
		if b == nil {
			continue
		}
		if paths == nil {
			paths = b.appendPrefix(nil, prefix)
			continue
		}
		// A second key (a number's other form) is rare: merge.
		paths = mergeSorted(paths, b.appendPrefix(nil, prefix))
	}
	return paths
}
