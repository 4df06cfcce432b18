package transport

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts of the closing handshake.
const (
	// closeFlushTimeout bounds how long Close waits for queued frames to
	// go out.
	closeFlushTimeout = 3 * time.Second
	// closeHandshakeTimeout bounds the wait for the client's close frame
	// once ours is sent.
	closeHandshakeTimeout = 2 * time.Second
)

// aLongTimeAgo is a deadline in the past: it makes a blocked read return.
var aLongTimeAgo = time.Unix(1, 0)

// wsConn is a Conn over a websocket connection: the session's goroutine
// reads messages; frames for the client go out in order, written either
// at once by the goroutine that sends them (see Send) or, batched, by the
// connection's writer goroutine.
type wsConn struct {
	nc     net.Conn
	info   Info
	log    *slog.Logger
	limit  int
	policy SlowConsumerPolicy

	// Read side: used by whichever goroutine holds reading (the session
	// in Read, or the writer waiting for the client's close frame).
	reading   atomic.Bool
	rd        messageReader
	readErr   error       // sticky: once reading failed it fails again
	inRequest atomic.Bool // between Read returning a message and the next Read
	moreInput atomic.Bool // when Read returned, more input was already buffered
	// inFlight: when Read returned, the client had more requests in
	// flight: its next message was buffered, or this one was already
	// waiting in the socket when the session came to read it.
	inFlight atomic.Bool
	// flushOnWait: the socket calls flushHeld when a read finds nothing
	// to read, rather than the session before every read.
	flushOnWait bool
	readCtx     context.Context
	// readBroken: a read was cut off inside a frame, so the stream cannot
	// be parsed any further.
	readBroken atomic.Bool

	// sock carries the bytes; its write side belongs to whoever holds
	// writing (see writer.go).
	sock socket

	mu         sync.Mutex
	pending    []outFrame  // queued frames, oldest first
	spare      []outFrame  // the previous batch's slice, for reuse
	pendingLen int         // payload bytes in pending, held against limit
	writing    bool        // a goroutine is writing; only it touches the socket
	holding    atomic.Bool // frames are held for flushHeld
	closing    bool        // Send refuses frames: the close frame is queued, or the connection is dead
	closeSent  bool        // our close frame is on the wire
	peerClosed bool        // the client's close frame has arrived
	stopWatch  func() bool
	killTimer  *time.Timer
	segs       [][]byte  // the writer's scratch: the pieces of a batch
	one        [1][]byte // the direct writer's scratch

	wake     chan struct{} // a token: pending has frames and nobody is writing
	flushed  chan struct{} // closed when the close frame is written or the connection is gone
	gone     chan struct{} // closed when the TCP connection is closed
	goneOnce sync.Once
	flushOne sync.Once
	dropped  atomic.Int64
	writes   atomic.Int64 // write(2)/writev(2) calls started, for tests and benchmarks
	kicks    atomic.Int64 // writer wake-ups sent, likewise
}

func newWSConn(nc net.Conn, br *bufio.Reader, info Info, log *slog.Logger, maxMessage int64, limit int, policy SlowConsumerPolicy) *wsConn {
	if limit <= 0 {
		limit = DefaultQueueLimit
	}
	c := &wsConn{
		nc:      nc,
		info:    info,
		log:     log,
		limit:   limit,
		policy:  policy,
		wake:    make(chan struct{}, 1),
		flushed: make(chan struct{}),
		gone:    make(chan struct{}),
	}
	c.sock = newSocket(nc)
	c.flushOnWait = c.sock.callBeforeWait(c.flushHeld)
	c.rd = messageReader{br: clientReader(sessionReader{c}, br), max: maxMessage, control: c.onControl}
	go c.writeLoop()
	return c
}

func (c *wsConn) Info() Info { return c.info }

// Read returns the next text message. Binary messages are not part of
// the protocol and are skipped, as happn-3 ignores what it cannot parse.
// Pings are answered and pongs ignored as they arrive. After the client's
// close frame, or any failure, Read returns an error.
func (c *wsConn) Read(ctx context.Context) ([]byte, error) {
	c.inRequest.Store(false)
	if !c.reading.CompareAndSwap(false, true) {
		// The writer is waiting for the client's close frame.
		return nil, ErrClosed
	}
	defer c.reading.Store(false)
	if c.readErr != nil {
		return nil, c.readErr
	}
	if err := c.watch(ctx); err != nil {
		return nil, err
	}
	for {
		op, msg, err := c.rd.next()
		if err != nil {
			c.readErr = c.readFailed(ctx, err)
			return nil, c.readErr
		}
		if op == opText {
			more := c.rd.br.Buffered() > 0
			c.moreInput.Store(more)
			c.inFlight.Store(more || !c.sock.lastReadWaited())
			c.inRequest.Store(true)
			return msg, nil
		}
	}
}

// watch makes a blocked read return when ctx is done (through the read
// deadline); it re-arms only when the caller passes a new context, which
// the session never does.
func (c *wsConn) watch(ctx context.Context) error {
	if ctx != c.readCtx {
		c.mu.Lock()
		if c.stopWatch != nil && !c.stopWatch() {
			// The previous context fired and set a deadline in the past.
			c.nc.SetReadDeadline(time.Time{})
		}
		c.readCtx, c.stopWatch = ctx, nil
		if ctx.Done() != nil {
			c.stopWatch = context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(aLongTimeAgo) })
		}
		c.mu.Unlock()
	}
	return ctx.Err()
}

// readFailed handles the end of reading and returns what Read reports.
func (c *wsConn) readFailed(ctx context.Context, err error) error {
	var ce *closeError
	switch {
	case errors.Is(err, errPeerClosed):
		c.mu.Lock()
		c.peerClosed = true
		sent := c.closeSent
		c.mu.Unlock()
		if sent {
			// The client answered our close: the handshake is done.
			c.closeTCP()
		} else {
			// Echo the client's status after what is already queued; the
			// writer closes the connection once it is out.
			c.beginClose(c.rd.peerCode, "")
		}
		return ErrClosed
	case errors.As(err, &ce):
		// The client broke the protocol: tell it why, then hang up
		// without reading any further.
		c.log.Debug("websocket closed: client broke the protocol", "code", ce.Code, "reason", ce.Reason,
			"remote", c.info.RemoteIP, "port", c.info.RemotePort)
		c.readBroken.Store(true)
		if !c.beginClose(ce.Code, ce.Reason) {
			c.closeTCP()
		}
		return err
	case ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded):
		// The session's context ended; the session closes the connection.
		c.readBroken.Store(true)
		return ctx.Err()
	default:
		// The connection is gone (EOF, reset, a closed socket) or the
		// close handshake timed out.
		c.closeTCP()
		return err
	}
}

// onControl answers a ping with a pong carrying the same payload; pongs
// need nothing.
func (c *wsConn) onControl(op byte, payload []byte) {
	if op == opPing {
		c.queueControl(opPong, append([]byte(nil), payload...))
	}
}

// Close sends what is queued, then the close frame (status 1000), waiting
// at most closeFlushTimeout; the TCP connection is closed once the client
// answers the close frame, or closeHandshakeTimeout later.
func (c *wsConn) Close() error {
	c.beginClose(closeNormal, "")
	t := time.NewTimer(closeFlushTimeout)
	defer t.Stop()
	select {
	case <-c.flushed:
	case <-t.C:
		c.closeTCP()
	}
	return nil
}

// beginClose queues a close frame with code after the frames already
// queued, and stops Send accepting more. It reports false when the
// connection was already closing. Whatever happens, the TCP connection is
// closed within closeFlushTimeout+closeHandshakeTimeout.
func (c *wsConn) beginClose(code int, reason string) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	c.closing = true
	c.pending = append(c.pending, outFrame{op: opClose, payload: closePayload(code, reason)})
	kick := !c.writing
	c.killTimer = time.AfterFunc(closeFlushTimeout+closeHandshakeTimeout, c.closeTCP)
	c.mu.Unlock()
	if kick {
		c.kick()
	}
	return true
}

// closeSentNow is called by the writer once the close frame is on the
// wire: the connection ends when the client answers, or on a timeout.
func (c *wsConn) closeSentNow() {
	c.mu.Lock()
	c.closeSent = true
	peer := c.peerClosed
	c.mu.Unlock()
	c.flushOne.Do(func() { close(c.flushed) })
	if peer || c.readBroken.Load() {
		c.closeTCP()
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(closeHandshakeTimeout))
	if !c.reading.CompareAndSwap(false, true) {
		// The session is in Read: it will see the client's close frame
		// (or the deadline) and close the connection.
		return
	}
	// Nobody is reading: wait here for the client's answer, discarding
	// any message that arrives before it.
	for {
		if _, _, err := c.rd.next(); err != nil {
			break
		}
	}
	c.closeTCP()
}

// abort closes the connection at once, dropping what is queued: for a
// client that does not read, a close frame could not get through anyway.
func (c *wsConn) abort() { c.closeTCP() }

// closeTCP ends the connection: it drops what is queued, closes the
// socket, and releases everyone waiting on it.
func (c *wsConn) closeTCP() {
	c.goneOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		clear(c.pending)
		c.pending, c.pendingLen = c.pending[:0], 0
		if c.killTimer != nil {
			c.killTimer.Stop()
		}
		if c.stopWatch != nil {
			c.stopWatch()
		}
		c.mu.Unlock()
		c.nc.Close()
		close(c.gone)
		c.flushOne.Do(func() { close(c.flushed) })
	})
}
