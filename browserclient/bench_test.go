package browserclient

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func benchmarkServe(b *testing.B, ifNoneMatch string) {
	h := Handler()
	req := httptest.NewRequest(http.MethodGet, Path, nil)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
}

// BenchmarkServeFull is a first load: the whole script.
func BenchmarkServeFull(b *testing.B) { b.SetBytes(int64(len(script))); benchmarkServe(b, "") }

// BenchmarkServeNotModified is a revalidation: a 304, which is what no-cache costs per page load.
func BenchmarkServeNotModified(b *testing.B) { benchmarkServe(b, etag) }
