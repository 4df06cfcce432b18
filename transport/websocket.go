package transport

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// DefaultMaxMessageSize is the largest frame accepted from a client,
// as happn-3's Primus default (maxLength, 10 MiB).
const DefaultMaxMessageSize = 10 << 20

// Websocket is happn-3's websocket endpoint: Primus framing (one JSON
// value per text frame) on github.com/coder/websocket. Its zero value is
// ready to use with the defaults each field documents.
type Websocket struct {
	// MaxMessageSize bounds an incoming frame; a bigger one closes the
	// connection with status 1009. Default DefaultMaxMessageSize.
	MaxMessageSize int64
	// QueueLimit bounds the bytes queued for one client. Default
	// DefaultQueueLimit.
	QueueLimit int
	// SlowConsumer says what happens when QueueLimit is reached. Default
	// Disconnect.
	SlowConsumer SlowConsumerPolicy
	// PingInterval is reported by GET /primus/spec. Default 30 s.
	PingInterval time.Duration
	// Logger receives connection-level problems. Default: discard.
	Logger *slog.Logger
}

// Path is where Primus listens; happn-3 clients connect to it.
const Path = "/primus"

// Handler serves happn-3's Primus endpoint. Websocket upgrades at /primus
// or any path below it are accepted (the query string, a cache buster, is
// ignored); GET /primus/spec describes the endpoint as Primus does; other
// plain requests get 426 Upgrade Required.
func (w *Websocket) Handler(serve func(Conn)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, Path) {
			http.NotFound(rw, r)
			return
		}
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			w.servePlain(rw, r)
			return
		}
		c, err := websocket.Accept(rw, r, &websocket.AcceptOptions{
			// happn-3 checks no origin: browsers on any page may connect,
			// and secure servers authenticate every session anyway.
			InsecureSkipVerify: true,
			CompressionMode:    websocket.CompressionDisabled,
		})
		if err != nil {
			w.logger().Debug("websocket upgrade failed", "err", err, "remote", r.RemoteAddr)
			return
		}
		limit := w.MaxMessageSize
		if limit <= 0 {
			limit = DefaultMaxMessageSize
		}
		c.SetReadLimit(limit)
		conn := newWSConn(c, infoFromRequest(r), NewQueue(w.QueueLimit), w.SlowConsumer)
		defer conn.Close()
		serve(conn)
	})
}

func (w *Websocket) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}

func (w *Websocket) servePlain(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == Path+"/spec" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		interval := w.PingInterval
		if interval <= 0 {
			interval = 30 * time.Second
		}
		rw.Header().Set("Content-Type", "application/json")
		json.NewEncoder(rw).Encode(map[string]any{
			"pingInterval": interval.Milliseconds(),
			"pathname":     Path,
			"version":      "8.0.9",
			"parser":       "json",
			"transformer":  "websockets",
		})
		return
	}
	http.Error(rw, "Upgrade Required", http.StatusUpgradeRequired)
}

func infoFromRequest(r *http.Request) Info {
	info := Info{URL: r.RequestURI, Secure: r.TLS != nil, Headers: make(map[string]string, len(r.Header))}
	for name, values := range r.Header {
		if len(values) > 0 {
			info.Headers[strings.ToLower(name)] = values[0]
		}
	}
	// net/http moves the Host header out of r.Header.
	info.Headers["host"] = r.Host
	if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		info.RemoteIP = host
		info.RemotePort, _ = strconv.Atoi(port)
	}
	return info
}

// wsConn is a Conn over a websocket: a reader used by the session and a
// writer goroutine draining the queue.
type wsConn struct {
	c      *websocket.Conn
	info   Info
	q      *Queue
	policy SlowConsumerPolicy

	ctx    context.Context // the connection's lifetime
	cancel context.CancelFunc
	done   chan struct{} // closed when the writer has finished
	once   sync.Once
}

// closeFlushTimeout bounds how long Close waits for queued frames to go out.
const closeFlushTimeout = 3 * time.Second

func newWSConn(c *websocket.Conn, info Info, q *Queue, policy SlowConsumerPolicy) *wsConn {
	ctx, cancel := context.WithCancel(context.Background())
	w := &wsConn{c: c, info: info, q: q, policy: policy, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go w.writeLoop()
	return w
}

func (w *wsConn) Info() Info { return w.info }

func (w *wsConn) Read(ctx context.Context) ([]byte, error) {
	for {
		typ, frame, err := w.c.Read(ctx)
		if err != nil {
			w.cancel()
			w.q.Close()
			return nil, err
		}
		if typ == websocket.MessageText {
			return frame, nil
		}
		// Binary frames are not part of the protocol; ignore them as
		// happn-3 ignores what it cannot parse.
	}
}

func (w *wsConn) Send(frame []byte) error {
	err := w.q.Push(frame)
	if errors.Is(err, ErrSlowConsumer) && w.policy == Disconnect {
		w.abort(websocket.StatusPolicyViolation, "outbound queue full")
	}
	return err
}

func (w *wsConn) writeLoop() {
	defer close(w.done)
	var buf [][]byte
	for {
		frames, ok := w.q.Take(w.ctx, buf)
		if !ok {
			return
		}
		for _, f := range frames {
			if err := w.c.Write(w.ctx, websocket.MessageText, f); err != nil {
				w.cancel()
				w.q.Close()
				return
			}
		}
		clear(frames)
		buf = frames
	}
}

// Close flushes the queue, then performs the closing handshake.
func (w *wsConn) Close() error {
	w.once.Do(func() {
		w.q.Close()
		select {
		case <-w.done:
		case <-time.After(closeFlushTimeout):
			w.cancel()
		}
		w.c.Close(websocket.StatusNormalClosure, "")
		w.cancel()
	})
	return nil
}

// abort closes the connection without flushing.
func (w *wsConn) abort(code websocket.StatusCode, reason string) {
	w.once.Do(func() {
		w.q.Close()
		w.cancel()
		go w.c.Close(code, reason)
	})
}
