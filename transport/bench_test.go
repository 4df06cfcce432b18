package transport

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// processCPU is this process's CPU time, user and system. The benchmarks
// report it per operation (cpu-ns/op): on a shared, noisy machine it is
// steadier than wall time, and it counts the syscalls and wake-ups this
// package exists to save. Client and server share the process, so it is
// their sum.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, per int) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N*per), "cpu-ns/op")
		}
	}
}

// loopReader returns the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

// BenchmarkReadMessage parses small masked text frames, as a session
// reads requests.
func BenchmarkReadMessage(b *testing.B) {
	frame := clientFrame(true, opText, []byte(`{"action":"get","eventId":12,"path":"/bench/get","data":null,"options":{"timeout":60000}}`))
	stream := bytes.Repeat(frame, 64)
	r := &messageReader{br: bufio.NewReaderSize(&loopReader{data: stream}, readBufferSize), max: DefaultMaxMessageSize}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := r.next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEcho is a request/response round trip over loopback: the
// coder client writes, the session reads and sends the answer (a direct
// write), the client reads it.
func BenchmarkEcho(b *testing.B) {
	url := serveWS(b, &Websocket{}, echo)
	c := dialCoder(b, url, nil)
	ctx := context.Background()
	msg := []byte(`{"action":"get","eventId":12,"path":"/bench/get","data":null}`)
	defer reportCPU(b, 1)()
	for b.Loop() {
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// drainer reads a connection as fast as it can and counts the bytes.
type drainer struct {
	n atomic.Int64
}

func (d *drainer) run(nc net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := nc.Read(buf)
		d.n.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// drained connects clients raw websocket clients that only read, and
// returns the server's ends and their drainers.
func drained(b *testing.B, clients int) ([]*wsConn, []*drainer) {
	cs := newConns(b)
	url := serveWS(b, &Websocket{}, cs.serve)
	var conns []*wsConn
	var ds []*drainer
	for range clients {
		rc := dialRaw(b, url, nil)
		rc.nc.SetDeadline(time.Time{})
		d := &drainer{}
		go d.run(rc.nc)
		conns = append(conns, cs.next(b))
		ds = append(ds, d)
	}
	return conns, ds
}

// pace keeps a benchmark loop from queueing without bound (a client that
// falls behind is disconnected): every 256 operations it waits until the
// clients are at most 1024 operations behind.
func pace(b *testing.B, ds []*drainer, i int, opBytes int64) {
	if i%256 == 0 && i > 1024 {
		waitDrained(b, ds, int64(i-1024)*opBytes)
	}
}

// waitDrained waits until every drainer has read want bytes.
func waitDrained(b *testing.B, ds []*drainer, want int64) {
	deadline := time.Now().Add(testTimeout)
	for _, d := range ds {
		for d.n.Load() < want {
			if time.Now().After(deadline) {
				b.Fatalf("a client read %d of %d bytes", d.n.Load(), want)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}

var eventFrame = []byte(`{"data":{"seq":1234,"t":1795633920956},"_meta":{"created":1795633920956,"modified":1795633920956,"path":"/bench/fan/topic","action":"/SET@/bench/fan/topic","type":"data","sessionId":"8ad6f1ae-6e0a-4c7f-b1c1-2f1e5a3b9c77","consistency":2,"publicationId":"8ad6f1ae-6e0a-4c7f-b1c1-2f1e5a3b9c77-1234","channel":"/SET@/bench/fan/topic"},"protocol":"happn_4"}`)

// BenchmarkSend sends frames to one client: "direct" as a response is
// sent (by the session during a request), "queued" as a publication from
// another goroutine is.
func BenchmarkSend(b *testing.B) {
	for _, mode := range []string{"direct", "queued"} {
		b.Run(mode, func(b *testing.B) {
			conns, ds := drained(b, 1)
			c := conns[0]
			c.inRequest.Store(mode == "direct")
			frameLen := int64(len(eventFrame) + headerLen(len(eventFrame)))
			defer reportCPU(b, 1)()
			i := 0
			for b.Loop() {
				if err := c.Send(eventFrame); err != nil {
					b.Fatal(err)
				}
				i++
				pace(b, ds, i, frameLen)
			}
			waitDrained(b, ds, int64(b.N)*frameLen)
		})
	}
}

// BenchmarkFanout sends the same frame to 100 clients per operation, as
// a publication to 100 subscribers does, and waits for every byte to be
// read. cpu-ns/op is per event (per client per frame) and includes the
// clients' reads.
func BenchmarkFanout(b *testing.B) {
	const clients = 100
	conns, ds := drained(b, clients)
	frameLen := int64(len(eventFrame) + headerLen(len(eventFrame)))
	start := time.Now()
	defer reportCPU(b, clients)()
	i := 0
	for b.Loop() {
		for _, c := range conns {
			if err := c.Send(eventFrame); err != nil {
				b.Fatal(err)
			}
		}
		i++
		pace(b, ds, i, frameLen)
	}
	waitDrained(b, ds, int64(b.N)*frameLen)
	b.ReportMetric(float64(b.N*clients)/time.Since(start).Seconds(), "events/s")
}
