package happn_test

import (
	"context"
	"errors"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// TestConfigAuthenticators: a user whose auth type names an
// Authenticator logs in over the wire (and over HTTP) with the password
// that system accepts, and gets the directory's permissions.
func TestConfigAuthenticators(t *testing.T) {
	cfg := secureConfig()
	cfg.Authenticators = map[string]security.Authenticator{
		"sso": security.AuthenticatorFunc(func(_ context.Context, user, pw string) (bool, error) {
			return pw == "sso:"+user, nil
		}),
	}
	cfg.Users = append(cfg.Users, security.User{Username: "sam", AuthType: "sso", Groups: []string{"editors"}})
	_, base := secureServer(t, cfg)
	sam := secDial(t, base, happn.WithCredentials("sam", "sso:sam"))
	if _, err := sam.Set(secCtx(t), "/shared/by-sam", 1); err != nil {
		t.Fatalf("sam's permissions: %v", err)
	}
	if _, err := happn.Dial(secCtx(t), base, happn.WithCredentials("sam", "wrong"), happn.WithoutReconnect()); !errors.Is(err, happn.ErrAccessDenied) {
		t.Fatalf("a password the authenticator refuses: %v", err)
	}
	if st, body := httpGet(t, base+"/auth/login?username=sam&password=sso:sam", nil); st != 200 {
		t.Fatalf("HTTP login through the authenticator: %d %s", st, body)
	}
}
