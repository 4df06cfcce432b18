package security

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// New hashes use argon2id with the OWASP Password Storage Cheat Sheet
// minimum: 19 MiB of memory, 2 passes, 1 lane. One verification takes
// tens of milliseconds and 19 MiB, so the server must not run an
// unbounded number of them at once.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters read from a stored hash. They only keep a
// corrupt or hostile user record from costing gigabytes or minutes.
const (
	maxArgonMemory     = 1 << 20 // KiB: 1 GiB
	maxArgonTime       = 100
	maxPBKDF2Iteration = 10_000_000
	minStoredKeyLen    = 16
	maxStoredKeyLen    = 1024
)

// ErrEmptyPassword is returned by HashPassword for an empty password;
// happn-3 refuses those too.
var ErrEmptyPassword = errors.New("security: empty password")

// ErrMalformedHash is returned by VerifyPassword for a stored hash it
// cannot read.
var ErrMalformedHash = errors.New("security: malformed password hash")

// HashPassword returns an argon2id hash of pw in PHC string form:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// with a random 16-byte salt and a 32-byte key, both unpadded standard
// base64.
func HashPassword(pw string) (string, error) {
	if pw == "" {
		return "", ErrEmptyPassword
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the stored hash. It reads
// both our argon2id strings and happn-3's
// "pbkdf2$<iterations>$<hex key>$<hex salt>$<digest>" (digest sha1,
// sha256, sha384 or sha512; hashes without the digest field are SHA-1),
// so a user directory exported from happn-3 keeps working.
//
// needsRehash is true when pw matched but the hash is weaker than what
// HashPassword makes now (any PBKDF2 hash, or argon2id with smaller
// parameters): the caller should store HashPassword(pw) in its place.
//
// An empty pw never matches. An empty hash (a user without a password,
// e.g. one that logs in by key pair) never matches either, but costs as
// much as a real verification. err is non-nil only for a hash that
// cannot be read.
func VerifyPassword(hash, pw string) (ok, needsRehash bool, err error) {
	if hash == "" {
		DummyVerify()
		return false, false, nil
	}
	if pw == "" {
		return false, false, nil
	}
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		return verifyArgon2id(hash, pw)
	case strings.HasPrefix(hash, "pbkdf2$"):
		ok, err := verifyPBKDF2(hash, pw)
		return ok, ok, err
	}
	return false, false, fmt.Errorf("%w: unknown algorithm", ErrMalformedHash)
}

// CheckPasswordHash reports whether hash is a password hash this package
// can verify (an argon2id one, or happn-3's PBKDF2), without the cost of
// verifying a password against it: ErrMalformedHash otherwise.
func CheckPasswordHash(hash string) error {
	var err error
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		_, err = parseArgon2id(hash)
	case strings.HasPrefix(hash, "pbkdf2$"):
		_, err = parsePBKDF2(hash)
	default:
		err = fmt.Errorf("%w: unknown algorithm", ErrMalformedHash)
	}
	return err
}

// dummySalt is any salt of the right length: DummyVerify's result is
// thrown away.
var dummySalt = make([]byte, argonSaltLen)

// DummyVerify costs what verifying a password against a hash made by
// HashPassword costs, and does nothing else. Call it when a login names
// an unknown user, so that the response time does not tell an attacker
// which usernames exist. (Users whose hash is still happn-3's PBKDF2 verify
// faster until their next login rehashes them.)
func DummyVerify() {
	argon2.IDKey([]byte("dummy password"), dummySalt, argonTime, argonMemory, argonThreads, argonKeyLen)
}

// argon2idHash is a parsed "$argon2id$v=19$m=M,t=T,p=P$salt$key".
type argon2idHash struct {
	memory, passes, threads uint64
	salt, key               []byte
}

// verifyArgon2id checks pw against an argon2id hash.
func verifyArgon2id(hash, pw string) (ok, needsRehash bool, err error) {
	a, err := parseArgon2id(hash)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), a.salt, uint32(a.passes), uint32(a.memory), uint8(a.threads), uint32(len(a.key)))
	if subtle.ConstantTimeCompare(got, a.key) != 1 {
		return false, false, nil
	}
	weaker := a.memory < argonMemory || a.passes < argonTime || len(a.salt) < argonSaltLen || len(a.key) < argonKeyLen
	return true, weaker, nil
}

func parseArgon2id(hash string) (argon2idHash, error) {
	var a argon2idHash
	fields := strings.Split(hash, "$")
	if len(fields) != 6 || fields[0] != "" || fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return a, fmt.Errorf("%w: argon2id layout", ErrMalformedHash)
	}
	params := strings.Split(fields[3], ",")
	if len(params) != 3 {
		return a, fmt.Errorf("%w: argon2id parameters", ErrMalformedHash)
	}
	for i, p := range []struct {
		name string
		dst  *uint64
		max  uint64
	}{{"m", &a.memory, maxArgonMemory}, {"t", &a.passes, maxArgonTime}, {"p", &a.threads, 255}} {
		v, found := strings.CutPrefix(params[i], p.name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !found || err != nil || n == 0 || n > p.max {
			return a, fmt.Errorf("%w: argon2id parameter %s", ErrMalformedHash, p.name)
		}
		*p.dst = n
	}
	enc := base64.RawStdEncoding.Strict()
	var err1, err2 error
	a.salt, err1 = enc.DecodeString(fields[4])
	a.key, err2 = enc.DecodeString(fields[5])
	if err1 != nil || err2 != nil || len(a.salt) < 8 || len(a.key) < minStoredKeyLen || len(a.key) > maxStoredKeyLen {
		return a, fmt.Errorf("%w: argon2id salt or key", ErrMalformedHash)
	}
	return a, nil
}

// pbkdf2Hash is a parsed happn-3 hash,
// "pbkdf2$<iterations>$<hex key>$<hex salt>[$<digest>]" (SPEC §7.5).
type pbkdf2Hash struct {
	iterations int
	key, salt  []byte
	h          func() hash.Hash
}

// verifyPBKDF2 checks pw against a happn-3 hash.
func verifyPBKDF2(stored, pw string) (bool, error) {
	p, err := parsePBKDF2(stored)
	if err != nil {
		return false, err
	}
	got, err := pbkdf2.Key(p.h, pw, p.salt, p.iterations, len(p.key))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, p.key) == 1, nil
}

func parsePBKDF2(stored string) (pbkdf2Hash, error) {
	var p pbkdf2Hash
	fields := strings.Split(stored, "$")
	if len(fields) != 4 && len(fields) != 5 {
		return p, fmt.Errorf("%w: pbkdf2 layout", ErrMalformedHash)
	}
	var err, err1, err2 error
	p.iterations, err = strconv.Atoi(fields[1])
	if err != nil || p.iterations <= 0 || p.iterations > maxPBKDF2Iteration {
		return p, fmt.Errorf("%w: pbkdf2 iterations", ErrMalformedHash)
	}
	p.key, err1 = hex.DecodeString(fields[2])
	p.salt, err2 = hex.DecodeString(fields[3])
	if err1 != nil || err2 != nil || len(p.salt) == 0 || len(p.key) < minStoredKeyLen || len(p.key) > maxStoredKeyLen {
		return p, fmt.Errorf("%w: pbkdf2 key or salt", ErrMalformedHash)
	}
	digest := "sha1" // hashes from before happn-3 stored the digest
	if len(fields) == 5 && fields[4] != "" {
		digest = strings.ToLower(fields[4])
	}
	switch digest {
	case "sha1":
		p.h = sha1.New
	case "sha256":
		p.h = sha256.New
	case "sha384":
		p.h = sha512.New384
	case "sha512":
		p.h = sha512.New
	default:
		return p, fmt.Errorf("%w: pbkdf2 digest %q", ErrMalformedHash, fields[4])
	}
	return p, nil
}
