package transport

import (
	"encoding/binary"
	"unicode/utf8"
)

// RFC 6455 §5.2 frame opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Frame header bits (first two bytes).
const (
	finBit     = 0x80
	rsvBits    = 0x70
	opcodeMask = 0x0F
	maskBit    = 0x80
	lenMask    = 0x7F
)

// maxControlPayload is the largest payload of a control frame (§5.5).
const maxControlPayload = 125

// maxHeaderLen is the longest frame header: 2 bytes, an 8-byte extended
// length and a 4-byte masking key.
const maxHeaderLen = 14

// Close status codes (§7.4.1) this server sends.
const (
	closeNormal          = 1000
	closeGoingAway       = 1001
	closeProtocolError   = 1002
	closeNoStatus        = 1005 // never on the wire: "the peer sent none"
	closeInvalidPayload  = 1007
	closePolicyViolation = 1008
	closeTooBig          = 1009
	closeInternalError   = 1011
)

// appendHeader appends the header of one final (unfragmented) frame. A
// nil mask writes a server frame, which is never masked; tests encode
// client frames with a mask.
func appendHeader(dst []byte, fin bool, op byte, length int, mask *[4]byte) []byte {
	b0 := op
	if fin {
		b0 |= finBit
	}
	var m byte
	if mask != nil {
		m = maskBit
	}
	switch {
	case length <= 125:
		dst = append(dst, b0, m|byte(length))
	case length <= 0xFFFF:
		dst = append(dst, b0, m|126, byte(length>>8), byte(length))
	default:
		dst = append(dst, b0, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(length))
	}
	if mask != nil {
		dst = append(dst, mask[:]...)
	}
	return dst
}

// headerLen is the length of a server (unmasked) frame header for a
// payload of length n.
func headerLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	default:
		return 10
	}
}

// maskBytes XORs b with key, starting pos bytes into the key's cycle,
// and returns the position after b, so a payload can be unmasked in
// pieces. Masking and unmasking are the same operation.
func maskBytes(key [4]byte, pos int, b []byte) int {
	pos &= 3
	// Align to the key, then do eight bytes at a time: on a big text
	// frame this is most of the CPU the reader spends.
	for pos != 0 && len(b) > 0 {
		b[0] ^= key[pos]
		b = b[1:]
		pos = (pos + 1) & 3
	}
	if len(b) >= 8 {
		k32 := binary.LittleEndian.Uint32(key[:])
		k64 := uint64(k32) | uint64(k32)<<32
		for len(b) >= 32 {
			v0 := binary.LittleEndian.Uint64(b[0:8])
			v1 := binary.LittleEndian.Uint64(b[8:16])
			v2 := binary.LittleEndian.Uint64(b[16:24])
			v3 := binary.LittleEndian.Uint64(b[24:32])
			binary.LittleEndian.PutUint64(b[0:8], v0^k64)
			binary.LittleEndian.PutUint64(b[8:16], v1^k64)
			binary.LittleEndian.PutUint64(b[16:24], v2^k64)
			binary.LittleEndian.PutUint64(b[24:32], v3^k64)
			b = b[32:]
		}
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
		}
	}
	for i := range b {
		b[i] ^= key[pos]
		pos = (pos + 1) & 3
	}
	return pos
}

// validCloseCode reports whether a peer may send code in a close frame
// (§7.4: 1000-1003 and 1007-1011 are defined, 1012-1014 registered since,
// 3000-4999 are for libraries and applications).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// closePayload is the payload of a close frame with code and reason
// (reason cut to fit a control frame).
func closePayload(code int, reason string) []byte {
	if code == closeNoStatus {
		return nil
	}
	if len(reason) > maxControlPayload-2 {
		reason = reason[:maxControlPayload-2]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	b := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(b, uint16(code))
	return append(b, reason...)
}
