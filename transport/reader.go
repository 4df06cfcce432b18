package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// closeError is a failure of the connection that the server reports to
// the client in a close frame with Code (RFC 6455 §7.4.1).
type closeError struct {
	Code   int
	Reason string
}

func (e *closeError) Error() string {
	return fmt.Sprintf("transport: websocket closed with status %d: %s", e.Code, e.Reason)
}

func protocolError(format string, args ...any) error {
	return &closeError{Code: closeProtocolError, Reason: fmt.Sprintf(format, args...)}
}

// errPeerClosed is returned by messageReader.next after the client's
// close frame; its status code is in messageReader.peerCode.
var errPeerClosed = errors.New("transport: client closed the websocket")

// readChunk is how much of a message's payload is allocated ahead of the
// bytes actually arriving, so a client that announces a 10 MiB frame and
// sends nothing costs 64 KiB, not 10 MiB.
const readChunk = 64 << 10

// frameHeader is a parsed client frame header.
type frameHeader struct {
	fin    bool
	op     byte
	length int64
	mask   [4]byte
}

// messageReader reads whole messages from a client's frames (RFC 6455
// §5): it unmasks them, joins fragments, enforces the size limit across
// fragments, checks text is UTF-8, and hands pings and pongs, which may
// arrive between fragments, to control. It is a parser of untrusted
// input: it must never panic and never allocate much beyond what has
// arrived.
type messageReader struct {
	br *bufio.Reader
	// max bounds a message's payload, summed over its fragments.
	max int64
	// control is called with each ping and pong as it arrives; payload is
	// only valid during the call.
	control func(op byte, payload []byte)
	// peerCode and peerReason are the client's close frame status, once
	// next has returned errPeerClosed; peerCode is closeNoStatus when the
	// frame had no payload.
	peerCode   int
	peerReason string

	hdr  [maxHeaderLen]byte
	ctrl [maxControlPayload]byte
}

// next returns the next complete text or binary message. Errors are
// io.EOF (the connection ended between frames), errPeerClosed, a
// *closeError for a client that broke the protocol, or the reader's.
func (r *messageReader) next() (op byte, msg []byte, err error) {
	var started bool
	for {
		h, err := r.readHeader()
		if err != nil {
			if started && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
		switch h.op {
		case opPing, opPong, opClose:
			payload := r.ctrl[:h.length]
			if _, err := io.ReadFull(r.br, payload); err != nil {
				return 0, nil, unexpected(err)
			}
			maskBytes(h.mask, 0, payload)
			if h.op == opClose {
				return 0, nil, r.parseClose(payload)
			}
			if r.control != nil {
				r.control(h.op, payload)
			}
			continue
		case opText, opBinary:
			if started {
				return 0, nil, protocolError("new message inside a fragmented message")
			}
			started, op = true, h.op
		case opContinuation:
			if !started {
				return 0, nil, protocolError("continuation frame outside a fragmented message")
			}
		}
		if h.length > r.max-int64(len(msg)) {
			return 0, nil, &closeError{Code: closeTooBig, Reason: fmt.Sprintf("message over %d bytes", r.max)}
		}
		if msg, err = r.readPayload(msg, h); err != nil {
			return 0, nil, err
		}
		if h.fin {
			if op == opText && !utf8.Valid(msg) {
				return 0, nil, &closeError{Code: closeInvalidPayload, Reason: "text message is not UTF-8"}
			}
			if msg == nil {
				msg = []byte{}
			}
			return op, msg, nil
		}
	}
}

// readHeader reads and checks one frame header.
func (r *messageReader) readHeader() (frameHeader, error) {
	var h frameHeader
	b := r.hdr[:2]
	if _, err := io.ReadFull(r.br, b); err != nil {
		return h, err // io.EOF between frames, or the connection's error
	}
	h.fin = b[0]&finBit != 0
	h.op = b[0] & opcodeMask
	if b[0]&rsvBits != 0 {
		// No extension is ever negotiated, so no RSV bit may be set.
		return h, protocolError("reserved bits set")
	}
	switch h.op {
	case opContinuation, opText, opBinary:
	case opClose, opPing, opPong:
		if !h.fin {
			return h, protocolError("fragmented control frame")
		}
	default:
		return h, protocolError("unknown opcode %d", h.op)
	}
	if b[1]&maskBit == 0 {
		return h, protocolError("unmasked client frame")
	}
	n := int64(b[1] & lenMask)
	extra := 0
	switch n {
	case 126:
		extra = 2
	case 127:
		extra = 8
	}
	if h.op >= opClose && n > maxControlPayload {
		return h, protocolError("control frame over %d bytes", maxControlPayload)
	}
	rest := r.hdr[2 : 2+extra+4]
	if _, err := io.ReadFull(r.br, rest); err != nil {
		return h, unexpected(err)
	}
	switch extra {
	case 2:
		n = int64(binary.BigEndian.Uint16(rest))
	case 8:
		u := binary.BigEndian.Uint64(rest)
		if u>>63 != 0 {
			return h, protocolError("frame length has its top bit set")
		}
		n = int64(u)
	}
	h.length = n
	copy(h.mask[:], rest[extra:])
	return h, nil
}

// readPayload appends the unmasked payload of a data frame to msg,
// allocating as the bytes arrive rather than as announced. Each frame has
// its own masking key, applied from the frame's first byte.
func (r *messageReader) readPayload(msg []byte, h frameHeader) ([]byte, error) {
	n := h.length
	pos := 0
	if msg == nil && n <= readChunk {
		// The common case, one small frame: one exact allocation.
		msg = make([]byte, 0, n)
	}
	for n > 0 {
		chunk := int(min(n, readChunk))
		msg = slices.Grow(msg, chunk)
		start := len(msg)
		msg = msg[:start+chunk]
		if _, err := io.ReadFull(r.br, msg[start:]); err != nil {
			return nil, unexpected(err)
		}
		pos = maskBytes(h.mask, pos, msg[start:])
		n -= int64(chunk)
	}
	return msg, nil
}

// parseClose reads the client's close frame payload (§5.5.1): nothing,
// or a valid status code and a UTF-8 reason.
func (r *messageReader) parseClose(payload []byte) error {
	switch {
	case len(payload) == 0:
		r.peerCode, r.peerReason = closeNoStatus, ""
		return errPeerClosed
	case len(payload) == 1:
		return protocolError("close frame with a 1-byte payload")
	}
	code := int(binary.BigEndian.Uint16(payload))
	if !validCloseCode(code) {
		return protocolError("invalid close code %d", code)
	}
	if !utf8.Valid(payload[2:]) {
		return &closeError{Code: closeInvalidPayload, Reason: "close reason is not UTF-8"}
	}
	r.peerCode, r.peerReason = code, string(payload[2:])
	return errPeerClosed
}

// unexpected turns an EOF inside a frame into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
