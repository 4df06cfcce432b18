package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/happn-go/happn"
)

// TestMetricsConfig: "metrics" in the config file serves the Prometheus
// metrics at that path, without a token on a secure server.
func TestMetricsConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "happn.json")
	os.WriteFile(path, []byte(`{"data":":memory:","secure":true,"adminPassword":"pw","metrics":"/metrics"}`), 0o600)
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := fc.config(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := happn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fc.mount(srv)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	res, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "happn_sessions 0\n") {
		t.Fatalf("GET /metrics: %d\n%s", res.StatusCode, body)
	}
}
