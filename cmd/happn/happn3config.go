package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/happn-go/happn/security"
)

// A happn-3 server's config (the object given to happn.service.create,
// SPEC §9), saved as JSON, also works as -config: a file with happn-3's
// top-level "services", "host" or "port" is read as one. The settings
// that have a meaning here are translated; the others are listed in the
// notes the server logs at start, never silently dropped.
//
//	node -e 'console.log(JSON.stringify(require("./happn-config.js")))' > happn3.json
//	go run ./cmd/happn -config happn3.json

// isHappn3Config reports whether a config file's top-level keys are
// happn-3's rather than ours.
func isHappn3Config(top map[string]json.RawMessage) bool {
	for _, k := range []string{"services", "host", "port"} {
		if _, ok := top[k]; ok {
			return true
		}
	}
	return false
}

// happn3Config is the part of a happn-3 config that translates.
type happn3Config struct {
	Name                                  string          `json:"name"`
	Host                                  string          `json:"host"`
	Port                                  json.RawMessage `json:"port"`
	Secure                                bool            `json:"secure"`
	AllowNestedPermissions                bool            `json:"allowNestedPermissions"`
	DisableDefaultAdminNetworkConnections bool            `json:"disableDefaultAdminNetworkConnections"`
	Services                              struct {
		Security struct {
			Config happn3Security `json:"config"`
		} `json:"security"`
		Session struct {
			Config struct {
				PrimusOpts struct {
					PingInterval           duration `json:"pingInterval"`
					AllowSkippedHeartBeats *int     `json:"allowSkippedHeartBeats"`
					MaxLength              int64    `json:"maxLength"`
				} `json:"primusOpts"`
				UnconfiguredSessionCleanup struct {
					Threshold duration `json:"threshold"`
				} `json:"unconfiguredSessionCleanup"`
			} `json:"config"`
		} `json:"session"`
		Transport struct {
			Config json.RawMessage `json:"config"`
		} `json:"transport"`
		Publisher struct {
			Config struct {
				PublicationOptions struct {
					AcknowledgeTimeout duration `json:"acknowledgeTimeout"`
				} `json:"publicationOptions"`
			} `json:"config"`
		} `json:"publisher"`
		Data struct {
			Config struct {
				Filename   string `json:"filename"`
				DBFile     string `json:"dbfile"`
				Datastores []struct {
					Name     string `json:"name"`
					Settings struct {
						Filename string `json:"filename"`
					} `json:"settings"`
				} `json:"datastores"`
			} `json:"config"`
		} `json:"data"`
	} `json:"services"`
}

// happn3Security is services.security.config.
type happn3Security struct {
	AdminUser struct {
		Password  string `json:"password"`
		PublicKey string `json:"publicKey"`
	} `json:"adminUser"`
	SessionTokenSecret string             `json:"sessionTokenSecret"`
	Profiles           []security.Profile `json:"profiles"`
	AccountLockout     *struct {
		Enabled       *bool             `json:"enabled"`
		Attempts      int               `json:"attempts"`
		RetryInterval security.Duration `json:"retryInterval"`
	} `json:"accountLockout"`
	AllowAnonymousAccess                  bool     `json:"allowAnonymousAccess"`
	DisableDefaultAdminNetworkConnections bool     `json:"disableDefaultAdminNetworkConnections"`
	CookieName                            string   `json:"cookieName"`
	CookieDomain                          string   `json:"cookieDomain"`
	HTTPSCookie                           bool     `json:"httpsCookie"`
	AllowLogoutOverHTTP                   bool     `json:"allowLogoutOverHttp"`
	UsernamesCaseInsensitive              bool     `json:"usernamesCaseInsensitive"`
	UsernamesCaseInsensitiveExclude       []string `json:"usernamesCaseInsensitiveExclude"`
	AllowNestedPermissions                bool     `json:"allowNestedPermissions"`
	AllowTTL0Revocations                  *bool    `json:"allowTTL0Revocations"`
	// Ours: happn-3's case-insensitive permission matching, which it
	// always does (docs/happn3-differences.md).
	CaseInsensitivePermissions bool `json:"caseInsensitivePermissions"`
}

// translated lists, per section, the keys happn3Config reads; every other
// key is named in the notes.
var translated = map[string][]string{
	"":                                   {"name", "host", "port", "secure", "allowNestedPermissions", "disableDefaultAdminNetworkConnections", "services"},
	"services":                           {"security", "session", "transport", "publisher", "data"},
	"services.security":                  {"config"},
	"services.security.config":           {"adminUser", "sessionTokenSecret", "profiles", "accountLockout", "allowAnonymousAccess", "disableDefaultAdminNetworkConnections", "cookieName", "cookieDomain", "httpsCookie", "allowLogoutOverHttp", "usernamesCaseInsensitive", "usernamesCaseInsensitiveExclude", "allowNestedPermissions", "caseInsensitivePermissions", "allowTTL0Revocations"},
	"services.session":                   {"config"},
	"services.session.config":            {"primusOpts", "unconfiguredSessionCleanup"},
	"services.session.config.primusOpts": {"pingInterval", "allowSkippedHeartBeats", "maxLength"},
	"services.transport":                 {"config"},
	"services.transport.config":          {"mode", "cert", "key", "certPath", "keyPath", "keepAliveTimeout"},
	"services.publisher":                 {"config"},
	"services.publisher.config":          {"publicationOptions"},
	"services.publisher.config.publicationOptions": {"acknowledgeTimeout"},
	"services.data": {"config"},
}

// happn3Notes explains the keys that mean nothing here.
var happn3Notes = map[string]string{
	"services.security.config.lockTokenToLoginType":                          "tokens are always bound to their login type",
	"services.security.config.pbkdf2Iterations":                              "passwords are hashed with argon2id",
	"services.security.config.updateSubscriptionsOnSecurityDirectoryChanged": "subscriptions are always re-checked",
	"services.security.config.persistPermissions":                            "permissions are always persisted",
	"services.security.config.authProviders":                                 "auth providers are Go code: Config.Authenticators",
	"services.security.config.defaultAuthProvider":                           "auth providers are Go code: Config.DefaultAuthType",
	"services.protocol": "inbound and outbound layers are Go code: Config.InboundLayers, Config.OutboundLayers",
	"utils":             "logging is -log-level",
}

// fromHappn3 translates a happn-3 config. notes lists what did not
// translate and why.
func fromHappn3(b []byte) (fc fileConfig, notes []string, err error) {
	var h happn3Config
	if err := json.Unmarshal(b, &h); err != nil {
		return fc, nil, fmt.Errorf("happn-3 config: %w", err)
	}
	fc = fileConfig{Data: "happn.db", LogLevel: "info", Name: h.Name}
	host, port := h.Host, "55000"
	if host == "" {
		host = "0.0.0.0"
	}
	if len(h.Port) > 0 {
		var p any
		json.Unmarshal(h.Port, &p)
		switch p := p.(type) {
		case float64:
			port = strconv.Itoa(int(p))
		case string:
			port = p
		default:
			return fc, nil, fmt.Errorf("happn-3 config: port %s is not a number", h.Port)
		}
	}
	fc.Addr = net.JoinHostPort(host, port)

	s := h.Services.Security.Config
	fc.Secure = h.Secure
	fc.AdminPassword = s.AdminUser.Password
	fc.SessionTokenSecret = s.SessionTokenSecret
	fc.Profiles = s.Profiles
	if l := s.AccountLockout; l != nil {
		fc.AccountLockout = security.Lockout{Disabled: l.Enabled != nil && !*l.Enabled, Attempts: l.Attempts, RetryInterval: l.RetryInterval}
	}
	fc.AllowAnonymousAccess = s.AllowAnonymousAccess
	fc.DisableDefaultAdminNetworkConnections = s.DisableDefaultAdminNetworkConnections || h.DisableDefaultAdminNetworkConnections
	fc.CookieName, fc.CookieDomain, fc.HTTPSCookie = s.CookieName, s.CookieDomain, s.HTTPSCookie
	fc.AllowLogoutOverHTTP = s.AllowLogoutOverHTTP
	fc.UsernamesCaseInsensitive, fc.UsernamesCaseInsensitiveExclude = s.UsernamesCaseInsensitive, s.UsernamesCaseInsensitiveExclude
	fc.AllowNestedPermissions = s.AllowNestedPermissions || h.AllowNestedPermissions
	fc.CaseInsensitivePermissions = s.CaseInsensitivePermissions
	fc.AllowTTL0Revocations = s.AllowTTL0Revocations
	if s.AdminUser.PublicKey != "" {
		notes = append(notes, "services.security.config.adminUser.publicKey: not applied; give _ADMIN a public key with the security API")
	}

	sess := h.Services.Session.Config
	fc.PingInterval = sess.PrimusOpts.PingInterval
	if n := sess.PrimusOpts.AllowSkippedHeartBeats; n != nil {
		fc.MissedHeartbeats = *n
		if *n == 0 {
			fc.MissedHeartbeats = -1 // none may be missed
		}
	}
	fc.MaxMessageSize = sess.PrimusOpts.MaxLength
	fc.UnconfiguredSessionTimeout = sess.UnconfiguredSessionCleanup.Threshold
	fc.AcknowledgeTimeout = h.Services.Publisher.Config.PublicationOptions.AcknowledgeTimeout
	if t := h.Services.Transport.Config; len(t) > 0 {
		if err := json.Unmarshal(t, &fc.Transport); err != nil {
			return fc, nil, fmt.Errorf("happn-3 config: services.transport.config: %w", err)
		}
	}

	d := h.Services.Data.Config
	var files []string
	for _, f := range []string{d.Filename, d.DBFile} {
		if f != "" {
			files = append(files, f)
		}
	}
	for _, ds := range d.Datastores {
		if ds.Settings.Filename != "" {
			files = append(files, ds.Settings.Filename)
		}
	}
	if len(files) > 0 {
		notes = append(notes, fmt.Sprintf("services.data: happn-3's data is not read in place; data goes to %s: import it once with -import-happn3 %s", fc.Data, strings.Join(files, ",")))
	}

	var top map[string]json.RawMessage
	json.Unmarshal(b, &top)
	notes = append(notes, untranslated("", top)...)
	return fc, notes, nil
}

// untranslated names the keys below section (a dotted path) that
// fromHappn3 does not read.
func untranslated(section string, obj map[string]json.RawMessage) []string {
	var notes []string
	known := translated[section]
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		key := k
		if section != "" {
			key = section + "." + k
		}
		switch {
		case happn3Notes[key] != "":
			notes = append(notes, key+": ignored; "+happn3Notes[key])
		case section == "services.data":
			// its files are named in their own note
		case slices.Contains(known, k):
			var sub map[string]json.RawMessage
			if _, deeper := translated[key]; deeper && json.Unmarshal(obj[k], &sub) == nil {
				notes = append(notes, untranslated(key, sub)...)
			}
		default:
			notes = append(notes, key+": ignored; not supported by happn for Go")
		}
	}
	return notes
}
