package happn

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
