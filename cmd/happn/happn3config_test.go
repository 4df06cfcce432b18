package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

// TestHappn3Config: a happn-3 server config saved as JSON works as
// -config: its settings are translated, and every key that is not is
// named in a note.
func TestHappn3Config(t *testing.T) {
	path := writeConfig(t, `{
		"name": "plant-1", "host": "127.0.0.1", "port": 55123, "secure": true,
		"utils": {"logLevel": "warn"},
		"services": {
			"security": {"config": {
				"adminUser": {"password": "admin-pw"},
				"sessionTokenSecret": "s3cret-secret",
				"accountLockout": {"enabled": false, "attempts": 2, "retryInterval": 60000},
				"profiles": [{"name": "short", "session": {"user.username": {"$eq": "alice"}}, "policy": {"ttl": "4 seconds"}}],
				"allowAnonymousAccess": true,
				"cookieName": "my_token",
				"lockTokenToLoginType": true,
				"allowLogoutOverHttp": true,
				"caseInsensitivePermissions": true,
				"allowTTL0Revocations": false,
				"someFutureKey": 1
			}},
			"session": {"config": {
				"primusOpts": {"pingInterval": 10000, "allowSkippedHeartBeats": 2, "maxLength": 1048576, "compression": false},
				"unconfiguredSessionCleanup": {"interval": 5000, "threshold": 30000}
			}},
			"transport": {"config": {"mode": "http", "keepAliveTimeout": 180000}},
			"publisher": {"config": {"publicationOptions": {"acknowledgeTimeout": 15000}}},
			"data": {"config": {"filename": "/var/happn/data.db"}},
			"stats": {"config": {}}
		}
	}`)
	fc, cfg := readConfig(t, path)
	if fc.Addr != "127.0.0.1:55123" || cfg.Name != "plant-1" || !cfg.Secure || cfg.AdminPassword != "admin-pw" ||
		cfg.SessionTokenSecret != "s3cret-secret" || !cfg.AccountLockout.Disabled || cfg.AccountLockout.Attempts != 2 ||
		time.Duration(cfg.AccountLockout.RetryInterval) != time.Minute || len(cfg.Profiles) != 1 || !cfg.AllowAnonymousAccess ||
		cfg.CookieName != "my_token" || !cfg.AllowLogoutOverHTTP || cfg.PingInterval != 10*time.Second || cfg.MissedHeartbeats != 2 ||
		cfg.MaxMessageSize != 1<<20 || cfg.UnconfiguredSessionTimeout != 30*time.Second || cfg.AcknowledgeTimeout != 15*time.Second ||
		cfg.DataPath != "happn.db" || cfg.HTTPS != nil || !cfg.CaseInsensitivePermissions || !cfg.RefuseTTL0Revocations ||
		cfg.KeepAliveTimeout != 3*time.Minute {
		t.Errorf("translated config: addr %q, %+v", fc.Addr, cfg)
	}
	for _, want := range []string{
		"services.data: happn-3's data is not read in place; data goes to happn.db: import it once with -import-happn3 /var/happn/data.db",
		"services.security.config.lockTokenToLoginType: ignored; tokens are always bound to their login type",
		"services.security.config.someFutureKey: ignored; not supported by happn for Go",
		"services.session.config.primusOpts.compression: ignored; not supported by happn for Go",
		"services.stats: ignored; not supported by happn for Go",
		"utils: ignored; logging is -log-level",
	} {
		if !slices.Contains(fc.notes, want) {
			t.Errorf("notes lack %q:\n%s", want, strings.Join(fc.notes, "\n"))
		}
	}
	if len(fc.notes) != 6 {
		t.Errorf("%d notes, want 6:\n%s", len(fc.notes), strings.Join(fc.notes, "\n"))
	}

	// The translated config runs: _ADMIN logs in with happn-3's password.
	cfg.DataPath = ":memory:"
	srv, err := happn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.LocalClient(context.Background(), happn.WithCredentials("_ADMIN", "admin-pw"))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestHappn3ConfigBadPort: a port that is not a number is an error, not
// a default.
func TestHappn3ConfigBadPort(t *testing.T) {
	if _, err := loadConfig(writeConfig(t, `{"port": {"x": 1}}`)); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("err = %v, want one about the port", err)
	}
}
