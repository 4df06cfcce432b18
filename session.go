package happn

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/internal/ids"
	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/transport"
	"github.com/tidwall/gjson"
)

// session is one client connection and what the server knows about it.
// Its requests are handled in order by run's goroutine; other goroutines
// (publishers, the heartbeat, Shutdown) only call send, heartbeat and end.
type session struct {
	srv  *Server
	id   string
	conn transport.Conn
	info transport.Info
	// connected is when the client connected.
	connected time.Time

	// busy is held while a request is being handled, so that end can wait
	// for the request in flight.
	busy sync.Mutex

	// Set by configure-session and login, read by other goroutines.
	protocol  atomic.Pointer[string]
	wire      atomic.Pointer[codecRef] // the session's protocol.Codec
	version   string
	browser   bool
	loginInfo []byte // raw JSON of login data.info
	identity  atomic.Pointer[security.Identity]
	msgCount  int64

	// Heartbeat state.
	alive   atomic.Bool
	skipped atomic.Int32

	subsMu sync.Mutex
	subs   map[string]*subscription // by reference id
	chans  map[chanKey]*channelSub

	ending atomic.Bool

	sec sessionSecurity // secure mode: policy timer, payload cipher

	hold eventHold // events wait here while initial values are read

	// The update a set hands the store (data.go); used by the goroutine
	// handling the session's requests only.
	setUpdate   setUpdate
	setUpdateFn store.UpdateFunc
}

var legacyProtocol = protocol.ProtocolLegacy

func newSession(s *Server, c transport.Conn) *session {
	ss := &session{srv: s, id: ids.UUID(), conn: c, info: c.Info(), connected: time.Now()}
	ss.protocol.Store(&legacyProtocol)
	ss.wire.Store(happn4Ref)
	ss.alive.Store(true)
	ss.setUpdateFn = ss.setUpdate.apply
	return ss
}

func (ss *session) proto() string { return *ss.protocol.Load() }

// codecRef holds a codec so that it can be swapped atomically.
type codecRef struct{ protocol.Codec }

var happn4Ref = &codecRef{protocol.Happn4}

// codec returns the session's wire protocol; sessions that never
// configured one speak happn_4's envelopes under happn-3's legacy name.
func (ss *session) codec() protocol.Codec { return ss.wire.Load().Codec }

// run reads and handles frames until the connection ends.
func (ss *session) run(ctx context.Context) {
	if p, ok := ss.conn.(transport.Pusher); ok {
		// In-process clients hand their frames over on their own
		// goroutine; the session lock keeps them one at a time.
		p.Serve(func(frame []byte) {
			ss.busy.Lock()
			if !ss.ending.Load() {
				ss.handleFrame(ctx, frame)
			}
			ss.busy.Unlock()
		})
		return
	}
	for {
		frame, err := ss.conn.Read(ctx)
		if err != nil {
			return
		}
		ss.busy.Lock()
		if ss.ending.Load() {
			// end is flushing its goodbye; it closes the connection,
			// which ends this loop.
			ss.busy.Unlock()
			continue
		}
		ss.handleFrame(ctx, frame)
		ss.busy.Unlock()
	}
}

// send queues a frame for the client, through the outbound layers.
func (ss *session) send(frame []byte) error { return ss.sendFrame(frame, false) }

// inBurst reports whether the client had more requests in flight when
// the one being handled was read (transport.DirectSender.MoreInput), so
// frames this session's goroutine sends to others may wait to be batched.
func (ss *session) inBurst() bool {
	d, ok := ss.conn.(transport.DirectSender)
	return ok && d.MoreInput()
}

// sendFrame is send; with now, over plain TCP and when nothing is queued
// for the client, the calling goroutine writes the frame at once rather
// than waking the connection's writer (transport.DirectSender).
func (ss *session) sendFrame(frame []byte, now bool) error {
	if layers := ss.srv.cfg.OutboundLayers; len(layers) > 0 {
		m := Message{SessionID: ss.id, Frame: frame}
		if err := runLayers(context.Background(), layers, &m); err != nil {
			return err
		}
		frame = m.Frame
	}
	var err error
	if ss.sec.encrypted.Load() {
		err = ss.sendSealed(frame)
	} else if d, ok := ss.conn.(transport.DirectSender); ok && now {
		err = d.SendNow(frame)
	} else {
		err = ss.conn.Send(frame)
	}
	if errors.Is(err, transport.ErrSlowConsumer) {
		ss.srv.log.Warn("client is not reading; frame not queued", "session", ss.id, "policy", ss.srv.cfg.SlowConsumer)
	}
	return err
}

// heartbeat runs on the server's heartbeat goroutine every PingInterval.
func (ss *session) heartbeat(now int64) {
	if ss.proto() == protocol.ProtocolLegacy {
		// happn-3 pings only sessions that configured a protocol; older
		// clients ping the server instead.
		return
	}
	if ss.alive.Swap(false) {
		ss.skipped.Store(0)
	} else if int(ss.skipped.Add(1)) > ss.srv.cfg.MissedHeartbeats {
		ss.srv.log.Info("dropping unresponsive client", "session", ss.id)
		ss.conn.Close()
		return
	}
	ss.send(protocol.Ping(now))
}

// end finishes the session: it waits for the request in flight, sends the
// server-side-disconnect message and Primus' close signal when reason is
// not empty, then closes the connection after flushing.
func (ss *session) end(reason string) {
	if ss.ending.Swap(true) {
		return
	}
	ss.finish(reason)
}

// endAsync is end for callers that may be handling this session's
// request (its own goroutine): the session stops taking requests at
// once, and the goodbye follows the response in flight.
func (ss *session) endAsync(reason string) {
	if ss.ending.Swap(true) {
		return
	}
	go ss.finish(reason)
}

func (ss *session) finish(reason string) {
	ss.busy.Lock()
	defer ss.busy.Unlock()
	if reason != "" {
		ss.send(ss.codec().AppendDisconnect(nil, reason))
		ss.send(protocol.ServerClose)
	}
	ss.conn.Close()
}

// handleFrame handles one frame from the client.
func (ss *session) handleFrame(ctx context.Context, frame []byte) {
	if kind, stamp := protocol.ParseControl(frame); kind != protocol.NotControl {
		switch kind {
		case protocol.ControlPong:
			ss.alive.Store(true)
		case protocol.ControlPing:
			// Legacy clients (protocol < 4) ping the server.
			ss.alive.Store(true)
			ss.send(protocol.Pong(stamp))
		case protocol.ControlID:
			ss.send([]byte(`"primus::id::` + ss.id + `"`))
		}
		return
	}
	if ss.sec.encrypted.Load() {
		var ok bool
		if frame, ok = ss.openSealed(frame); !ok {
			return
		}
	}
	ss.msgCount++
	if layers := ss.srv.cfg.InboundLayers; len(layers) > 0 {
		m := Message{SessionID: ss.id, Inbound: true, Frame: frame}
		if err := runLayers(ctx, layers, &m); err != nil {
			ss.replyUndecoded(frame, asError(err))
			return
		}
		frame = m.Frame
	}
	req, err := ss.codec().DecodeRequest(frame)
	if err != nil {
		ss.srv.log.Warn("failed to decode incoming data", "session", ss.id, "err", err)
		ss.replyUndecoded(frame, badRequest(err.Error()))
		return
	}
	ss.dispatch(ctx, &req)
}

// replyUndecoded answers a request that could not be decoded, when the
// frame at least names an eventId to answer; otherwise the frame is
// dropped (the client could not match an answer anyway).
func (ss *session) replyUndecoded(frame []byte, e *Error) {
	if !gjson.ValidBytes(frame) {
		return
	}
	root := gjson.ParseBytes(frame)
	eid := root.Get("eventId")
	if !eid.Exists() {
		return
	}
	r := protocol.Response{Protocol: ss.proto(), Action: root.Get("action").String(), EventID: []byte(eid.Raw)}
	ss.send(ss.codec().AppendError(nil, r, *e.wire()))
}

// response returns the response fields for req.
func (ss *session) response(req *protocol.Request) protocol.Response {
	return protocol.Response{Protocol: ss.proto(), Action: req.Action, EventID: req.EventID, SessionID: req.SessionID}
}

// fail sends an error response to req.
func (ss *session) fail(req *protocol.Request, err error) {
	ss.srv.counters.errors.Add(1)
	r := ss.response(req)
	ss.send(ss.codec().AppendError(nil, r, *asError(err).wire()))
}

// ok sends a successful single-object response.
func (ss *session) ok(req *protocol.Request, data []byte, m protocol.ResponseMeta, published bool) {
	r := ss.response(req)
	r.Published = published
	ss.send(ss.codec().AppendResponse(make([]byte, 0, responseSize(data, req)), r, data, m))
}

// responseSize estimates the bytes of a response to req carrying data,
// so that it is built in one allocation.
func responseSize(data []byte, req *protocol.Request) int {
	return len(data) + len(req.Path) + len(req.SessionID) + len(req.EventID) + 220
}

// dispatch runs the action of a decoded request.
func (ss *session) dispatch(ctx context.Context, req *protocol.Request) {
	if req.Encrypted {
		ss.fail(req, badRequest("Encrypted payloads are no longer supported"))
		return
	}
	c := &ss.srv.counters
	switch req.Action {
	case protocol.ActionConfigureSession:
		c.request(kindConfigure)
		ss.configure(req)
	case protocol.ActionDescribe:
		c.request(kindDescribe)
		ss.describe(req)
	case protocol.ActionLogin:
		c.request(kindLogin)
		ss.login(ctx, req)
	case protocol.ActionSet:
		c.request(kindSet)
		ss.set(ctx, req)
	case protocol.ActionGet:
		c.request(kindGet)
		ss.get(ctx, req)
	case protocol.ActionCount:
		c.request(kindCount)
		ss.count(ctx, req)
	case protocol.ActionRemove:
		c.request(kindRemove)
		ss.remove(ctx, req)
	case protocol.ActionOn:
		c.request(kindOn)
		ss.on(ctx, req)
	case protocol.ActionOff:
		c.request(kindOff)
		ss.off(req)
	case protocol.ActionAck:
		c.request(kindAck)
		ss.ack(req)
	case protocol.ActionRequestNonce, protocol.ActionRevokeToken,
		protocol.ActionDisconnectChildSessions, protocol.ActionChangePassword:
		c.request(slices.Index(requestKinds[:], req.Action))
		ss.securityAction(ctx, req)
	default:
		c.request(kindOther)
		// happn-3 stays silent and the client times out after 60 s; an
		// answer is kinder and costs nothing.
		ss.fail(req, badRequest("unknown action: "+req.Action))
	}
}

// authorize asks the security provider whether this session may do
// action on path. Server records under /_SYSTEM are never reachable over
// a connection, whatever the provider says.
func (ss *session) authorize(ctx context.Context, req *protocol.Request, action, path string) error {
	err := ss.checkAccess(ctx, req, action, path)
	ss.reportActivity(action, path, err)
	return err
}

// checkAccess is authorize without the Config.OnActivity report.
func (ss *session) checkAccess(ctx context.Context, req *protocol.Request, action, path string) error {
	if ss.srv.secure != nil {
		// A socket that never logged in is refused (and dropped) first.
		if err := ss.authorizeSecure(ctx, ss.onBehalfOf(req), action, path); err != nil {
			return err
		}
	}
	if isSystemPath(path) {
		return accessDenied(403, "unauthorized")
	}
	if ss.srv.secure != nil {
		return nil
	}
	return wireError(ss.srv.sec.Authorize(ctx, ss.identity.Load(), action, path))
}
