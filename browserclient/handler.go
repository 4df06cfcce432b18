package browserclient

import (
	"bytes"
	"net/http"
	"time"
)

// Handler returns an http.Handler that serves the browser client to GET and
// HEAD requests as application/javascript, with an ETag honoured through
// If-None-Match (304 Not Modified) and Cache-Control: no-cache (see the package
// comment for why). Other methods get 405. It ignores the request path, so
// mount it at Path. The handler is stateless and safe for concurrent use.
func Handler() http.Handler {
	return scriptHandler{script, etag}
}

// PrimusHandler serves, as Handler serves the client, the Primus
// client API that happn-3's own browser client needs (primus.js: our
// code, over the browser's WebSocket, not the Primus library). Mount it
// at PrimusPath and PrimusLibraryPath.
func PrimusHandler() http.Handler {
	return scriptHandler{primusScript, primusETag}
}

// CryptoHandler serves, likewise, the signer happn-3's own browser client
// needs for key-pair logins (crypto.js: our code: RSASSA-PKCS1-v1_5 with
// SHA-256, synchronous, as that client calls it). Mount it at CryptoPath.
func CryptoHandler() http.Handler {
	return scriptHandler{cryptoScript, cryptoETag}
}

type scriptHandler struct {
	body []byte
	etag string
}

func (sh scriptHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", sh.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent does the conditional-request work (If-None-Match with weak
	// comparison, lists and "*"), HEAD and Content-Length. The zero modtime
	// keeps Last-Modified out: the ETag is the only validator.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(sh.body))
}
