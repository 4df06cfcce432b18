package happn_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

func encryptedConfig() happn.Config {
	cfg := secureConfig()
	cfg.EncryptPayloads = true
	return cfg
}

// TestPayloadEncryptionGoClient: the Go client seals both ways; data,
// events and errors still work.
func TestPayloadEncryptionGoClient(t *testing.T) {
	srv, url := secureServer(t, encryptedConfig())
	ctx := secCtx(t)
	c := secDial(t, url, happn.WithCredentials("alice", "alice-pw"), happn.WithPayloadEncryption())
	got := make(chan *happn.Event, 10)
	if _, err := c.On(ctx, "/shared/*", func(e *happn.Event) { got <- e }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set(ctx, "/shared/a", map[string]any{"secret": "s3"}); err != nil {
		t.Fatal(err)
	}
	if e := <-got; !strings.Contains(string(e.Data), "s3") {
		t.Fatalf("event: %s", e.Data)
	}
	it, err := c.Get(ctx, "/shared/a")
	if err != nil || !strings.Contains(string(it.Data), "s3") {
		t.Fatalf("get: %v %v", it, err)
	}
	if _, err := c.Get(ctx, "/elsewhere"); !errors.Is(err, happn.ErrUnauthorized) {
		t.Fatalf("refusal through the sealed channel: %v", err)
	}
	// In-process clients need not encrypt, but may.
	local, err := srv.LocalClient(ctx, happn.WithCredentials("alice", "alice-pw"))
	if err != nil {
		t.Fatal(err)
	}
	local.Close()
	sealedLocal, err := srv.LocalClient(ctx, happn.WithCredentials("alice", "alice-pw"), happn.WithPayloadEncryption())
	if err != nil {
		t.Fatal(err)
	}
	defer sealedLocal.Close()
	if _, err := sealedLocal.Get(ctx, "/shared/a"); err != nil {
		t.Fatal(err)
	}
}

// TestPayloadEncryptionRefusals: a client that cannot encrypt gets a
// clear error from a server that requires it; a client that requires it
// refuses a server that does not.
func TestPayloadEncryptionRefusals(t *testing.T) {
	_, url := secureServer(t, encryptedConfig())
	_, err := happn.Dial(secCtx(t), url, happn.WithCredentials("alice", "alice-pw"), happn.WithoutReconnect())
	var he *happn.Error
	if !errors.As(err, &he) || he.Code != 403 || !strings.Contains(he.Message, "requires payload encryption") {
		t.Fatalf("plain client: %v", err)
	}
	_, plainURL := secureServer(t, secureConfig())
	if _, err := happn.Dial(secCtx(t), plainURL, happn.WithCredentials("alice", "alice-pw"), happn.WithPayloadEncryption(), happn.WithoutReconnect()); !errors.Is(err, happn.ErrEncryptionRefused) {
		t.Fatalf("server without encryption: %v", err)
	}
	r := dialSecRaw(t, url)
	f := r.login(map[string]any{"username": "alice", "password": "alice-pw", "encryption": map[string]any{"scheme": "rot13", "publicKey": "x"}})
	if !strings.Contains(f, "unsupported payload encryption scheme") {
		t.Fatalf("unknown scheme: %s", f)
	}
}

// TestPayloadEncryptionOnTheWire: after the login response every frame
// is sealed; a replayed or altered frame ends the connection.
func TestPayloadEncryptionOnTheWire(t *testing.T) {
	_, url := secureServer(t, encryptedConfig())
	key, err := security.NewPayloadKey()
	if err != nil {
		t.Fatal(err)
	}
	r := dialSecRaw(t, url)
	resp := r.login(map[string]any{"username": "alice", "password": "alice-pw",
		"encryption": map[string]any{"scheme": security.PayloadScheme, "publicKey": key.PublicKey()}})
	serverKey, _ := field(t, resp, "data.encryption.publicKey").(string)
	if serverKey == "" {
		t.Fatalf("login response without the server's key: %s", resp)
	}
	c, err := key.Cipher(serverKey, true, field(t, resp, "data.id").(string))
	if err != nil {
		t.Fatal(err)
	}
	request := c.Seal([]byte(`{"action":"set","eventId":3,"path":"/shared/x","data":{"secret":"s3-cret"}}`))
	r.send(string(request))
	f := r.next()
	// "-" is not in the base64 alphabet: a sealed frame cannot contain it by chance.
	if !security.IsSealed([]byte(f)) || strings.Contains(f, "s3-cret") {
		t.Fatalf("the response is not sealed: %s", f)
	}
	plain, err := c.Open([]byte(f))
	if err != nil || !strings.Contains(string(plain), `"secret":"s3-cret"`) {
		t.Fatalf("opened %s, %v", plain, err)
	}
	// A plain frame is not accepted any more, nor a replay.
	r.send(string(request))
	if f := r.next(); f != "" {
		t.Fatalf("a replayed frame was answered: %s", f)
	}

	r2 := dialSecRaw(t, url)
	key2, _ := security.NewPayloadKey()
	resp = r2.login(map[string]any{"username": "alice", "password": "alice-pw",
		"encryption": map[string]any{"scheme": security.PayloadScheme, "publicKey": key2.PublicKey()}})
	c2, _ := key2.Cipher(field(t, resp, "data.encryption.publicKey").(string), true, field(t, resp, "data.id").(string))
	sealed := string(c2.Seal([]byte(`{"action":"get","eventId":3,"path":"/shared/x"}`)))
	raw, _ := base64.StdEncoding.DecodeString(sealed[len(`{"sealed":"`) : len(sealed)-2])
	raw[len(raw)-1] ^= 1
	r2.send(`{"sealed":"` + base64.StdEncoding.EncodeToString(raw) + `"}`)
	if f := r2.next(); f != "" {
		t.Fatalf("an altered frame was answered: %s", f)
	}

	r3 := dialSecRaw(t, url)
	r3.login(map[string]any{"username": "alice", "password": "alice-pw",
		"encryption": map[string]any{"scheme": security.PayloadScheme, "publicKey": key.PublicKey()}})
	r3.send(`{"action":"get","eventId":3,"path":"/shared/x"}`)
	if f := r3.next(); f != "" {
		t.Fatalf("a plain frame after the keys were agreed was answered: %s", f)
	}
}
