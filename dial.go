package happn

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
	"github.com/happn-go/happn/localclient"
	"github.com/happn-go/happn/transport"
)

// Dial connects to the happn server at rawURL over a websocket and logs
// in. rawURL may be http(s):// or ws(s)://, with or without the /primus
// path: "http://127.0.0.1:55000" works. It works against happn-3 servers
// too.
//
// When the connection is lost the client reconnects by itself, with
// backoff (WithReconnectBackoff), logs in again with the same credentials
// and restores every subscription; WithConnectionEvents reports each
// step. While it is disconnected, calls fail at once with ErrDisconnected
// rather than wait; retry them after ReconnectSuccessful.
func Dial(ctx context.Context, rawURL string, opts ...DialOption) (*Client, error) {
	o := collectDial(opts)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http", "":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	if !strings.HasPrefix(u.Path, transport.Path) {
		u.Path = strings.TrimSuffix(u.Path, "/") + transport.Path
	}
	dopts := &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled}
	if o.allowSelfSigned {
		dopts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	target := u.String()
	dial := func(ctx context.Context) (clientConn, error) {
		ws, _, err := websocket.Dial(ctx, target, dopts)
		if err != nil {
			return nil, err
		}
		ws.SetReadLimit(-1)
		return &wsClientConn{ws: ws}, nil
	}
	conn, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	c := newClient(o, dial)
	if err := c.attach(ctx, conn); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// wsClientConn is the client's end of a websocket.
type wsClientConn struct{ ws *websocket.Conn }

func (w *wsClientConn) Read(ctx context.Context) ([]byte, error) {
	for {
		typ, b, err := w.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		if typ == websocket.MessageText {
			return b, nil
		}
	}
}

func (w *wsClientConn) Send(frame []byte) error {
	return w.ws.Write(context.Background(), websocket.MessageText, frame)
}

func (w *wsClientConn) Close() error { return w.ws.Close(websocket.StatusNormalClosure, "") }

// LocalClient returns an in-process client. Its frames travel through a
// pseudo-socket into exactly the same session pipeline as a websocket
// client's, so it sees what a remote client would. A call is handled on
// the calling goroutine (no network, no goroutine switch); its ctx is
// checked before the request goes in, not while the server works on it.
func (s *Server) LocalClient(ctx context.Context, opts ...DialOption) (*Client, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	o := collectDial(opts)
	serverEnd, clientEnd := localclient.Pipe(transport.Info{URL: "local"}, s.cfg.SlowConsumer)
	go s.serveConn(serverEnd)
	c := newClient(o, nil)
	if err := c.attach(ctx, clientEnd); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
