package transport

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzMessageReader feeds arbitrary bytes to the frame parser: it must
// not panic, must not return a message over the limit, and must return
// only UTF-8 text. Seeds: well-formed and broken frames.
func FuzzMessageReader(f *testing.F) {
	seeds := [][]byte{
		clientFrame(true, opText, []byte(`{"action":"get","eventId":1,"path":"/a"}`)),
		concat(clientFrame(false, opText, []byte("ab")), clientFrame(true, opPing, []byte("p")), clientFrame(true, opContinuation, []byte("cd"))),
		clientFrame(true, opBinary, []byte{0, 1, 2}),
		closeFrame(closeNormal, "bye"),
		clientFrame(true, opClose, []byte{1}),
		clientFrame(true, opText, bytes.Repeat([]byte("x"), 200)),
		clientFrame(true, opText, bytes.Repeat([]byte("y"), 70000))[:300],
		{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4},
		{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'},
		{0xC1, 0x80, 1, 2, 3, 4},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	const max = 1 << 16
	f.Fuzz(func(t *testing.T, input []byte) {
		r := &messageReader{br: bufio.NewReader(bytes.NewReader(input)), max: max}
		r.control = func(op byte, payload []byte) {
			if op != opPing && op != opPong || len(payload) > maxControlPayload {
				t.Fatalf("control frame op %d with %d bytes", op, len(payload))
			}
		}
		for range 1000 {
			op, msg, err := r.next()
			if err != nil {
				var ce *closeError
				if errors.As(err, &ce) && (ce.Code < 1000 || len(closePayload(ce.Code, ce.Reason)) > maxControlPayload) {
					t.Fatalf("bad close error %v", ce)
				}
				return
			}
			if int64(len(msg)) > max {
				t.Fatalf("message of %d bytes, over the %d limit", len(msg), max)
			}
			if op == opText && !utf8.Valid(msg) {
				t.Fatalf("text message is not UTF-8: %q", msg)
			}
			if op != opText && op != opBinary {
				t.Fatalf("message with opcode %d", op)
			}
		}
	})
}

// FuzzFrameRoundTrip encodes a message as the client would, cut into
// fragments at fuzzed sizes, with fuzzed masks and a ping in the middle,
// and checks the parser gives back exactly the message.
func FuzzFrameRoundTrip(f *testing.F) {
	f.Add([]byte(`{"action":"set","path":"/x","data":{"a":1}}`), uint16(0), uint32(0x01020304), false)
	f.Add([]byte("fragmented into pieces"), uint16(5), uint32(0xFFFFFFFF), true)
	f.Add([]byte{}, uint16(1), uint32(0), false)
	f.Add(bytes.Repeat([]byte("z"), 70000), uint16(30000), uint32(0xDEADBEEF), true)
	f.Fuzz(func(t *testing.T, payload []byte, piece uint16, key uint32, binary bool) {
		op := byte(opText)
		if !binary {
			if !utf8.Valid(payload) {
				return
			}
		} else {
			op = opBinary
		}
		mask := func(i int) [4]byte {
			k := key + uint32(i)*0x9E3779B9
			return [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		}
		var wire []byte
		if piece == 0 || int(piece) >= len(payload) {
			wire = maskedFrame(true, op, payload, mask(0))
		} else {
			for i, start := 0, 0; start < len(payload); i++ {
				end := min(len(payload), start+int(piece))
				frameOp := byte(opContinuation)
				if start == 0 {
					frameOp = op
				}
				wire = append(wire, maskedFrame(end == len(payload), frameOp, payload[start:end], mask(i))...)
				if i == 0 {
					wire = append(wire, maskedFrame(true, opPing, []byte("mid"), mask(99))...)
				}
				start = end
			}
		}
		r := &messageReader{br: bufio.NewReader(bytes.NewReader(wire)), max: int64(len(payload))}
		gotOp, msg, err := r.next()
		if err != nil {
			t.Fatalf("round trip of %d bytes in pieces of %d: %v", len(payload), piece, err)
		}
		if gotOp != op || !bytes.Equal(msg, payload) {
			t.Fatalf("round trip: op %d, %d bytes; want op %d, %d bytes", gotOp, len(msg), op, len(payload))
		}
	})
}
