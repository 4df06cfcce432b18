package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/happn-go/happn"
)

// TestMetricsConfig: "metrics" in the config file serves the Prometheus
// metrics at that path, without a token on a secure server.
func TestMetricsConfig(t *testing.T) {
	fc, cfg := readConfig(t, writeConfig(t, `{"data":":memory:","secure":true,"adminPassword":"pw","metrics":"/metrics"}`))
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
