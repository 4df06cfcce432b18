package protocol

import (
	"bytes"
	"strconv"
)

// Primus control messages are JSON strings, quotes included on the wire.
const (
	primusPing  = `"primus::ping::`
	primusPong  = `"primus::pong::`
	primusClose = `"primus::server::close"`
	primusID    = `"primus::id::"`
)

// ServerClose is the frame that tells a Primus client not to reconnect.
var ServerClose = []byte(primusClose)

// Ping returns the heartbeat frame "primus::ping::<ms>".
func Ping(ms int64) []byte {
	b := append([]byte(nil), primusPing...)
	b = strconv.AppendInt(b, ms, 10)
	return append(b, '"')
}

// Pong returns the reply to a ping carrying stamp.
func Pong(stamp []byte) []byte {
	b := append([]byte(nil), primusPong...)
	b = append(b, stamp...)
	return append(b, '"')
}

// ControlKind classifies a Primus control frame.
type ControlKind int

// The control frames a peer can receive.
const (
	NotControl ControlKind = iota
	ControlPing
	ControlPong
	ControlServerClose
	ControlID
	ControlOther
)

// ParseControl reports whether frame is a Primus control string and which
// one; for a ping or pong it returns the stamp it carries.
func ParseControl(frame []byte) (ControlKind, []byte) {
	if len(frame) < 2 || frame[0] != '"' {
		return NotControl, nil
	}
	switch {
	case bytes.HasPrefix(frame, []byte(primusPing)) && frame[len(frame)-1] == '"':
		return ControlPing, frame[len(primusPing) : len(frame)-1]
	case bytes.HasPrefix(frame, []byte(primusPong)) && frame[len(frame)-1] == '"':
		return ControlPong, frame[len(primusPong) : len(frame)-1]
	case bytes.Equal(frame, ServerClose):
		return ControlServerClose, nil
	case bytes.Equal(frame, []byte(primusID)):
		return ControlID, nil
	}
	return ControlOther, nil
}
