package happn

import (
	"sync"
	"time"

	"github.com/happn-go/happn/internal/protocol"
)

// ackTracker follows ACKNOWLEDGED publications until every frame sent
// has been acknowledged by its recipient, or the timeout passes.
//
// Unlike happn-3, only frames actually sent are expected: a recipient that
// was skipped as a duplicate channel is not waited for, and a recipient
// that disconnects stops being waited for (its frames count as failed).
type ackTracker struct {
	mu      sync.Mutex
	pending map[string]*pendingAck
}

type pendingAck struct {
	ev        *event
	res       protocol.PublishResult
	remaining map[*session]int
	left      int
	timer     *time.Timer
}

func (t *ackTracker) init() { t.pending = make(map[string]*pendingAck) }

// expect starts waiting for the acks of ev's frames.
func (t *ackTracker) expect(ev *event, res protocol.PublishResult, counts map[*session]int, timeout time.Duration) {
	res.WithAcknowledged = true
	left := 0
	for _, n := range counts {
		left += n
	}
	if left == 0 {
		ev.publisher.sendPublicationAck(ev, &res, "")
		return
	}
	p := &pendingAck{ev: ev, res: res, remaining: counts, left: left}
	id := ev.publicationID()
	t.mu.Lock()
	t.pending[id] = p
	p.timer = time.AfterFunc(timeout, func() { t.expire(id, p) })
	t.mu.Unlock()
}

// ack records one acknowledgement of publication id by ss. It reports
// whether the publication was waiting for it.
func (t *ackTracker) ack(ss *session, id string) bool {
	t.mu.Lock()
	p := t.pending[id]
	if p == nil || p.remaining[ss] == 0 {
		t.mu.Unlock()
		return false
	}
	p.remaining[ss]--
	p.res.Acknowledged++
	p.left--
	done := p.left == 0
	if done {
		delete(t.pending, id)
		p.timer.Stop()
	}
	t.mu.Unlock()
	if done {
		p.ev.publisher.sendPublicationAck(p.ev, &p.res, "")
	}
	return true
}

// forget stops waiting for ss, which has gone.
func (t *ackTracker) forget(ss *session) {
	var finished []*pendingAck
	t.mu.Lock()
	for id, p := range t.pending {
		n := p.remaining[ss]
		if n == 0 {
			continue
		}
		delete(p.remaining, ss)
		p.res.Failed += n
		p.res.Successful -= n
		p.left -= n
		if p.left == 0 {
			delete(t.pending, id)
			p.timer.Stop()
			finished = append(finished, p)
		}
	}
	t.mu.Unlock()
	for _, p := range finished {
		p.ev.publisher.sendPublicationAck(p.ev, &p.res, "")
	}
}

func (t *ackTracker) expire(id string, p *pendingAck) {
	t.mu.Lock()
	if t.pending[id] != p {
		t.mu.Unlock()
		return
	}
	delete(t.pending, id)
	t.mu.Unlock()
	p.ev.publisher.sendPublicationAck(p.ev, &p.res, "unacknowledged publication")
}

func (t *ackTracker) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, p := range t.pending {
		p.timer.Stop()
		delete(t.pending, id)
	}
}
