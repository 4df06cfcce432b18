package security

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/happn-go/happn/internal/query"
)

// Profile gives the sessions it matches a policy (SPEC §7.7). Profiles
// are tried in order and the first whose Session filter matches wins,
// separately for the session as stateless (type 0) and as stateful
// (type 1); the defaults (browser, stateful, stateless) come after the
// configured ones. Its JSON is happn-3's profile object.
type Profile struct {
	// Name identifies the profile in logs.
	Name string `json:"name"`
	// Session is a mongo-style filter over the session document:
	//
	//	{"id", "type": 0|1, "user": {"username", "userid", "custom_data",
	//	 "groups": {"<name>": {}, …}}, "info": {…client login info…},
	//	 "ip_address", "address": {"ip"}, "origin", "timestamp"}
	//
	// happn-3 filtered with sift, which reads a nested object without
	// operators as a nested query ({"user": {"username": "x"}} means
	// user.username is "x"), not as an exact match; both that form and
	// dotted paths ("user.username") work here. nil or {} matches every
	// session.
	Session json.RawMessage `json:"session,omitempty"`
	// Policy is what a matching session gets.
	Policy Policy `json:"policy"`
}

// Policy limits a session (SPEC §7.7). Zero values mean no limit.
type Policy struct {
	// TTL ends the session this long after login, and its token expires
	// then too.
	TTL Duration `json:"ttl,omitzero"`
	// InactivityThreshold refuses (and ends) a session that made no
	// request for this long.
	InactivityThreshold Duration `json:"inactivity_threshold,omitzero"`
	// UsageLimit refuses (and ends) a session after this many requests.
	UsageLimit int64 `json:"usage_limit,omitempty"`
	// Permissions, when not nil, alone decide what the session may do,
	// instead of its user's.
	Permissions Permissions `json:"permissions,omitempty"`
	// SourceIPWhitelist, when not empty, refuses logins from other client
	// addresses (401 "Source address access restricted").
	SourceIPWhitelist []string `json:"sourceIPWhitelist,omitempty"`
	// DisallowTokenLogins refuses logins with this session's token.
	DisallowTokenLogins bool `json:"disallowTokenLogins,omitempty"`
	// LockTokenToOrigin refuses logins with this session's token on a
	// server with another name.
	LockTokenToOrigin bool `json:"lockTokenToOrigin,omitempty"`
}

// compiledProfile is a Profile ready to match.
type compiledProfile struct {
	name   string
	filter *query.Query // nil matches everything
	policy *Policy
	raw    []byte // the policy as happn-3 shows it in the session record
}

// The default profiles, as happn-3's __initializeProfiles appends them.
var defaultProfiles = []Profile{
	{Name: "default-browser", Session: json.RawMessage(`{"info._browser":true}`),
		Policy: Policy{TTL: Duration(7 * 24 * 3600e9), InactivityThreshold: Duration(3600e9)}},
	{Name: "default-stateful", Session: json.RawMessage(`{"type":1}`)},
	{Name: "default-stateless", Session: json.RawMessage(`{"type":0}`)},
}

// compileProfiles compiles the configured profiles followed by the
// defaults.
func compileProfiles(profiles []Profile) ([]*compiledProfile, error) {
	all := append(append([]Profile(nil), profiles...), defaultProfiles...)
	out := make([]*compiledProfile, 0, len(all))
	for i, p := range all {
		cp := &compiledProfile{name: p.Name, policy: &all[i].Policy}
		if len(bytes.TrimSpace(p.Session)) > 0 && string(bytes.TrimSpace(p.Session)) != "null" {
			flat, err := flattenSift(p.Session)
			if err != nil {
				return nil, fmt.Errorf("security: profile %q: %w", p.Name, err)
			}
			if cp.filter, err = query.CompileDocument(flat); err != nil {
				return nil, fmt.Errorf("security: profile %q: %w", p.Name, err)
			}
		}
		if err := p.Policy.Permissions.Validate(); err != nil {
			return nil, fmt.Errorf("security: profile %q: %w", p.Name, err)
		}
		cp.raw = p.Policy.recordJSON()
		out = append(out, cp)
	}
	return out, nil
}

// recordJSON is the policy as happn-3 echoes it in a login response:
// ttl and inactivity_threshold always (0 and null for "none", as the
// default profiles print), the rest when set.
func (p *Policy) recordJSON() []byte {
	b := []byte(`{"ttl":`)
	b = appendInt(b, p.TTL.Milliseconds())
	b = append(b, `,"inactivity_threshold":`...)
	if p.InactivityThreshold.Limited() {
		b = appendInt(b, p.InactivityThreshold.Milliseconds())
	} else {
		b = append(b, "null"...)
	}
	if p.UsageLimit > 0 {
		b = append(b, `,"usage_limit":`...)
		b = appendInt(b, p.UsageLimit)
	}
	if p.DisallowTokenLogins {
		b = append(b, `,"disallowTokenLogins":true`...)
	}
	if p.LockTokenToOrigin {
		b = append(b, `,"lockTokenToOrigin":true`...)
	}
	if p.Permissions != nil {
		perm, _ := json.Marshal(p.Permissions)
		b = append(b, `,"permissions":`...)
		b = append(b, perm...)
	}
	return append(b, '}')
}

// flattenSift rewrites a sift-style filter into the dialect of
// internal/query: a field whose value is an object without operators
// becomes dotted fields ({"user":{"username":{"$eq":"x"}}} →
// {"user.username":{"$eq":"x"}}), inside $and/$or/$nor too. Mongo would
// read such an object as an exact match; happn-3's profiles were written
// for sift, so they mean the nested query.
func flattenSift(raw json.RawMessage) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("session filter: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("session filter must be an object")
	}
	out := map[string]any{}
	flattenInto(out, "", m)
	return json.Marshal(out)
}

func flattenInto(out map[string]any, prefix string, m map[string]any) {
	for k, v := range m {
		if strings.HasPrefix(k, "$") {
			if list, ok := v.([]any); ok && (k == "$and" || k == "$or" || k == "$nor") {
				flat := make([]any, len(list))
				for i, e := range list {
					if em, ok := e.(map[string]any); ok {
						sub := map[string]any{}
						flattenInto(sub, prefix, em)
						flat[i] = sub
					} else {
						flat[i] = e
					}
				}
				if prefix == "" {
					out[k] = flat
				} else {
					// An operator below a field: keep it on that field.
					out[prefix] = mergeOp(out[prefix], k, flat)
				}
				continue
			}
			if prefix == "" {
				out[k] = v
			} else {
				out[prefix] = mergeOp(out[prefix], k, v)
			}
			continue
		}
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 && !hasOperator(sub) {
			flattenInto(out, key, sub)
			continue
		}
		if sub, ok := v.(map[string]any); ok && hasOperator(sub) && !allOperators(sub) {
			// {"user": {"$exists": true, "name": "x"}}: operators apply to
			// user, plain keys go one level down.
			for sk, sv := range sub {
				if strings.HasPrefix(sk, "$") {
					out[key] = mergeOp(out[key], sk, sv)
				} else {
					flattenInto(out, key, map[string]any{sk: sv})
				}
			}
			continue
		}
		out[key] = v
	}
}

func mergeOp(cur any, op string, v any) any {
	m, ok := cur.(map[string]any)
	if !ok {
		m = map[string]any{}
		if cur != nil {
			m["$eq"] = cur
		}
	}
	m[op] = v
	return m
}

func hasOperator(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

func allOperators(m map[string]any) bool {
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return false
		}
	}
	return true
}

// match returns the first profile whose filter matches doc.
func matchProfile(profiles []*compiledProfile, doc []byte) *compiledProfile {
	for _, p := range profiles {
		if p.filter == nil || p.filter.MatchDocument(doc) {
			return p
		}
	}
	return nil
}

func appendInt(b []byte, n int64) []byte {
	return strconv.AppendInt(b, n, 10)
}
