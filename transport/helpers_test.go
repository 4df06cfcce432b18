package transport

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testTimeout guards every wait in these tests: a test that needs it has
// failed (hung), it is not a measurement.
const testTimeout = 20 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// serveWS starts a real HTTP server with ws's handler and returns its
// ws:// URL for /primus. Each accepted connection is passed to serve.
func serveWS(t testing.TB, ws *Websocket, serve func(Conn)) string {
	t.Helper()
	hs := httptest.NewServer(ws.Handler(serve))
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http") + Path
}

// echo sends every message back.
func echo(c Conn) {
	for {
		m, err := c.Read(context.Background())
		if err != nil {
			return
		}
		c.Send(m)
	}
}

// conns serves by handing each connection to the test, and keeps it
// open until the test says so or the connection ends.
type conns struct {
	ch   chan Conn
	done chan struct{}
}

func newConns(t testing.TB) *conns {
	c := &conns{ch: make(chan Conn, 100), done: make(chan struct{})}
	t.Cleanup(func() { close(c.done) })
	return c
}

func (cs *conns) serve(c Conn) {
	cs.ch <- c
	<-cs.done
}

func (cs *conns) next(t testing.TB) *wsConn {
	t.Helper()
	select {
	case c := <-cs.ch:
		return c.(*wsConn)
	case <-time.After(testTimeout):
		t.Fatal("no connection arrived")
		return nil
	}
}

// rawClient is a websocket client written byte by byte, for what real
// clients never send: broken frames, early frames, half frames.
type rawClient struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

// dialRaw connects to url and performs the opening handshake; early is
// sent in the same write as the request.
func dialRaw(t testing.TB, url string, early []byte) *rawClient {
	t.Helper()
	addr := strings.TrimPrefix(url, "ws://")
	path := addr[strings.IndexByte(addr, '/'):]
	addr = addr[:strings.IndexByte(addr, '/')]
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(testTimeout))
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + k + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), early...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(k) {
		t.Fatalf("handshake: %s, accept %q", resp.Status, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	return &rawClient{t: t, nc: nc, br: br}
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// readFrame reads one server frame, which must be unmasked.
func (c *rawClient) readFrame() (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return false, 0, nil, err
	}
	if h[1]&maskBit != 0 {
		c.t.Fatal("server frame is masked")
	}
	n := int(h[1] & lenMask)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = int(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = int(binary.BigEndian.Uint64(b[:]))
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return false, 0, nil, err
	}
	return h[0]&finBit != 0, h[0] & opcodeMask, payload, nil
}

// expectClose reads frames until a close frame and checks its code (0:
// no status), then checks that the server hangs up.
func (c *rawClient) expectClose(code int) {
	c.t.Helper()
	for {
		_, op, payload, err := c.readFrame()
		if err != nil {
			c.t.Fatalf("reading until the close frame: %v", err)
		}
		if op != opClose {
			continue
		}
		got := 0
		if len(payload) >= 2 {
			got = int(binary.BigEndian.Uint16(payload))
		}
		if got != code {
			c.t.Fatalf("close code %d (%q), want %d", got, payload, code)
		}
		break
	}
	c.expectEOF()
}

// expectEOF checks the server closed the TCP connection.
func (c *rawClient) expectEOF() {
	c.t.Helper()
	if _, err := c.br.ReadByte(); err == nil {
		c.t.Fatal("the server sent more after its close frame")
	}
}
