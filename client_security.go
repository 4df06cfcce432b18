package happn

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/happn-go/happn/internal/protocol"
)

// WithKeyPair logs in as username by signing a server nonce with key (a
// digest login, SPEC §7.4): the server must know the user's public key.
// The key is sent as a PKIX PEM block ("PUBLIC KEY"); happn-3 compares it
// with the user's stored key as text, so store it in that form there.
func WithKeyPair(username string, key *rsa.PrivateKey) DialOption {
	return func(o *dialOptions) { o.username, o.keyPair = username, key }
}

// digestLogin fills login with a digest login's fields: it asks the server
// for a nonce and signs it (RSA PKCS#1 v1.5 over SHA-256 of the nonce's
// bytes, as happn-3's clients do).
func (c *Client) digestLogin(ctx context.Context, login map[string]any) error {
	der, err := x509.MarshalPKIXPublicKey(&c.opts.keyPair.PublicKey)
	if err != nil {
		return err
	}
	publicKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	req, _ := json.Marshal(map[string]string{"publicKey": publicKey})
	resp, err := c.internalCall(ctx, protocol.ActionRequestNonce, "", false, req, nil)
	if err != nil {
		return fmt.Errorf("happn: request-nonce: %w", err)
	}
	nonce, err := base64.StdEncoding.DecodeString(resp.data.Get("nonce").String())
	if err != nil || len(nonce) == 0 {
		return fmt.Errorf("happn: request-nonce: the server sent no usable nonce")
	}
	sum := sha256.Sum256(nonce)
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.opts.keyPair, crypto.SHA256, sum[:])
	if err != nil {
		return err
	}
	login["publicKey"] = publicKey
	login["digest"] = base64.StdEncoding.EncodeToString(sig)
	login["loginType"] = "digest"
	return nil
}

// RevokeToken revokes this session's token on a secure server: the token
// stops working everywhere (token logins, HTTP), and every session that
// came from the same login ends — this one too (SessionEnded, reason
// "token-revoked").
func (c *Client) RevokeToken(ctx context.Context) error {
	_, err := c.call(ctx, protocol.ActionRevokeToken, "", false, []byte("null"), nil)
	return err
}

// DisconnectChildSessions ends the other sessions that logged in with
// this session's token.
func (c *Client) DisconnectChildSessions(ctx context.Context) error {
	_, err := c.call(ctx, protocol.ActionDisconnectChildSessions, "", false, []byte("null"), nil)
	return err
}

// ChangePassword changes the logged-in user's password (happn-3 13's
// change-password); oldPassword must be the current one.
func (c *Client) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	data, _ := json.Marshal(map[string]string{"oldPassword": oldPassword, "newPassword": newPassword})
	_, err := c.call(ctx, protocol.ActionChangePassword, "", false, data, nil)
	return err
}
