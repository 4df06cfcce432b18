package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// clientFrame encodes one frame as a client sends it: masked, each
// frame with a key of its own.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	return maskedFrame(fin, op, payload, [4]byte{0x37, 0xFA, 0x21, byte(len(payload))})
}

func maskedFrame(fin bool, op byte, payload []byte, mask [4]byte) []byte {
	b := appendHeader(nil, fin, op, len(payload), &mask)
	start := len(b)
	b = append(b, payload...)
	maskBytes(mask, 0, b[start:])
	return b
}

func closeFrame(code int, reason string) []byte {
	p := binary.BigEndian.AppendUint16(nil, uint16(code))
	return clientFrame(true, opClose, append(p, reason...))
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// event is what a messageReader produced: a message, a control frame, or
// the error that ended reading.
type event struct {
	op   byte
	data string
	err  error
}

// readAll runs a messageReader over input until it fails.
func readAll(input []byte, max int64) (events []event, r *messageReader) {
	r = &messageReader{br: bufio.NewReader(bytes.NewReader(input)), max: max}
	r.control = func(op byte, payload []byte) {
		events = append(events, event{op: op, data: string(payload)})
	}
	for {
		op, msg, err := r.next()
		if err != nil {
			return append(events, event{err: err}), r
		}
		events = append(events, event{op: op, data: string(msg)})
	}
}

func closeCode(err error) int {
	var ce *closeError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func TestMessageReader(t *testing.T) {
	big := strings.Repeat("x", 70000)
	tests := []struct {
		name  string
		input []byte
		max   int64
		want  []event // the last one is the error
	}{
		{"one text frame", clientFrame(true, opText, []byte(`{"a":1}`)), 0,
			[]event{{op: opText, data: `{"a":1}`}, {err: io.EOF}}},
		{"empty text frame", clientFrame(true, opText, nil), 0,
			[]event{{op: opText, data: ""}, {err: io.EOF}}},
		{"16-bit length", clientFrame(true, opText, []byte(big[:300])), 0,
			[]event{{op: opText, data: big[:300]}, {err: io.EOF}}},
		{"64-bit length", clientFrame(true, opText, []byte(big)), 0,
			[]event{{op: opText, data: big}, {err: io.EOF}}},
		{"binary", clientFrame(true, opBinary, []byte{0xFF, 0}), 0,
			[]event{{op: opBinary, data: "\xff\x00"}, {err: io.EOF}}},
		{"fragments are joined", concat(
			clientFrame(false, opText, []byte("hel")),
			clientFrame(false, opContinuation, []byte("lo ")),
			clientFrame(true, opContinuation, []byte("world"))), 0,
			[]event{{op: opText, data: "hello world"}, {err: io.EOF}}},
		{"ping between fragments", concat(
			clientFrame(false, opText, []byte("a")),
			clientFrame(true, opPing, []byte("p1")),
			clientFrame(true, opContinuation, []byte("b"))), 0,
			[]event{{op: opPing, data: "p1"}, {op: opText, data: "ab"}, {err: io.EOF}}},
		{"pong", clientFrame(true, opPong, []byte("x")), 0,
			[]event{{op: opPong, data: "x"}, {err: io.EOF}}},
		{"two messages", concat(clientFrame(true, opText, []byte("1")), clientFrame(true, opText, []byte("2"))), 0,
			[]event{{op: opText, data: "1"}, {op: opText, data: "2"}, {err: io.EOF}}},
		{"UTF-8 split across fragments", concat(
			clientFrame(false, opText, []byte("\xc3")),
			clientFrame(true, opContinuation, []byte("\xa9"))), 0,
			[]event{{op: opText, data: "é"}, {err: io.EOF}}},
		{"at the size limit", clientFrame(true, opText, []byte("12345")), 5,
			[]event{{op: opText, data: "12345"}, {err: io.EOF}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = DefaultMaxMessageSize
			}
			got, _ := readAll(tt.input, max)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.op != w.op || g.data != w.data || !errors.Is(g.err, w.err) {
					t.Fatalf("event %d = {%d %.40q %v}, want {%d %.40q %v}", i, g.op, g.data, g.err, w.op, w.data, w.err)
				}
			}
		})
	}
}

func TestMessageReaderFailures(t *testing.T) {
	unmasked := appendHeader(nil, true, opText, 2, nil)
	unmasked = append(unmasked, "hi"...)
	rsv := clientFrame(true, opText, []byte("x"))
	rsv[0] |= 0x40
	badOp := clientFrame(true, 0x3, []byte("x"))
	longPing := clientFrame(true, opPing, bytes.Repeat([]byte("p"), 126))
	fragPing := clientFrame(false, opPing, []byte("p"))
	topBit := []byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}
	tests := []struct {
		name  string
		input []byte
		max   int64
		code  int   // close code the server answers with, or 0
		err   error // otherwise, the error
	}{
		{"unmasked frame", unmasked, 0, closeProtocolError, nil},
		{"reserved bit", rsv, 0, closeProtocolError, nil},
		{"unknown opcode", badOp, 0, closeProtocolError, nil},
		{"control frame over 125 bytes", longPing, 0, closeProtocolError, nil},
		{"fragmented control frame", fragPing, 0, closeProtocolError, nil},
		{"64-bit length with the top bit", topBit, 0, closeProtocolError, nil},
		{"continuation first", clientFrame(true, opContinuation, []byte("x")), 0, closeProtocolError, nil},
		{"new message inside a fragmented one", concat(
			clientFrame(false, opText, []byte("a")), clientFrame(true, opText, []byte("b"))), 0, closeProtocolError, nil},
		{"invalid UTF-8", clientFrame(true, opText, []byte("\xff\xfe")), 0, closeInvalidPayload, nil},
		{"one frame over the limit", clientFrame(true, opText, []byte("123456")), 5, closeTooBig, nil},
		{"fragments over the limit", concat(
			clientFrame(false, opText, []byte("123")), clientFrame(true, opContinuation, []byte("456"))), 5, closeTooBig, nil},
		{"close with a 1-byte payload", clientFrame(true, opClose, []byte{3}), 0, closeProtocolError, nil},
		{"close with a reserved code", closeFrame(1005, ""), 0, closeProtocolError, nil},
		{"close with a bad reason", closeFrame(1000, "\xff"), 0, closeInvalidPayload, nil},
		{"cut inside a header", clientFrame(true, opText, []byte("hello"))[:3], 0, 0, io.ErrUnexpectedEOF},
		{"cut inside a payload", clientFrame(true, opText, []byte("hello"))[:8], 0, 0, io.ErrUnexpectedEOF},
		{"cut between fragments", clientFrame(false, opText, []byte("hello")), 0, 0, io.ErrUnexpectedEOF},
		{"cut inside a control frame", clientFrame(true, opPing, []byte("hello"))[:8], 0, 0, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = DefaultMaxMessageSize
			}
			got, _ := readAll(tt.input, max)
			last := got[len(got)-1].err
			if tt.code != 0 {
				if c := closeCode(last); c != tt.code {
					t.Fatalf("error %v (close code %d), want close code %d", last, c, tt.code)
				}
				return
			}
			if !errors.Is(last, tt.err) {
				t.Fatalf("error %v, want %v", last, tt.err)
			}
		})
	}
}

func TestMessageReaderClose(t *testing.T) {
	tests := []struct {
		name   string
		frame  []byte
		code   int
		reason string
	}{
		{"no status", clientFrame(true, opClose, nil), closeNoStatus, ""},
		{"normal", closeFrame(closeNormal, ""), closeNormal, ""},
		{"with a reason", closeFrame(4000, "bye"), 4000, "bye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r := readAll(concat(clientFrame(true, opText, []byte("before")), tt.frame, clientFrame(true, opText, []byte("after"))), DefaultMaxMessageSize)
			if len(got) != 2 || got[0].data != "before" || !errors.Is(got[1].err, errPeerClosed) {
				t.Fatalf("events %v, want the message before the close, then errPeerClosed", got)
			}
			if r.peerCode != tt.code || r.peerReason != tt.reason {
				t.Fatalf("peer close %d %q, want %d %q", r.peerCode, r.peerReason, tt.code, tt.reason)
			}
		})
	}
}

// An announced length is not allocated until the bytes arrive.
func TestMessageReaderAllocatesAsBytesArrive(t *testing.T) {
	hdr := appendHeader(nil, true, opText, 8<<20, &[4]byte{1, 2, 3, 4})
	input := append(hdr, make([]byte, 1000)...)
	r := &messageReader{br: bufio.NewReader(bytes.NewReader(input)), max: DefaultMaxMessageSize}
	before := totalAlloc()
	_, msg, err := r.next()
	grew := totalAlloc() - before
	if err == nil || msg != nil {
		t.Fatalf("a truncated 8 MiB frame was read: %d bytes, %v", len(msg), err)
	}
	if grew > 1<<20 {
		t.Fatalf("reading 1000 bytes of an announced 8 MiB frame allocated %d bytes", grew)
	}
}

func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
