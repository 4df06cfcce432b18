package transport

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// slowSetup connects a client that never reads (a real socket: its
// kernel buffers fill, then the server's, then the queue) and one that
// reads everything, both with a small queue limit.
func slowSetup(t *testing.T, policy SlowConsumerPolicy) (stalled *rawClient, stalledConn *wsConn, goodMsgs <-chan string, goodConn *wsConn) {
	const limit = 256 << 10
	cs := newConns(t)
	url := serveWS(t, &Websocket{QueueLimit: limit, SlowConsumer: policy}, cs.serve)
	stalled = dialRaw(t, url, nil)
	stalledConn = cs.next(t)
	good := dialCoder(t, url, nil)
	goodConn = cs.next(t)
	msgs := make(chan string, 4)
	go func() {
		defer close(msgs)
		ctx := ctxT(t)
		for {
			_, m, err := good.Read(ctx)
			if err != nil {
				return
			}
			msgs <- string(m)
		}
	}()
	return stalled, stalledConn, msgs, goodConn
}

// publish sends n 64 KiB frames "i:…" to both connections, as a
// publisher fans out, pacing itself on the good client only (at most two
// frames in flight to it) so that only the stalled client falls behind.
// It checks that the stalled connection's queue never exceeds its limit,
// and returns the first error of each Send to the stalled connection.
func publish(t *testing.T, n int, stalledConn, goodConn *wsConn, goodMsgs <-chan string) (errs []error) {
	return publishWith(t, n, 64<<10, false, stalledConn, goodConn, goodMsgs)
}

// publishWith is publish with frames of size bytes, sent with SendNow
// when now is set (as a paced publisher sends them).
func publishWith(t *testing.T, n, size int, now bool, stalledConn, goodConn *wsConn, goodMsgs <-chan string) (errs []error) {
	t.Helper()
	pad := strings.Repeat("x", size)
	send := (*wsConn).Send
	if now {
		send = (*wsConn).SendNow
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			frame := []byte(strconv.Itoa(i) + ":" + pad)
			err := send(stalledConn, frame)
			errs = append(errs, err)
			stalledConn.mu.Lock()
			queued, limit := stalledConn.pendingLen, stalledConn.limit
			stalledConn.mu.Unlock()
			if queued > limit {
				t.Errorf("frame %d: %d bytes queued for the stalled client, over the %d limit", i, queued, limit)
				return
			}
			if err := send(goodConn, frame); err != nil {
				t.Errorf("frame %d to the reading client: %v", i, err)
				return
			}
			if i >= 2 {
				want := strconv.Itoa(i-2) + ":"
				if m := <-goodMsgs; !strings.HasPrefix(m, want) {
					t.Errorf("reading client got %.20q, want frame %s", m, want)
					return
				}
			}
		}
		for i := n - 2; i < n; i++ {
			if m := <-goodMsgs; !strings.HasPrefix(m, strconv.Itoa(i)+":") {
				t.Errorf("reading client got %.20q, want frame %d", m, i)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("the publisher is stuck: Send blocked on a client that does not read")
	}
	return errs
}

func TestSlowConsumerIsDisconnected(t *testing.T) {
	t.Run("Send", func(t *testing.T) { testSlowConsumerIsDisconnected(t, false) })
	t.Run("SendNow", func(t *testing.T) { testSlowConsumerIsDisconnected(t, true) })
}

// testSlowConsumerIsDisconnected sends 25 MiB, far more than the limit
// plus the socket buffers; with now, in frames small enough for SendNow
// to write directly while the socket takes them.
func testSlowConsumerIsDisconnected(t *testing.T, now bool) {
	n, size := 400, 64<<10
	if now {
		n, size = 640, 40<<10
	}
	stalled, stalledConn, goodMsgs, goodConn := slowSetup(t, Disconnect)
	errs := publishWith(t, n, size, now, stalledConn, goodConn, goodMsgs)
	first := -1
	for i, err := range errs {
		if err != nil {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatal("every frame was queued for a client that never reads")
	}
	if !errors.Is(errs[first], ErrSlowConsumer) {
		t.Fatalf("first failed Send: %v, want ErrSlowConsumer", errs[first])
	}
	for i, err := range errs[first+1:] {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Send %d after the disconnect: %v, want ErrClosed", first+1+i, err)
		}
	}
	// The stalled client finds its connection gone once it reads.
	for {
		if _, _, _, err := stalled.readFrame(); err != nil {
			break
		}
	}
}

func TestSlowConsumerDropPolicy(t *testing.T) {
	t.Run("Send", func(t *testing.T) { testSlowConsumerDropPolicy(t, false) })
	t.Run("SendNow", func(t *testing.T) { testSlowConsumerDropPolicy(t, true) })
}

func testSlowConsumerDropPolicy(t *testing.T, now bool) {
	n, size := 400, 64<<10
	if now {
		n, size = 640, 40<<10
	}
	stalled, stalledConn, goodMsgs, goodConn := slowSetup(t, Drop)
	errs := publishWith(t, n, size, now, stalledConn, goodConn, goodMsgs)
	dropped := 0
	for i, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrSlowConsumer):
			dropped++
		default:
			t.Fatalf("Send %d: %v, want nil or ErrSlowConsumer", i, err)
		}
	}
	if dropped == 0 || stalledConn.dropped.Load() != int64(dropped) {
		t.Fatalf("%d Sends refused, %d counted as dropped; want some, equal", dropped, stalledConn.dropped.Load())
	}
	// The connection is still open: once the client reads, it gets the
	// frames that were queued, in order, then a new one.
	if err := stalledConn.Send([]byte("last:")); err != nil {
		t.Fatalf("Send after the drops: %v", err)
	}
	prev := -1
	for {
		_, op, payload, err := stalled.readFrame()
		if err != nil {
			t.Fatalf("reading what was kept: %v (after frame %d)", err, prev)
		}
		if op != opText {
			t.Fatalf("unexpected op %d", op)
		}
		num, _, _ := strings.Cut(string(payload), ":")
		if num == "last" {
			break
		}
		i, _ := strconv.Atoi(num)
		if i <= prev {
			t.Fatalf("frame %d after frame %d", i, prev)
		}
		prev = i
	}
}

// TestCloseDoesNotWaitForeverOnAStalledClient: Close gives up flushing
// after closeFlushTimeout and hangs up.
func TestCloseDoesNotWaitForeverOnAStalledClient(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the flush timeout")
	}
	stalled, stalledConn, goodMsgs, goodConn := slowSetup(t, Drop)
	publish(t, 100, stalledConn, goodConn, goodMsgs)
	done := make(chan struct{})
	go func() {
		stalledConn.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("Close waited for a client that never reads")
	}
	select {
	case <-stalledConn.gone:
	case <-time.After(testTimeout):
		t.Fatal("the connection was not closed")
	}
	for {
		if _, _, _, err := stalled.readFrame(); err != nil {
			break
		}
	}
}

// TestDirectWriteCutShort: the session writes directly until the socket
// is full, so one direct write is cut short and the rest of that frame,
// then every later frame, goes through the writer. The client, reading
// only afterwards, must get every frame whole and in order.
func TestDirectWriteCutShort(t *testing.T) {
	const n = 600 // 40 KiB each, 24 MiB: more than the socket buffers hold
	sent := make(chan struct{})
	url := serveWS(t, &Websocket{}, func(c Conn) {
		if _, err := c.Read(ctxT(t)); err != nil { // now in a request: direct writes
			return
		}
		pad := strings.Repeat("d", 40<<10)
		for i := range n {
			if err := c.Send([]byte(strconv.Itoa(i) + ":" + pad)); err != nil {
				t.Errorf("Send %d: %v", i, err)
				break
			}
		}
		close(sent)
		c.Read(ctxT(t))
	})
	c := dialRaw(t, url, nil)
	c.write(clientFrame(true, opText, []byte("go")))
	<-sent
	for i := range n {
		fin, op, payload, err := c.readFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		num, pad, _ := strings.Cut(string(payload), ":")
		if !fin || op != opText || num != strconv.Itoa(i) || len(pad) != 40<<10 || strings.Trim(pad, "d") != "" {
			t.Fatalf("frame %d: fin %v op %d, %.20q (%d bytes)", i, fin, op, payload, len(payload))
		}
	}
}
