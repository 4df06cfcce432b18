// Package transport carries happn frames between clients and the server.
//
// The server sees every client, whatever carries it, as a Conn: a stream
// of JSON text frames in, and a bounded, ordered queue of frames out. Two
// carriers exist: the websocket listener in this package (happn-3's Primus
// endpoint at /primus, on github.com/coder/websocket) and the in-process
// pseudo-socket of package localclient. Both put outgoing frames through a
// Queue, so a client that stops reading is handled the same way on both:
// its queue fills up to a byte limit, and then the connection is either
// closed or the frames are dropped and counted (SlowConsumerPolicy) —
// never does it stall the server or other clients.
package transport
