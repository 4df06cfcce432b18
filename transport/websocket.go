package transport

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxMessageSize is the largest message accepted from a client,
// as happn-3's Primus default (maxLength, 10 MiB).
const DefaultMaxMessageSize = 10 << 20

// Websocket is happn-3's websocket endpoint: Primus framing (one JSON
// value per text frame) on this package's own RFC 6455 server, which
// batches the frames queued for a client into one write. Its zero value
// is ready to use with the defaults each field documents.
type Websocket struct {
	// MaxMessageSize bounds an incoming message, summed over its
	// fragments; a bigger one closes the connection with status 1009.
	// Default DefaultMaxMessageSize.
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
		if !headerHasToken(r.Header, "Upgrade", "websocket") {
			w.servePlain(rw, r)
			return
		}
		// happn-3 checks no origin: browsers on any page may connect, and
		// secure servers authenticate every session anyway.
		nc, br, ok := upgrade(rw, r)
		if !ok {
			w.logger().Debug("websocket upgrade refused", "remote", r.RemoteAddr)
			return
		}
		limit := w.MaxMessageSize
		if limit <= 0 {
			limit = DefaultMaxMessageSize
		}
		conn := newWSConn(nc, br, infoFromRequest(r), w.logger(), limit, w.QueueLimit, w.SlowConsumer)
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
