package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialCoder connects github.com/coder/websocket's client, an independent
// RFC 6455 implementation, to url.
func dialCoder(t testing.TB, url string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctxT(t), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func TestEchoWithCoderClient(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialCoder(t, url, nil)
	ctx := ctxT(t)
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 70000, 1 << 20} {
		msg := bytes.Repeat([]byte("abcdefghij"), n/10+1)[:n]
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if typ != websocket.MessageText || !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes: echo is %v with %d bytes", n, typ, len(got))
		}
	}
}

// TestFragmentedWithCoderClient sends a message in several frames: each
// Write of coder's message writer is one frame.
func TestFragmentedWithCoderClient(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialCoder(t, url, nil)
	ctx := ctxT(t)
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := range 20 {
		part := []byte(strings.Repeat(strconv.Itoa(i), i*50))
		want = append(want, part...)
		if _, err := w.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("fragmented message came back as %d bytes, want %d", len(got), len(want))
	}
}

// TestPingFromCoderClient: the server answers pings (coder's Ping waits
// for the pong, which its concurrent reader receives).
func TestPingFromCoderClient(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialCoder(t, url, nil)
	ctx := ctxT(t)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}()
	for range 3 {
		if err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPingPayloadIsEchoed(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialRaw(t, url, nil)
	c.write(clientFrame(true, opPing, []byte("are you there")))
	_, op, payload, err := c.readFrame()
	if err != nil || op != opPong || string(payload) != "are you there" {
		t.Fatalf("got op %d %q %v, want a pong with the ping's payload", op, payload, err)
	}
}

// TestClientCloseIsEchoed: the server answers a close frame with the same
// status, then hangs up; the session's Read ends.
func TestClientCloseIsEchoed(t *testing.T) {
	for _, code := range []int{closeNormal, closeGoingAway, 4000} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			ended := make(chan error, 1)
			url := serveWS(t, &Websocket{}, func(c Conn) {
				for {
					if _, err := c.Read(context.Background()); err != nil {
						ended <- err
						return
					}
				}
			})
			c := dialRaw(t, url, nil)
			c.write(closeFrame(code, "done"))
			c.expectClose(code)
			if err := <-ended; !errors.Is(err, ErrClosed) {
				t.Fatalf("Read ended with %v, want ErrClosed", err)
			}
		})
	}
	t.Run("no status", func(t *testing.T) {
		url := serveWS(t, &Websocket{}, echo)
		c := dialRaw(t, url, nil)
		c.write(clientFrame(true, opClose, nil))
		c.expectClose(0)
	})
}

func TestCoderClientCloseHandshake(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialCoder(t, url, nil)
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
}

// TestCloseFlushesThenCloses: frames sent before Close all arrive, then
// the close frame with status 1000.
func TestCloseFlushesThenCloses(t *testing.T) {
	const n = 2000
	url := serveWS(t, &Websocket{}, func(c Conn) {
		for i := range n {
			c.Send([]byte(strconv.Itoa(i)))
		}
		c.Close()
	})
	c := dialCoder(t, url, nil)
	ctx := ctxT(t)
	for i := range n {
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if string(got) != strconv.Itoa(i) {
			t.Fatalf("frame %d is %q", i, got)
		}
	}
	_, _, err := c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after the frames: %v, want a normal close", err)
	}
}

func TestSendAfterClose(t *testing.T) {
	cs := newConns(t)
	url := serveWS(t, &Websocket{}, cs.serve)
	dialCoder(t, url, nil)
	sc := cs.next(t)
	sc.Close()
	if err := sc.Send([]byte(`"x"`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestOversizedMessageIsRefused(t *testing.T) {
	ws := &Websocket{MaxMessageSize: 1000}
	for _, fragmented := range []bool{false, true} {
		t.Run(fmt.Sprint("fragmented=", fragmented), func(t *testing.T) {
			url := serveWS(t, ws, echo)
			c := dialRaw(t, url, nil)
			msg := bytes.Repeat([]byte("x"), 1001)
			if fragmented {
				c.write(clientFrame(false, opText, msg[:600]))
				c.write(clientFrame(true, opContinuation, msg[600:]))
			} else {
				c.write(clientFrame(true, opText, msg))
			}
			c.expectClose(closeTooBig)
		})
	}
	t.Run("coder client", func(t *testing.T) {
		url := serveWS(t, ws, echo)
		c := dialCoder(t, url, nil)
		ctx := ctxT(t)
		c.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("y"), 5000))
		_, _, err := c.Read(ctx)
		if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			t.Fatalf("after an oversized message: %v, want status 1009", err)
		}
	})
}

func TestProtocolViolationsAreClosed(t *testing.T) {
	unmasked := appendHeader(nil, true, opText, 2, nil)
	unmasked = append(unmasked, "hi"...)
	tests := []struct {
		name  string
		frame []byte
		code  int
	}{
		{"unmasked frame", unmasked, closeProtocolError},
		{"invalid UTF-8", clientFrame(true, opText, []byte("\xc3\x28")), closeInvalidPayload},
		{"continuation first", clientFrame(true, opContinuation, []byte("x")), closeProtocolError},
		{"bad close code", closeFrame(1006, ""), closeProtocolError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveWS(t, &Websocket{}, echo)
			c := dialRaw(t, url, nil)
			c.write(tt.frame)
			c.expectClose(tt.code)
		})
	}
}

func TestBinaryMessagesAreIgnored(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialRaw(t, url, nil)
	c.write(clientFrame(true, opBinary, []byte{1, 2, 3}))
	c.write(clientFrame(true, opText, []byte(`"text"`)))
	_, op, payload, err := c.readFrame()
	if err != nil || op != opText || string(payload) != `"text"` {
		t.Fatalf("got op %d %q %v, want only the text message back", op, payload, err)
	}
}

// TestEarlyFrame: a frame sent right behind the upgrade request, before
// the 101, is read (it sits in net/http's buffer at the hijack).
func TestEarlyFrame(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c := dialRaw(t, url, clientFrame(true, opText, []byte(`"early"`)))
	_, op, payload, err := c.readFrame()
	if err != nil || op != opText || string(payload) != `"early"` {
		t.Fatalf("got op %d %q %v, want the early frame echoed", op, payload, err)
	}
}

// TestClientVanishesMidFrame: the session's Read ends when the client
// hangs up halfway through a frame.
func TestClientVanishesMidFrame(t *testing.T) {
	for _, cut := range []int{1, 4, 10} {
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			ended := make(chan error, 1)
			url := serveWS(t, &Websocket{}, func(c Conn) {
				_, err := c.Read(context.Background())
				ended <- err
			})
			c := dialRaw(t, url, nil)
			c.write(clientFrame(true, opText, []byte("a frame that never ends"))[:cut])
			c.nc.Close()
			if err := <-ended; err == nil {
				t.Fatal("Read returned a message from half a frame")
			}
		})
	}
}

func TestReadEndsWithContext(t *testing.T) {
	ended := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	url := serveWS(t, &Websocket{}, func(c Conn) {
		_, err := c.Read(ctx)
		ended <- err
	})
	dialCoder(t, url, nil)
	cancel()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("Read returned %v, want context.Canceled", err)
	}
}

func TestInfo(t *testing.T) {
	cs := newConns(t)
	url := serveWS(t, &Websocket{}, cs.serve)
	dialCoder(t, url+"?_primuscb=abc", &websocket.DialOptions{HTTPHeader: http.Header{"X-Thing": {"1"}}})
	info := cs.next(t).Info()
	if info.URL != "/primus?_primuscb=abc" || info.RemoteIP != "127.0.0.1" || info.RemotePort == 0 ||
		info.Headers["x-thing"] != "1" || info.Headers["host"] == "" || info.Secure || info.Local {
		t.Fatalf("Info = %+v", info)
	}
}

func TestHandshake(t *testing.T) {
	hs := serveWS(t, &Websocket{}, echo)
	base := "http" + strings.TrimPrefix(strings.TrimSuffix(hs, Path), "ws")
	upgrade := map[string]string{
		"Upgrade": "websocket", "Connection": "Upgrade",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13",
	}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range upgrade {
			h[a] = b
		}
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	tests := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		status  int
	}{
		{"plain GET", "GET", "/primus", nil, http.StatusUpgradeRequired},
		{"plain GET below", "GET", "/primus/other", nil, http.StatusUpgradeRequired},
		{"spec", "GET", "/primus/spec", nil, http.StatusOK},
		{"other path", "GET", "/nope", upgrade, http.StatusNotFound},
		{"upgrade", "GET", "/primus?_primuscb=x", upgrade, http.StatusSwitchingProtocols},
		{"upgrade below the path", "GET", "/primus/x/y", upgrade, http.StatusSwitchingProtocols},
		{"Connection with several tokens", "GET", "/primus", with("Connection", "keep-alive, Upgrade"), http.StatusSwitchingProtocols},
		{"old version", "GET", "/primus", with("Sec-WebSocket-Version", "8"), http.StatusUpgradeRequired},
		{"no key", "GET", "/primus", with("Sec-WebSocket-Key", ""), http.StatusBadRequest},
		{"short key", "GET", "/primus", with("Sec-WebSocket-Key", "c2hvcnQ="), http.StatusBadRequest},
		{"no Connection", "GET", "/primus", with("Connection", ""), http.StatusUpgradeRequired},
		{"POST", "POST", "/primus", upgrade, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			switch resp.StatusCode {
			case http.StatusSwitchingProtocols:
				if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
					t.Fatalf("Sec-WebSocket-Accept %q", got)
				}
				if resp.Header.Get("Sec-WebSocket-Extensions") != "" || resp.Header.Get("Sec-WebSocket-Protocol") != "" {
					t.Fatalf("101 negotiated something: %v", resp.Header)
				}
			case http.StatusOK:
				var spec map[string]any
				if err := json.NewDecoder(resp.Body).Decode(&spec); err != nil || spec["pathname"] != Path || spec["pingInterval"] != 30000.0 {
					t.Fatalf("spec %v %v", spec, err)
				}
			}
			if tt.name == "old version" && resp.Header.Get("Sec-WebSocket-Version") != "13" {
				t.Fatal("426 for a version without Sec-WebSocket-Version: 13")
			}
		})
	}
}

// TestCompressionIsNeverNegotiated: a client offering permessage-deflate
// (as the node client does) gets plain frames.
func TestCompressionIsNeverNegotiated(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	c, resp, err := websocket.Dial(ctxT(t), url, &websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Fatalf("server accepted extensions %q", ext)
	}
	ctx := ctxT(t)
	msg := bytes.Repeat([]byte("compressible "), 100)
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo: %d bytes, %v", len(got), err)
	}
}

func TestManyConnections(t *testing.T) {
	url := serveWS(t, &Websocket{}, echo)
	const clients, msgs = 200, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := ctxT(t)
			c, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(websocket.StatusNormalClosure, "")
			for j := range msgs {
				want := fmt.Sprintf(`{"client":%d,"n":%d}`, i, j)
				if err := c.Write(ctx, websocket.MessageText, []byte(want)); err != nil {
					errs <- err
					return
				}
				_, got, err := c.Read(ctx)
				if err != nil || string(got) != want {
					errs <- fmt.Errorf("client %d got %q, %v; want %q", i, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// readSeq reads text messages "<tag>:<n>" and checks each tag's numbers
// arrive in order and complete; it returns when every tag has reached its
// count.
func readSeq(t *testing.T, c *websocket.Conn, counts map[string]int) {
	t.Helper()
	ctx := ctxT(t)
	next := map[string]int{}
	remaining := 0
	for _, n := range counts {
		remaining += n
	}
	for remaining > 0 {
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", next, err)
		}
		tag, num, _ := strings.Cut(string(msg), ":")
		num, _, _ = strings.Cut(num, ":") // a big frame carries padding
		n, err := strconv.Atoi(num)
		if err != nil || n != next[tag] {
			t.Fatalf("tag %q: got %q, want number %d", tag, msg[:min(len(msg), 40)], next[tag])
		}
		next[tag]++
		remaining--
	}
}

// TestOrderAcrossWritePaths: frames sent by the session during a request
// (written directly), by another goroutine (queued), and big ones (always
// queued) keep each sender's order, including when the socket fills and a
// direct write is cut short.
func TestOrderAcrossWritePaths(t *testing.T) {
	const n = 3000
	pad := strings.Repeat("p", 100<<10)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		if _, err := c.Read(context.Background()); err != nil { // now in a request
			return
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				c.Send([]byte("other:" + strconv.Itoa(i)))
			}
		}()
		for i := range n {
			msg := "session:" + strconv.Itoa(i)
			switch i % 100 {
			case 7:
				msg += ":" + pad // over maxDirect
			case 8:
				msg += ":" + pad[:40<<10] // direct, and big enough to fill the socket
			}
			c.Send([]byte(msg))
		}
		wg.Wait()
		c.Read(context.Background())
	})
	c := dialCoder(t, url, nil)
	if err := c.Write(ctxT(t), websocket.MessageText, []byte("go")); err != nil {
		t.Fatal(err)
	}
	readSeq(t, c, map[string]int{"session": n, "other": n})
}

// TestSendNowKeepsOrder: frames another goroutine sends with SendNow
// (written at once when the connection is idle, queued behind anything
// else) keep their order among the session's own, direct and queued; and
// on an idle connection SendNow has written the frame when it returns.
func TestSendNowKeepsOrder(t *testing.T) {
	const n = 3000
	pad := strings.Repeat("p", 100<<10)
	idle := make(chan int64, 1)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		wc := c.(*wsConn)
		wc.SendNow([]byte("first"))
		idle <- wc.writes.Load()
		if _, err := c.Read(context.Background()); err != nil { // now in a request
			return
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				msg := "other:" + strconv.Itoa(i)
				if i%100 == 9 {
					msg += ":" + pad[:40<<10]
				}
				wc.SendNow([]byte(msg))
			}
		}()
		for i := range n {
			msg := "session:" + strconv.Itoa(i)
			switch i % 100 {
			case 7:
				msg += ":" + pad // over maxDirect
			case 8:
				msg += ":" + pad[:40<<10]
			}
			c.Send([]byte(msg))
		}
		wg.Wait()
		c.Read(context.Background())
	})
	c := dialCoder(t, url, nil)
	if _, m, err := c.Read(ctxT(t)); err != nil || string(m) != "first" {
		t.Fatalf("first frame: %q, %v", m, err)
	}
	if w := <-idle; w != 1 {
		t.Fatalf("SendNow on an idle connection returned after %d writes, want 1", w)
	}
	if err := c.Write(ctxT(t), websocket.MessageText, []byte("go")); err != nil {
		t.Fatal(err)
	}
	readSeq(t, c, map[string]int{"session": n, "other": n})
}

// TestMoreInput: MoreInput tells a message the session had to wait for
// from one that was already there when it came to read.
func TestMoreInput(t *testing.T) {
	got := make(chan bool, 3)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		for {
			if _, err := c.Read(context.Background()); err != nil {
				return
			}
			got <- c.(DirectSender).MoreInput()
		}
	})
	c := dialRaw(t, url, nil)
	time.Sleep(100 * time.Millisecond) // the server is waiting in Read
	c.write(clientFrame(true, opText, []byte("alone")))
	if more := <-got; more {
		t.Fatal("MoreInput true for a message the server waited for")
	}
	c.write(append(clientFrame(true, opText, []byte("b")), clientFrame(true, opText, []byte("c"))...))
	if more := <-got; !more {
		t.Fatal("MoreInput false with the next message buffered")
	}
	<-got
}

// TestReadAfterPeerVanished: Read keeps failing once the client is gone.
func TestReadAfterPeerVanished(t *testing.T) {
	ended := make(chan error, 2)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		_, err := c.Read(context.Background())
		ended <- err
		_, err = c.Read(context.Background())
		ended <- err
	})
	c := dialRaw(t, url, nil)
	c.nc.Close()
	for range 2 {
		if err := <-ended; err == nil {
			t.Fatalf("Read after the client vanished: %v", err)
		}
	}
}

// TestPipelinedRequestsShareWrites: a client that sends many requests at
// once gets the responses in order, several per write.
func TestPipelinedRequestsShareWrites(t *testing.T) {
	const n = 100
	var burst []string
	for i := range n {
		burst = append(burst, fmt.Sprintf(`{"action":"get","eventId":%d,"path":"/x"}`, i))
	}
	sc := echoBurst(t, burst)
	if w := sc.writes.Load(); w > n/5 {
		t.Fatalf("%d responses took %d writes, want them batched", n, w)
	}
}

// echoBurst sends payloads to an echo server in one write, checks that
// they come back in order, and returns the server's connection.
func echoBurst(t *testing.T, payloads []string) *wsConn {
	t.Helper()
	cs := newConns(t)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		go cs.serve(c)
		echo(c)
	})
	c := dialRaw(t, url, nil)
	sc := cs.next(t)
	var burst []byte
	for _, p := range payloads {
		burst = append(burst, clientFrame(true, opText, []byte(p))...)
	}
	c.write(burst) // one segment: the server reads it whole
	for i, want := range payloads {
		_, op, payload, err := c.readFrame()
		if err != nil || op != opText || string(payload) != want {
			t.Fatalf("response %d: op %d %q %v", i, op, payload, err)
		}
	}
	return sc
}

// TestBurstIsAnsweredInOneWrite: the responses to a burst of requests
// read at once go out together with the last one, written by the
// session's goroutine without waking the writer.
func TestBurstIsAnsweredInOneWrite(t *testing.T) {
	const n = 10
	var burst []string
	for i := range n {
		burst = append(burst, "req:"+strconv.Itoa(i))
	}
	sc := echoBurst(t, burst)
	if w, k := sc.writes.Load(), sc.kicks.Load(); w != 1 || k != 0 {
		t.Fatalf("%d responses took %d writes and %d writer wake-ups; want 1 write, no wake-up", n, w, k)
	}
}

// TestStreamedRequestsShareWrites: requests that arrive one at a time,
// each while the session is still handling the one before, have their
// responses held until the client stops sending, then written together,
// rather than written one by one.
func TestStreamedRequestsShareWrites(t *testing.T) {
	const n = 10
	handling := make(chan struct{})
	answer := make(chan struct{})
	cs := newConns(t)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		go cs.serve(c)
		for {
			m, err := c.Read(context.Background())
			if err != nil {
				return
			}
			handling <- struct{}{}
			<-answer
			c.Send(m)
		}
	})
	c := dialRaw(t, url, nil)
	sc := cs.next(t)
	for i := range n {
		c.write(clientFrame(true, opText, []byte("req:"+strconv.Itoa(i))))
		if i > 0 {
			// Request i is in the server's socket: the session answers
			// i-1 and finds it there when it reads next.
			answer <- struct{}{}
		}
		<-handling
	}
	answer <- struct{}{}
	for i := range n {
		_, op, payload, err := c.readFrame()
		if want := "req:" + strconv.Itoa(i); err != nil || op != opText || string(payload) != want {
			t.Fatalf("response %d: op %d %q %v, want %q", i, op, payload, err, want)
		}
	}
	// The first request was waited for, so its response went out at
	// once; the other n-1 went out together.
	if w := sc.writes.Load(); w != 2 {
		t.Fatalf("%d streamed requests took %d writes, want 2", n, w)
	}
}

// TestHeldResponsesAreBounded: a client that never lets the server's
// reads come up empty still gets its responses, every maxHeld bytes.
func TestHeldResponsesAreBounded(t *testing.T) {
	const n = 4 * maxHeld / 1024
	big := strings.Repeat("x", 1000)
	var burst []string
	for i := range n {
		burst = append(burst, fmt.Sprintf("%04d%s", i, big))
	}
	sc := echoBurst(t, burst)
	if w := sc.writes.Load(); w < 4 || w > 8 {
		t.Fatalf("%d KB of responses took %d writes, want one per %d KB held", n, w, maxHeld/1024)
	}
}

// TestHeldFramesGoOutOnClose: a response held for the next read still
// goes out, before the close frame, when the session closes instead.
func TestHeldFramesGoOutOnClose(t *testing.T) {
	url := serveWS(t, &Websocket{}, func(c Conn) {
		m, err := c.Read(context.Background())
		if err != nil {
			return
		}
		c.Send(m) // held: the second frame is already buffered
		c.Close()
	})
	c := dialRaw(t, url, nil)
	c.write(concat(clientFrame(true, opText, []byte(`"one"`)), clientFrame(true, opText, []byte(`"two"`))))
	_, op, payload, err := c.readFrame()
	if err != nil || op != opText || string(payload) != `"one"` {
		t.Fatalf("got op %d %q %v, want the held response", op, payload, err)
	}
	c.write(closeFrame(closeNormal, ""))
	c.expectClose(closeNormal)
}

// TestHeldFramesFailToGoOut: when the write of held responses, made as
// a read finds the socket empty, fails (the client has gone), that read
// ends with an error and the connection closes. Closing the socket from
// inside the read would wait for that read for ever (TestChaos found it:
// a session hung, and Server.Close with it).
func TestHeldFramesFailToGoOut(t *testing.T) {
	ended := make(chan error, 1)
	url := serveWS(t, &Websocket{}, func(c Conn) {
		ctx := context.Background()
		m, err := c.Read(ctx)
		if err != nil {
			ended <- err
			return
		}
		c.Send(m) // held: the second frame is already buffered
		// Writes to the client fail from here on, as if it had gone.
		c.(*wsConn).nc.(*net.TCPConn).CloseWrite()
		if _, err := c.Read(ctx); err != nil {
			ended <- err
			return
		}
		_, err = c.Read(ctx) // finds the socket empty: the held frame fails
		c.Close()            // and the connection closes
		ended <- err
	})
	c := dialRaw(t, url, nil)
	c.write(concat(clientFrame(true, opText, []byte(`"one"`)), clientFrame(true, opText, []byte(`"two"`))))
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("the read after a failed write of held frames succeeded")
		}
	case <-time.After(testTimeout):
		t.Fatal("the read after a failed write of held frames never returned")
	}
}

// TestTLS runs the portable socket (TLS connections cannot be written
// to without blocking, so every frame goes through the writer): echo,
// batched sends from another goroutine, the closing handshake.
func TestTLS(t *testing.T) {
	const n = 500
	hs := httptest.NewTLSServer((&Websocket{}).Handler(func(c Conn) {
		if _, ok := c.(*wsConn).sock.(*netSocket); !ok {
			t.Errorf("a TLS connection got a %T", c.(*wsConn).sock)
		}
		m, err := c.Read(context.Background())
		if err != nil {
			return
		}
		c.Send(m)
		go func() {
			for i := range n {
				c.Send([]byte("other:" + strconv.Itoa(i)))
			}
		}()
		c.Read(context.Background())
	}))
	t.Cleanup(hs.Close)
	url := "wss" + strings.TrimPrefix(hs.URL, "https") + Path
	c := dialCoder(t, url, &websocket.DialOptions{HTTPClient: hs.Client()})
	ctx := ctxT(t)
	if err := c.Write(ctx, websocket.MessageText, []byte("session:0")); err != nil {
		t.Fatal(err)
	}
	readSeq(t, c, map[string]int{"session": 1, "other": n})
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close handshake over TLS: %v", err)
	}
}

// TestConnectionsLeaveNothingBehind: once connections end, however they
// end, their goroutines are gone.
func TestConnectionsLeaveNothingBehind(t *testing.T) {
	before := runtime.NumGoroutine()
	url := serveWS(t, &Websocket{}, func(c Conn) {
		m, err := c.Read(context.Background())
		if err != nil {
			return
		}
		c.Send(m)
		if string(m) == "server closes" {
			c.Close()
			return
		}
		echo(c)
	})
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := ctxT(t)
			c, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			switch i % 3 {
			case 0: // the client closes
				c.Write(ctx, websocket.MessageText, []byte("hello"))
				c.Read(ctx)
				c.Close(websocket.StatusNormalClosure, "")
			case 1: // the server closes
				c.Write(ctx, websocket.MessageText, []byte("server closes"))
				for {
					if _, _, err := c.Read(ctx); err != nil {
						break
					}
				}
			case 2: // the client vanishes
				c.Write(ctx, websocket.MessageText, []byte("hello"))
				c.CloseNow()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(testTimeout)
	for runtime.NumGoroutine() > before+5 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
