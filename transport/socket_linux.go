package transport

import (
	"io"
	"net"
	"syscall"
	"unsafe"
)

// rawSocket reads and writes a TCP socket's descriptor directly, through
// syscall.RawConn, with raw system calls. Go keeps the descriptor
// non-blocking, so a read or write never blocks in the kernel; when the
// socket is not ready, RawConn waits for it in the netpoller as net.Conn
// would. Raw calls skip the runtime's syscall bookkeeping (entersyscall
// and exitsyscall), which on an otherwise idle server also wakes the
// runtime's monitor thread: with a thread wake-up per request, that was a
// large part of a small request's CPU. Reads honour the read deadline,
// which is how a blocked Read is interrupted.
type rawSocket struct {
	raw syscall.RawConn

	// Read state, used by the reading goroutine.
	readFn func(fd uintptr) bool
	rp     []byte
	rn     int
	rerr   error
	waited bool // the last Read found the socket empty and waited
	// beforeWait, when set, is called when a read finds the socket
	// empty, before waiting: the connection writes what it held back.
	// It runs inside RawConn.Read, so it must not close the socket.
	beforeWait func() error

	// Write state, used by the goroutine that owns the write side.
	writeFn func(fd uintptr) bool
	wsegs   [][]byte
	wblock  bool // wait for the socket rather than return what fits
	wn      int
	werr    error
	iov     []syscall.Iovec
}

// maxIovec is IOV_MAX on Linux: the most segments one writev takes.
const maxIovec = 1024

// newSocket returns a rawSocket for a plain TCP (or Unix) connection and
// the portable socket for anything else, TLS included.
func newSocket(nc net.Conn) socket {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return &netSocket{nc: nc}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return &netSocket{nc: nc}
	}
	s := &rawSocket{raw: raw}
	// Method values made once: a closure per call would allocate.
	s.readFn = s.read
	s.writeFn = s.write
	return s
}

func (s *rawSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.rp, s.rn, s.rerr, s.waited = p, 0, nil, false
	err := s.raw.Read(s.readFn)
	s.rp = nil
	if err == nil {
		err = s.rerr
	}
	if err != nil {
		return 0, err
	}
	if s.rn == 0 {
		return 0, io.EOF
	}
	return s.rn, nil
}

// read is called by RawConn.Read; false asks it to wait for the socket.
func (s *rawSocket) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&s.rp[0])), uintptr(len(s.rp)))
		switch e {
		case 0:
			s.rn = int(n)
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			s.waited = true
			if s.beforeWait != nil {
				if err := s.beforeWait(); err != nil {
					s.rerr = err
					return true
				}
			}
			return false
		default:
			s.rerr = e
			return true
		}
	}
}

func (s *rawSocket) lastReadWaited() bool { return s.waited }

func (s *rawSocket) callBeforeWait(f func() error) bool {
	s.beforeWait = f
	return true
}

func (s *rawSocket) writeAll(segs [][]byte) error {
	s.wsegs, s.wblock, s.wn, s.werr = segs, true, 0, nil
	err := s.raw.Write(s.writeFn)
	s.wsegs = nil
	if err == nil {
		err = s.werr
	}
	return err
}

func (s *rawSocket) tryWrite(segs [][]byte) (int, error) {
	s.wsegs, s.wblock, s.wn, s.werr = segs, false, 0, nil
	err := s.raw.Write(s.writeFn)
	s.wsegs = nil
	if err == nil {
		err = s.werr
	}
	return s.wn, err
}

func (s *rawSocket) canTryWrite() bool { return true }

// write is called by RawConn.Write: it writes the segments with write(2)
// or writev(2) until they are out, the socket is full (then it asks
// RawConn to wait when blocking, gives up otherwise) or an error.
func (s *rawSocket) write(fd uintptr) bool {
	for len(s.wsegs) > 0 {
		var n uintptr
		var e syscall.Errno
		if len(s.wsegs) == 1 {
			b := s.wsegs[0]
			n, _, e = syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		} else {
			iov := s.iov[:0]
			for _, b := range s.wsegs[:min(len(s.wsegs), maxIovec)] {
				v := syscall.Iovec{Base: &b[0]}
				v.SetLen(len(b))
				iov = append(iov, v)
			}
			n, _, e = syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
			clear(iov) // drop the pointers into the frames
			s.iov = iov[:0]
		}
		switch e {
		case 0:
			if n == 0 {
				return !s.wblock
			}
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return !s.wblock
		default:
			s.werr = e
			return true
		}
		s.wn += int(n)
		s.consume(int(n))
	}
	return true
}

// consume drops n written bytes from the front of the segments, leaving
// each segment holding its unwritten part (nil once written).
func (s *rawSocket) consume(n int) {
	for n > 0 && len(s.wsegs) > 0 {
		if n < len(s.wsegs[0]) {
			s.wsegs[0] = s.wsegs[0][n:]
			return
		}
		n -= len(s.wsegs[0])
		s.wsegs[0] = nil
		s.wsegs = s.wsegs[1:]
	}
	for len(s.wsegs) > 0 && len(s.wsegs[0]) == 0 {
		s.wsegs = s.wsegs[1:]
	}
}
