package happn

import (
	"context"
	"errors"
	"fmt"

	"github.com/happn-go/happn/security"
)

// This file builds the secure provider from Config and adapts it to the
// rest of the server: errors, the management API, the admin client.

// setupSecurity makes the server secure when cfg.Secure is set: it opens
// the security directory in the server's store (creating _ADMIN and the
// configured groups and users) and makes it the server's provider.
func (s *Server) setupSecurity(ctx context.Context) error {
	cfg := s.cfg
	if svc, ok := s.sec.(*security.Service); ok && !cfg.Secure {
		s.adoptSecurity(svc)
		return nil
	}
	if !cfg.Secure {
		if cfg.EncryptPayloads {
			return errors.New("happn: EncryptPayloads needs Secure: clients log in to agree their keys")
		}
		if cfg.Production && !s.sec.Secure() {
			s.log.Warn("production server is not secure: anyone who can connect can read and write everything")
		}
		return nil
	}
	if svc, ok := s.sec.(*security.Service); ok {
		s.adoptSecurity(svc)
		return nil
	}
	if s.sec.Secure() {
		return errors.New("happn: Config.Secure and another secure Config.Security are exclusive")
	}
	svc, err := security.New(ctx, security.Config{
		Store:                                 s.store,
		Name:                                  s.name,
		AdminPassword:                         cfg.AdminPassword,
		SessionTokenSecret:                    cfg.SessionTokenSecret,
		Groups:                                cfg.Groups,
		Users:                                 cfg.Users,
		Profiles:                              cfg.Profiles,
		Lockout:                               cfg.AccountLockout,
		AllowAnonymousAccess:                  cfg.AllowAnonymousAccess,
		DisableDefaultAdminNetworkConnections: cfg.DisableDefaultAdminNetworkConnections,
		CaseInsensitivePermissions:            cfg.CaseInsensitivePermissions,
		CookieName:                            cfg.CookieName,
		Authenticators:                        cfg.Authenticators,
		DefaultAuthType:                       cfg.DefaultAuthType,
		HTTPSCookie:                           cfg.HTTPSCookie,
		CookieDomain:                          cfg.CookieDomain,
		AllowLogoutOverHTTP:                   cfg.AllowLogoutOverHTTP,
		RefuseTTL0Revocations:                 cfg.RefuseTTL0Revocations,
		UsernamesCaseInsensitive:              cfg.UsernamesCaseInsensitive,
		UsernamesCaseInsensitiveExclude:       cfg.UsernamesCaseInsensitiveExclude,
		Logger:                                s.log,
	})
	if err != nil {
		return fmt.Errorf("happn: %w", err)
	}
	if svc.DefaultAdminPassword() {
		if cfg.Production {
			return errors.New("happn: refusing to start a production server whose _ADMIN password is the default; set AdminPassword")
		}
		s.log.Warn("!!! THE _ADMIN PASSWORD IS THE DEFAULT ONE (" + security.DefaultAdminPassword + "): anyone can administer this server; set AdminPassword !!!")
	}
	s.adoptSecurity(svc)
	return nil
}

// adoptSecurity makes svc the server's provider.
func (s *Server) adoptSecurity(svc *security.Service) {
	s.secure = svc
	s.sec = svc
	svc.OnChange(s.securityChanged)
}

// Security returns the management API of a secure server: users, groups,
// their links and permissions, passwords, token revocation. Changes take
// effect at once: subscriptions that lose their permission are removed
// and the sessions concerned are told (security-data-changed), and a
// deleted user's sessions are ended.
//
// It returns nil on an insecure server; every method of a nil
// *security.Service returns security.ErrNotSecure.
func (s *Server) Security() *security.Service { return s.secure }

// AdminClient returns an in-process client logged in as _ADMIN without
// a password, for the server's own Go code (happn-3's
// localAdminClient). On an insecure server it is LocalClient.
func (s *Server) AdminClient(ctx context.Context, opts ...DialOption) (*Client, error) {
	if s.secure == nil {
		return s.LocalClient(ctx, opts...)
	}
	token, err := s.secure.AdminToken()
	if err != nil {
		return nil, err
	}
	return s.LocalClient(ctx, append(opts, WithToken(token))...)
}

// wireError converts a refusal of the security package into the error
// that crosses the wire; other errors are returned as they are.
func wireError(err error) error {
	if err == nil {
		return nil // the common case, without the allocation errors.As costs
	}
	var se *security.Error
	if errors.As(err, &se) {
		return &Error{Name: se.Name, Code: se.Code, Message: se.Message, Reason: se.Reason}
	}
	return err
}

// endReason returns the reason a security refusal ends the session
// with, or "".
func endReason(err error) string {
	var se *security.Error
	if errors.As(err, &se) {
		return se.EndSession
	}
	return ""
}
