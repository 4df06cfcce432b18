package transport

import (
	"net"
)

// socket is a connection's byte stream as the websocket code uses it.
// Read is used by one goroutine at a time, and the writes by one other.
type socket interface {
	// Read reads like net.Conn's Read, honouring its read deadline.
	Read(p []byte) (int, error)
	// writeAll writes every segment, in order, waiting for the socket as
	// long as it takes; segs may be modified.
	writeAll(segs [][]byte) error
	// tryWrite writes what the socket takes now, without waiting, and
	// returns how much that was; segs is left holding what was not
	// written of each segment. Only called when canTryWrite is true.
	tryWrite(segs [][]byte) (int, error)
	// canTryWrite reports whether tryWrite is available.
	canTryWrite() bool
	// lastReadWaited reports whether the last Read found nothing to read
	// and waited for the client; true when the socket cannot tell.
	lastReadWaited() bool
	// callBeforeWait asks Read to call f when it finds nothing to read,
	// before it waits for the client; an error from f ends that Read with
	// it. It reports false when the socket cannot tell, and then never
	// calls f.
	callBeforeWait(f func() error) bool
}

// netSocket is the portable socket: net.Conn's own methods. It cannot
// write without blocking, so every frame goes through the writer
// goroutine.
type netSocket struct {
	nc net.Conn
	nb net.Buffers // scratch, so WriteTo does not allocate
}

func (s *netSocket) Read(p []byte) (int, error) { return s.nc.Read(p) }

func (s *netSocket) writeAll(segs [][]byte) error {
	if len(segs) == 1 {
		_, err := s.nc.Write(segs[0])
		return err
	}
	s.nb = segs
	_, err := s.nb.WriteTo(s.nc)
	s.nb = nil
	return err
}

func (s *netSocket) tryWrite(segs [][]byte) (int, error) {
	panic("transport: tryWrite on a netSocket")
}

func (s *netSocket) canTryWrite() bool { return false }

func (s *netSocket) lastReadWaited() bool { return true }

func (s *netSocket) callBeforeWait(func() error) bool { return false }
