package happn_test

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/happn-go/happn"
)

// serveHTTPS starts a server with cfg on a loopback listener and returns
// its https URL.
func serveHTTPS(t *testing.T, cfg happn.Config) (*happn.Server, string) {
	t.Helper()
	srv, err := happn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv, "https://" + l.Addr().String()
}

func TestHTTPS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_, url := serveHTTPS(t, happn.Config{HTTPS: &happn.HTTPS{CertFile: cert, KeyFile: key}})
	ctx := ctxT(t)

	// A self-signed certificate was generated and kept.
	first, err := os.ReadFile(cert)
	if err != nil {
		t.Fatalf("no generated certificate: %v", err)
	}
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}

	// The Go client refuses it unless told to accept self-signed ones.
	if c, err := happn.Dial(ctx, url, happn.WithoutReconnect()); err == nil {
		c.Close()
		t.Fatal("Dial accepted a self-signed certificate by default")
	}
	c, err := happn.Dial(ctx, url, happn.AllowSelfSignedCerts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Set(ctx, "/tls", map[string]any{"ok": true}); err != nil {
		t.Fatal(err)
	}

	// HTTP responses carry HSTS, as happn-3's do in https mode.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Get(url + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=15552000; includeSubDomains" {
		t.Fatalf("HSTS header %q", got)
	}

	// A restart reuses the kept certificate.
	serveHTTPS(t, happn.Config{HTTPS: &happn.HTTPS{CertFile: cert, KeyFile: key}})
	again, _ := os.ReadFile(cert)
	if !bytes.Equal(first, again) {
		t.Fatal("the certificate was regenerated on restart")
	}

	// The same pair given inline as PEM works too.
	keyPEM, _ := os.ReadFile(key)
	_, url2 := serveHTTPS(t, happn.Config{HTTPS: &happn.HTTPS{CertPEM: string(first), KeyPEM: string(keyPEM)}})
	c2, err := happn.Dial(ctx, url2, happn.AllowSelfSignedCerts())
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
}

func TestHTTPSBadConfig(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	os.WriteFile(cert, []byte("not a certificate"), 0o644)
	for name, h := range map[string]*happn.HTTPS{
		"garbage inline": {CertPEM: "x", KeyPEM: "y"},
		"only one file":  {CertFile: cert, KeyFile: filepath.Join(dir, "missing.pem")},
	} {
		if srv, err := happn.New(happn.Config{HTTPS: h}); err == nil {
			srv.Close()
			t.Errorf("%s: New accepted it", name)
		}
	}
}

// TestPlainHTTPHasNoHSTS: HSTS is for https only.
func TestPlainHTTPHasNoHSTS(t *testing.T) {
	_, url := testServer(t, happn.Config{})
	resp, err := http.Get(url + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS on plain HTTP")
	}
}
