package security

import "encoding/json"

// Change is a change of the security directory, announced to the
// function given to OnChange after it has taken effect.
type Change struct {
	// Event is happn-3's name for it ("whatHappnd"): "upsert-user",
	// "delete-user", "upsert-group", "delete-group", "link-group",
	// "unlink-group", "permission-upserted", "permission-removed",
	// "token-revoked", "lookup-table-changed", "lookup-permission-changed".
	Event string
	// Data is happn-3's "changedData" for the event.
	Data json.RawMessage
	// Notify is true when the sessions concerned should be sent the
	// security-data-changed system message, after their subscriptions
	// have been re-checked (happn-3's SECURITY_DIRECTORY_CHANGE_EVENTS).
	Notify bool
	// End, when not empty, asks the server to end the sessions concerned
	// with this server-side-disconnect reason.
	End string
	// Reloaded marks the changes Reload announces: they were made
	// elsewhere and read back from the store ("directory-reloaded", or
	// "delete-user" for users that have gone).
	Reloaded bool

	users    map[string]bool // the users whose sessions are concerned
	parentID string          // for token-revoked: the sessions descended from this login
}

// Concerns reports whether the change concerns the session of id: its
// permissions may have changed, or it must end.
func (c Change) Concerns(id *Identity) bool {
	if id == nil || id.st == nil {
		return false
	}
	if c.parentID != "" {
		return id.ParentID == c.parentID
	}
	return c.users[id.Username]
}

// OnChange sets the function told about every change of the directory,
// in order, once the change has taken effect (authorization already uses
// it). The server uses it to re-check subscriptions and end sessions. fn
// runs while changes are serialised: it must not call the management
// API, and should be quick.
func (s *Service) OnChange(fn func(Change)) {
	if s == nil {
		return
	}
	s.changeMu.Lock()
	s.onChange = fn
	s.changeMu.Unlock()
}

func (s *Service) notify(c Change) {
	s.changeMu.RLock()
	fn := s.onChange
	s.changeMu.RUnlock()
	if fn != nil {
		fn(c)
	}
}
