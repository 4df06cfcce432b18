package security

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

// pair returns the client's and the server's ciphers of one session.
func pair(t testing.TB) (client, server *PayloadCipher) {
	t.Helper()
	ck, err := NewPayloadKey()
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := NewPayloadKey()
	if server, err = sk.Cipher(ck.PublicKey(), false, "session-1"); err != nil {
		t.Fatal(err)
	}
	if client, err = ck.Cipher(sk.PublicKey(), true, "session-1"); err != nil {
		t.Fatal(err)
	}
	return client, server
}

func TestPayloadRoundTrip(t *testing.T) {
	client, server := pair(t)
	for i, frame := range []string{`{"action":"set","eventId":1}`, `{}`, `[1,2,3]`, ""} {
		sealed := client.Seal([]byte(frame))
		if !IsSealed(sealed) || bytes.Contains(sealed, []byte("action")) {
			t.Fatalf("sealed frame %d shows its content: %s", i, sealed)
		}
		got, err := server.Open(sealed)
		if err != nil || string(got) != frame {
			t.Fatalf("frame %d: %q, %v", i, got, err)
		}
		back, err := client.Open(server.Seal(got))
		if err != nil || string(back) != frame {
			t.Fatalf("reply %d: %q, %v", i, back, err)
		}
	}
}

// TestPayloadAttacks: replayed, reordered, dropped, altered, reflected
// and foreign frames are refused.
func TestPayloadAttacks(t *testing.T) {
	client, server := pair(t)
	first := client.Seal([]byte(`{"n":1}`))
	second := client.Seal([]byte(`{"n":2}`))
	if _, err := server.Open(second); !errors.Is(err, ErrPayload) {
		t.Fatal("reordered frame accepted")
	}
	if _, err := server.Open(first); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Open(first); !errors.Is(err, ErrPayload) {
		t.Fatal("replayed frame accepted")
	}
	// A frame sealed by the server is not accepted by the server
	// (separate keys per direction).
	if _, err := server.Open(server.Seal([]byte(`{}`))); err == nil {
		t.Fatal("reflected frame accepted")
	}
	_, other := pair(t)
	if _, err := other.Open(client.Seal([]byte(`{}`))); err == nil {
		t.Fatal("frame of another session accepted")
	}
	// Flip one bit of the ciphertext.
	c2, s2 := pair(t)
	sealed := c2.Seal([]byte(`{"admin":false}`))
	raw, _ := base64.StdEncoding.DecodeString(string(sealed[len(`{"sealed":"`) : len(sealed)-2]))
	raw[10] ^= 1
	tampered := []byte(`{"sealed":"` + base64.StdEncoding.EncodeToString(raw) + `"}`)
	if _, err := s2.Open(tampered); err == nil {
		t.Fatal("altered frame accepted")
	}
	for _, bad := range []string{`{"action":"get"}`, `{"sealed":""}`, `{"sealed":"!!"}`, `{"sealed":"AAAA"}`, `{"sealed":"` + base64.StdEncoding.EncodeToString(make([]byte, 40)) + `"}`} {
		if _, err := s2.Open([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	k, _ := NewPayloadKey()
	for _, pub := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte{4, 1, 2, 3})} {
		if _, err := k.Cipher(pub, false, "s"); !errors.Is(err, ErrPayload) {
			t.Errorf("peer key %q accepted: %v", pub, err)
		}
	}
}

func FuzzPayloadOpen(f *testing.F) {
	client, _ := pair(f)
	f.Add(client.Seal([]byte(`{"a":1}`)))
	f.Add([]byte(`{"sealed":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`{"sealed":"`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		_, server := pair(t)
		if plain, err := server.Open(frame); err == nil {
			t.Fatalf("a frame not sealed by the peer opened: %q", plain)
		}
	})
}

func BenchmarkPayloadSealOpen1KiB(b *testing.B) {
	client, server := pair(b)
	frame := bytes.Repeat([]byte("x"), 1024)
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := server.Open(client.Seal(frame)); err != nil {
			b.Fatal(err)
		}
	}
}
