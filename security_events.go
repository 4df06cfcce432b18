package happn

import (
	"encoding/json"

	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/security"
)

// securityChanged reacts to a change of the security directory, after
// it has taken effect (SPEC §7.10): the sessions it concerns lose the
// subscriptions their permissions no longer allow and are sent
// security-data-changed, or are ended when the change says so (a deleted
// user, a revoked token). It runs while the directory is locked: it only
// queues frames and starts session endings.
func (s *Server) securityChanged(ch security.Change) {
	if !ch.Reloaded {
		defer s.forwardSecurityChange(ch.Event)
	}
	var data []byte
	if ch.Notify {
		payload := struct {
			WhatHappnd  string          `json:"whatHappnd"`
			ChangedData json.RawMessage `json:"changedData"`
		}{ch.Event, ch.Data}
		data, _ = json.Marshal(payload)
	}
	for _, ss := range s.liveSessions() {
		id := ss.identity.Load()
		if !ch.Concerns(id) {
			continue
		}
		if ch.End != "" {
			ss.endAsync(ch.End)
			continue
		}
		ss.recheckSubscriptions(id)
		if data != nil {
			ss.send(ss.codec().AppendSystemMessage(nil, "security-data-changed", data))
		}
	}
}

// recheckSubscriptions removes the subscriptions id may no longer make.
// Events already queued are still delivered; no later one is.
func (ss *session) recheckSubscriptions(id *security.Identity) {
	svc := ss.srv.secure
	ss.subsMu.Lock()
	defer ss.subsMu.Unlock()
	for _, sub := range ss.subs {
		permitted := svc.Permitted(id, "on", sub.cs.pattern)
		if !permitted && sub.cs.key.nested {
			permitted = svc.PermittedBelow(id, "on", nestedPrefix(sub.cs.pattern))
		}
		if !permitted {
			ss.unsubscribe(sub)
			continue
		}
		if wildcard.HasWildcard(sub.cs.pattern) && svc.Prohibits(id) {
			sub.cs.filter.Store(true) // a prohibition may now cover some of its paths
		}
	}
}
