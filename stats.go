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

	// The counters below run from the server's start.

	// Connections is how many clients have connected, in-process ones
	// included.
	Connections uint64
	// Requests counts the requests received by action ("set", "get",
	// "on", "login", …; "other" for unknown actions).
	Requests map[string]uint64
	// Errors is how many requests were answered with an error.
	Errors uint64
	// Events is how many events sets, removes and publishes published;
	// Deliveries how many frames they sent to subscribers, and
	// Undelivered how many they could not send (a subscriber too slow to
	// read, or gone).
	Events, Deliveries, Undelivered uint64
	// LoginFailures counts refused logins, over websockets and HTTP.
	LoginFailures uint64
	// Expiring is how many documents are set to expire (the TTL option)
	// at the moment; Expired how many have expired and been removed.
	Expiring int
	Expired  uint64
}

// Stats returns a snapshot of the server's activity.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	c := &s.counters
	st := Stats{
		Sessions:      n,
		Subscriptions: s.subs.Len(),
		Connections:   c.connections.Load(),
		Requests:      make(map[string]uint64, len(requestKinds)),
		Errors:        c.errors.Load(),
		Events:        c.events.Load(),
		Deliveries:    c.deliveries.Load(),
		Undelivered:   c.undelivered.Load(),
		LoginFailures: c.loginFailures.Load(),
		Expiring:      int(s.expiries.n.Load()),
		Expired:       c.expired.Load(),
	}
	for i, kind := range requestKinds {
		st.Requests[kind] = c.requests[i].Load()
	}
	return st
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
