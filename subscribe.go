package happn

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// chanKey identifies the frames a subscription needs: the channel it is
// echoed, its variable depth and whether it wants merge patches.
type chanKey struct {
	channel string
	depth   int
	merge   bool
	// nested: each event is checked against the session's permissions,
	// because the session may not subscribe to the whole pattern, only
	// to some paths below it (Config.AllowNestedPermissions), or because
	// its permissions prohibit something the wildcard pattern may cover.
	nested bool
	// behalf is the user a wildcard subscription was made on behalf of:
	// its events are checked against that user's permissions.
	behalf string
}

// channelState stands for one (session, channel) pair; a publication
// sends at most one frame per channelState. It is compared by pointer,
// so it must not be zero-sized (all zero-sized values may share an address).
type channelState struct{ _ byte }

// channelSub is one entry of the server's subscription index: the
// subscriptions of a session that share a chanKey.
type channelSub struct {
	sess    *session
	key     chanKey
	action  pubsub.Action
	pattern string
	state   *channelState
	// refs counts the subscriptions sharing this entry; written under the
	// session's subsMu, read by publishers.
	refs atomic.Int32
	// filter makes publishers check each event's path against the
	// session's permissions: set for nested subscriptions, and for
	// wildcard ones of a session whose permissions prohibit something,
	// when subscribed or when its permissions change.
	filter atomic.Bool
}

// allows reports whether the event of path may reach the subscription,
// by the permissions it was made with (when filter is set).
func (cs *channelSub) allows(path string) bool {
	if cs.key.behalf != "" {
		return cs.sess.srv.secure.PermittedAs(cs.key.behalf, "on", path)
	}
	return cs.sess.permitted("on", path)
}

// subscription is one successful "on" request.
type subscription struct {
	ref     string
	cs      *channelSub
	options []byte
}

// on subscribes the session to a channel (SPEC §2.5 on, §3).
func (ss *session) on(ctx context.Context, req *protocol.Request) {
	channel := req.Path
	if err := checkPath(channel, "on"); err != nil {
		ss.fail(req, err)
		return
	}
	action, pattern, ok := parseChannel(channel)
	if !ok {
		ss.fail(req, badRequest("Bad channel "+channel+": expected /SET@<path>, /REMOVE@<path> or /ALL@<path>"))
		return
	}
	allow, err := ss.authorizeNested(ctx, req, "on", pattern)
	if err != nil {
		ss.fail(req, err)
		return
	}
	behalf := ss.onBehalfOf(req)
	if behalf != "" && wildcard.HasWildcard(pattern) {
		// That user's permissions may change without this session being
		// told: every event is checked against them.
		allow = func(p string) bool { return ss.srv.secure.PermittedAs(behalf, "on", p) }
	} else {
		behalf = ""
	}
	o := &req.Options
	depth := 0
	if strings.HasSuffix(pattern, "/**") || pattern == "**" {
		depth = o.Depth
		if depth <= 0 {
			depth = ss.srv.cfg.DefaultDepth
		}
	}
	// The request shares its frame's memory; what a subscription keeps is
	// cloned so that it does not pin the frame.
	key := chanKey{channel: strings.Clone(channel), depth: depth, merge: o.Merge, nested: allow != nil, behalf: strings.Clone(behalf)}
	if o.InitialCallback || o.InitialEmit {
		// Events from here on follow the answer (hold.go).
		defer ss.holdEvents()()
	}
	sub := ss.subscribe(key, action, key.channel[len(channel)-len(pattern):], bytes.Clone(o.Raw))

	if !o.InitialCallback && !o.InitialEmit {
		b := []byte(`{"id":`)
		b = protocol.AppendString(b, sub.ref)
		ss.ok(req, append(b, '}'), protocol.ResponseMeta{}, false)
		return
	}
	items, err := ss.initialValues(ctx, pattern, depth)
	if err != nil {
		ss.fail(req, err)
		return
	}
	if allow != nil {
		items = slices.DeleteFunc(items, func(it store.Item) bool { return !allow(it.Path) })
	}
	b := []byte{'['}
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = ss.codec().AppendItem(b, items[i].Data, itemMeta(&items[i]))
	}
	b = append(b, ']')
	ss.ok(req, b, protocol.ResponseMeta{ReferenceID: sub.ref}, false)
}

// subscribe records a subscription and adds it to the server's index.
func (ss *session) subscribe(key chanKey, action pubsub.Action, pattern string, options []byte) *subscription {
	ss.subsMu.Lock()
	defer ss.subsMu.Unlock()
	if ss.subs == nil {
		ss.subs = make(map[string]*subscription)
		ss.chans = make(map[chanKey]*channelSub)
	}
	cs := ss.chans[key]
	if cs == nil {
		var state *channelState
		for k, other := range ss.chans {
			if k.channel == key.channel {
				state = other.state
				break
			}
		}
		if state == nil {
			state = &channelState{}
		}
		cs = &channelSub{sess: ss, key: key, action: action, pattern: pattern, state: state}
		cs.filter.Store(key.nested)
		ss.chans[key] = cs
		ss.srv.subs.Add(action, pattern, key.depth, cs)
	}
	cs.refs.Add(1)
	sub := &subscription{ref: ss.srv.refs.Next(), cs: cs, options: options}
	ss.subs[sub.ref] = sub
	return sub
}

// unsubscribe removes one subscription; the caller holds subsMu.
func (ss *session) unsubscribe(sub *subscription) {
	delete(ss.subs, sub.ref)
	cs := sub.cs
	if cs.refs.Add(-1) == 0 {
		delete(ss.chans, cs.key)
		ss.srv.subs.Remove(cs.action, cs.pattern, cs.key.depth, cs)
	}
}

// clearSubscriptions removes every subscription of the session.
func (ss *session) clearSubscriptions() {
	ss.subsMu.Lock()
	for _, sub := range ss.subs {
		ss.unsubscribe(sub)
	}
	ss.subsMu.Unlock()
	ss.srv.acks.forget(ss)
}

// initialValues returns the stored items a new subscription reports
// (SPEC §2.5 on), oldest modification first. As in happn-3 they are read
// with the data dialect — "/a/*" includes "/a/b/c" — and for a "/**"
// subscription limited to its depth.
func (ss *session) initialValues(ctx context.Context, pattern string, depth int) ([]store.Item, error) {
	scan := pattern
	prefix := ""
	if depth > 0 {
		prefix = strings.TrimSuffix(pattern, "**")
		scan = prefix + "*"
	}
	var items []store.Item
	for it, err := range ss.srv.store.Scan(ctx, scan) {
		if err != nil {
			return nil, err
		}
		if isSystemPath(it.Path) || (depth > 0 && segmentsBelow(prefix, it.Path) > depth) {
			continue
		}
		items = append(items, it)
	}
	// Oldest first; writes within one millisecond in commit order.
	sort.Slice(items, func(i, j int) bool {
		if items[i].Modified != items[j].Modified {
			return items[i].Modified < items[j].Modified
		}
		return items[i].Revision < items[j].Revision
	})
	return items, nil
}

// off removes one subscription by reference, or all of them for "*".
func (ss *session) off(req *protocol.Request) {
	ref := gjson.ParseBytes(req.Options.ReferenceID)
	ss.subsMu.Lock()
	if req.Path == "*" && ref.Type != gjson.String {
		removed := []byte(`{"id":false,"removed":[`)
		n := 0
		for _, sub := range ss.subs {
			if n > 0 {
				removed = append(removed, ',')
			}
			removed = ss.appendRecord(removed, sub)
			ss.unsubscribe(sub)
			n++
		}
		ss.subsMu.Unlock()
		ss.ok(req, append(removed, "]}"...), protocol.ResponseMeta{}, false)
		return
	}
	sub := ss.subs[ref.String()]
	if sub == nil {
		ss.subsMu.Unlock()
		ss.fail(req, badRequest("no subscription with referenceId "+ref.String()))
		return
	}
	b := []byte(`{"id":`)
	b = protocol.AppendString(b, sub.ref)
	b = append(b, `,"removed":[`...)
	b = ss.appendRecord(b, sub)
	b = append(b, "]}"...)
	ss.unsubscribe(sub)
	ss.subsMu.Unlock()
	ss.ok(req, b, protocol.ResponseMeta{}, false)
}

// appendRecord appends the subscription record happn-3 echoes in off
// responses. It describes only this session's own subscription.
func (ss *session) appendRecord(b []byte, sub *subscription) []byte {
	b = append(b, `{"subscriberKey":`...)
	b = protocol.AppendString(b, ss.id)
	b = append(b, `,"data":{"options":`...)
	if sub.options != nil {
		b = append(b, sub.options...)
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, `,"session":{"id":`...)
	b = protocol.AppendString(b, ss.id)
	b = append(b, `,"protocol":`...)
	b = protocol.AppendString(b, ss.proto())
	b = append(b, `,"info":`...)
	if ss.loginInfo != nil {
		b = append(b, ss.loginInfo...)
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, `},"ref":`...)
	b = protocol.AppendString(b, sub.ref)
	b = append(b, `,"action":`...)
	b = protocol.AppendString(b, strings.ToUpper(map[pubsub.Action]string{pubsub.Set: "SET", pubsub.Remove: "REMOVE", pubsub.All: "ALL"}[sub.cs.action]))
	b = append(b, `,"searchPath":`...)
	b = protocol.AppendString(b, sub.cs.pattern)
	b = append(b, `,"path":`...)
	b = protocol.AppendString(b, sub.cs.pattern)
	return append(b, "}}"...)
}

// ack records a subscriber's acknowledgement of an ACKNOWLEDGED
// publication. The session acknowledging is the connection's own, not
// whatever sessionId the request names.
func (ss *session) ack(req *protocol.Request) {
	id := gjson.ParseBytes(req.Data).String()
	ss.srv.acks.ack(ss, id)
	ss.ok(req, nil, protocol.ResponseMeta{}, false)
}
