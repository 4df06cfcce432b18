// Package fieldindex indexes a store's documents by the values of their
// top-level members, so that a store can implement store.Indexer and
// store.RangeIndexer: a search with criteria {"grp":"g7"} then reads the
// items filed under "g7", and one with {"n":{"$gte":5000,"$lt":5100}} the
// items whose n falls in the range, instead of every item.
//
// An Index starts empty. It keeps two kinds of index of a member: an
// equality index (values to paths, for Lookup) and a numeric ordering
// (the member's numbers in order, for LookupRange). The first lookup of a
// kind for a member name builds that index with one pass over the store
// (through the Source the store gives New); from then on the store
// reports every committed write with Apply and the index stays exact. At
// most MaxKeys indexes are kept; lookups answer ok=false for the others,
// and the caller scans. Nothing is persisted: a store that is reopened
// starts with an empty Index and rebuilds what is looked up again.
//
// Equality is the evaluator's (package internal/query: IndexKey): numbers
// by value (4242 = 4242.0 = 4.242e3), strings after unescaping, true,
// false and null, and a member holding an array is filed under each of
// its scalar elements. A numeric ordering files a document under the
// float64 values of the numbers its member holds (the member, or the
// number elements of an array): one entry at that value when there is one
// number (or several equal ones), and otherwise one entry spanning the
// least to the greatest, since an array such as [3, 10] matches
// {"$gt":5,"$lt":8} (10 > 5 and 3 < 8) with neither number in the range.
// Numbers compare as float64 values, which is how the evaluator compares
// them with every bound that query.Ranges gives (it leaves out integers
// of 2^53 and more, which the evaluator compares exactly). A range lookup
// holding a large share of the member's documents declines, since a scan
// then costs less (RangeScanMin, RangeScanShare).
//
// The two kinds are built separately, each when first asked for, because
// a member is usually searched one way: an equality index of a member
// whose values are unique (an id, a counter) costs several times what its
// ordering does, and an ordering of a member that holds strings is empty
// but for the pass that builds it. Building both at once would pay for
// the one not used on every write.
//
// # Memory
//
// Per member name with an equality index, a document costs one entry per
// distinct scalar it holds there (one for a scalar, one per distinct
// element of an array, none when the member is missing or an object):
// about 20 bytes when many documents share a value (a path reference in a
// sorted slice or B-tree), and about 120 bytes plus the value's length
// when values are unique (a map entry, a bucket and its one-element
// slice). Per member name with a numeric ordering, a document holding a
// number there costs one B-tree entry: about 33 bytes (a float64 and a
// path reference, 24 bytes, in nodes that are not all full), 44 for an
// array of different numbers; a document without one costs nothing. Paths
// are shared with the store, not copied. BenchmarkMemory measures these
// cases.
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
	"math"
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/store"
)

// MaxKeys is how many indexes one Index keeps at most, an equality index
// and a numeric ordering of one member name counting as two. It bounds
// the memory the index takes and the work every write does to keep it.
const MaxKeys = 16

// A range lookup declines (ok false) when more than RangeScanMin
// documents, and more than one in RangeScanShare of those holding numbers
// in the member, are in the range. The caller then scans, which costs
// less than reading that many items one by one (and putting their paths
// in order): BenchmarkSearch in package happn finds the two even at about
// a quarter of 10,000 items. Counting stops at the limit, so a declined
// lookup costs little.
const (
	RangeScanMin   = 1024
	RangeScanShare = 4
)

// buildBatch is how many entries a build files per acquisition of the
// index's lock, so that lookups and writes wait for it only briefly.
const buildBatch = 256

// Source yields every item of the store, for building the index of a
// member. The store's Scan(ctx, "*") is one. Paths it yields are kept, so
// they must not share memory that changes; Data is only read, and must
// stay valid after the iteration moves on.
type Source func(ctx context.Context) iter.Seq2[store.Item, error]

// Index maps, for each indexed member name, a value to the paths of the
// documents holding it, or the member's numbers in order to those paths.
// It is safe for concurrent use, Apply excepted: the store calls Apply in
// commit order (see the package documentation).
type Index struct {
	all Source

	// active is len(members): a write checks it without the lock, so
	// that a store with nothing indexed pays nothing per write.
	active  atomic.Int32
	mu      sync.RWMutex
	members map[slot]*member // guarded by mu
}

// slot names one index: a member name and its kind.
type slot struct {
	key     string
	ordered bool // a numeric ordering, rather than an equality index
}

// member is one index of one member name: vals for equality, nums for an
// ordering.
type member struct {
	building bool
	touched  map[string]struct{} // paths Apply changed while building
	vals     map[query.IndexKey]*bucket
	entries  int // paths filed, over all values
	nums     *numbers
}

// New returns an empty index over the store whose items all yields.
func New(all Source) *Index {
	return &Index{all: all, members: map[slot]*member{}}
}

// Lookup answers store.Indexer's Lookup: the paths under prefix, in
// ascending order, of the documents whose member key equals value. The
// first lookup of a key builds its index, with a pass over the store; ok
// is false when value is not a scalar the index can answer for (see
// query.EqualKeys), when MaxKeys indexes are already kept, or while
// another lookup is building this key's index. An error is the pass's.
func (x *Index) Lookup(ctx context.Context, prefix, key string, value []byte) ([]string, bool, error) {
	var buf [2]query.IndexKey
	want, ok := query.EqualKeys(buf[:0], value)
	if !ok {
		return nil, false, nil
	}
	return x.lookup(ctx, slot{key: key}, func(m *member) ([]string, bool) { return m.collect(prefix, want), true })
}

// LookupRange answers store.RangeIndexer's LookupRange: the paths under
// prefix, in ascending order, of the documents whose member key holds a
// number at or above lo and one at or below hi. The first range lookup of
// a key builds its numeric ordering, with a pass over the store; ok is
// false when a bound is NaN, when MaxKeys indexes are already kept, while
// another lookup is building this key's ordering, or when the range holds
// too many documents (RangeScanMin, RangeScanShare). An error is the
// pass's.
func (x *Index) LookupRange(ctx context.Context, prefix, key string, lo, hi store.Bound) ([]string, bool, error) {
	if math.IsNaN(lo.Value) || math.IsNaN(hi.Value) {
		return nil, false, nil
	}
	return x.lookup(ctx, slot{key: key, ordered: true}, func(m *member) ([]string, bool) {
		return m.nums.collect(prefix, lo, hi, max(RangeScanMin, m.nums.len()/RangeScanShare))
	})
}

// lookup runs collect on the index s, built first if there is none.
func (x *Index) lookup(ctx context.Context, s slot, collect func(*member) ([]string, bool)) ([]string, bool, error) {
	x.mu.RLock()
	m := x.members[s]
	if m != nil && !m.building {
		paths, ok := collect(m)
		x.mu.RUnlock()
		return paths, ok, nil
	}
	x.mu.RUnlock()
	if m != nil {
		return nil, false, nil // a build is under way; scanning is no slower than waiting for it
	}
	if m, err := x.build(ctx, s); m == nil || err != nil {
		return nil, false, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	m = x.members[s]
	if m == nil || m.building {
		return nil, false, nil // dropped by Reset meanwhile
	}
	paths, ok := collect(m)
	return paths, ok, nil
}

// build indexes a member with a pass over the store. It returns nil
// when the member cannot be indexed now (too many indexes, or another
// lookup got there first).
func (x *Index) build(ctx context.Context, s slot) (*member, error) {
	x.mu.Lock()
	if x.members[s] != nil || len(x.members) >= MaxKeys {
		x.mu.Unlock()
		return nil, nil
	}
	m := &member{building: true, touched: map[string]struct{}{}}
	if s.ordered {
		m.nums = newNumbers()
	} else {
		m.vals = map[query.IndexKey]*bucket{}
	}
	x.members[s] = m
	x.active.Add(1)
	x.mu.Unlock()

	type entry struct {
		path string
		raw  string // the member's text, sharing the item's Data
	}
	batch := make([]entry, 0, buildBatch)
	flush := func() {
		x.mu.Lock()
		for _, e := range batch {
			if _, changed := m.touched[e.path]; !changed {
				m.file(e.raw, e.path)
			}
		}
		x.mu.Unlock()
		batch = batch[:0]
	}
	for it, err := range x.all(ctx) {
		if err != nil {
			x.drop(s, m)
			return nil, err
		}
		// it.Data stays valid: file copies what it keeps.
		if raw := query.TopMember(it.Data, s.key); raw != "" {
			batch = append(batch, entry{it.Path, raw})
		}
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

// drop forgets the index s if m is still it.
func (x *Index) drop(s slot, m *member) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.members[s] == m {
		delete(x.members, s)
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
	for s, m := range x.members {
		before, after := query.TopMember(old, s.key), query.TopMember(new, s.key)
		if before == after {
			// Same text, same entries. The path is not marked either: a
			// build still to reach it files it correctly.
			continue
		}
		if m.building {
			m.touched[path] = struct{}{}
		}
		m.unfile(before, path)
		m.file(after, path)
	}
}

// Reset forgets every index, as a closing store does to free the memory.
// A build under way finishes into nothing.
func (x *Index) Reset() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.members = map[slot]*member{}
	x.active.Store(0)
}

// Stats describes an Index's size.
type Stats struct {
	Keys    int // indexes kept, of either kind (being built included)
	Values  int // distinct values filed, over all equality indexes
	Entries int // paths filed, over all equality indexes and values
	Numbers int // documents filed, over all numeric orderings
}

// Stats returns the index's current size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	st := Stats{Keys: len(x.members)}
	for _, m := range x.members {
		if m.nums != nil {
			st.Numbers += m.nums.len()
			continue
		}
		st.Values += len(m.vals)
		st.Entries += m.entries
	}
	return st
}

// file files path under the member's JSON text raw ("" for none).
func (m *member) file(raw, path string) {
	if m.nums != nil {
		m.nums.add(raw, path)
		return
	}
	query.MemberKeys(raw, func(k query.IndexKey) { m.add(k, path) })
}

// unfile takes path out from under raw, what file filed it under.
func (m *member) unfile(raw, path string) {
	if m.nums != nil {
		m.nums.remove(raw, path)
		return
	}
	query.MemberKeys(raw, func(k query.IndexKey) { m.remove(k, path) })
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
