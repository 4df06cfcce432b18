// Package transport carries happn frames between clients and the server.
//
// The server sees every client, whatever carries it, as a Conn: a stream
// of JSON text frames in, and a bounded, ordered queue of frames out. Two
// carriers exist: the websocket listener in this package (happn-3's Primus
// endpoint at /primus) and the in-process pseudo-socket of package
// localclient. On both, a client that stops reading is handled the same
// way: the frames queued for it grow up to a byte limit, and then the
// connection is either closed or the frames are dropped and counted
// (SlowConsumerPolicy) — never does it stall the server or other clients.
//
// The websocket is this package's own RFC 6455 server side rather than a
// library's, because the server's costs are dominated by system calls:
//
//   - handshake.go: the opening handshake (no extension, no subprotocol:
//     happn-3 never negotiates compression), then http.Hijacker.
//   - reader.go: the frame parser — masked client frames, fragments,
//     control frames between fragments, size limit across fragments,
//     UTF-8 — fuzzed in fuzz_test.go.
//   - writer.go: the write path. A response is written at once by the
//     session's goroutine, with no other goroutine woken; everything else
//     is queued and written by the connection's writer goroutine, which
//     sends all the frames queued so far with one write(2) or writev(2) —
//     a fan-out under load costs a fraction of a syscall per event.
//   - wsconn.go: the Conn — Read, Close and the closing handshake.
//   - socket_linux.go: reads and writes through syscall.RawConn with raw
//     system calls (see there why); other systems use net.Conn's.
package transport
