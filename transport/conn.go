package transport

import (
	"context"
	"errors"
	"net/http"
)

// Conn is one client connection as the server sees it.
//
// Read is called by one goroutine at a time (the session's); Send and
// Close may be called from any goroutine.
type Conn interface {
	// Read returns the next frame from the client. It returns an error
	// once the connection is closed or ctx is done.
	Read(ctx context.Context) ([]byte, error)
	// Send queues frame for the client and returns without waiting for
	// the network. Frames are delivered in the order they were queued.
	// The caller must not modify frame afterwards; the same frame may be
	// queued on many connections. Send returns ErrClosed after Close and
	// ErrSlowConsumer when the queue is over its limit.
	Send(frame []byte) error
	// Close sends what is already queued (waiting at most a few seconds),
	// then closes the connection.
	Close() error
	// Info describes the connection.
	Info() Info
}

// Info describes a connection: what happn-3 reports in a session's
// address, url and headers fields.
type Info struct {
	// RemoteIP and RemotePort are the client's address; empty and 0 for
	// in-process clients.
	RemoteIP   string
	RemotePort int
	// URL is the request URI of the websocket upgrade ("/primus?…").
	URL string
	// Headers are the upgrade request's headers, names lower-cased, one
	// value each.
	Headers map[string]string
	// Secure reports a TLS connection.
	Secure bool
	// Local reports an in-process connection.
	Local bool
}

// Transport accepts client connections over HTTP.
type Transport interface {
	// Handler returns the handler for the transport's HTTP path. It
	// passes every connection it accepts to serve, which returns when the
	// connection is finished.
	Handler(serve func(Conn)) http.Handler
}

// Errors returned by Conn.Send.
var (
	ErrClosed       = errors.New("transport: connection closed")
	ErrSlowConsumer = errors.New("transport: client is not reading; outbound queue full")
)

// Pusher is an optional interface of a Conn whose frames are delivered by
// the sending goroutine itself (the in-process pipe of package
// localclient) rather than read by the server. A server that finds it
// calls Serve instead of looping on Read, so a request costs no goroutine
// switch.
type Pusher interface {
	// Serve calls handle for each frame the client sends, on the client's
	// goroutine, until the connection closes; then it returns. Calls of
	// handle may come from several goroutines at once.
	Serve(handle func(frame []byte))
}

// DirectSender is an optional interface of a Conn that can write a frame
// on the calling goroutine when the connection's write side is idle (the
// websocket transport over plain TCP).
type DirectSender interface {
	// SendNow is Send, but when nothing is queued or being written the
	// frame is written at once, without blocking, by the caller instead
	// of the connection's writer goroutine.
	SendNow(frame []byte) error
	// MoreInput reports whether, when Read last returned a message, the
	// client had more in flight: the next one was already buffered, or
	// this one had arrived before the read.
	MoreInput() bool
}
