package happn

import (
	"slices"
	"time"
)

// Stats is a snapshot of a server's activity.
type Stats struct {
	// Sessions is the number of connected clients, local ones included.
	Sessions int
	// Subscriptions is the number of entries in the subscription index
	// (subscriptions of one session on one channel with the same options
	// share an entry).
	Subscriptions int
}

// Stats returns a snapshot of the server's activity.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	return Stats{Sessions: n, Subscriptions: s.subs.Len()}
}

// SessionInfo describes one connected client (Server.Sessions).
type SessionInfo struct {
	// ID is the session id clients and events know it by.
	ID string
	// Username is the logged-in user; "" before login and on an insecure
	// server.
	Username string
	// Protocol is "happn_4" once the client configured its session.
	Protocol string
	// RemoteIP and RemotePort are the client's address; empty for an
	// in-process client (Local).
	RemoteIP   string
	RemotePort int
	Local      bool
	// TLS reports a connection over TLS.
	TLS bool
	// Connected is when the client connected.
	Connected time.Time
	// Subscriptions is how many subscriptions the client holds.
	Subscriptions int
}

// Sessions returns the connected clients, oldest first (happn-3's
// listActiveSessions).
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	list := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		list = append(list, ss)
	}
	s.mu.Unlock()
	out := make([]SessionInfo, 0, len(list))
	for _, ss := range list {
		ss.subsMu.Lock()
		n := len(ss.subs)
		ss.subsMu.Unlock()
		out = append(out, SessionInfo{
			ID:            ss.id,
			Username:      ss.username(),
			Protocol:      ss.proto(),
			RemoteIP:      ss.info.RemoteIP,
			RemotePort:    ss.info.RemotePort,
			Local:         ss.info.Local,
			TLS:           ss.info.Secure,
			Connected:     ss.connected,
			Subscriptions: n,
		})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return a.Connected.Compare(b.Connected) })
	return out
}

// Activity is one authorization decision of a secure server
// (Config.OnActivity).
type Activity struct {
	SessionID string
	Username  string
	// Action is get, set, on or remove (count is authorized as get).
	Action string
	Path   string
	// Authorized reports the decision; Reason is the refusal's error.
	Authorized bool
	Reason     string
	Time       time.Time
}
