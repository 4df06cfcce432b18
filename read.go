package happn

import (
	"context"
	"iter"
	"strings"
	"time"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store"
)

// searchSpec is a compiled get/count/remove request: criteria, sort,
// projection and paging.
type searchSpec struct {
	criteria *query.Query
	sort     *query.Sort
	fields   *query.Projection
	skip     int
	limit    int
	// allow, when set, is asked about each item's path before the
	// criteria (nested permissions, prohibitions below a wildcard).
	allow func(path string) bool
}

// noSearch is the spec of a request without criteria, sort, projection
// or paging; it is never modified.
var noSearch = &searchSpec{}

// compileSearch compiles a read's criteria, sort, projection and paging
// for path.
func compileSearch(o *protocol.Options, path string) (*searchSpec, error) {
	if o.Unsupported != "" {
		// As happn-3 answers on a datastore other than MongoDB: an error,
		// not results that ignore the option.
		return nil, dataError(o.Unsupported + " feature not available for provider on path: " + path)
	}
	if len(o.Criteria) == 0 && len(o.Sort) == 0 && len(o.Fields) == 0 && o.Skip == 0 && o.Limit == 0 {
		return noSearch, nil
	}
	sp := &searchSpec{skip: o.Skip, limit: o.Limit}
	var err error
	if len(o.Criteria) > 0 {
		if sp.criteria, err = query.Compile(o.Criteria); err != nil {
			return nil, dataError(err.Error())
		}
	}
	if len(o.Sort) > 0 {
		if sp.sort, err = query.CompileSort(o.Sort); err != nil {
			return nil, dataError(err.Error())
		}
	}
	if len(o.Fields) > 0 {
		if sp.fields, err = query.CompileFields(o.Fields); err != nil {
			return nil, dataError(err.Error())
		}
	}
	return sp, nil
}

// view reads one item for answering a request: without a copy when the
// store offers read-only views.
func (s *Server) view(ctx context.Context, path string) (store.Item, bool, error) {
	if v, ok := s.store.(store.Viewer); ok {
		return v.View(ctx, path)
	}
	return s.store.Get(ctx, path)
}

// coversSystem reports whether a data pattern can match a /_SYSTEM path.
func coversSystem(pattern string) bool {
	if !wildcard.HasWildcard(pattern) {
		return isSystemPath(pattern)
	}
	prefix := wildcard.Prefix(pattern)
	for _, sys := range []string{systemPrefix, systemPrefix[1:]} {
		if strings.HasPrefix(sys, prefix) || strings.HasPrefix(prefix, sys) {
			return true
		}
	}
	return false
}

// find returns the items matching pattern and sp: criteria applied,
// sorted, skipped and limited. /_SYSTEM items are never returned.
func (s *Server) find(ctx context.Context, pattern string, sp *searchSpec) ([]store.Item, error) {
	filterSystem := coversSystem(pattern)
	// Without a sort, items come in path order and the scan can stop as
	// soon as the page is full.
	stopAt := -1
	if sp.sort == nil && sp.limit > 0 {
		stopAt = sp.skip + sp.limit
	}
	source, err := s.indexed(ctx, pattern, sp.criteria)
	if err != nil {
		return nil, err
	}
	if source == nil {
		source = s.store.Scan(ctx, pattern)
	}
	var items []store.Item
	for it, err := range source {
		if err != nil {
			return nil, err
		}
		if filterSystem && isSystemPath(it.Path) || sp.allow != nil && !sp.allow(it.Path) {
			continue
		}
		if sp.criteria != nil && !sp.criteria.MatchItem(it) {
			continue
		}
		items = append(items, it)
		if len(items) == stopAt {
			break
		}
	}
	if sp.sort != nil {
		// With a limit only the first skip+limit places need ordering.
		first := 0
		if sp.limit > 0 {
			first = sp.skip + sp.limit
		}
		sp.sort.SortItems(items, first)
	}
	if sp.skip > 0 {
		if sp.skip >= len(items) {
			items = nil
		} else {
			items = items[sp.skip:]
		}
	}
	if sp.limit > 0 && len(items) > sp.limit {
		items = items[:sp.limit]
	}
	return items, nil
}

// indexed returns the items a search with criteria q reads instead of
// scanning pattern, in path order: those the store's index names for one
// of q's equality terms (store.Indexer) or, failing that, one of its
// range terms (store.RangeIndexer), and pattern matches. The caller still
// applies q, which may have other terms. It returns nil when the store
// has no index, pattern is one path, or q has no term the index answers
// for.
func (s *Server) indexed(ctx context.Context, pattern string, q *query.Query) (iter.Seq2[store.Item, error], error) {
	if q == nil || !wildcard.HasWildcard(pattern) {
		return nil, nil
	}
	r := wildcard.NewRange(pattern)
	var paths []string
	ok := false
	var err error
	if ix, is := s.store.(store.Indexer); is {
		// An equality usually names fewer items than a range.
		paths, ok, err = q.Candidates(ctx, ix, r.Prefix)
	}
	if rx, is := s.store.(store.RangeIndexer); is && !ok && err == nil {
		paths, ok, err = q.RangeCandidates(ctx, rx, r.Prefix)
	}
	if !ok || err != nil {
		return nil, err
	}
	return func(yield func(store.Item, error) bool) {
		for _, p := range paths {
			if !r.Match(p) {
				continue
			}
			// Written or removed since the lookup: the criteria see what
			// is there now, or nothing.
			it, found, err := s.view(ctx, p)
			if err != nil {
				yield(store.Item{}, err)
				return
			}
			if found && !yield(it, nil) {
				return
			}
		}
	}, nil
}

// get reads one item, or every item matching a wildcard path, optionally
// filtered by criteria (SPEC §2.5 get, §5.1, §6).
func (ss *session) get(ctx context.Context, req *protocol.Request) {
	path := req.Path
	if !req.HasPath {
		ss.fail(req, badRequest("invalid path"))
		return
	}
	allow, err := ss.authorizeNested(ctx, req, "get", path)
	if err != nil {
		ss.fail(req, err)
		return
	}
	o := &req.Options
	sp, err := compileSearch(o, path)
	if err != nil {
		ss.fail(req, err)
		return
	}
	if allow != nil {
		only := *sp
		only.allow = allow
		sp = &only
	}
	if !wildcard.HasWildcard(path) && !o.PathOnly && !o.CountOnly {
		it, ok, err := ss.srv.view(ctx, path)
		if err != nil {
			ss.fail(req, err)
			return
		}
		if !ok || (sp.criteria != nil && !sp.criteria.MatchItem(it)) {
			ss.ok(req, nil, protocol.ResponseMeta{}, false)
			return
		}
		data := it.Data
		if sp.fields != nil {
			data = sp.fields.Apply(data)
		}
		ss.ok(req, data, protocol.ResponseMeta{Item: itemMeta(&it), HasItem: true}, false)
		return
	}
	items, err := ss.srv.find(ctx, path, sp)
	if err != nil {
		ss.fail(req, err)
		return
	}
	if o.CountOnly {
		// happn-3 crashes on this request; answer it with the count.
		ss.ok(req, countValue(len(items)), protocol.ResponseMeta{}, false)
		return
	}
	size := 64
	for i := range items {
		size += len(items[i].Data) + len(items[i].Path) + len(items[i].ModifiedBy) + 112
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	codec := ss.codec()
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		it := &items[i]
		switch {
		case o.PathOnly:
			b = codec.AppendItem(b, nil, protocol.ItemMeta{Path: it.Path})
		case sp.fields != nil:
			b = codec.AppendItem(b, sp.fields.Apply(it.Data), protocol.ItemMeta{Path: it.Path})
		default:
			b = codec.AppendItem(b, it.Data, itemMeta(it))
		}
	}
	r := ss.response(req)
	ss.send(codec.AppendArrayEnd(b, r))
}

func countValue(n int) []byte {
	b := []byte(`{"value":`)
	b = protocol.AppendInt(b, int64(n))
	return append(b, '}')
}

// count counts the items matching a path and optional criteria. Unlike
// happn-3, count is authorized exactly like get.
func (ss *session) count(ctx context.Context, req *protocol.Request) {
	path := req.Path
	if err := ss.authorize(ctx, req, "get", path); err != nil {
		ss.fail(req, err)
		return
	}
	sp, err := compileSearch(&req.Options, path)
	if err != nil {
		ss.fail(req, err)
		return
	}
	// No paging, no sorting.
	counting := searchSpec{criteria: sp.criteria, allow: ss.prohibitionFilter(req, "get", path)}
	if c, ok := ss.srv.store.(store.Counter); ok && counting.criteria == nil && counting.allow == nil && !coversSystem(path) {
		n, err := c.Count(ctx, path)
		if err != nil {
			ss.fail(req, err)
			return
		}
		ss.ok(req, countValue(n), protocol.ResponseMeta{}, false)
		return
	}
	items, err := ss.srv.find(ctx, path, &counting)
	if err != nil {
		ss.fail(req, err)
		return
	}
	ss.ok(req, countValue(len(items)), protocol.ResponseMeta{}, false)
}

// remove deletes one item or every item matching a pattern and publishes
// one remove event with the request path (SPEC §2.5 remove).
func (ss *session) remove(ctx context.Context, req *protocol.Request) {
	level, ok := ss.admitWrite(ctx, req)
	if !ok {
		return
	}
	path := req.Path
	o := &req.Options
	sp, err := compileSearch(o, path)
	if err != nil {
		ss.fail(req, err)
		return
	}
	n, ok := ss.removeLocked(ctx, req, level, sp.criteria, ss.prohibitionFilter(req, "remove", path))
	if ok && n > 0 {
		// After the pattern's stripe locks are gone: this takes the lock
		// of each path removed.
		if err := ss.srv.clearRemovedExpiries(ctx, path); err != nil {
			ss.srv.log.Error("ending the expiries of removed documents", "pattern", path, "err", err)
		}
	}
}

// removeLocked deletes and publishes under the request path's stripe
// lock (every stripe for a pattern), and answers the client. It returns
// how many documents went.
func (ss *session) removeLocked(ctx context.Context, req *protocol.Request, level int, criteria *query.Query, allow func(string) bool) (int, bool) {
	path := req.Path
	o := &req.Options
	if strings.IndexByte(path, '*') >= 0 {
		defer ss.srv.lockPattern()()
	} else {
		lock := ss.srv.stripe(path)
		lock.Lock()
		defer lock.Unlock()
	}
	n, err := ss.srv.delete(ctx, path, &searchSpec{criteria: criteria, allow: allow})
	if err != nil {
		ss.fail(req, err)
		return 0, false
	}
	data := removedData(n)
	ev := &event{action: pubsub.Remove, path: path, publisher: ss, actor: ss.actor(req), eventID: req.EventID, consistency: level, data: data, meta: o.Meta, targets: o.TargetClients, local: o.NoCluster}
	ss.srv.afterWrite(ev, !o.NoPublish, func(published bool, _ protocol.PublishResult) {
		ss.ok(req, data, protocol.ResponseMeta{Timestamp: time.Now().UnixMilli(), Path: path}, published)
	})
	return n, true
}

// removedData is the data of a remove's response and event.
func removedData(n int) []byte {
	return append(protocol.AppendInt([]byte(`{"removed":`), int64(n)), '}')
}

// delete removes the items matching pattern (and sp's criteria and
// allow, when given), never a /_SYSTEM item, and returns how many it
// removed.
func (s *Server) delete(ctx context.Context, pattern string, sp *searchSpec) (int, error) {
	if sp.criteria == nil && sp.allow == nil && !coversSystem(pattern) {
		return s.store.Delete(ctx, pattern)
	}
	items, err := s.find(ctx, pattern, sp)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, it := range items {
		n, err := s.store.Delete(ctx, it.Path)
		if err != nil {
			return removed, err
		}
		removed += n
	}
	return removed, nil
}
