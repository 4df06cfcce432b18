package security

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// happn3Passwords loads hashes made by happn-3's own password library
// (testdata/gen-happn3-vectors.js).
func happn3Passwords(t testing.TB) []struct{ Password, Hash string } {
	t.Helper()
	b, err := os.ReadFile("testdata/happn3-passwords.json")
	if err != nil {
		t.Fatal(err)
	}
	var v []struct{ Password, Hash string }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

func TestVerifyPasswordHappn3Hashes(t *testing.T) {
	for _, v := range happn3Passwords(t) {
		ok, rehash, err := VerifyPassword(v.Hash, v.Password)
		if err != nil || !ok || !rehash {
			t.Errorf("VerifyPassword(%.40q…, %q) = %v, %v, %v; want true, true, nil", v.Hash, v.Password, ok, rehash, err)
		}
		ok, rehash, err = VerifyPassword(v.Hash, v.Password+"x")
		if err != nil || ok || rehash {
			t.Errorf("wrong password for %.40q…: %v, %v, %v; want false, false, nil", v.Hash, ok, rehash, err)
		}
		// The digest field is honoured: the same key under another digest fails.
		if strings.HasSuffix(v.Hash, "$sha512") {
			ok, _, _ := VerifyPassword(strings.TrimSuffix(v.Hash, "sha512")+"sha256", v.Password)
			if ok {
				t.Errorf("%.40q… verified under the wrong digest", v.Hash)
			}
		}
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q lacks the expected PHC prefix", h)
	}
	h2, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse", true},
		{"correct horsE", false},
		{"correct hors", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, rehash, err := VerifyPassword(h, tt.pw)
		if err != nil || ok != tt.want || rehash {
			t.Errorf("VerifyPassword(h, %q) = %v, %v, %v; want %v, false, nil", tt.pw, ok, rehash, err, tt.want)
		}
	}
}

func TestHashPasswordEmpty(t *testing.T) {
	if _, err := HashPassword(""); !errors.Is(err, ErrEmptyPassword) {
		t.Fatalf("HashPassword(\"\") error = %v, want ErrEmptyPassword", err)
	}
}

func TestVerifyPasswordWeakArgon2NeedsRehash(t *testing.T) {
	// m=4096,t=1,p=1 hash of "pw" with salt "0123456789abcdef", made with
	// the reference argon2 CLI (Debian package argon2):
	//   echo -n pw | argon2 0123456789abcdef -id -t 1 -k 4096 -p 1 -l 32 -e
	const weak = "$argon2id$v=19$m=4096,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34"
	ok, rehash, err := VerifyPassword(weak, "pw")
	if err != nil || !ok || !rehash {
		t.Fatalf("VerifyPassword(weak) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	ok, rehash, err = VerifyPassword(weak, "pw2")
	if err != nil || ok || rehash {
		t.Fatalf("VerifyPassword(weak, wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good := happn3Passwords(t)[0].Hash
	f := strings.Split(good, "$")
	for _, h := range []string{
		"plain text",
		"bcrypt$whatever",
		"pbkdf2$10000$abcd", // too few fields
		"pbkdf2$x$" + f[2] + "$" + f[3] + "$sha512",      // iterations not a number
		"pbkdf2$0$" + f[2] + "$" + f[3] + "$sha512",      // zero iterations
		"pbkdf2$99999999$" + f[2] + "$" + f[3] + "$sha1", // absurd iterations
		"pbkdf2$10000$zz$" + f[3] + "$sha512",            // key not hex
		"pbkdf2$10000$" + f[2] + "$$sha512",              // no salt
		"pbkdf2$10000$" + f[2] + "$" + f[3] + "$md4",     // unknown digest
		"pbkdf2$10000$" + f[2] + "$" + f[3] + "$sha512$x",
		"$argon2id$v=16$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34",
		"$argon2id$v=19$m=0,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34",
		"$argon2id$v=19$m=99999999,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34",
		"$argon2id$v=19$t=2,m=19456,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34",
		"$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg==$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34",
		"$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmut",
		"$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg",
	} {
		ok, rehash, err := VerifyPassword(h, "happn")
		if ok || rehash || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v, %v; want false, false, ErrMalformedHash", h, ok, rehash, err)
		}
		if err := CheckPasswordHash(h); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("CheckPasswordHash(%q) = %v, want ErrMalformedHash", h, err)
		}
	}
}

// TestCheckPasswordHash: every hash VerifyPassword can use passes, without
// a verification's cost.
func TestCheckPasswordHash(t *testing.T) {
	ours, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range append([]string{ours}, happn3Passwords(t)[0].Hash) {
		if err := CheckPasswordHash(h); err != nil {
			t.Errorf("CheckPasswordHash(%q) = %v", h, err)
		}
	}
}

func TestVerifyPasswordEmptyHash(t *testing.T) {
	ok, rehash, err := VerifyPassword("", "anything")
	if ok || rehash || err != nil {
		t.Fatalf("VerifyPassword(\"\", …) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func FuzzVerifyPassword(f *testing.F) {
	f.Add("pbkdf2$1000$"+strings.Repeat("ab", 64)+"$00$sha256", "pw")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$cmutYXKEreA2m1VGfHOiVo7yZtoz1MW9nHbXI3p4z34", "pw")
	f.Add("pbkdf2$1$00000000000000000000000000000000$00", "x")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// Keep each run cheap: the parser is what is under test.
		if strings.Contains(hash, "argon2id") && !strings.Contains(hash, "m=8,t=1,") {
			return
		}
		if strings.HasPrefix(hash, "pbkdf2$") && !strings.HasPrefix(hash, "pbkdf2$1$") {
			return
		}
		ok, rehash, err := VerifyPassword(hash, pw)
		if err != nil && (ok || rehash) {
			t.Fatalf("error %v with ok=%v rehash=%v", err, ok, rehash)
		}
		if rehash && !ok {
			t.Fatal("rehash without a match")
		}
	})
}

func BenchmarkVerifyPasswordPBKDF2SHA512x10k(b *testing.B) {
	v := happn3Passwords(b)[0] // pbkdf2 sha512, 10000 iterations: happn-3's default
	for b.Loop() {
		if ok, _, _ := VerifyPassword(v.Hash, v.Password); !ok {
			b.Fatal("no match")
		}
	}
}

func BenchmarkVerifyPasswordArgon2id(b *testing.B) {
	h, err := HashPassword("happn")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, _ := VerifyPassword(h, "happn"); !ok {
			b.Fatal("no match")
		}
	}
}

func BenchmarkDummyVerify(b *testing.B) {
	for b.Loop() {
		DummyVerify()
	}
}
