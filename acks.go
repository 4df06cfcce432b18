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
//
// A publication is registered before its first frame goes out, because an
// in-process subscriber can acknowledge before the publisher has finished
// sending to the others.
type ackTracker struct {
	mu      sync.Mutex
	pending map[string]*pendingAck
}

type pendingAck struct {
	id        string
	ev        *event
	res       protocol.PublishResult
	remaining map[*session]int
	acked     int
	left      int
	sealed    bool // every frame has been sent; the result is known
	timer     *time.Timer
}

func (t *ackTracker) init() { t.pending = make(map[string]*pendingAck) }

// begin registers a publication about to be sent.
func (t *ackTracker) begin(ev *event) *pendingAck {
	p := &pendingAck{id: ev.publicationID(), ev: ev, remaining: make(map[*session]int)}
	t.mu.Lock()
	t.pending[p.id] = p
	t.mu.Unlock()
	return p
}

// sending records that a frame is about to be sent to ss; unsent undoes
// it when the send fails.
func (t *ackTracker) sending(p *pendingAck, ss *session) {
	t.mu.Lock()
	p.remaining[ss]++
	p.left++
	t.mu.Unlock()
}

func (t *ackTracker) unsent(p *pendingAck, ss *session) {
	t.mu.Lock()
	p.remaining[ss]--
	p.left--
	t.mu.Unlock()
}

// seal records the outcome of sending and waits for the acks still
// missing, up to timeout.
func (t *ackTracker) seal(p *pendingAck, res protocol.PublishResult, timeout time.Duration) {
	t.mu.Lock()
	p.res = res
	p.res.WithAcknowledged = true
	p.sealed = true
	if p.left == 0 {
		delete(t.pending, p.id)
		t.mu.Unlock()
		t.report(p, "")
		return
	}
	p.timer = time.AfterFunc(timeout, func() { t.expire(p) })
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
	p.acked++
	p.left--
	done := p.sealed && p.left == 0
	if done {
		delete(t.pending, id)
		p.timer.Stop()
	}
	t.mu.Unlock()
	if done {
		t.report(p, "")
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
		p.left -= n
		if p.sealed {
			p.res.Failed += n
			p.res.Successful -= n
			if p.left == 0 {
				delete(t.pending, id)
				p.timer.Stop()
				finished = append(finished, p)
			}
		}
	}
	t.mu.Unlock()
	for _, p := range finished {
		t.report(p, "")
	}
}

func (t *ackTracker) expire(p *pendingAck) {
	t.mu.Lock()
	if t.pending[p.id] != p {
		t.mu.Unlock()
		return
	}
	delete(t.pending, p.id)
	t.mu.Unlock()
	t.report(p, "unacknowledged publication")
}

// report sends the publication result to the publisher.
func (t *ackTracker) report(p *pendingAck, errMsg string) {
	t.mu.Lock()
	res := p.res
	res.Acknowledged = p.acked
	t.mu.Unlock()
	p.ev.publisher.sendPublicationAck(p.ev, &res, errMsg)
}

func (t *ackTracker) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, p := range t.pending {
		if p.timer != nil {
			p.timer.Stop()
		}
		delete(t.pending, id)
	}
}
