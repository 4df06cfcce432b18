package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// TestSecureConfigFile: the minimal config file brings up a ready
// secure server, and starting it again changes nothing.
func TestSecureConfigFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "happn.db")
	path := writeConfig(t, `{"secure":true,"adminPassword":"admin-pw","data":"`+data+`",
		"groups":[{"name":"readers","permissions":{"/shared/*":{"actions":["get","on"]}}}],
		"users":[{"username":"alice","password":"alice-pw","groups":["readers"]}],
		"profiles":[{"name":"short","session":{"user":{"username":{"$eq":"alice"}}},"policy":{"ttl":"4 seconds","inactivity_threshold":"Infinity"}}],
		"accountLockout":{"attempts":2,"retryInterval":"1 minute"},"allowLogoutOverHttp":true,"unconfiguredSessionTimeout":"30s","httpsCookie":true,"allowNestedPermissions":true,"cookieDomain":"example.org",
		"usernamesCaseInsensitive":true,"usernamesCaseInsensitiveExclude":["KeepMe"],"allowTTL0Revocations":false}`)
	for start := range 2 {
		_, cfg := readConfig(t, path)
		if !cfg.Secure || cfg.AdminPassword != "admin-pw" || len(cfg.Users) != 1 || cfg.AccountLockout.Attempts != 2 || !cfg.AllowLogoutOverHTTP ||
			!cfg.UsernamesCaseInsensitive || len(cfg.UsernamesCaseInsensitiveExclude) != 1 ||
			!cfg.HTTPSCookie || cfg.CookieDomain != "example.org" || !cfg.RefuseTTL0Revocations || !cfg.AllowNestedPermissions || cfg.UnconfiguredSessionTimeout != 30*time.Second {
			t.Fatalf("config: %+v", cfg)
		}
		srv, err := happn.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		c, err := srv.LocalClient(ctx, happn.WithCredentials("ALICE", "alice-pw")) // usernamesCaseInsensitive
		if err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		if _, err := c.Get(ctx, "/shared/x"); err != nil {
			t.Fatalf("start %d: get: %v", start, err)
		}
		if _, err := c.Set(ctx, "/shared/x", map[string]any{}); err == nil {
			t.Fatalf("start %d: alice may set", start)
		}
		g, err := srv.Security().GetGroup(ctx, "readers")
		if err != nil || len(g.Permissions) != 1 {
			t.Fatalf("start %d: group %+v %v", start, g, err)
		}
		c.Close()
		srv.Close()
	}
}

// TestSecureFlags: -secure -production refuses to start with the default
// _ADMIN password.
func TestSecureFlags(t *testing.T) {
	if err := run([]string{"-secure", "-production", "-data", ":memory:", "-addr", "127.0.0.1:0"}); err == nil {
		t.Fatal("a production server started with the default _ADMIN password")
	}
}
