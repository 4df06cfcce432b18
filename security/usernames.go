package security

import (
	"slices"
	"strings"
)

// canonicalUsername returns the name a user is stored and looked up
// under. With Config.UsernamesCaseInsensitive (happn-3's
// usernamesCaseInsensitive) it is lower-cased, except for the built-in
// _ADMIN and _ANONYMOUS users and the names in
// Config.UsernamesCaseInsensitiveExclude; otherwise it is name itself.
func (s *Service) canonicalUsername(name string) string {
	if !s.cfg.UsernamesCaseInsensitive || name == AdminName || name == AnonymousName ||
		slices.Contains(s.cfg.UsernamesCaseInsensitiveExclude, name) {
		return name
	}
	return strings.ToLower(name)
}
