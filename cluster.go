package happn

import (
	"encoding/json"

	"github.com/happn-go/happn/pubsub"
	"github.com/tidwall/gjson"
)

// Events between the nodes of a cluster (Config.Broker): each node hands
// the events of its own sets and removes to the broker after delivering
// them to its own subscribers, and delivers the other nodes' events to its
// own subscribers as if they had happened here.

// joinBroker starts receiving the other nodes' events.
func (s *Server) joinBroker() error {
	if s.cfg.Broker == nil {
		return nil
	}
	stop, err := s.cfg.Broker.Subscribe(s.deliverRemote)
	if err != nil {
		return err
	}
	s.leaveBroker = stop
	return nil
}

// forward hands ev, which happened here, to the other nodes.
func (s *Server) forward(ev *event) {
	b := s.cfg.Broker
	if b == nil || ev.local {
		return
	}
	p := &pubsub.Publication{
		Origin:        s.name,
		Instance:      s.instance,
		Action:        ev.action,
		Path:          ev.path,
		Data:          ev.data,
		Patch:         ev.patch,
		Created:       ev.created,
		Modified:      ev.modified,
		Meta:          ev.meta,
		SessionID:     ev.publisherID(),
		Username:      ev.publisherName(),
		ID:            ev.publicationID(),
		Consistency:   ev.consistency,
		TargetClients: ev.targets,
	}
	if err := b.Publish(s.ctx, p); err != nil {
		s.log.Warn("broker: event not passed on to the other nodes", "path", ev.path, "error", err)
	}
}

// securityChangedPath is the path of the notices that tell the other
// nodes the security data changed in the store they share: they reload
// it. It is never delivered to subscribers.
const securityChangedPath = "/_SYSTEM/_SECURITY/_CHANGED"

// forwardSecurityChange tells the other nodes that this one changed the
// security data (event is the Change's), for them to reload it.
func (s *Server) forwardSecurityChange(event string) {
	b := s.cfg.Broker
	if b == nil {
		return
	}
	data, _ := json.Marshal(map[string]string{"event": event})
	p := &pubsub.Publication{Origin: s.name, Instance: s.instance, Action: pubsub.Set, Path: securityChangedPath, Data: data, ID: s.name + "-security"}
	if err := b.Publish(s.ctx, p); err != nil {
		s.log.Warn("broker: security change not passed on to the other nodes", "event", event, "error", err)
	}
}

// fromHere reports whether p is this server's own event, echoed back by
// the broker: by its Instance, or by its Origin for publishers that send
// none.
func (s *Server) fromHere(p *pubsub.Publication) bool {
	if p.Instance != "" {
		return p.Instance == s.instance
	}
	return p.Origin == s.name
}

// deliverRemote delivers an event from another node to this node's
// subscribers.
func (s *Server) deliverRemote(p *pubsub.Publication) {
	if s.fromHere(p) || s.closed.Load() {
		return
	}
	if p.Path == securityChangedPath {
		if s.secure != nil {
			if err := s.secure.Reload(s.ctx); err != nil {
				s.log.Error("reloading the security data after another node's change", "origin", p.Origin, "error", err)
			}
		}
		return
	}
	if p.Path == expiryNoticePath {
		s.expiryNotice(p)
		return
	}
	if isSystemPath(p.Path) {
		return // no server publishes these
	}
	if p.Action != pubsub.Set && p.Action != pubsub.Remove {
		s.log.Warn("broker: event with an unknown action ignored", "action", p.Action, "origin", p.Origin)
		return
	}
	if !wellFormed(p) {
		s.log.Warn("broker: event with malformed JSON ignored", "path", p.Path, "origin", p.Origin)
		return
	}
	ev := event{
		action:      p.Action,
		path:        p.Path,
		consistency: p.Consistency,
		data:        p.Data,
		patch:       p.Patch,
		created:     p.Created,
		modified:    p.Modified,
		meta:        p.Meta,
		targets:     p.TargetClients,
		remote:      p,
	}
	s.publish(&ev, nil)
}

// wellFormed reports whether p's JSON is: its data and patch valid JSON,
// its meta, if any, an object. Frames are built from them as they are.
func wellFormed(p *pubsub.Publication) bool {
	if !gjson.ValidBytes(p.Data) || p.Patch != nil && !gjson.ValidBytes(p.Patch) {
		return false
	}
	return p.Meta == nil || gjson.ValidBytes(p.Meta) && gjson.ParseBytes(p.Meta).IsObject()
}
