package browserclient

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

// Path is where a happn server mounts Handler, as happn-3 does.
const Path = "/browser_client"

//go:embed happn-client.js
var script []byte

// etag is a strong validator derived from the content, so it changes exactly
// when the embedded file does (and is stable across restarts and replicas).
var etag = func() string {
	sum := sha256.Sum256(script)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// Script returns a copy of the embedded JavaScript client.
func Script() []byte {
	return append([]byte(nil), script...)
}
