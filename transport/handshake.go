package transport

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// websocketGUID is the constant RFC 6455 §1.3 mixes into the key.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// handshakeTimeout bounds writing the 101 response.
const handshakeTimeout = 10 * time.Second

// upgrade performs the server side of the opening handshake (RFC 6455
// §4.2) and takes the connection over from net/http. It answers with no
// extension (happn-3 never negotiates permessage-deflate, and clients
// that offer it fall back to plain frames) and no subprotocol. On failure
// it has already written an HTTP error. The returned reader holds any
// bytes the client sent after its request.
func upgrade(rw http.ResponseWriter, r *http.Request) (net.Conn, *bufio.Reader, bool) {
	if r.Method != http.MethodGet {
		http.Error(rw, "websocket upgrade needs GET", http.StatusMethodNotAllowed)
		return nil, nil, false
	}
	if !r.ProtoAtLeast(1, 1) {
		http.Error(rw, "websocket upgrade needs HTTP/1.1", http.StatusBadRequest)
		return nil, nil, false
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		rw.Header().Set("Connection", "Upgrade")
		rw.Header().Set("Upgrade", "websocket")
		http.Error(rw, "websocket upgrade needs Connection: Upgrade and Upgrade: websocket", http.StatusUpgradeRequired)
		return nil, nil, false
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		rw.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(rw, "unsupported websocket version", http.StatusUpgradeRequired)
		return nil, nil, false
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		http.Error(rw, "bad Sec-WebSocket-Key", http.StatusBadRequest)
		return nil, nil, false
	}
	nc, brw, err := http.NewResponseController(rw).Hijack()
	if err != nil {
		http.Error(rw, "websocket upgrade not supported here", http.StatusInternalServerError)
		return nil, nil, false
	}
	resp := make([]byte, 0, 160)
	resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	resp = append(resp, acceptKey(key)...)
	resp = append(resp, "\r\n\r\n"...)
	nc.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := nc.Write(resp); err != nil {
		nc.Close()
		return nil, nil, false
	}
	nc.SetDeadline(time.Time{})
	return nc, brw.Reader, true
}

// clientReader returns the buffered reader the frames are read from:
// net/http's own, pointed at the socket, unless it still holds bytes the
// client sent after its request (a client may send its first frame
// without waiting for the 101), which are then read first.
func clientReader(src io.Reader, br *bufio.Reader) *bufio.Reader {
	if n := br.Buffered(); n > 0 {
		early, _ := br.Peek(n)
		return bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), src), readBufferSize)
	}
	if br.Size() < readBufferSize {
		return bufio.NewReaderSize(src, readBufferSize)
	}
	br.Reset(src)
	return br
}

// readBufferSize is the read buffer of a connection: several small
// frames per read(2), little memory per idle client.
const readBufferSize = 4096

// acceptKey is the Sec-WebSocket-Accept value for key.
func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte(websocketGUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// headerHasToken reports whether a comma-separated header contains token,
// case-insensitively ("Connection: keep-alive, Upgrade").
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
