package security

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func testClaims() Claims {
	return Claims{
		SessionID:           "5b8c2a1e-0000-4000-8000-000000000001",
		ParentID:            "5b8c2a1e-0000-4000-8000-000000000000",
		Origin:              "happn-node-1",
		Username:            "alice",
		UserID:              "9f6e…",
		Type:                1,
		IssuedAt:            time.Now().UnixMilli(),
		ExpiresAt:           time.Now().Add(time.Hour).UnixMilli(),
		InactivityThreshold: 60_000,
		UsageLimit:          10,
		LockTokenToOrigin:   true,
		Permissions:         Permissions{"/app/*": {Actions: []string{"get"}}},
	}
}

func mustSign(t testing.TB, c Claims) string {
	t.Helper()
	tok, err := SignToken(testSecret, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenRoundTrip(t *testing.T) {
	for _, c := range []Claims{
		testClaims(),
		{SessionID: "s", Username: "u", Type: 0}, // no expiry, no policy permissions
		{SessionID: "s", Username: "u", Type: 1, Permissions: Permissions{}},
	} {
		tok := mustSign(t, c)
		got, err := ParseToken(testSecret, tok)
		if err != nil {
			t.Fatalf("ParseToken: %v", err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, c)
		}
	}
}

func TestTokenEmptyPolicyPermissionsSurvive(t *testing.T) {
	// An empty, non-nil policy permission map restricts the session to
	// nothing; it must not come back as "no restriction".
	c := Claims{SessionID: "s", Username: "u", Type: 1, Permissions: Permissions{}}
	got, err := ParseToken(testSecret, mustSign(t, c))
	if err != nil || got.Permissions == nil {
		t.Fatalf("Permissions = %#v, %v; want empty non-nil", got.Permissions, err)
	}
}

func TestTokenHeaderIsHS256JWT(t *testing.T) {
	tok := mustSign(t, testClaims())
	header, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil || string(b) != `{"alg":"HS256","typ":"JWT"}` {
		t.Fatalf("header = %s, %v", b, err)
	}
}

// sign builds a token from a raw header and payload, signed with secret,
// the way any JWT library would.
func sign(secret []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func TestParseTokenRejects(t *testing.T) {
	good := mustSign(t, testClaims())
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := strings.Replace(string(payload), `"alice"`, `"_ADMIN"`, 1)
	sig := parts[2]
	// Flip the last signature character's unused low bits: same bytes
	// under a lenient decoder, a different string.
	lastBits := strings.IndexByte(base64URLAlphabet, sig[len(sig)-1])
	malleable := parts[0] + "." + parts[1] + "." + sig[:len(sig)-1] + string(base64URLAlphabet[lastBits^1])
	expired := testClaims()
	expired.ExpiresAt = 1

	tests := []struct {
		name, token string
	}{
		{"empty", ""},
		{"garbage", "not a token"},
		{"wrong secret", mustSignWith(t, []byte("another secret"), testClaims())},
		{"truncated signature", good[:len(good)-2]},
		{"truncated to two parts", parts[0] + "." + parts[1]},
		{"four parts", good + ".x"},
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."},
		{"alg none with signature", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]},
		{"alg HS512", sign(testSecret, `{"alg":"HS512","typ":"JWT"}`, string(payload))},
		{"happn-3 header order", sign(testSecret, `{"typ":"JWT","alg":"HS256"}`, string(payload))},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tampered)) + "." + parts[2]},
		{"padded signature", good + "="},
		{"newline in signature", parts[0] + "." + parts[1] + "." + sig[:10] + "\n" + sig[10:]},
		{"non-canonical signature bits", malleable},
		{"signed non-JSON payload", sign(testSecret, `{"alg":"HS256","typ":"JWT"}`, "jsonpack!")},
		{"signed JSON without session id", sign(testSecret, `{"alg":"HS256","typ":"JWT"}`, `{"username":"u","type":1}`)},
		{"signed JSON with bad type", sign(testSecret, `{"alg":"HS256","typ":"JWT"}`, `{"sid":"s","username":"u","type":2}`)},
		{"signed JSON null", sign(testSecret, `{"alg":"HS256","typ":"JWT"}`, `null`)},
		{"too long", parts[0] + "." + strings.Repeat("A", maxTokenLen) + "." + parts[2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseToken(testSecret, tt.token)
			if !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("err = %v, want ErrTokenInvalid", err)
			}
			if !reflect.DeepEqual(c, Claims{}) {
				t.Fatalf("claims returned with an invalid token: %#v", c)
			}
		})
	}
	if _, err := ParseToken(testSecret, good); err != nil {
		t.Fatalf("the untampered token fails: %v", err)
	}
	if _, err := ParseToken(nil, good); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("nil secret: err = %v, want ErrTokenInvalid", err)
	}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func mustSignWith(t testing.TB, secret []byte, c Claims) string {
	t.Helper()
	tok, err := SignToken(secret, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestParseTokenExpired(t *testing.T) {
	c := testClaims()
	c.ExpiresAt = time.Now().Add(-time.Second).UnixMilli()
	got, err := ParseToken(testSecret, mustSign(t, c))
	if !errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("err = %v, want ErrTokenExpired only", err)
	}
	if got.SessionID != c.SessionID {
		t.Fatalf("expired token's claims not returned: %#v", got)
	}
}

func TestClaimsExpired(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	tests := []struct {
		exp  int64
		want bool
	}{{0, false}, {999_999, true}, {1_000_000, true}, {1_000_001, false}}
	for _, tt := range tests {
		if got := (Claims{ExpiresAt: tt.exp}).Expired(now); got != tt.want {
			t.Errorf("ExpiresAt %d at %d: Expired = %v, want %v", tt.exp, now.UnixMilli(), got, tt.want)
		}
	}
}

func TestSignTokenRefuses(t *testing.T) {
	if _, err := SignToken(nil, testClaims()); err == nil {
		t.Error("signed with an empty secret")
	}
	for _, c := range []Claims{
		{Username: "u", Type: 1},
		{SessionID: "s", Type: 1},
		{SessionID: "s", Username: "u", Type: 3},
		{SessionID: "s", Username: "u", ExpiresAt: -1},
	} {
		if _, err := SignToken(testSecret, c); err == nil {
			t.Errorf("signed bad claims %#v", c)
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	a, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateSecret()
	if len(a) != 32 || string(a) == string(b) {
		t.Fatalf("secrets %x and %x: want 32 random bytes each", a, b)
	}
}

func FuzzParseToken(f *testing.F) {
	good := mustSign(f, testClaims())
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(`{"sid":"s","username":"u","type":1,"permissions":{"/a":{"actions":["get"]}}}`)
	f.Add(`{"sid":"s","username":"u","type":0,"expires_ms":1}`)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		// As a token: random strings must fail cleanly.
		if c, err := ParseToken(testSecret, s); err == nil || errors.Is(err, ErrTokenExpired) {
			checkResign(t, c)
		} else if !reflect.DeepEqual(c, Claims{}) {
			t.Fatalf("invalid token %q returned claims", s)
		}
		// As a payload signed with the right secret: whatever parses must
		// sign again and parse to the same claims.
		c, err := ParseToken(testSecret, signPayload(testSecret, []byte(s)))
		if err == nil || errors.Is(err, ErrTokenExpired) {
			checkResign(t, c)
		}
	})
}

func checkResign(t *testing.T, c Claims) {
	t.Helper()
	tok, err := SignToken(testSecret, c)
	if err != nil {
		t.Fatalf("parsed claims do not sign: %v (%#v)", err, c)
	}
	again, err := ParseToken(testSecret, tok)
	if err != nil && !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("re-signed token fails: %v", err)
	}
	if !reflect.DeepEqual(again, c) {
		t.Fatalf("re-signed claims differ:\n%#v\n%#v", again, c)
	}
}

func BenchmarkParseToken(b *testing.B) {
	tok := mustSign(b, testClaims())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseToken(testSecret, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignToken(b *testing.B) {
	c := testClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignToken(testSecret, c); err != nil {
			b.Fatal(err)
		}
	}
}
