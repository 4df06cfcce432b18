package happn

import (
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn/transport"
)

// eventHold makes the events published to a session wait while it reads a
// new subscription's initial values, so that they reach the client after
// the answer that carries those values. Without it, a write committed after
// the values were read could have its event arrive first, and a client
// applying both in order would end with the older value.
type eventHold struct {
	on    atomic.Bool
	mu    sync.Mutex
	held  [][]byte
	bytes int
}

// holdEvents starts holding the session's events; the returned release
// sends them, in order, after whatever the session sent meanwhile. The
// hold must start before the subscription is added to the index.
func (ss *session) holdEvents() (release func()) {
	h := &ss.hold
	h.on.Store(true)
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, frame := range h.held {
			ss.send(frame)
		}
		h.held, h.bytes = nil, 0
		h.on.Store(false)
	}
}

// sendEvent sends a publication's frame to the session, or holds it.
func (ss *session) sendEvent(frame []byte, now bool) error {
	if ss.hold.on.Load() {
		if held, err := ss.holdEvent(frame); held || err != nil {
			return err
		}
	}
	return ss.sendFrame(frame, now)
}

// holdEvent keeps frame for the release, unless the hold has ended. Held
// frames count against the queue limit, with the slow-consumer policy.
func (ss *session) holdEvent(frame []byte) (bool, error) {
	h := &ss.hold
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.on.Load() {
		return false, nil
	}
	if h.bytes+len(frame) > ss.srv.cfg.QueueLimit {
		ss.srv.log.Warn("client's events over the queue limit while its initial values were read", "session", ss.id, "policy", ss.srv.cfg.SlowConsumer)
		if ss.srv.cfg.SlowConsumer == transport.Disconnect {
			ss.endAsync("outbound queue full")
		}
		return false, transport.ErrSlowConsumer
	}
	h.held = append(h.held, frame)
	h.bytes += len(frame)
	return true, nil
}
