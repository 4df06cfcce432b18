package happn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/tidwall/gjson"
)

// Client is a connection to a happn server: over a websocket (Dial) or in
// process (Server.LocalClient). Both speak the same happn_4 frames, so a
// Client behaves the same whichever way it is connected, and it can talk
// to a happn-3 server too.
//
// A Client is safe for concurrent use. Calls block until the server
// answers, ctx is done, or the call timeout passes. Event handlers are
// called one at a time, in the order the events arrived, on a goroutine
// owned by the client: a slow handler delays the handlers after it, and
// once its backlog is full the client stops reading from the server, which
// then treats it as a slow consumer (see Config.SlowConsumer).
type Client struct {
	opts *dialOptions
	// dial opens a new connection to the same server; nil for clients
	// that cannot reconnect (in-process ones).
	dial   func(ctx context.Context) (clientConn, error)
	nextID atomic.Int64

	mu   sync.Mutex
	conn clientConn // nil while disconnected
	gen  int        // counts connections, so a stale reader is ignored
	// ready is true once conn has been configured, logged in and its
	// subscriptions restored; calls made before that fail fast.
	ready     bool
	waiters   map[int64]chan *message
	published map[int64]func(PublishResult, error)
	listeners map[string][]*listener // by channel
	byID      map[ListenerID]*listener
	// noReconnect is set when the server says not to come back.
	noReconnect bool
	closed      bool
	closeErr    error

	sessionID string
	session   json.RawMessage
	secure    bool
	server    string

	events chan *message // publications waiting for the dispatcher
	// released lists the listeners whose initial values have been handed
	// over and whose held events the dispatcher is to deliver (On);
	// release wakes it for them.
	released []*listener
	release  chan struct{}
	done     chan struct{} // closed when the client stops for good
	wg       sync.WaitGroup
	// own holds the ids of the client's goroutines (goOwn), where
	// handlers and callbacks run: Close called there cannot wait for them.
	ownMu sync.Mutex
	own   map[uint64]struct{}
}

// clientConn is the client's end of a connection.
type clientConn interface {
	Read(ctx context.Context) ([]byte, error)
	Send(frame []byte) error
	Close() error
}

// eventBacklog is how many received events may wait for slow handlers
// before the client stops reading.
const eventBacklog = 4096

func newClient(opts *dialOptions, dial func(context.Context) (clientConn, error)) *Client {
	c := &Client{
		opts:      opts,
		dial:      dial,
		waiters:   make(map[int64]chan *message),
		published: make(map[int64]func(PublishResult, error)),
		listeners: make(map[string][]*listener),
		byID:      make(map[ListenerID]*listener),
		events:    make(chan *message, eventBacklog),
		release:   make(chan struct{}, 1),
		done:      make(chan struct{}),
		own:       make(map[uint64]struct{}),
	}
	c.goOwn(c.dispatchLoop)
	return c
}

// handshake configures the session, asks the server to describe itself
// and logs in (SPEC §1.6).
func (c *Client) handshake(ctx context.Context) error {
	if _, err := c.internalCall(ctx, protocol.ActionConfigureSession, "", false,
		[]byte(`{"protocol":"happn_4","version":"`+Version+`","browser":false}`), nil); err != nil {
		return fmt.Errorf("happn: configure-session: %w", err)
	}
	desc, err := c.internalCall(ctx, protocol.ActionDescribe, "", false, []byte("null"), nil)
	if err != nil {
		return fmt.Errorf("happn: describe: %w", err)
	}
	c.mu.Lock()
	c.server, c.secure = desc.data.Get("name").String(), desc.data.Get("secure").Bool()
	c.mu.Unlock()

	login := map[string]any{"protocol": protocol.ProtocolHappn4}
	info := map[string]any{"_browser": false, "_local": c.dial == nil}
	for k, v := range c.opts.info {
		info[k] = v
	}
	login["info"] = info
	if c.opts.token != "" {
		login["token"] = c.opts.token
	} else if c.opts.keyPair != nil {
		login["username"] = c.opts.username
		if err := c.digestLogin(ctx, login); err != nil {
			return err
		}
	} else if c.opts.username != "" {
		login["username"] = c.opts.username
		login["password"] = c.opts.password
	}
	c.offerEncryption(login)
	data, err := json.Marshal(login)
	if err != nil {
		return err
	}
	resp, err := c.internalCall(ctx, protocol.ActionLogin, "", false, data, nil)
	if err != nil {
		return fmt.Errorf("happn: login: %w", err)
	}
	if err := c.checkEncryption(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sessionID = resp.data.Get("id").String()
	c.session = json.RawMessage(resp.data.Raw)
	c.mu.Unlock()
	return nil
}

// SessionID returns the id the server gave this client's session. It
// changes when the client reconnects.
func (c *Client) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionID
}

// Session returns the session record the server returned at login, as
// JSON (id, user, token on secure servers, …).
func (c *Client) Session() json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Token returns the session token of a secure server's session, for
// calling the server's HTTP routes; "" on an insecure server.
func (c *Client) Token() string {
	return gjson.GetBytes(c.Session(), "token").String()
}

// Close ends the connection and stops reconnecting. Calls waiting for an
// answer return ErrClosed. It is safe to call more than once, and from an
// event handler or a callback of the client. Unless called from one, it
// returns once no handler or callback of the client is running or will
// run.
func (c *Client) Close() error {
	c.shutdown(ErrClosed)
	c.ownMu.Lock()
	_, inside := c.own[goroutineID()]
	c.ownMu.Unlock()
	if !inside {
		c.wg.Wait()
	}
	return nil
}

// goOwn runs f on a goroutine of the client's own, which Close waits for.
func (c *Client) goOwn(f func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		id := goroutineID()
		c.ownMu.Lock()
		c.own[id] = struct{}{}
		c.ownMu.Unlock()
		defer func() {
			c.ownMu.Lock()
			delete(c.own, id)
			c.ownMu.Unlock()
		}()
		f()
	}()
}

// goroutineID returns the calling goroutine's id, read from the header of
// its stack trace ("goroutine 42 [running]:"). Go offers no other way to
// tell a goroutine apart; the client needs it only to start and to close.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// shutdown stops the client for good: no more calls, no reconnection.
func (c *Client) shutdown(reason error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.closeErr = reason
	conn := c.conn
	c.conn, c.ready = nil, false
	waiters := c.waiters
	c.waiters = make(map[int64]chan *message)
	c.mu.Unlock()
	for _, w := range waiters {
		close(w)
	}
	if conn != nil {
		conn.Close()
	}
	close(c.done)
}

// call sends a request and waits for its response frame. While the
// client is disconnected (reconnecting) it fails at once with
// ErrDisconnected rather than waiting.
func (c *Client) call(ctx context.Context, action, path string, hasPath bool, data, options []byte) (*message, error) {
	return c.callID(ctx, c.nextID.Add(1), false, action, path, hasPath, data, options)
}

// internalCall is call for the handshake and re-subscription, which run
// before the connection is ready.
func (c *Client) internalCall(ctx context.Context, action, path string, hasPath bool, data, options []byte) (*message, error) {
	return c.callID(ctx, c.nextID.Add(1), true, action, path, hasPath, data, options)
}

// callID is call with an eventId the caller has taken from nextID.
func (c *Client) callID(ctx context.Context, id int64, internal bool, action, path string, hasPath bool, data, options []byte) (*message, error) {
	frame := make([]byte, 0, 160+len(path)+len(data)+len(options))
	frame = append(frame, `{"action":`...)
	frame = protocol.AppendString(frame, action)
	frame = append(frame, `,"eventId":`...)
	frame = strconv.AppendInt(frame, id, 10)
	if hasPath {
		frame = append(frame, `,"path":`...)
		frame = protocol.AppendString(frame, path)
	}
	if data != nil {
		frame = append(frame, `,"data":`...)
		frame = append(frame, data...)
	}

	w := waiterPool.Get().(chan *message)
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		return nil, err
	}
	conn := c.conn
	if conn == nil || (!c.ready && !internal) {
		c.mu.Unlock()
		return nil, ErrDisconnected
	}
	if c.sessionID != "" {
		frame = append(frame, `,"sessionId":`...)
		frame = protocol.AppendString(frame, c.sessionID)
	}
	c.waiters[id] = w
	c.mu.Unlock()
	if options != nil {
		frame = append(frame, `,"options":`...)
		frame = append(frame, options...)
	}
	frame = append(frame, '}')
	if err := conn.Send(frame); err != nil {
		c.forget(id)
		return nil, fmt.Errorf("%w: %v", ErrDisconnected, err)
	}

	// An in-process call has been answered by the time Send returns: no
	// timer needed.
	select {
	case resp, ok := <-w:
		if !ok {
			return nil, c.downErr()
		}
		waiterPool.Put(w)
		return resp, resp.err()
	default:
	}
	var timeout <-chan time.Time
	if _, ok := ctx.Deadline(); !ok && c.opts.callTimeout > 0 {
		t := time.NewTimer(c.opts.callTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case resp, ok := <-w:
		if !ok {
			return nil, c.downErr()
		}
		waiterPool.Put(w)
		return resp, resp.err()
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	case <-timeout:
		c.forget(id)
		return nil, ErrTimeout
	}
}

// waiterPool holds the channels calls wait on for their response, each
// with a buffer of one. A channel goes back to the pool only after its
// call has received the response: deliver took it out of waiters before
// sending, so nothing else can still reach it. A channel that was closed,
// or whose call gave up (a response may yet be sent to it), is dropped.
var waiterPool = sync.Pool{New: func() any { return make(chan *message, 1) }}

// downErr is what a call cut off by a lost connection returns.
func (c *Client) downErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.closeErr
	}
	return ErrDisconnected
}

func (c *Client) forget(id int64) {
	c.mu.Lock()
	delete(c.waiters, id)
	delete(c.published, id)
	c.mu.Unlock()
}

func (c *Client) deliver(m *message) {
	c.mu.Lock()
	w := c.waiters[m.eventID]
	delete(c.waiters, m.eventID)
	c.mu.Unlock()
	if w != nil {
		w <- m
	}
}

// dispatchLoop calls event handlers and publication callbacks, in order.
func (c *Client) dispatchLoop() {
	for {
		select {
		case m := <-c.events:
			c.deliverReleased()
			if m.typ == "ack" {
				c.publicationAck(m)
				continue
			}
			c.dispatchEvent(m)
		case <-c.release:
			c.deliverReleased()
		case <-c.done:
			return
		}
	}
}

// publicationAck hands a publication-ack result to its OnPublished.
func (c *Client) publicationAck(m *message) {
	id := m.eventID
	c.mu.Lock()
	fn := c.published[id]
	delete(c.published, id)
	c.mu.Unlock()
	if fn == nil {
		return
	}
	r := m.root().Get("result")
	res := PublishResult{
		Queued:       int(r.Get("queued").Int()),
		Successful:   int(r.Get("successful").Int()),
		Failed:       int(r.Get("failed").Int()),
		Skipped:      int(r.Get("skipped").Int()),
		Acknowledged: int(r.Get("acknowledged").Int()),
	}
	var err error
	if m.root().Get("status").Str == "error" {
		err = fmt.Errorf("happn: publication failed: %s", m.root().Get("error").String())
	}
	fn(res, err)
}
