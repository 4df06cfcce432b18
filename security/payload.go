package security

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// Payload encryption (docs/payload-encryption.md): at login the client
// sends an ephemeral P-256 public key, the server answers with its own,
// both derive two AES-256-GCM keys (one per direction) with HKDF-SHA256
// from the ECDH shared secret, and from then on every frame except
// Primus heartbeats travels sealed as {"sealed":"<base64>"}. The base64
// holds an 8-byte big-endian sequence number followed by the GCM
// ciphertext; the sequence number is the GCM nonce's low 8 bytes, and
// each side accepts only the next number in order, so a frame cannot be
// replayed, dropped or reordered without the session failing.

// PayloadScheme names the scheme in the login exchange.
const PayloadScheme = "p256-hkdf-sha256-aes256gcm-v1"

// ErrPayload is wrapped by every error of PayloadCipher.Open and
// PayloadKey.Cipher.
var ErrPayload = errors.New("security: bad sealed payload")

// payloadAAD binds every sealed frame to this scheme.
var payloadAAD = []byte("happn-sealed-v1")

var sealedPrefix = []byte(`{"sealed":"`)

// PayloadKey is one side's ephemeral ECDH key for one session.
type PayloadKey struct {
	priv *ecdh.PrivateKey
}

// NewPayloadKey generates a P-256 key.
func NewPayloadKey() (*PayloadKey, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &PayloadKey{priv: priv}, nil
}

// PublicKey returns the public key to send to the peer: standard base64
// of the uncompressed point (65 bytes), which WebCrypto exports as
// "raw".
func (k *PayloadKey) PublicKey() string {
	return base64.StdEncoding.EncodeToString(k.priv.PublicKey().Bytes())
}

// Cipher agrees the session's keys with the peer's public key. client
// says which side k is; sessionID is the id the server gave the session,
// which both sides know after the login response.
func (k *PayloadKey) Cipher(peerPublic string, client bool, sessionID string) (*PayloadCipher, error) {
	raw, err := base64.StdEncoding.DecodeString(peerPublic)
	if err != nil {
		return nil, fmt.Errorf("%w: peer public key is not base64", ErrPayload)
	}
	peer, err := ecdh.P256().NewPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: peer public key: %v", ErrPayload, err)
	}
	secret, err := k.priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	mine := k.priv.PublicKey().Bytes()
	clientPub, serverPub := mine, raw
	if !client {
		clientPub, serverPub = raw, mine
	}
	h := sha256.New()
	h.Write(payloadAAD)
	h.Write(clientPub)
	h.Write(serverPub)
	salt := h.Sum(nil)
	c2s, err := hkdf.Key(sha256.New, secret, salt, "happn c2s "+sessionID, 32)
	if err != nil {
		return nil, err
	}
	s2c, err := hkdf.Key(sha256.New, secret, salt, "happn s2c "+sessionID, 32)
	if err != nil {
		return nil, err
	}
	send, recv := s2c, c2s
	if client {
		send, recv = c2s, s2c
	}
	pc := &PayloadCipher{}
	if pc.seal, err = newGCM(send); err != nil {
		return nil, err
	}
	if pc.open, err = newGCM(recv); err != nil {
		return nil, err
	}
	return pc, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// PayloadCipher seals the frames one side sends and opens the frames it
// receives. Seal calls must be serialised, in the order the frames are
// sent; so must Open calls, in the order frames arrive.
type PayloadCipher struct {
	seal, open       cipher.AEAD
	sendSeq, recvSeq uint64
}

// Seal returns frame sealed: {"sealed":"<base64(seq ‖ ciphertext)>"}.
func (c *PayloadCipher) Seal(frame []byte) []byte {
	var nonce [12]byte
	binary.BigEndian.PutUint64(nonce[4:], c.sendSeq)
	sealed := make([]byte, 8, 8+len(frame)+c.seal.Overhead())
	copy(sealed, nonce[4:])
	sealed = c.seal.Seal(sealed, nonce[:], frame, payloadAAD)
	c.sendSeq++
	enc := base64.StdEncoding
	out := make([]byte, 0, len(sealedPrefix)+enc.EncodedLen(len(sealed))+2)
	out = append(out, sealedPrefix...)
	out = enc.AppendEncode(out, sealed)
	return append(out, '"', '}')
}

// IsSealed reports whether frame looks like a sealed frame.
func IsSealed(frame []byte) bool { return bytes.HasPrefix(frame, sealedPrefix) }

// Open returns the frame sealed in a frame from the peer. It fails for
// anything but the next frame the peer sealed: a forged, altered,
// replayed, reordered or truncated frame is refused, and the session
// should then be closed.
func (c *PayloadCipher) Open(frame []byte) ([]byte, error) {
	if !IsSealed(frame) || !bytes.HasSuffix(frame, []byte(`"}`)) || len(frame) < len(sealedPrefix)+2 {
		return nil, fmt.Errorf("%w: not a sealed frame", ErrPayload)
	}
	body := frame[len(sealedPrefix) : len(frame)-2]
	sealed, err := base64.StdEncoding.Strict().AppendDecode(nil, body)
	if err != nil || len(sealed) < 8+c.open.Overhead() {
		return nil, fmt.Errorf("%w: malformed", ErrPayload)
	}
	seq := binary.BigEndian.Uint64(sealed[:8])
	if seq != c.recvSeq {
		return nil, fmt.Errorf("%w: sequence %d, expected %d", ErrPayload, seq, c.recvSeq)
	}
	var nonce [12]byte
	copy(nonce[4:], sealed[:8])
	plain, err := c.open.Open(nil, nonce[:], sealed[8:], payloadAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrPayload)
	}
	c.recvSeq++
	return plain, nil
}
