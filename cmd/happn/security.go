package main

import (
	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// securityConfig is the secure-mode part of the config file, in
// happn-3's vocabulary:
//
//	{"secure": true, "adminPassword": "…",
//	 "groups": [{"name": "readers", "permissions": {"/shared/*": {"actions": ["get", "on"]}}}],
//	 "users": [{"username": "alice", "password": "…", "groups": ["readers"]}]}
//
// Groups and users are applied at every start, idempotently.
type securityConfig struct {
	Secure                                bool               `json:"secure"`
	AdminPassword                         string             `json:"adminPassword"`
	Production                            bool               `json:"production"`
	SessionTokenSecret                    string             `json:"sessionTokenSecret"`
	Groups                                []security.Group   `json:"groups"`
	Users                                 []security.User    `json:"users"`
	Profiles                              []security.Profile `json:"profiles"`
	AccountLockout                        security.Lockout   `json:"accountLockout"`
	AllowAnonymousAccess                  bool               `json:"allowAnonymousAccess"`
	DisableDefaultAdminNetworkConnections bool               `json:"disableDefaultAdminNetworkConnections"`
	CaseInsensitivePermissions            bool               `json:"caseInsensitivePermissions"`
	CookieName                            string             `json:"cookieName"`
	HTTPSCookie                           bool               `json:"httpsCookie"`
	AllowNestedPermissions                bool               `json:"allowNestedPermissions"`
	CookieDomain                          string             `json:"cookieDomain"`
	AllowLogoutOverHTTP                   bool               `json:"allowLogoutOverHttp"`
	UsernamesCaseInsensitive              bool               `json:"usernamesCaseInsensitive"`
	UsernamesCaseInsensitiveExclude       []string           `json:"usernamesCaseInsensitiveExclude"`
	EncryptPayloads                       bool               `json:"encryptPayloads"`
	// AllowTTL0Revocations false refuses to revoke tokens without a ttl
	// (happn-3 13's key, default true).
	AllowTTL0Revocations *bool `json:"allowTTL0Revocations"`
}

// apply copies the secure-mode settings into cfg.
func (sc securityConfig) apply(cfg *happn.Config) {
	cfg.Secure = sc.Secure
	cfg.AdminPassword = sc.AdminPassword
	cfg.Production = sc.Production
	cfg.SessionTokenSecret = sc.SessionTokenSecret
	cfg.Groups = sc.Groups
	cfg.Users = sc.Users
	cfg.Profiles = sc.Profiles
	cfg.AccountLockout = sc.AccountLockout
	cfg.AllowAnonymousAccess = sc.AllowAnonymousAccess
	cfg.DisableDefaultAdminNetworkConnections = sc.DisableDefaultAdminNetworkConnections
	cfg.CaseInsensitivePermissions = sc.CaseInsensitivePermissions
	cfg.CookieName = sc.CookieName
	cfg.HTTPSCookie = sc.HTTPSCookie
	cfg.AllowNestedPermissions = sc.AllowNestedPermissions
	cfg.CookieDomain = sc.CookieDomain
	cfg.AllowLogoutOverHTTP = sc.AllowLogoutOverHTTP
	cfg.UsernamesCaseInsensitive = sc.UsernamesCaseInsensitive
	cfg.UsernamesCaseInsensitiveExclude = sc.UsernamesCaseInsensitiveExclude
	cfg.EncryptPayloads = sc.EncryptPayloads
	cfg.RefuseTTL0Revocations = sc.AllowTTL0Revocations != nil && !*sc.AllowTTL0Revocations
}
