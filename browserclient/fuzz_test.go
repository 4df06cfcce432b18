package browserclient

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzIfNoneMatch feeds arbitrary If-None-Match headers to the handler: it
// must answer 200 with the whole script or a bodiless 304, and 304 whenever
// the header lists the current ETag.
func FuzzIfNoneMatch(f *testing.F) {
	for _, seed := range []string{"", "*", etag, "W/" + etag, `"x", ` + etag, `"x"`, `W/"`, `,,,`, `"` + strings.Repeat("a", 64) + `"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, Path, nil)
		req.Header["If-None-Match"] = []string{header}
		rec := httptest.NewRecorder()
		Handler().ServeHTTP(rec, req)
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		switch res.StatusCode {
		case http.StatusOK:
			if !bytes.Equal(body, script) {
				t.Fatalf("200 with %d bytes, want the script", len(body))
			}
			// HTTP's optional whitespace is spaces and tabs only: "\v*"
			// is not "*".
			if header == etag || strings.Trim(header, " \t") == "*" {
				t.Fatalf("header %q names the current ETag but got 200", header)
			}
		case http.StatusNotModified:
			if len(body) != 0 {
				t.Fatalf("304 with a body")
			}
		default:
			t.Fatalf("status %d for If-None-Match %q", res.StatusCode, header)
		}
	})
}
