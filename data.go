package happn

import (
	"context"
	"errors"
	"strconv"

	"github.com/happn-go/happn/internal/jsonobj"
	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

func itemMeta(it *store.Item) protocol.ItemMeta {
	return protocol.ItemMeta{Path: it.Path, Created: it.Created, Modified: it.Modified, ModifiedBy: it.ModifiedBy}
}

// username returns the session's username, or "" when it has none.
func (ss *session) username() string {
	if id := ss.identity.Load(); id != nil {
		return id.Username
	}
	return ""
}

// actor returns the user a request acts as: on a secure server, the one
// named by its onBehalfOf option (authorized by authorize), else the
// session's own.
func (ss *session) actor(req *protocol.Request) string {
	if u := ss.onBehalfOf(req); u != "" {
		return u
	}
	return ss.username()
}

// consistency validates options.consistency; the default is Transactional.
func consistency(o *protocol.Options) (int, error) {
	if !o.HasConsistency {
		return Transactional, nil
	}
	if o.Consistency < Queued || o.Consistency > Acknowledged {
		return 0, badRequest("invalid consistency " + strconv.Itoa(o.Consistency) + ": must be 0, 1, 2 or 3")
	}
	return o.Consistency, nil
}

// admitWrite checks a set or remove request before it runs: its path,
// the session's permission and the consistency level asked for. When it
// returns ok false it has answered the request.
func (ss *session) admitWrite(ctx context.Context, req *protocol.Request) (level int, ok bool) {
	err := checkPath(req.Path, req.Action)
	if err == nil {
		err = ss.authorize(ctx, req, req.Action, req.Path)
	}
	if err == nil {
		level, err = consistency(&req.Options)
	}
	if err != nil {
		ss.fail(req, err)
		return 0, false
	}
	return level, true
}

// set stores data at a path and publishes the change (SPEC §2.5 set, §4).
func (ss *session) set(ctx context.Context, req *protocol.Request) {
	level, ok := ss.admitWrite(ctx, req)
	if !ok {
		return
	}
	path := req.Path
	o := &req.Options
	ev := &event{action: pubsub.Set, path: path, publisher: ss, actor: ss.actor(req), eventID: req.EventID, consistency: level, meta: o.Meta, targets: o.TargetClients, local: o.NoCluster}
	switch {
	case o.Increment != nil:
		ss.increment(ctx, req, ev)
	case o.Tag != "":
		ss.tag(ctx, req, ev)
	case o.NoStore:
		ss.publishOnly(req, ev)
	default:
		ss.store(ctx, req, ev)
	}
}

// store handles a plain, merge or sibling set.
func (ss *session) store(ctx context.Context, req *protocol.Request, ev *event) {
	o := &req.Options
	ttl, err := ttlOption(o.TTL)
	if err != nil {
		ss.fail(req, err)
		return
	}
	data := normalizeData(req.Data, o.NullValue)
	path := req.Path
	if o.SetType == "sibling" {
		// The item goes to a new child path; the event keeps the
		// requested path, as happn-3 12.x.
		path = path + "/" + ss.srv.siblings.Next()
	}
	lock := ss.srv.stripe(path)
	lock.Lock()
	defer lock.Unlock()
	ss.setUpdate = setUpdate{data: data, by: ev.actor, merge: o.Merge}
	it, err := ss.srv.store.Update(ctx, path, ss.setUpdateFn)
	ss.setUpdate = setUpdate{} // keeps no frame alive
	if err == nil {
		err = ss.srv.applyTTL(ctx, path, ttl, false)
	}
	if err != nil {
		ss.fail(req, err)
		return
	}
	ev.data, ev.created, ev.modified = it.Data, it.Created, it.Modified
	if o.Merge {
		ev.patch = data
	}
	ss.srv.afterWrite(ev, !o.NoPublish, func(published bool, res protocol.PublishResult) {
		m := protocol.ResponseMeta{Item: itemMeta(&it), HasItem: true}
		if o.PublishResults && published {
			m.PublishResults = res.AppendResult(nil)
		}
		if o.NoDataResponse {
			r := ss.response(req)
			r.Published = published
			ss.send(ss.codec().AppendNoDataResponse(nil, r, it.Path))
			return
		}
		ss.ok(req, it.Data, m, published)
	})
}

// setUpdate is the store update of a plain or merge set.
//
// A function made per set would escape to the heap (the store is an
// interface), so each session makes one, setUpdateFn, when it starts, and
// a set fills in the session's setUpdate for it: a session handles one
// request at a time, and the store calls the function before Update
// returns.
type setUpdate struct {
	data  []byte
	by    string
	merge bool
}

func (u *setUpdate) apply(cur *store.Item) (store.Change, error) {
	if u.merge && cur != nil {
		return store.Change{Data: jsonobj.MergeShallow(cur.Data, u.data), ModifiedBy: u.by}, nil
	}
	return store.Change{Data: u.data, ModifiedBy: u.by}, nil
}

// publishOnly handles a set with noStore (the client's publish): an
// event without storing anything.
func (ss *session) publishOnly(req *protocol.Request, ev *event) {
	o := &req.Options
	ev.data = normalizeData(req.Data, o.NullValue)
	lock := ss.srv.stripe(req.Path)
	lock.Lock()
	defer lock.Unlock()
	ss.srv.afterWrite(ev, !o.NoPublish, func(published bool, res protocol.PublishResult) {
		if o.NoDataResponse {
			r := ss.response(req)
			r.Published = published
			ss.send(ss.codec().AppendNoDataResponse(nil, r, req.Path))
			return
		}
		ss.ok(req, ev.data, protocol.ResponseMeta{Item: protocol.ItemMeta{Path: req.Path}, HasItem: true}, published)
	})
}

// increment atomically adds options.increment to data[gauge].value
// (SPEC §4.3).
func (ss *session) increment(ctx context.Context, req *protocol.Request, ev *event) {
	by := gjson.ParseBytes(req.Options.Increment)
	if by.Type != gjson.Number {
		ss.fail(req, dataError("increment option value must be a number"))
		return
	}
	gauge := gjson.ParseBytes(req.Data)
	if gauge.Type != gjson.String {
		ss.fail(req, dataError("invalid increment counter field name, must be a string"))
		return
	}
	ttl, err := ttlOption(req.Options.TTL)
	if err != nil {
		ss.fail(req, err)
		return
	}
	var value float64
	path := req.Path
	actor := ev.actor // the closure below escapes; ev must not
	lock := ss.srv.stripe(path)
	lock.Lock()
	defer lock.Unlock()
	_, err = ss.srv.store.Update(ctx, path, func(cur *store.Item) (store.Change, error) {
		var old []byte
		if cur != nil {
			old = cur.Data
		}
		data, v, err := jsonobj.IncrementGauge(old, gauge.Str, by.Float())
		if err != nil {
			return store.Change{}, dataError("cannot increment " + gauge.Str + ": " + err.Error())
		}
		value = v
		return store.Change{Data: data, ModifiedBy: actor}, nil
	})
	if err == nil {
		err = ss.srv.applyTTL(ctx, path, ttl, true)
	}
	if err != nil {
		ss.fail(req, err)
		return
	}
	b := []byte(`{"value":`)
	b = jsonobj.AppendNumber(b, value)
	b = append(b, `,"gauge":`...)
	b = protocol.AppendString(b, gauge.Str)
	ev.data = append(b, '}')
	ss.srv.afterWrite(ev, !req.Options.NoPublish, func(published bool, _ protocol.PublishResult) {
		ss.ok(req, ev.data, protocol.ResponseMeta{}, published)
	})
}

// errUnchanged aborts a store update that finds nothing to do.
var errUnchanged = errors.New("unchanged")

// tagRoot is where tag snapshots are kept.
const tagRoot = "/_TAGS"

// tag snapshots the current item at a path under /_TAGS<path>/<id>
// (SPEC §4.3, happn-3 12.x).
func (ss *session) tag(ctx context.Context, req *protocol.Request, ev *event) {
	o := &req.Options
	if !o.NullValue && len(req.Data) > 0 && string(req.Data) != "null" {
		ss.fail(req, dataError("Cannot set tag with new data."))
		return
	}
	by := ev.actor
	lock := ss.srv.stripe(req.Path)
	lock.Lock()
	defer lock.Unlock()
	// Tagging a path that holds nothing creates it empty, as happn-3 does.
	cur, err := ss.srv.store.Update(ctx, req.Path, func(cur *store.Item) (store.Change, error) {
		if cur != nil {
			return store.Change{}, errUnchanged
		}
		return store.Change{Data: []byte(`{}`), ModifiedBy: by}, nil
	})
	if errors.Is(err, errUnchanged) {
		var ok bool
		cur, ok, err = ss.srv.store.Get(ctx, req.Path)
		if err == nil && !ok {
			err = dataError("tagged item vanished")
		}
	}
	if err != nil {
		ss.fail(req, err)
		return
	}
	snapshot := []byte(`{"data":`)
	snapshot = append(snapshot, cur.Data...)
	snapshot = append(snapshot, `,"_meta":`...)
	meta := itemMeta(&cur)
	snapshot = protocol.AppendMeta(snapshot, &meta)
	snapshot = append(snapshot, '}')
	tagPath := tagRoot + req.Path + "/" + ss.srv.siblings.Next()
	it, err := ss.srv.store.Update(ctx, tagPath, func(*store.Item) (store.Change, error) {
		return store.Change{Data: snapshot, ModifiedBy: by}, nil
	})
	if err != nil {
		ss.fail(req, err)
		return
	}
	ev.data, ev.created, ev.modified = it.Data, it.Created, it.Modified
	ss.srv.afterWrite(ev, !o.NoPublish, func(published bool, _ protocol.PublishResult) {
		ss.ok(req, it.Data, protocol.ResponseMeta{Item: itemMeta(&it), HasItem: true, Tag: o.Tag}, published)
	})
}
