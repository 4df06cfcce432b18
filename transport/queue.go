package transport

import (
	"context"
	"sync"
	"sync/atomic"
)

// SlowConsumerPolicy says what happens to a connection whose outbound
// queue is full.
type SlowConsumerPolicy int

const (
	// Disconnect closes the connection (the default). The client's
	// subscriptions go with it; a happn-3 client reconnects and
	// re-subscribes.
	Disconnect SlowConsumerPolicy = iota
	// Drop discards the frame and counts it; the connection stays open.
	// Responses are dropped as well as events, so the client's calls time
	// out; prefer Disconnect unless the clients can cope.
	Drop
)

// DefaultQueueLimit is the default bound on the bytes queued for one
// client: large enough for a burst of big search results, small enough
// that a thousand stalled clients cannot exhaust memory.
const DefaultQueueLimit = 64 << 20

// Queue is an unbounded-looking but byte-limited FIFO of frames for one
// connection. Push never blocks. Safe for concurrent use; meant for one
// consumer.
type Queue struct {
	mu      sync.Mutex
	frames  [][]byte
	bytes   int
	limit   int
	closed  bool
	ready   chan struct{}
	dropped atomic.Int64
}

// NewQueue returns a queue holding at most limit bytes (DefaultQueueLimit
// when limit <= 0). A single frame larger than the limit is still
// accepted into an empty queue, so no message is undeliverable.
func NewQueue(limit int) *Queue {
	if limit <= 0 {
		limit = DefaultQueueLimit
	}
	return &Queue{limit: limit, ready: make(chan struct{}, 1)}
}

// Push appends frame. It returns ErrClosed after Close and
// ErrSlowConsumer, without queueing, when the queue is over its limit.
func (q *Queue) Push(frame []byte) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if q.bytes > 0 && q.bytes+len(frame) > q.limit {
		q.mu.Unlock()
		q.dropped.Add(1)
		return ErrSlowConsumer
	}
	q.frames = append(q.frames, frame)
	q.bytes += len(frame)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return nil
}

// Take waits until frames are queued, the queue is closed, or ctx is done,
// and returns every queued frame at once (appended to buf[:0]). It returns
// ok false when the queue is closed and empty, or ctx is done.
func (q *Queue) Take(ctx context.Context, buf [][]byte) (frames [][]byte, ok bool) {
	for {
		q.mu.Lock()
		if len(q.frames) > 0 {
			frames = append(buf[:0], q.frames...)
			clear(q.frames)
			q.frames = q.frames[:0]
			q.bytes = 0
			q.mu.Unlock()
			return frames, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return buf[:0], false
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return buf[:0], false
		}
	}
}

// Close stops the queue accepting frames; frames already queued can
// still be taken.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Len returns the number of bytes queued.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// Dropped returns how many frames Push refused because the queue was full.
func (q *Queue) Dropped() int64 { return q.dropped.Load() }
