// Package localclient is the in-process way into a happn server: a
// channel-backed pseudo-socket.
//
// An in-process client does not call the server's functions directly. It
// writes the same happn_4 frames a websocket client would into one end of
// a Pipe, and the server reads them from the other end as an ordinary
// transport.Conn, through exactly the same session pipeline (inbound
// layers, decoding, authorization, actions, outbound layers). What a
// local client sees is therefore what a remote one sees; it only skips
// the network. Frames travel as byte slices in batches, without copies.
package localclient

import (
	"context"
	"sync"

	"github.com/happn-go/happn/transport"
)

// Pipe returns the two ends of an in-process connection. Frames the
// client sends arrive at the server's Read; frames the server sends
// arrive at the client's Read. limit bounds the bytes queued in each
// direction (transport.DefaultQueueLimit when <= 0) and policy says what
// the server's Send does when the client stops reading.
func Pipe(info transport.Info, limit int, policy transport.SlowConsumerPolicy) (*ServerEnd, *ClientEnd) {
	info.Local = true
	up := transport.NewQueue(limit)
	down := transport.NewQueue(limit)
	closed := make(chan struct{})
	var once sync.Once
	shut := func() {
		once.Do(func() {
			up.Close()
			down.Close()
			close(closed)
		})
	}
	s := &ServerEnd{info: info, in: reader{q: up}, out: down, policy: policy, shut: shut}
	c := &ClientEnd{in: reader{q: down}, out: up, shut: shut}
	return s, c
}

// reader hands out the frames of a queue one at a time.
type reader struct {
	q       *transport.Queue
	pending [][]byte
	next    int
	buf     [][]byte
}

func (r *reader) read(ctx context.Context) ([]byte, error) {
	if r.next < len(r.pending) {
		f := r.pending[r.next]
		r.pending[r.next] = nil
		r.next++
		return f, nil
	}
	frames, ok := r.q.Take(ctx, r.buf)
	if !ok {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, transport.ErrClosed
	}
	r.buf = frames
	r.pending, r.next = frames[1:], 0
	return frames[0], nil
}

// ServerEnd is the server's side of a Pipe; it implements transport.Conn.
type ServerEnd struct {
	info   transport.Info
	in     reader
	out    *transport.Queue
	policy transport.SlowConsumerPolicy
	shut   func()
}

var _ transport.Conn = (*ServerEnd)(nil)

// Read returns the next frame the client sent.
func (s *ServerEnd) Read(ctx context.Context) ([]byte, error) { return s.in.read(ctx) }

// Send queues a frame for the client.
func (s *ServerEnd) Send(frame []byte) error {
	err := s.out.Push(frame)
	if err == transport.ErrSlowConsumer && s.policy == transport.Disconnect {
		s.shut()
	}
	return err
}

// Close closes the pipe in both directions. Frames already queued for the
// client can still be read by it.
func (s *ServerEnd) Close() error {
	s.shut()
	return nil
}

// Info describes the connection; Local is always true.
func (s *ServerEnd) Info() transport.Info { return s.info }

// ClientEnd is the client's side of a Pipe.
type ClientEnd struct {
	in   reader
	out  *transport.Queue
	shut func()
}

// Read returns the next frame the server sent.
func (c *ClientEnd) Read(ctx context.Context) ([]byte, error) { return c.in.read(ctx) }

// Send queues a frame for the server.
func (c *ClientEnd) Send(frame []byte) error { return c.out.Push(frame) }

// Close closes the pipe in both directions.
func (c *ClientEnd) Close() error {
	c.shut()
	return nil
}
