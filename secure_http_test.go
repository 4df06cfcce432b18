package happn_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
	"github.com/tidwall/gjson"
)

// httpGet fetches target with headers and returns the status and body.
func httpGet(t testing.TB, target string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestSecureHTTPRoutes: an application handler mounted with Handle is
// protected by /@HTTP permissions; the token comes from the cookie, the
// query or a bearer header; 401 and 403 as happn-3.
func TestSecureHTTPRoutes(t *testing.T) {
	srv, base := secureServer(t, secureConfig())
	srv.HandleFunc("/reports/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("report for " + happn.RequestIdentity(r).Username))
	})
	srv.HandlePublic("/public/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("public")) }))
	alice := secDial(t, base, happn.WithCredentials("alice", "alice-pw")).Token()
	rita := secDial(t, base, happn.WithCredentials("rita", "rita-pw")).Token()
	cases := []struct {
		name    string
		target  string
		headers map[string]string
		status  int
		body    string
	}{
		{"no token", "/reports/q1", nil, 401, "invalid token format or null token"},
		{"garbage token", "/reports/q1?happn_token=xyz", nil, 401, "invalid token format or null token"},
		{"query token", "/reports/q1?happn_token=" + alice, nil, 200, "report for alice"},
		{"cookie", "/reports/q1", map[string]string{"Cookie": "happn_token=" + alice}, 200, "report for alice"},
		{"bearer", "/reports/q1", map[string]string{"Authorization": "Bearer " + alice}, 200, "report for alice"},
		{"no permission", "/reports/q1?happn_token=" + rita, nil, 403, "unauthorized access to path /@HTTP/reports/q1"},
		{"unknown route without token", "/elsewhere", nil, 401, "invalid token format or null token"},
		{"unknown route with token", "/elsewhere?happn_token=" + alice, nil, 403, "unauthorized access to path /@HTTP/elsewhere"},
		{"public route", "/public/x", nil, 200, "public"},
		{"ping stays public", "/ping", nil, 200, "pong"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := httpGet(t, base+c.target, c.headers)
			if status != c.status || body != c.body {
				t.Fatalf("got %d %q, want %d %q", status, body, c.status, c.body)
			}
		})
	}
}

// TestSecureAuthLogin: GET /auth/login (stateless login) and
// /auth/request-nonce with happn-3's hand-made JSON bodies.
func TestSecureAuthLogin(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}))
	cfg := secureConfig()
	cfg.Users = append(cfg.Users, security.User{Username: "keyed", PublicKey: pub, Groups: []string{"editors"}})
	srv, base := secureServer(t, cfg)
	srv.HandleFunc("/reports/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

	status, body := httpGet(t, base+"/auth/login?username=alice&password=alice-pw", nil)
	var ok struct {
		Message string `json:"message"`
		Data    string `json:"data"`
		Error   any    `json:"error"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &ok) != nil || ok.Message != "login successful" || ok.Error != nil {
		t.Fatalf("login: %d %s", status, body)
	}
	if st, _ := httpGet(t, base+"/reports/x?happn_token="+ok.Data, nil); st != 200 {
		t.Fatalf("stateless token on a route: %d", st)
	}
	// A stateless token does not log a websocket in (lockTokenToLoginType).
	r := dialSecRaw(t, base)
	if f := r.login(map[string]any{"token": ok.Data}); field(t, f, "_meta.error.code") != 403.0 {
		t.Fatalf("websocket login with a stateless token: %s", f)
	}

	status, body = httpGet(t, base+"/auth/login?u=alice&p=wrong", nil)
	if want := `{"message":"login failed", "data":null, "error":{"name":"AccessDenied","code":401,"message":"Invalid credentials"}}`; status != 401 || body != want {
		t.Fatalf("bad login: %d %s", status, body)
	}

	// Digest over HTTP: nonce, then login with the signature.
	status, body = httpGet(t, base+"/auth/request-nonce?publicKey="+url.QueryEscape(pub), nil)
	var nonce struct{ Message, Data string }
	if status != 200 || json.Unmarshal([]byte(body), &nonce) != nil || nonce.Message != "nonce generated" {
		t.Fatalf("nonce: %d %s", status, body)
	}
	msg, _ := base64.StdEncoding.DecodeString(nonce.Data)
	sum := sha256.Sum256(msg)
	sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	q := url.Values{"username": {"keyed"}, "publicKey": {pub}, "digest": {base64.StdEncoding.EncodeToString(sig)}}
	if status, body = httpGet(t, base+"/auth/login?"+q.Encode(), nil); status != 200 {
		t.Fatalf("digest login: %d %s", status, body)
	}
}

// TestSecureAuthLogout: GET /auth/logout (happn-3 13) revokes the
// request's token when AllowLogoutOverHTTP, answers 403 otherwise, and
// 401 without a usable token either way.
func TestSecureAuthLogout(t *testing.T) {
	login := func(t *testing.T, base string) string {
		t.Helper()
		status, body := httpGet(t, base+"/auth/login?username=alice&password=alice-pw", nil)
		var ok struct{ Data string }
		if status != 200 || json.Unmarshal([]byte(body), &ok) != nil || ok.Data == "" {
			t.Fatalf("login: %d %s", status, body)
		}
		return ok.Data
	}
	reports := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }

	t.Run("allowed", func(t *testing.T) {
		cfg := secureConfig()
		cfg.AllowLogoutOverHTTP = true
		srv, base := secureServer(t, cfg)
		srv.HandleFunc("/reports/", reports)
		token := login(t, base)
		if st, _ := httpGet(t, base+"/reports/x?happn_token="+token, nil); st != 200 {
			t.Fatalf("token before logout: %d", st)
		}
		status, body := httpGet(t, base+"/auth/logout", map[string]string{"Authorization": "Bearer " + token})
		if want := `{"message":"logout successful", "data":"` + token + `", "error":null}`; status != 200 || body != want {
			t.Fatalf("logout: %d %s, want 200 %s", status, body, want)
		}
		if st, body := httpGet(t, base+"/reports/x?happn_token="+token, nil); st != 403 {
			t.Fatalf("token after logout: %d %s, want 403", st, body)
		}
		if st, _ := httpGet(t, base+"/auth/logout?happn_token="+token, nil); st != 200 {
			t.Fatalf("a second logout: %d, want 200", st)
		}
		if st, body := httpGet(t, base+"/auth/logout", nil); st != 401 || body != "invalid token format or null token" {
			t.Fatalf("logout without a token: %d %q", st, body)
		}
	})
	t.Run("not allowed", func(t *testing.T) {
		srv, base := secureServer(t, secureConfig())
		srv.HandleFunc("/reports/", reports)
		token := login(t, base)
		if st, body := httpGet(t, base+"/auth/logout?happn_token="+token, nil); st != 403 || body != "logouts over http are not allowed" {
			t.Fatalf("logout: %d %q, want 403", st, body)
		}
		if st, _ := httpGet(t, base+"/reports/x?happn_token="+token, nil); st != 200 {
			t.Fatalf("token after a refused logout: %d, want 200", st)
		}
		if st, _ := httpGet(t, base+"/auth/logout?happn_token=garbage", nil); st != 401 {
			t.Fatalf("logout with a bad token: %d, want 401", st)
		}
	})
}

// TestSessionCookieName: the login response tells browsers which cookie
// to keep the token in: CookieName, or with HTTPSCookie CookieName+
// "_https" over TLS or behind a proxy saying X-Forwarded-Proto: https;
// with its CookieDomain. HTTP routes read the _https cookie.
func TestSessionCookieName(t *testing.T) {
	cookieOf := func(t *testing.T, c *happn.Client) (string, string) {
		t.Helper()
		s := c.Session()
		return gjson.GetBytes(s, "cookieName").String(), gjson.GetBytes(s, "cookieDomain").String()
	}
	cfg := secureConfig()
	cfg.HTTPSCookie = true
	cfg.CookieDomain = "example.org"
	srv, base := secureServer(t, cfg)
	srv.HandleFunc("/reports/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	plain := secDial(t, base, happn.WithCredentials("alice", "alice-pw"))
	if name, domain := cookieOf(t, plain); name != "happn_token" || domain != "example.org" {
		t.Fatalf("plain connection: cookie %q domain %q, want happn_token example.org", name, domain)
	}
	if st, _ := httpGet(t, base+"/reports/x", map[string]string{"Cookie": "happn_token_https=" + plain.Token()}); st != 200 {
		t.Fatalf("route with the _https cookie: %d", st)
	}

	// Behind a TLS-terminating proxy.
	hdr := http.Header{"X-Forwarded-Proto": {"https"}}
	ws, _, err := websocket.Dial(secCtx(t), strings.Replace(base, "http", "ws", 1)+"/primus", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	r := &secRaw{t: t, ws: ws}
	if f := r.login(map[string]any{"username": "alice", "password": "alice-pw"}); field(t, f, "data.cookieName") != "happn_token_https" {
		t.Fatalf("behind an https proxy: %s", f)
	}

	// Over TLS, with and without HTTPSCookie.
	overTLS := func(cfg happn.Config) *happn.Client {
		t.Helper()
		cfg.HTTPS = &happn.HTTPS{CertFile: t.TempDir() + "/cert.pem", KeyFile: t.TempDir() + "/key.pem"}
		_, url := serveHTTPS(t, cfg)
		c, err := happn.Dial(secCtx(t), url, happn.AllowSelfSignedCerts(), happn.WithCredentials("alice", "alice-pw"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	tcfg := secureConfig()
	tcfg.HTTPSCookie = true
	if name, domain := cookieOf(t, overTLS(tcfg)); name != "happn_token_https" || domain != "" {
		t.Fatalf("TLS connection: cookie %q domain %q, want happn_token_https and none", name, domain)
	}
	if name, _ := cookieOf(t, overTLS(secureConfig())); name != "happn_token" {
		t.Fatalf("TLS without HTTPSCookie: cookie %q", name)
	}
}
