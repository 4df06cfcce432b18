package transport

import (
	"bytes"
	"testing"
)

func TestAppendHeader(t *testing.T) {
	mask := [4]byte{1, 2, 3, 4}
	tests := []struct {
		name   string
		fin    bool
		op     byte
		length int
		mask   *[4]byte
		want   []byte
	}{
		{"empty text", true, opText, 0, nil, []byte{0x81, 0}},
		{"125 bytes", true, opText, 125, nil, []byte{0x81, 125}},
		{"126 bytes uses 16 bits", true, opText, 126, nil, []byte{0x81, 126, 0, 126}},
		{"65535 bytes", true, opText, 65535, nil, []byte{0x81, 126, 0xFF, 0xFF}},
		{"65536 bytes uses 64 bits", true, opText, 65536, nil, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
		{"close", true, opClose, 2, nil, []byte{0x88, 2}},
		{"fragment", false, opText, 3, nil, []byte{0x01, 3}},
		{"continuation", true, opContinuation, 3, nil, []byte{0x80, 3}},
		{"masked", true, opPing, 1, &mask, []byte{0x89, 0x81, 1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendHeader(nil, tt.fin, tt.op, tt.length, tt.mask)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("appendHeader = %x, want %x", got, tt.want)
			}
			if tt.mask == nil && headerLen(tt.length) != len(got) {
				t.Fatalf("headerLen(%d) = %d, header is %d bytes", tt.length, headerLen(tt.length), len(got))
			}
		})
	}
}

// maskNaive is the definition of masking (RFC 6455 §5.3).
func maskNaive(key [4]byte, pos int, b []byte) {
	for i := range b {
		b[i] ^= key[(pos+i)%4]
	}
}

func TestMaskBytesMatchesDefinition(t *testing.T) {
	key := [4]byte{0xA1, 0xB2, 0xC3, 0xD4}
	for n := range 80 {
		for pos := range 4 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(i*7 + 3)
			}
			got, want := bytes.Clone(src), bytes.Clone(src)
			next := maskBytes(key, pos, got)
			maskNaive(key, pos, want)
			if !bytes.Equal(got, want) {
				t.Fatalf("n=%d pos=%d: maskBytes = %x, want %x", n, pos, got, want)
			}
			if next != (pos+n)%4 {
				t.Fatalf("n=%d pos=%d: next position %d, want %d", n, pos, next, (pos+n)%4)
			}
		}
	}
}

func TestMaskBytesInPieces(t *testing.T) {
	key := [4]byte{9, 8, 7, 6}
	msg := []byte("a message unmasked in uneven pieces, as it arrives from the network")
	whole := bytes.Clone(msg)
	maskBytes(key, 0, whole)
	pieces := bytes.Clone(msg)
	pos := 0
	for i := 0; i < len(pieces); {
		j := min(len(pieces), i+1+i%5)
		pos = maskBytes(key, pos, pieces[i:j])
		i = j
	}
	if !bytes.Equal(whole, pieces) {
		t.Fatalf("masking in pieces differs: %x vs %x", pieces, whole)
	}
}

func TestValidCloseCode(t *testing.T) {
	tests := []struct {
		code int
		want bool
	}{
		{999, false}, {1000, true}, {1001, true}, {1003, true}, {1004, false},
		{1005, false}, {1006, false}, {1007, true}, {1011, true}, {1014, true},
		{1015, false}, {1016, false}, {2999, false}, {3000, true}, {4999, true}, {5000, false},
	}
	for _, tt := range tests {
		if got := validCloseCode(tt.code); got != tt.want {
			t.Errorf("validCloseCode(%d) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestClosePayload(t *testing.T) {
	if p := closePayload(closeNoStatus, "x"); p != nil {
		t.Fatalf("no-status close payload = %x, want none", p)
	}
	if p := closePayload(closeTooBig, "big"); !bytes.Equal(p, []byte{0x03, 0xF1, 'b', 'i', 'g'}) {
		t.Fatalf("close payload = %x", p)
	}
	long := closePayload(closeNormal, string(bytes.Repeat([]byte("é"), 100)))
	if len(long) > maxControlPayload {
		t.Fatalf("close payload is %d bytes, over the control frame limit", len(long))
	}
	if len(long) != 2+122 {
		t.Fatalf("close payload cut to %d bytes, want 124 (whole runes only)", len(long))
	}
}
