package happn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn/security"
	"github.com/tidwall/gjson"
)

// The client side of payload encryption (docs/payload-encryption.md).
// The client offers an ephemeral P-256 key at login; the login response,
// the last plain frame, carries the server's; from then on sealedConn
// seals every frame the client sends and opens every frame it receives.
// Each connection (each reconnection too) agrees its own keys.

// WithPayloadEncryption makes the client seal every payload with a key
// agreed at login (ECDH P-256, HKDF-SHA256, AES-256-GCM). The login
// fails when the server does not agree to it, so a client that asks for
// encryption never talks in the clear after its login.
func WithPayloadEncryption() DialOption {
	return func(o *dialOptions) { o.encrypt = true }
}

// ErrEncryptionRefused is returned by Dial with WithPayloadEncryption
// when the server does not encrypt payloads.
var ErrEncryptionRefused = errors.New("happn: the server does not agree to payload encryption")

// sealedConn wraps a connection of a client that encrypts.
type sealedConn struct {
	clientConn
	key *security.PayloadKey

	on     atomic.Bool // set once the login response has agreed the keys
	sendMu sync.Mutex  // orders sealing with sending
	cipher *security.PayloadCipher
	err    error // why the keys could not be agreed, if they were offered
}

// encryptConn wraps conn when the client encrypts.
func (c *Client) encryptConn(conn clientConn) clientConn {
	if !c.opts.encrypt {
		return conn
	}
	sc := &sealedConn{clientConn: conn}
	sc.key, sc.err = security.NewPayloadKey()
	if p, ok := conn.(pushedConn); ok {
		return &sealedPushedConn{sealedConn: sc, pushed: p}
	}
	return sc
}

// sealedOf returns the sealedConn a client connection is, or wraps.
func sealedOf(conn clientConn) (*sealedConn, bool) {
	switch sc := conn.(type) {
	case *sealedConn:
		return sc, true
	case *sealedPushedConn:
		return sc.sealedConn, true
	}
	return nil, false
}

// sealedPushedConn is a sealedConn over an in-process pipe, whose frames
// are handed to a receiver instead of read.
type sealedPushedConn struct {
	*sealedConn
	pushed pushedConn
}

// SetReceiver opens each frame before the client's receiver sees it; a
// frame that does not open ends the connection.
func (s *sealedPushedConn) SetReceiver(receive func(frame []byte) bool) {
	s.pushed.SetReceiver(func(frame []byte) bool {
		plain, err := s.open(frame)
		if err != nil {
			s.Close()
			return true
		}
		return receive(plain)
	})
}

// Done is closed when the pipe closes.
func (s *sealedPushedConn) Done() <-chan struct{} { return s.pushed.Done() }

// offerEncryption adds the client's key to its login data.
func (c *Client) offerEncryption(login map[string]any) {
	c.mu.Lock()
	sc, ok := sealedOf(c.conn)
	c.mu.Unlock()
	if ok && sc.key != nil {
		login["encryption"] = map[string]string{"scheme": security.PayloadScheme, "publicKey": sc.key.PublicKey()}
	}
}

// checkEncryption fails a login whose response did not turn encryption
// on, for a client that asked for it.
func (c *Client) checkEncryption() error {
	if !c.opts.encrypt {
		return nil
	}
	c.mu.Lock()
	sc, ok := sealedOf(c.conn)
	c.mu.Unlock()
	switch {
	case !ok:
		return ErrEncryptionRefused
	case sc.err != nil:
		return fmt.Errorf("happn: payload encryption: %w", sc.err)
	case !sc.on.Load():
		return ErrEncryptionRefused
	}
	return nil
}

// Send seals payload frames once encryption is on; Primus heartbeats
// (JSON strings) stay plain.
func (s *sealedConn) Send(frame []byte) error {
	if !s.on.Load() || len(frame) == 0 || frame[0] == '"' {
		return s.clientConn.Send(frame)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return s.clientConn.Send(s.cipher.Seal(frame))
}

// Read opens sealed frames. Before encryption is on it watches for the
// successful login response and agrees the keys from it, before the next
// frame is read: the server seals everything after that response.
func (s *sealedConn) Read(ctx context.Context) ([]byte, error) {
	frame, err := s.clientConn.Read(ctx)
	if err != nil {
		return nil, err
	}
	return s.open(frame)
}

// open returns the plain text of a frame from the server, agreeing the
// keys when it is the login response.
func (s *sealedConn) open(frame []byte) ([]byte, error) {
	if len(frame) > 0 && frame[0] == '"' {
		return frame, nil
	}
	if s.on.Load() {
		plain, err := s.cipher.Open(frame)
		if err != nil {
			// A frame that does not open is an attack or a broken
			// server: drop the connection.
			return nil, err
		}
		return plain, nil
	}
	if s.key != nil && security.IsSealed(frame) {
		return nil, errors.New("happn: sealed frame before the keys were agreed")
	}
	if s.key != nil {
		root := gjson.ParseBytes(frame)
		if root.Get("_meta.action").Str == "login" && root.Get("_meta.status").Str == "ok" {
			if pub := root.Get("data.encryption.publicKey").Str; pub != "" {
				c, err := s.key.Cipher(pub, true, root.Get("data.id").Str)
				if err != nil {
					return nil, err
				}
				s.cipher = c
				s.on.Store(true)
			}
		}
	}
	return frame, nil
}
