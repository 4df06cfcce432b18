package compat

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store/memstore"
)

// secureGoServer is a secure Go server whose security service the test
// holds, to change the directory while clients are connected.
type secureGoServer struct {
	url string
	svc *security.Service
}

// secureServer starts a secure Go server, in memory, on a free loopback
// port; _ADMIN has password and users are created at start.
func secureServer(t *testing.T, password string, users ...security.User) *secureGoServer {
	t.Helper()
	const name = "compat-secure"
	st := memstore.New()
	svc, err := security.New(context.Background(), security.Config{Store: st, Name: name, AdminPassword: password, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	host, port := serve(t, happn.Config{Name: name, Store: st, Security: svc})
	return &secureGoServer{url: "http://" + net.JoinHostPort(host, port), svc: svc}
}

// addLimitedUser creates a user in a group that may only get, set and on
// paths matching pattern.
func (s *secureGoServer) addLimitedUser(ctx context.Context, username, password, group, pattern string) error {
	if _, err := s.svc.UpsertGroup(ctx, security.Group{
		Name:        group,
		Permissions: security.Permissions{pattern: {Actions: []string{"get", "set", "on"}}},
	}); err != nil {
		return err
	}
	if _, err := s.svc.UpsertUser(ctx, security.User{Username: username, Password: password}); err != nil {
		return err
	}
	return s.svc.LinkGroup(ctx, group, username)
}

// digestKeys is an RSA key pair for digest (key-pair) logins, written as
// PEM files for the browser harness.
type digestKeys struct {
	publicPEM            string
	privateFile, pubFile string
}

// newDigestKeys generates a key pair and writes it under t.TempDir().
func newDigestKeys(t *testing.T) digestKeys {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	k := digestKeys{
		publicPEM:   string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		privateFile: filepath.Join(dir, "priv.pem"),
		pubFile:     filepath.Join(dir, "pub.pem"),
	}
	if err := os.WriteFile(k.privateFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k.pubFile, []byte(k.publicPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestBrowserPayloadEncryption runs the browser harness's payload
// encryption checks (compat/browser/run.js, "encrypted: …") in headless
// Chromium: our browser client with encryptPayloads against a Go server
// with EncryptPayloads — login, data calls, search, an event caused by an
// encrypting Go client, every frame after the login sealed with
// consecutive sequence numbers in both directions (read from the page's
// own WebSocket), heartbeats plain, replayed/altered/unsealed frames ending
// the connection, a plain client refused with 403, and EncryptionRefused
// from servers (secure and insecure) that do not encrypt.
func TestBrowserPayloadEncryption(t *testing.T) {
	requireNode(t)
	requireChromium(t)
	password := "browser-enc-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	const ping = time.Second
	host, port := serve(t, happn.Config{Secure: true, AdminPassword: password, EncryptPayloads: true, PingInterval: ping})
	encrypted := "http://" + net.JoinHostPort(host, port)
	host, port = serve(t, happn.Config{})
	insecure := "http://" + net.JoinHostPort(host, port)
	plainSecure := secureServer(t, password)

	// The other client, whose set the page must receive as an event, is a
	// Go client that encrypts too: the server requires it of everyone.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	other, err := happn.Dial(ctx, encrypted, happn.WithCredentials("_ADMIN", password), happn.WithPayloadEncryption())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	control := httptest.NewServer(encryptedSetHandler(other))
	t.Cleanup(control.Close)

	runBrowserHarness(t, "--only", "^encrypted: ",
		"--url", insecure, "--secure-url", plainSecure.url, "--password", password,
		"--encrypted-url", encrypted, "--encrypted-set-url", control.URL+"/encrypted-set",
		"--encrypted-ping-interval", strconv.Itoa(int(ping.Milliseconds())))
}

// encryptedSetHandler answers the harness's POST /encrypted-set {path,
// data}: client sets data at path, so that the page sees an event caused
// by another client.
func encryptedSetHandler(client *happn.Client) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /encrypted-set", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Path string
			Data json.RawMessage
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := client.Set(r.Context(), req.Path, req.Data); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}
