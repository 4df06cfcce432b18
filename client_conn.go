package happn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/happn-go/happn/internal/protocol"
)

// ConnectionEventType names a change in a client's connection.
type ConnectionEventType string

// The connection events a client reports (happn-3's client events).
const (
	// ConnectionEnded: the connection was lost. Calls fail with
	// ErrDisconnected until the client has reconnected.
	ConnectionEnded ConnectionEventType = "connection-ended"
	// ReconnectScheduled: the client will try to reconnect after Delay.
	ReconnectScheduled ConnectionEventType = "reconnect-scheduled"
	// ReconnectSuccessful: the client is connected again, logged in, with
	// every subscription restored, under a new session id.
	ReconnectSuccessful ConnectionEventType = "reconnect-successful"
	// SessionEnded: the server ended the session (Reason says why, e.g.
	// "token-revoked", or it refused the login on reconnection); the
	// client is closed and will not reconnect.
	SessionEnded ConnectionEventType = "session-ended"
)

// ConnectionEvent is a change in a client's connection.
type ConnectionEvent struct {
	Type ConnectionEventType
	// Err is what ended the connection, or why a reconnection attempt
	// failed.
	Err error
	// Delay is the wait before the next reconnection attempt
	// (ReconnectScheduled).
	Delay time.Duration
	// Attempt counts reconnection attempts, from 1.
	Attempt int
	// Reason is the server's reason for ending the session (SessionEnded).
	Reason string
}

// ErrSessionEnded is returned by calls after the server ended the session
// (a revoked token, an expired session, a server stopping for good).
var ErrSessionEnded = errors.New("happn: session ended by the server")

func (c *Client) emit(ev ConnectionEvent) {
	if c.opts.onConnection != nil {
		c.opts.onConnection(ev)
	}
}

// attach makes conn the client's connection: it starts reading from it,
// performs the handshake and restores every subscription. Calls from the
// application fail fast until attach has finished.
func (c *Client) attach(ctx context.Context, conn clientConn) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		conn.Close()
		return c.closeErr
	}
	c.gen++
	gen := c.gen
	conn = c.encryptConn(conn)
	c.conn, c.ready = conn, false
	c.mu.Unlock()
	if p, ok := conn.(pushedConn); ok {
		// An in-process pipe hands frames over on the server's
		// goroutines; nothing needs to read.
		p.SetReceiver(func(frame []byte) bool { return c.route(conn, frame, false) })
		c.goOwn(func() {
			select {
			case <-p.Done():
				c.lost(conn, gen, ErrDisconnected)
			case <-c.done:
			}
		})
	} else {
		c.goOwn(func() { c.readLoop(conn, gen) })
	}
	if err := c.handshake(ctx); err != nil {
		conn.Close()
		return err
	}
	if err := c.resubscribe(ctx); err != nil {
		conn.Close()
		return err
	}
	c.mu.Lock()
	if c.gen == gen && c.conn == conn {
		c.ready = true
	}
	c.mu.Unlock()
	return nil
}

// readLoop reads frames from one connection and routes them, until the
// connection fails.
func (c *Client) readLoop(conn clientConn, gen int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	// The happn-3 client gives up on a server that has sent nothing for
	// pingTimeout: the server pings every 30 s, so silence means it is gone.
	var watchdog *time.Timer
	if c.opts.pingTimeout > 0 && c.dial != nil {
		watchdog = time.AfterFunc(c.opts.pingTimeout, func() { conn.Close() })
		defer watchdog.Stop()
	}
	for {
		frame, err := conn.Read(ctx)
		if err != nil {
			if watchdog != nil && !watchdog.Stop() {
				err = fmt.Errorf("no frame from the server for %v", c.opts.pingTimeout)
			}
			c.lost(conn, gen, err)
			return
		}
		if watchdog != nil {
			watchdog.Reset(c.opts.pingTimeout)
		}
		c.route(conn, frame, true)
	}
}

// pushedConn is a connection that hands the server's frames to a
// receiver instead of being read (localclient.ClientEnd).
type pushedConn interface {
	SetReceiver(func(frame []byte) bool)
	Done() <-chan struct{}
}

// route handles one frame from the server. When the event backlog is
// full it waits if block is true (a reader goroutine: the socket then
// backs up to the server) and otherwise reports false at once, which an
// in-process pipe turns into the server's slow-consumer policy.
func (c *Client) route(conn clientConn, frame []byte, block bool) bool {
	if kind, stamp := protocol.ParseControl(frame); kind != protocol.NotControl {
		switch kind {
		case protocol.ControlPing:
			conn.Send(protocol.Pong(stamp))
		case protocol.ControlServerClose:
			c.mu.Lock()
			c.noReconnect = true
			c.mu.Unlock()
		}
		return true
	}
	m := parseMessage(frame)
	if m.array {
		c.deliver(m)
		return true
	}
	switch m.typ {
	case "response":
		c.deliver(m)
	case "data", "ack":
		if !block {
			select {
			case c.events <- m:
			case <-c.done:
			default:
				return false
			}
			return true
		}
		select {
		case c.events <- m:
		case <-c.done:
		}
	case "system":
		if m.root().Get("eventKey").Str == "server-side-disconnect" {
			reason := m.data.Get("reason").String()
			c.mu.Lock()
			c.noReconnect = true
			c.mu.Unlock()
			c.emit(ConnectionEvent{Type: SessionEnded, Reason: reason})
			c.shutdown(fmt.Errorf("%w: %s", ErrSessionEnded, reason))
		}
	}
	return true
}

// lost handles the end of a connection: pending calls fail, and the
// client reconnects unless it cannot or was told not to.
func (c *Client) lost(conn clientConn, gen int, cause error) {
	c.mu.Lock()
	if c.closed || gen != c.gen {
		c.mu.Unlock()
		conn.Close()
		return
	}
	wasReady := c.ready
	c.conn, c.ready = nil, false
	waiters := c.waiters
	c.waiters = make(map[int64]chan *message)
	reconnect := c.dial != nil && !c.opts.noReconnect && !c.noReconnect
	c.mu.Unlock()
	for _, w := range waiters {
		close(w)
	}
	conn.Close()
	if !wasReady {
		// A connection that never finished its handshake belongs to Dial
		// or to a reconnection attempt, which decide what happens next.
		return
	}
	c.emit(ConnectionEvent{Type: ConnectionEnded, Err: cause})
	if !reconnect {
		c.shutdown(fmt.Errorf("%w: %v", ErrDisconnected, cause))
		return
	}
	c.goOwn(c.reconnect)
}

// reconnect dials again with exponential backoff until it succeeds, the
// server refuses the login, or the client is closed.
func (c *Client) reconnect() {
	delay := c.opts.reconnectMin
	for attempt := 1; ; attempt++ {
		c.emit(ConnectionEvent{Type: ReconnectScheduled, Delay: delay, Attempt: attempt})
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.done:
			t.Stop()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.connectTimeout)
		conn, err := c.dial(ctx)
		if err == nil {
			err = c.attach(ctx, conn)
		}
		cancel()
		if err == nil {
			c.emit(ConnectionEvent{Type: ReconnectSuccessful, Attempt: attempt})
			return
		}
		if errors.Is(err, ErrAccessDenied) {
			// The credentials no longer work; retrying will not help
			// (happn-3 does not retry 401 or 403 either).
			c.emit(ConnectionEvent{Type: SessionEnded, Err: err, Reason: err.Error()})
			c.shutdown(fmt.Errorf("%w: %v", ErrSessionEnded, err))
			return
		}
		c.opts.logger.Debug("happn: reconnection failed", "attempt", attempt, "err", err)
		delay *= 2
		if delay > c.opts.reconnectMax {
			delay = c.opts.reconnectMax
		}
	}
}

// resubscribe restores every listener's server subscription on a new
// connection. Initial values are not fetched again.
func (c *Client) resubscribe(ctx context.Context) error {
	c.mu.Lock()
	list := make([]*listener, 0, len(c.byID))
	for _, l := range c.byID {
		list = append(list, l)
	}
	c.mu.Unlock()
	for _, l := range list {
		resp, err := c.internalCall(ctx, protocol.ActionOn, l.channel, true, []byte("null"), l.options)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				// Refused now (permissions changed): the listener goes.
				c.opts.logger.Warn("happn: subscription not restored", "path", l.path, "err", err)
				c.dropListener(l)
				continue
			}
			return err
		}
		c.mu.Lock()
		l.ref = resp.data.Get("id").String()
		c.mu.Unlock()
	}
	return nil
}
