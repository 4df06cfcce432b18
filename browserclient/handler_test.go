package browserclient

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func serve(t testing.TB, method, ifNoneMatch string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, Path, nil)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandler(t *testing.T) {
	weak := "W/" + etag
	tests := []struct {
		name        string
		method      string
		ifNoneMatch string
		wantStatus  int
		wantBody    bool // the full script
	}{
		{name: "get", method: http.MethodGet, wantStatus: http.StatusOK, wantBody: true},
		{name: "head", method: http.MethodHead, wantStatus: http.StatusOK},
		{name: "matching etag", method: http.MethodGet, ifNoneMatch: etag, wantStatus: http.StatusNotModified},
		{name: "weak form of the etag", method: http.MethodGet, ifNoneMatch: weak, wantStatus: http.StatusNotModified},
		{name: "etag in a list", method: http.MethodGet, ifNoneMatch: `"old", ` + etag, wantStatus: http.StatusNotModified},
		{name: "star", method: http.MethodGet, ifNoneMatch: "*", wantStatus: http.StatusNotModified},
		{name: "head with matching etag", method: http.MethodHead, ifNoneMatch: etag, wantStatus: http.StatusNotModified},
		{name: "stale etag", method: http.MethodGet, ifNoneMatch: `"0123456789abcdef"`, wantStatus: http.StatusOK, wantBody: true},
		{name: "unquoted etag does not match", method: http.MethodGet, ifNoneMatch: strings.Trim(etag, `"`), wantStatus: http.StatusOK, wantBody: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(t, tt.method, tt.ifNoneMatch)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("ETag"); got != etag {
				t.Errorf("ETag = %q, want %q", got, etag)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", got)
			}
			if res.Header.Get("Last-Modified") != "" {
				t.Errorf("unexpected Last-Modified %q: the ETag is the only validator", res.Header.Get("Last-Modified"))
			}
			if tt.wantStatus == http.StatusNotModified {
				if len(body) != 0 {
					t.Errorf("304 carried %d body bytes", len(body))
				}
				return
			}
			if got := res.Header.Get("Content-Type"); got != "application/javascript; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(script)) {
				t.Errorf("Content-Length = %q, want %d", got, len(script))
			}
			if tt.wantBody && !bytes.Equal(body, script) {
				t.Errorf("body is %d bytes, not the embedded script (%d bytes)", len(body), len(script))
			}
			if !tt.wantBody && len(body) != 0 {
				t.Errorf("HEAD returned %d body bytes", len(body))
			}
		})
	}
}

func TestHandlerRejectsOtherMethods(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			res := serve(t, method, "")
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("status = %d, want 405", res.StatusCode)
			}
			if got := res.Header.Get("Allow"); got != "GET, HEAD" {
				t.Errorf("Allow = %q", got)
			}
		})
	}
}

func TestETagIsContentHash(t *testing.T) {
	sum := sha256.Sum256(script)
	if want := `"` + hex.EncodeToString(sum[:16]) + `"`; etag != want {
		t.Fatalf("etag = %s, want %s", etag, want)
	}
}

func TestScriptReturnsCopy(t *testing.T) {
	a := Script()
	if !bytes.Equal(a, script) {
		t.Fatal("Script() differs from the embedded file")
	}
	a[0] ^= 0xff
	if bytes.Equal(a, script) {
		t.Fatal("Script() exposes the embedded bytes")
	}
}

// Over a real connection, a browser-style revalidation: the second request
// carries the first response's ETag and gets a bodiless 304.
func TestRevalidationOverHTTP(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	first, err := http.Get(srv.URL + Path)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, first.Body)
	first.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+Path, nil)
	req.Header.Set("If-None-Match", first.Header.Get("ETag"))
	second, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Body.Close()
	if second.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation status = %d, want 304", second.StatusCode)
	}
}

// TestHappn3Helpers: the Primus API and the signer happn-3's browser
// client fetches are served like the client: JavaScript, their own
// content ETags, 304 on a match.
func TestHappn3Helpers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.Handler
		body    []byte
		marker  string
	}{
		{"primus", PrimusHandler(), primusScript, "root.Primus = Primus"},
		{"crypto", CryptoHandler(), cryptoScript, "root.Crypto = Crypto"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || !bytes.Equal(body, tc.body) || !strings.Contains(string(body), tc.marker) {
				t.Fatalf("GET: %d, %d bytes", res.StatusCode, len(body))
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/javascript") {
				t.Errorf("Content-Type %q", ct)
			}
			tag := res.Header.Get("ETag")
			if tag == "" || tag == etag {
				t.Errorf("ETag %q: want its own, not the client's", tag)
			}
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req.Header.Set("If-None-Match", tag)
			rec = httptest.NewRecorder()
			tc.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotModified {
				t.Errorf("If-None-Match its ETag: %d, want 304", rec.Code)
			}
		})
	}
}
