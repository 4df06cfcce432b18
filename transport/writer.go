package transport

import (
	"bytes"
	"sync"
)

// The write path. A loopback write(2) costs about as much CPU as a whole
// small request, so the aim is the fewest syscalls and goroutine
// wake-ups per frame:
//
//   - Direct: a frame sent while the session handles a request (between
//     Read returning it and the next Read: the response), when nothing is
//     queued or being written, is written at once by the sending
//     goroutine with one non-blocking write(2). No other goroutine is
//     involved. If the socket takes only part of it, the rest is queued
//     for the writer.
//   - Held: the same, but when the client has more requests in flight
//     (its next request was already buffered, or the one being handled
//     was in the socket before the session came to read it), the frame
//     is queued without waking anyone. Over plain TCP the held frames
//     are written with one non-blocking write(2)/writev(2) when a read
//     finds the socket empty, just before the session waits for the
//     client (flushHeld, called by the socket), so responses to requests
//     that keep arriving one by one share writes; elsewhere the session
//     writes them before each read, or with the burst's last response,
//     sent when no more input is buffered. At most maxHeld bytes are
//     held: the frame that would pass it goes out with them.
//   - Now: a frame sent with SendNow (a publication from a publisher
//     whose request had to be waited for: nothing will follow it soon)
//     is written at once by the sending goroutine when nothing is queued
//     or being written, like a direct write.
//   - Queued: everything else (other publications from other sessions'
//     goroutines, heartbeats, frames behind a write in progress) is
//     appended to the queue, and the connection's writer goroutine is
//     woken if it is idle. It takes every queued frame at once and writes
//     them with one write(2) or writev(2). Under load frames pile up
//     while it writes, so a busy connection gets many frames per syscall.
//
// Direct, held and now writes never block, so a slow client cannot stall
// the goroutine that sends to it, whichever goroutine that is. One
// goroutine at a time owns the socket's write side (the writing flag),
// and frames leave in the order Send and SendNow accepted them.

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
	// maxHeld bounds the bytes held back for flushHeld: a client that
	// keeps its requests coming gets its responses at least this often.
	maxHeld = 32 << 10
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
	if !c.writing && c.inRequest.Load() && len(frame) <= maxDirect && c.sock.canTryWrite() {
		if c.holdable() && c.pendingLen+len(frame) <= maxHeld {
			c.pending = append(c.pending, outFrame{op: opText, payload: frame})
			c.pendingLen += len(frame)
			c.holding.Store(true)
			c.mu.Unlock()
			return nil
		}
		if len(c.pending) == 0 {
			c.writing = true
			c.mu.Unlock()
			return c.writeDirect(frame)
		}
		if c.holding.Load() && c.pendingLen+len(frame) <= maxDirect {
			// The last response of a burst, or enough held: it goes out
			// now with the ones held before it, in one write, rather than
			// waking the writer for them.
			c.pending = append(c.pending, outFrame{op: opText, payload: frame})
			c.pendingLen += len(frame)
			c.holding.Store(false)
			batch := c.takeLocked()
			c.mu.Unlock()
			return c.writeHeld(batch)
		}
	}
	c.pending = append(c.pending, outFrame{op: opText, payload: frame})
	c.pendingLen += len(frame)
	kick := !c.writing
	c.mu.Unlock()
	if kick {
		c.kick()
	}
	return nil
}

// SendNow is Send for a frame the caller wants on the wire at once: when
// nothing is queued for the client or being written, the calling
// goroutine writes it with one non-blocking write(2) (the rest, if the
// socket takes only part, is queued for the writer); otherwise it is
// queued as Send queues it. A publisher uses it for the events of a
// publication that nothing else will follow soon, instead of waking each
// subscriber's writer goroutine (a goroutine hand-off and, on an idle
// server, a thread wake-up per subscriber). It never blocks on the
// network.
func (c *wsConn) SendNow(frame []byte) error {
	if len(frame) > maxDirect || !c.sock.canTryWrite() {
		return c.Send(frame)
	}
	c.mu.Lock()
	if c.closing || c.writing || len(c.pending) > 0 {
		c.mu.Unlock()
		return c.Send(frame)
	}
	c.writing = true
	c.mu.Unlock()
	return c.writeDirect(frame)
}

// holdable reports whether a frame sent now may be held back for
// flushHeld. When the socket calls flushHeld just before it would wait
// for the client, frames are held as long as the client keeps requests
// coming; otherwise only while its next message is already buffered.
func (c *wsConn) holdable() bool {
	if c.flushOnWait {
		return c.inFlight.Load()
	}
	return c.moreInput.Load()
}

// MoreInput reports whether, when Read last returned, the client had
// more requests in flight: its next message was already buffered, or the
// one returned was waiting in the socket when the session came to read
// it. Frames the session sends to others are then better queued, to be
// batched with those of the requests that follow, than written one by
// one.
func (c *wsConn) MoreInput() bool { return c.inFlight.Load() }

// queueControl queues a control frame; it is not held against the limit
// (control payloads are at most 125 bytes, one per client frame).
func (c *wsConn) queueControl(op byte, payload []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.pending = append(c.pending, outFrame{op: op, payload: payload})
	kick := !c.writing
	c.mu.Unlock()
	if kick {
		c.kick()
	}
}

// kick wakes the writer if it is idle. A token already waiting covers
// any number of kicks: the writer takes everything queued when it wakes.
func (c *wsConn) kick() {
	select {
	case c.wake <- struct{}{}:
		c.kicks.Add(1)
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
	c.one[0] = buf
	c.writes.Add(1)
	_, err := c.sock.tryWrite(c.one[:])
	rest := c.one[0] // what the socket did not take
	c.one[0] = nil
	more := c.finishWrite(nil, rest, err)
	*bp = buf
	putBuf(bp)
	if err != nil {
		c.closeTCP()
		return ErrClosed
	}
	if more {
		c.kick()
	}
	return nil
}

// flushHeld writes the held frames (see Send) with one non-blocking
// write. It is called before the session can wait for the client: by the
// socket when a read finds nothing (flushOnWait), or else by
// sessionReader before each read. A failed write is returned, not acted
// on: the socket calls it in the middle of a read, which closing the
// socket would wait for for ever; the failed read then ends the session,
// and with it the connection.
func (c *wsConn) flushHeld() error {
	if !c.holding.Load() {
		return nil
	}
	c.holding.Store(false)
	c.mu.Lock()
	if c.writing || c.closing || len(c.pending) == 0 {
		// The writer has them, or will: whoever set writing or closing
		// makes sure of it.
		c.mu.Unlock()
		return nil
	}
	batch := c.takeLocked()
	c.mu.Unlock()
	return c.tryWriteHeld(batch)
}

// tryWriteHeld writes batch, taken with the write side, with one
// non-blocking write; what the socket does not take goes to the writer.
func (c *wsConn) tryWriteHeld(batch []outFrame) error {
	_, rest, err := c.writeBatch(batch, false)
	if c.finishWrite(batch, rest, err) {
		c.kick()
	}
	if err != nil {
		return ErrClosed
	}
	return nil
}

// writeHeld is tryWriteHeld, closing the connection if the write fails.
func (c *wsConn) writeHeld(batch []outFrame) error {
	if err := c.tryWriteHeld(batch); err != nil {
		c.closeTCP()
		return err
	}
	return nil
}

// sessionReader is what the connection's buffered reader reads from: the
// socket, after writing what the session held back.
type sessionReader struct{ c *wsConn }

func (r sessionReader) Read(p []byte) (int, error) {
	if !r.c.flushOnWait {
		if err := r.c.flushHeld(); err != nil {
			return 0, err
		}
	}
	return r.c.sock.Read(p)
}

// takeLocked takes every queued frame and the write side; c.mu is held.
func (c *wsConn) takeLocked() []outFrame {
	batch := c.pending
	c.pending, c.spare = c.spare, nil
	c.pendingLen = 0
	c.writing = true
	return batch
}

// finishWrite gives the write side back after a write of batch (nil for a
// direct write). rest is what a non-blocking write left unwritten: it goes
// to the front of the queue, even when closing, since a frame cut in two
// must be finished before anything else. It reports whether frames are
// queued, for the caller to wake the writer.
func (c *wsConn) finishWrite(batch []outFrame, rest []byte, err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writing = false
	if batch != nil {
		clear(batch)
		if c.spare == nil {
			c.spare = batch[:0]
		}
	}
	if err != nil {
		return false
	}
	if len(rest) > 0 {
		c.pending = append(c.pending, outFrame{})
		copy(c.pending[1:], c.pending)
		c.pending[0] = outFrame{op: opRaw, payload: bytes.Clone(rest)}
		c.pendingLen += len(rest)
	}
	return len(c.pending) > 0
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
			batch := c.takeLocked()
			c.mu.Unlock()
			closing, _, err := c.writeBatch(batch, true)
			c.finishWrite(batch, nil, err)
			if err != nil {
				c.closeTCP()
				return
			}
			if closing {
				// The close frame was the last frame: nothing may follow.
				c.closeSentNow()
				return
			}
			c.mu.Lock()
		}
		c.mu.Unlock()
	}
}

// writeBatch writes frames with one write(2), or one writev(2) when some
// payloads are big enough to be worth not copying. Blocking, it waits for
// the socket until everything is written; otherwise it writes what the
// socket takes now and returns the rest (valid until the next write). It
// reports whether the batch ended with the close frame.
func (c *wsConn) writeBatch(batch []outFrame, block bool) (closing bool, rest []byte, err error) {
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
	c.writes.Add(1)
	if block {
		err = c.sock.writeAll(segs)
	} else {
		// tryWrite leaves the unwritten part of each segment in segs.
		if _, err = c.sock.tryWrite(segs); err == nil {
			for _, s := range segs {
				rest = append(rest, s...)
			}
		}
	}
	clear(segs)
	c.segs = segs[:0]
	putBuf(bp)
	return closing, rest, err
}
