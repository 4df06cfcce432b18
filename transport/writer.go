package transport

import (
	"sync"
)

// The write path. A loopback write(2) costs about as much CPU as a whole
// small request, so the aim is the fewest syscalls and goroutine
// wake-ups per frame:
//
//   - Direct: a frame sent by the session's goroutine while it handles a
//     request (the response), when nothing is queued or being written,
//     is written at once on that goroutine with one non-blocking
//     write(2). No other goroutine is involved. If the socket takes only
//     part of it, the rest is queued for the writer.
//   - Queued: everything else (publications from other sessions'
//     goroutines, heartbeats, frames behind a write in progress) is
//     appended to the queue, and the connection's writer goroutine is
//     woken if it is idle. It takes every queued frame at once and writes
//     them with one write(2) or writev(2). Under load frames pile up
//     while it writes, so a busy connection gets many frames per syscall.
//
// Either way one goroutine at a time owns the socket's write side (the
// writing flag), and frames leave in the order Send accepted them.

// outFrame is one frame waiting to be written.
type outFrame struct {
	op      byte // opText, opPong, opClose; opRaw for bytes already framed
	payload []byte
}

// opRaw marks the unwritten tail of a direct write: already framed bytes.
const opRaw = 0xFF

const (
	// maxDirect is the largest frame written directly; bigger ones go to
	// the writer, which hands them to writev(2) without a copy.
	maxDirect = 64 << 10
	// maxCopy is the largest payload copied into a batch's buffer; bigger
	// payloads are written from where they are.
	maxCopy = 16 << 10
	// maxPooledBuf is the largest buffer kept for reuse.
	maxPooledBuf = 256 << 10
)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 4096)
	return &b
}}

// getBuf returns an empty pooled buffer with room for n bytes.
func getBuf(n int) *[]byte {
	bp := bufPool.Get().(*[]byte)
	if cap(*bp) < n {
		*bp = make([]byte, 0, n)
	}
	return bp
}

func putBuf(bp *[]byte) {
	if cap(*bp) > maxPooledBuf {
		return
	}
	*bp = (*bp)[:0]
	bufPool.Put(bp)
}

// Send queues frame for the client (see the write path above). It never
// blocks on the network. It returns ErrClosed once the connection is
// closing and ErrSlowConsumer, without queueing, when the bytes queued
// are over the limit; with the Disconnect policy the connection is then
// closed.
func (c *wsConn) Send(frame []byte) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.pendingLen > 0 && c.pendingLen+len(frame) > c.limit {
		c.mu.Unlock()
		c.dropped.Add(1)
		if c.policy == Disconnect {
			c.abort()
		}
		return ErrSlowConsumer
	}
	if !c.writing && len(c.pending) == 0 && len(frame) <= maxDirect && c.inRequest.Load() && c.sock.canTryWrite() {
		c.writing = true
		c.mu.Unlock()
		return c.writeDirect(frame)
	}
	c.pending = append(c.pending, outFrame{op: opText, payload: frame})
	c.pendingLen += len(frame)
	kick := !c.writing && len(c.pending) == 1
	c.mu.Unlock()
	if kick {
		c.kick()
	}
	return nil
}

// queueControl queues a control frame; it is not held against the limit
// (control payloads are at most 125 bytes, one per client frame).
func (c *wsConn) queueControl(op byte, payload []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.pending = append(c.pending, outFrame{op: op, payload: payload})
	kick := !c.writing && len(c.pending) == 1
	c.mu.Unlock()
	if kick {
		c.kick()
	}
}

// kick wakes the writer. The token is taken whenever the queue goes from
// empty to not empty while nobody writes, so one pending token suffices.
func (c *wsConn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeDirect writes one frame on the caller's goroutine, which owns the
// write side (c.writing). The write never blocks: what the socket does
// not take is queued, first, for the writer.
func (c *wsConn) writeDirect(frame []byte) error {
	bp := getBuf(maxHeaderLen + len(frame))
	buf := appendHeader(*bp, true, opText, len(frame), nil)
	buf = append(buf, frame...)
	n, err := c.sock.tryWrite(buf)

	c.mu.Lock()
	c.writing = false
	if err == nil && n < len(buf) {
		// Even when closing: a frame cut in two must be finished before
		// the close frame can follow.
		rest := append([]byte(nil), buf[n:]...)
		c.pending = append(c.pending, outFrame{})
		copy(c.pending[1:], c.pending)
		c.pending[0] = outFrame{op: opRaw, payload: rest}
		c.pendingLen += len(rest)
	}
	kick := len(c.pending) > 0
	c.mu.Unlock()
	*bp = buf
	putBuf(bp)
	if err != nil {
		c.closeTCP()
		return ErrClosed
	}
	if kick {
		c.kick()
	}
	return nil
}

// writeLoop is the connection's writer goroutine; it ends when the
// connection does.
func (c *wsConn) writeLoop() {
	for {
		select {
		case <-c.wake:
		case <-c.gone:
			return
		}
		c.mu.Lock()
		for len(c.pending) > 0 && !c.writing {
			batch := c.pending
			c.pending, c.spare = c.spare, nil
			c.pendingLen = 0
			c.writing = true
			c.mu.Unlock()

			closing, err := c.writeBatch(batch)

			c.mu.Lock()
			c.writing = false
			clear(batch)
			if c.spare == nil {
				c.spare = batch[:0]
			}
			if err != nil {
				c.mu.Unlock()
				c.closeTCP()
				return
			}
			if closing {
				// The close frame was the last frame: nothing may follow.
				c.mu.Unlock()
				c.closeSentNow()
				return
			}
		}
		c.mu.Unlock()
	}
}

// writeBatch writes frames with one write(2), or one writev(2) when some
// payloads are big enough to be worth not copying. It reports whether the
// batch ended with the close frame.
func (c *wsConn) writeBatch(batch []outFrame) (closing bool, err error) {
	size := 0
	for _, f := range batch {
		if f.op != opRaw {
			size += headerLen(len(f.payload))
		}
		if len(f.payload) <= maxCopy {
			size += len(f.payload)
		}
	}
	bp := getBuf(size)
	buf := *bp
	segs := c.segs[:0]
	for _, f := range batch {
		if f.op != opRaw {
			buf = appendHeader(buf, true, f.op, len(f.payload), nil)
		}
		if len(f.payload) <= maxCopy {
			buf = append(buf, f.payload...)
		} else {
			// buf never outgrows the capacity computed above, so the
			// segments already taken from it stay put.
			if len(buf) > 0 {
				segs = append(segs, buf)
			}
			segs = append(segs, f.payload)
			buf = buf[len(buf):]
		}
		closing = f.op == opClose
	}
	if len(buf) > 0 {
		segs = append(segs, buf)
	}
	err = c.sock.writeAll(segs)
	clear(segs)
	c.segs = segs[:0]
	putBuf(bp)
	return closing, err
}
