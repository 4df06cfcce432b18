package compat

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// TestHappn3ClientsOverHTTPS connects the happn-3 node clients with
// protocol 'https' and allowSelfSignedCerts to a Go server in https mode.
func TestHappn3ClientsOverHTTPS(t *testing.T) {
	requireNode(t)
	dir := t.TempDir()
	srv, err := happn.New(happn.Config{HTTPS: &happn.HTTPS{CertFile: filepath.Join(dir, "c.pem"), KeyFile: filepath.Join(dir, "k.pem")}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	for _, v := range []string{"v13", "v12"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "node", "https-client.js", port, v)
		var stderr strings.Builder
		cmd.Stderr = &stderr // node warns about allowSelfSignedCerts there
		out, err := cmd.Output()
		cancel()
		line := strings.TrimSpace(string(out))
		if err != nil || line != `OK {"v":"`+v+`","events":1}` {
			t.Errorf("%s client over https: %v\n%s\n%s", v, err, out, stderr.String())
		}
	}
}
