package browserclient

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// Path is where a happn server mounts Handler, as happn-3 does.
const Path = "/browser_client"

// PrimusPath is where happn-3's browser client looks for the Primus
// library, on the server it connects to; PrimusLibraryPath is Primus' own
// path for it.
const (
	PrimusPath        = "/browser_primus.js"
	PrimusLibraryPath = "/primus/primus.js"
)

// CryptoPath is where happn-3's browser client looks for its signing
// library, for key-pair (digest) logins.
const CryptoPath = "/browser_crypto.js"

//go:embed happn-client.js
var script []byte

//go:embed primus.js
var primusScript []byte

//go:embed crypto.js
var cryptoScript []byte

// etag and primusETag are strong validators derived from the content, so
// they change exactly when the embedded file does (and are stable across
// restarts and replicas).
var (
	etag       = contentETag(script)
	primusETag = contentETag(primusScript)
	cryptoETag = contentETag(cryptoScript)
)

func contentETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Script returns a copy of the embedded JavaScript client.
func Script() []byte {
	return append([]byte(nil), script...)
}
