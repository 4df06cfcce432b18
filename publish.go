package happn

import (
	"strings"
	"sync"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/pubsub"
)

// Consistency levels of a publication (SPEC §4.5).
const (
	// Queued: the set returns at once; events follow.
	Queued = 0
	// Deferred: like Queued, and the publisher is told the outcome
	// (OnPublished).
	Deferred = 1
	// Transactional (the default): every subscriber's event is queued
	// before the set returns.
	Transactional = 2
	// Acknowledged: the set returns at once; subscribers acknowledge each
	// event and the publisher is told how many did (OnPublished).
	Acknowledged = 3
)

// event is one publication: what happened, where, by whom.
type event struct {
	action      pubsub.Action // pubsub.Set or pubsub.Remove
	path        string        // the request path
	publisher   *session
	actor       string // the user the write acted as (secure mode)
	eventID     []byte
	consistency int
	// data is the payload for ordinary subscribers; patch the payload for
	// merge subscribers (the request data, for a merge set).
	data              []byte
	patch             []byte
	created, modified int64
	meta              []byte   // custom meta
	targets           []string // targetClients; nil means everyone
	// remote is the publication an event from another node came in; its
	// publisher is then nil.
	remote *pubsub.Publication
	// origin stands for the publisher of an event the server makes itself
	// (an expiry, ttl.go): publisher and remote are then nil.
	origin string
	// local keeps the event on this server (the noCluster option).
	local bool
}

func (ev *event) publicationID() string {
	switch {
	case ev.remote != nil:
		return ev.remote.ID
	case ev.publisher == nil:
		return ev.origin + "-" + string(ev.eventID)
	}
	return ev.publisher.id + "-" + string(ev.eventID)
}

// publisherID returns the publishing session's id.
func (ev *event) publisherID() string {
	switch {
	case ev.remote != nil:
		return ev.remote.SessionID
	case ev.publisher == nil:
		return ev.origin
	}
	return ev.publisher.id
}

// publisherName returns the publishing user's name, in secure mode.
func (ev *event) publisherName() string {
	if ev.remote != nil {
		return ev.remote.Username
	}
	return ev.actor
}

// encodedFrame caches the frame for one (codec, channel, depth, merge)
// combination of a publication: every recipient with the same
// combination gets the same bytes.
type encodedFrame struct {
	codec protocol.Codec
	key   chanKey
	frame []byte
}

// encodedPrefix caches the shared part of a publication per codec and
// payload (merge subscribers get the patch).
type encodedPrefix struct {
	codec protocol.Codec
	patch bool
	b     []byte
}

// recipients is scratch space for one fan-out, pooled.
type recipients struct {
	subs     []*channelSub
	seen     map[*channelState]struct{}
	frames   []encodedFrame
	prefixes []encodedPrefix
}

var recipientsPool = sync.Pool{New: func() any {
	return &recipients{seen: make(map[*channelState]struct{})}
}}

// publish sends ev to every matching subscription: one frame per
// (session, channel), encoded once per distinct channel. It returns the
// counters of a publication result; with track (ACKNOWLEDGED), every frame
// is registered as awaiting its recipient's ack before it is sent.
func (s *Server) publish(ev *event, track *pendingAck) protocol.PublishResult {
	var res protocol.PublishResult
	r := recipientsPool.Get().(*recipients)
	defer func() {
		clear(r.subs)
		r.subs = r.subs[:0]
		clear(r.seen)
		clear(r.frames)
		r.frames = r.frames[:0]
		clear(r.prefixes)
		r.prefixes = r.prefixes[:0]
		recipientsPool.Put(r)
	}()
	s.subs.Match(ev.action, ev.path, func(cs *channelSub, _ int) bool {
		if ev.targets == nil || contains(ev.targets, cs.sess.id) {
			r.subs = append(r.subs, cs)
		}
		return true
	})
	s.counters.events.Add(1)
	if len(r.subs) == 0 {
		return res
	}
	for _, cs := range r.subs {
		// As happn-3: every matching subscription counts, even those
		// that share a frame with another.
		res.Queued += int(cs.refs.Load())
	}
	pub := protocol.Publication{
		Action:         "/" + actionName(ev.action) + "@" + ev.path,
		SessionID:      ev.publisherID(),
		Consistency:    ev.consistency,
		PublicationID:  ev.publicationID(),
		Path:           ev.path,
		Created:        ev.created,
		Modified:       ev.modified,
		Meta:           ev.meta,
		OriginUsername: ev.publisherName(),
	}
	// A publisher working through a burst of requests leaves the events
	// to the subscribers' writers, which batch them; otherwise each event
	// is written by this goroutine at once, sparing a wake-up per
	// subscriber.
	now := ev.publisher == nil || !ev.publisher.inBurst()
	for _, cs := range r.subs {
		if cs.filter.Load() && !cs.allows(ev.path) {
			continue // a path below a nested subscription it may not see
		}
		// happn-3 sends at most one frame per (session, channel).
		if len(r.subs) > 1 {
			if _, dup := r.seen[cs.state]; dup {
				continue
			}
			r.seen[cs.state] = struct{}{}
		}
		codec := cs.sess.codec()
		frame := r.frame(codec, cs.key)
		if frame == nil {
			patch := cs.key.merge && ev.patch != nil
			p := r.prefix(codec, patch)
			if p == nil {
				pub.Data = ev.data
				if patch {
					pub.Data = ev.patch
				}
				p = codec.AppendPublicationPrefix(nil, &pub)
				r.prefixes = append(r.prefixes, encodedPrefix{codec, patch, p})
			}
			frame = codec.AppendPublicationSuffix(append(make([]byte, 0, len(p)+len(cs.key.channel)+64), p...), cs.key.channel, cs.key.depth)
			r.frames = append(r.frames, encodedFrame{codec, cs.key, frame})
		}
		if track != nil {
			s.acks.sending(track, cs.sess)
		}
		if err := cs.sess.sendEvent(frame, now); err != nil {
			res.Failed++
			if track != nil {
				s.acks.unsent(track, cs.sess)
			}
			continue
		}
		res.Successful++
	}
	s.counters.deliveries.Add(uint64(res.Successful))
	if res.Failed > 0 {
		s.counters.undelivered.Add(uint64(res.Failed))
	}
	return res
}

// frame returns the cached frame for codec and key, or nil.
func (r *recipients) frame(codec protocol.Codec, key chanKey) []byte {
	for i := range r.frames {
		if r.frames[i].key == key && r.frames[i].codec == codec {
			return r.frames[i].frame
		}
	}
	return nil
}

// prefix returns the cached shared part for codec and payload, or nil.
func (r *recipients) prefix(codec protocol.Codec, patch bool) []byte {
	for i := range r.prefixes {
		if r.prefixes[i].codec == codec && r.prefixes[i].patch == patch {
			return r.prefixes[i].b
		}
	}
	return nil
}

func actionName(a pubsub.Action) string {
	if a == pubsub.Remove {
		return "REMOVE"
	}
	return "SET"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// afterWrite publishes ev and answers the publisher in the order its
// consistency level asks for (SPEC §4.5). respond sends the response; it
// is given whether the publication has happened and, when it has, its
// result (the zero value otherwise).
//
// The result is passed by value and ev is not kept (ACKNOWLEDGED keeps a
// copy), so that neither has to live on the heap for a plain set.
func (s *Server) afterWrite(ev *event, publish bool, respond func(published bool, res protocol.PublishResult)) {
	if !publish {
		respond(false, protocol.PublishResult{})
		return
	}
	switch ev.consistency {
	case Transactional:
		res := s.publish(ev, nil)
		s.forward(ev)
		respond(true, res)
	case Acknowledged:
		respond(false, protocol.PublishResult{})
		kept := *ev // the tracker outlives this call
		p := s.acks.begin(&kept)
		res := s.publish(ev, p)
		s.acks.seal(p, res, s.cfg.AcknowledgeTimeout)
		s.forward(ev)
	default: // Queued, Deferred
		respond(false, protocol.PublishResult{})
		res := s.publish(ev, nil)
		s.forward(ev)
		ev.publisher.sendPublicationAck(ev, &res, "")
	}
}

// sendPublicationAck tells the publisher the outcome of a publication.
func (ss *session) sendPublicationAck(ev *event, res *protocol.PublishResult, errMsg string) {
	ss.send(ss.codec().AppendPublicationAck(nil, ev.publicationID(), ev.eventID, res, errMsg))
}

// parseChannel splits a subscription channel "/SET@/a/b" into its action
// and path. Channels without '@' or with an unknown action are refused.
func parseChannel(channel string) (pubsub.Action, string, bool) {
	i := strings.IndexByte(channel, '@')
	if i < 0 {
		return 0, "", false
	}
	name, path := strings.TrimPrefix(channel[:i], "/"), channel[i+1:]
	switch strings.ToUpper(name) {
	case "SET":
		return pubsub.Set, path, true
	case "REMOVE":
		return pubsub.Remove, path, true
	case "ALL", "*":
		return pubsub.All, path, true
	}
	return 0, "", false
}
