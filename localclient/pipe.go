// Package localclient is the in-process way into a happn server: a
// pseudo-socket whose two ends hand frames to each other directly.
//
// An in-process client does not call the server's functions. It sends the
// same happn_4 frames a websocket client would into one end of a Pipe, and
// the server handles them as frames from an ordinary transport.Conn,
// through exactly the same session pipeline (inbound layers, decoding,
// authorization, actions, outbound layers). What a local client sees is
// therefore what a remote one sees; it only skips the network and the
// goroutine switches: a frame is handled on the goroutine that sent it.
//
// The server end implements transport.Pusher: the server registers its
// frame handler with Serve and the client's Send calls it. The client
// end delivers the server's frames to a receiver the client registers
// with SetReceiver; the receiver must not block, and reports false when
// the client cannot keep up, which the server treats as a slow consumer.
package localclient

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn/transport"
)

// pipe is the state both ends share.
//
// Every frame crosses it, so the paths taken once set up read atomics
// only: handle and receive are each set once, and shut is a flag.
type pipe struct {
	mu       sync.Mutex
	handle   atomic.Pointer[func([]byte)]      // the server's, set by Serve
	receive  atomic.Pointer[func([]byte) bool] // the client's, set by SetReceiver under mu
	early    [][]byte                          // server frames sent before the receiver was set; guarded by mu
	attached chan struct{}                     // closed once handle is set
	done     chan struct{}                     // closed by shut
	shutting atomic.Bool                       // set by shut before done is closed
	once     sync.Once
}

func (p *pipe) shut() {
	p.once.Do(func() {
		p.shutting.Store(true)
		close(p.done)
	})
}

func (p *pipe) closed() bool { return p.shutting.Load() }

// Pipe returns the two ends of an in-process connection. policy says
// what the server's Send does when the client's receiver cannot keep up.
func Pipe(info transport.Info, policy transport.SlowConsumerPolicy) (*ServerEnd, *ClientEnd) {
	info.Local = true
	p := &pipe{attached: make(chan struct{}), done: make(chan struct{})}
	return &ServerEnd{p: p, info: info, policy: policy}, &ClientEnd{p: p}
}

// ServerEnd is the server's side of a Pipe; it implements
// transport.Conn and transport.Pusher.
type ServerEnd struct {
	p      *pipe
	info   transport.Info
	policy transport.SlowConsumerPolicy
}

var (
	_ transport.Conn   = (*ServerEnd)(nil)
	_ transport.Pusher = (*ServerEnd)(nil)
)

// Serve registers the server's handler and returns when the pipe closes.
func (s *ServerEnd) Serve(handle func(frame []byte)) {
	s.p.handle.Store(&handle)
	close(s.p.attached)
	<-s.p.done
}

// Read is there for servers that do not know Pusher: frames come only
// through Serve, so Read waits for the pipe to close.
func (s *ServerEnd) Read(ctx context.Context) ([]byte, error) {
	select {
	case <-s.p.done:
		return nil, transport.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Send hands a frame to the client's receiver, or keeps it until the
// client has registered one.
func (s *ServerEnd) Send(frame []byte) error {
	p := s.p
	if p.closed() {
		return transport.ErrClosed
	}
	receive := p.receive.Load()
	if receive == nil {
		// Before the receiver: under mu, SetReceiver either has not
		// drained early yet (the frame joins it) or has set receive.
		p.mu.Lock()
		if receive = p.receive.Load(); receive == nil {
			p.early = append(p.early, frame)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
	}
	if !(*receive)(frame) {
		if s.policy == transport.Disconnect {
			p.shut()
		}
		return transport.ErrSlowConsumer
	}
	return nil
}

// Close closes the pipe in both directions.
func (s *ServerEnd) Close() error {
	s.p.shut()
	return nil
}

// Info describes the connection; Local is always true.
func (s *ServerEnd) Info() transport.Info { return s.info }

// ClientEnd is the client's side of a Pipe.
type ClientEnd struct {
	p *pipe
}

// SetReceiver registers the function the server's frames are handed to,
// in order, starting with any sent before. receive runs on the server's
// goroutines: it must not block, and returns false when it cannot take a
// frame.
func (c *ClientEnd) SetReceiver(receive func(frame []byte) bool) {
	p := c.p
	for {
		p.mu.Lock()
		early := p.early
		p.early = nil
		if len(early) == 0 {
			p.receive.Store(&receive)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		for _, f := range early {
			receive(f)
		}
	}
}

// Send hands a frame to the server, which handles it on this goroutine
// before Send returns.
func (c *ClientEnd) Send(frame []byte) error {
	p := c.p
	handle := p.handle.Load()
	if handle == nil {
		// The server has not attached yet: wait for it.
		select {
		case <-p.attached:
		case <-p.done:
			return transport.ErrClosed
		}
		handle = p.handle.Load()
	}
	if p.closed() {
		return transport.ErrClosed
	}
	(*handle)(frame)
	return nil
}

// Read is there to satisfy readers that do not use SetReceiver: it waits
// for the pipe to close.
func (c *ClientEnd) Read(ctx context.Context) ([]byte, error) {
	select {
	case <-c.p.done:
		return nil, transport.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Done is closed when the pipe closes, from either end.
func (c *ClientEnd) Done() <-chan struct{} { return c.p.done }

// Close closes the pipe in both directions.
func (c *ClientEnd) Close() error {
	c.p.shut()
	return nil
}
