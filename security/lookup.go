package security

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/happn-go/happn/internal/wildcard"
)

// Lookup tables (happn-3 12.1+, SPEC §7.12): a table is a named set of
// paths; a group's lookup permission grants its members the actions on a
// request path that matches a regular expression, when a path built from
// the expression's captures (and the user's templates) matches a path in
// the table. They extend the permissions, never restrict them: a request
// the permissions refuse is allowed when a lookup permission allows it.

// LookupTable is a named set of paths.
type LookupTable struct {
	Name string `json:"name"`
	// Paths are kept without one leading '/', as happn-3 keeps them.
	Paths []string `json:"paths"`
}

// LookupPermission grants the members of a group Actions on the request
// paths matching Regex (Go's RE2 syntax) for which Path, with "{{$1}}"…
// replaced by the expression's captures and "{{user.…}}" templates
// filled in, matches (as a pattern, '*' crossing '/') a path of Table.
type LookupPermission struct {
	Regex   string   `json:"regex"`
	Actions []string `json:"actions"`
	Table   string   `json:"table"`
	Path    string   `json:"path"`
}

// lookupRule is a LookupPermission with its expression compiled.
type lookupRule struct {
	LookupPermission
	re *regexp.Regexp
}

const (
	lookupRoot     = securityRoot + "/_LOOKUP/"
	lookupPermRoot = securityRoot + "/_PERMISSIONS/_LOOKUP/"
)

func lookupPathKey(table, path string) string  { return lookupRoot + table + "/" + path }
func lookupPermKey(group, table string) string { return lookupPermRoot + group + "/" + table }

// captureRef is a "{{$N}}" in a lookup permission's path.
var captureRef = regexp.MustCompile(`\{\{\$([0-9]+)\}\}`)

func compileLookup(p LookupPermission) (lookupRule, error) {
	if err := validName(p.Table); err != nil {
		return lookupRule{}, fmt.Errorf("security: lookup permission table: %w", err)
	}
	if len(p.Actions) == 0 {
		return lookupRule{}, fmt.Errorf("security: lookup permission on table %q has no actions", p.Table)
	}
	re, err := regexp.Compile(p.Regex)
	if err != nil {
		return lookupRule{}, fmt.Errorf("security: lookup permission regex: %w", err)
	}
	return lookupRule{LookupPermission: p, re: re}, nil
}

// lookupAllows reports whether a lookup permission of one of username's
// groups allows action on path.
func (s *Service) lookupAllows(d *directory, username, action, path string) bool {
	if len(d.lookups) == 0 {
		return false
	}
	var tctx map[string]any
	for _, g := range d.links[username] {
		for i := range d.lookups[g] {
			r := &d.lookups[g][i]
			if !slices.Contains(r.Actions, action) {
				continue
			}
			m := r.re.FindStringSubmatch(path)
			if m == nil {
				continue
			}
			widened := false
			built := captureRef.ReplaceAllStringFunc(r.Path, func(ref string) string {
				n, _ := strconv.Atoi(captureRef.FindStringSubmatch(ref)[1])
				if n >= len(m) {
					return ""
				}
				// A '*' from the request path would turn the built path
				// into a wider pattern than the permission's author wrote.
				widened = widened || strings.Contains(m[n], "*")
				return m[n]
			})
			if widened {
				continue
			}
			if tctx == nil {
				tctx = userContext(d, username)
			}
			patterns, _ := expandPattern(built, tctx)
			for _, p := range patterns {
				p = strings.TrimPrefix(p, "/")
				for _, tp := range d.tables[r.Table] {
					if wildcard.Match(p, tp) {
						return true
					}
				}
			}
		}
	}
	return false
}

// userContext is the template context of a user's permissions.
func userContext(d *directory, username string) map[string]any {
	u := d.users[username]
	if u == nil {
		return map[string]any{"user": map[string]any{"username": username}}
	}
	return map[string]any{"user": map[string]any{"username": u.Username, "userid": u.UserID, "custom_data": u.CustomData}}
}

// UpsertLookupTable adds t's paths to the table t.Name, creating it.
func (s *Service) UpsertLookupTable(ctx context.Context, t LookupTable) error {
	if s == nil {
		return ErrNotSecure
	}
	if err := validName(t.Name); err != nil {
		return err
	}
	return s.changeLookupTable(ctx, t.Name, func(paths []string) ([]string, error) {
		for _, p := range t.Paths {
			p = strings.TrimPrefix(p, "/")
			if p == "" {
				return nil, fmt.Errorf("security: empty path in lookup table %q", t.Name)
			}
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
				if err := put(ctx, s.st, lookupPathKey(t.Name, p), map[string]bool{"authorized": true}); err != nil {
					return nil, err
				}
			}
		}
		return paths, nil
	})
}

// InsertLookupPath adds one path to a table.
func (s *Service) InsertLookupPath(ctx context.Context, table, path string) error {
	return s.UpsertLookupTable(ctx, LookupTable{Name: table, Paths: []string{path}})
}

// RemoveLookupPath removes one path from a table.
func (s *Service) RemoveLookupPath(ctx context.Context, table, path string) error {
	if s == nil {
		return ErrNotSecure
	}
	path = strings.TrimPrefix(path, "/")
	return s.changeLookupTable(ctx, table, func(paths []string) ([]string, error) {
		if !slices.Contains(paths, path) {
			return nil, fmt.Errorf("%w: path %q in lookup table %q", ErrNotFound, path, table)
		}
		if _, err := s.st.Delete(ctx, lookupPathKey(table, path)); err != nil {
			return nil, err
		}
		return slices.DeleteFunc(paths, func(p string) bool { return p == path }), nil
	})
}

// DeleteLookupTable removes a table and its paths. Lookup permissions
// naming it stay, and allow nothing until it is filled again.
func (s *Service) DeleteLookupTable(ctx context.Context, name string) error {
	if s == nil {
		return ErrNotSecure
	}
	return s.changeLookupTable(ctx, name, func(paths []string) ([]string, error) {
		if len(paths) == 0 {
			return nil, fmt.Errorf("%w: lookup table %q", ErrNotFound, name)
		}
		for _, p := range paths {
			if _, err := s.st.Delete(ctx, lookupPathKey(name, p)); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
}

// GetLookupTable returns a table; an unknown one has no paths.
func (s *Service) GetLookupTable(ctx context.Context, name string) (LookupTable, error) {
	if s == nil {
		return LookupTable{}, ErrNotSecure
	}
	return LookupTable{Name: name, Paths: slices.Clone(s.dir.Load().tables[name])}, nil
}

// changeLookupTable replaces a table's paths with what change returns
// (it persists them), and tells the sessions of the groups using it.
func (s *Service) changeLookupTable(ctx context.Context, table string, change func([]string) ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.commit(ctx, func(nd *directory) error {
		paths, err := change(slices.Clone(nd.tables[table]))
		if err != nil {
			return err
		}
		nd.tables = cloneMap(nd.tables)
		if len(paths) == 0 {
			delete(nd.tables, table)
		} else {
			slices.Sort(paths)
			nd.tables[table] = paths
		}
		return nil
	})
	if err != nil {
		return err
	}
	users := map[string]bool{}
	for g, rules := range s.dir.Load().lookups {
		if slices.ContainsFunc(rules, func(r lookupRule) bool { return r.Table == table }) {
			maps.Copy(users, s.members(g))
		}
	}
	s.notify(Change{Event: "lookup-table-changed", Data: mustJSON(map[string]string{"table": table}), users: users})
	return nil
}

// UpsertLookupPermission gives a group a lookup permission (once: an
// equal one already there is left alone).
func (s *Service) UpsertLookupPermission(ctx context.Context, group string, p LookupPermission) error {
	if s == nil {
		return ErrNotSecure
	}
	r, err := compileLookup(p)
	if err != nil {
		return err
	}
	return s.changeLookupPermissions(ctx, group, p.Table, func(rules []lookupRule) []lookupRule {
		if slices.ContainsFunc(rules, func(x lookupRule) bool { return sameLookup(x.LookupPermission, p) }) {
			return rules
		}
		return append(rules, r)
	})
}

// RemoveLookupPermission takes a lookup permission from a group.
func (s *Service) RemoveLookupPermission(ctx context.Context, group string, p LookupPermission) error {
	if s == nil {
		return ErrNotSecure
	}
	return s.changeLookupPermissions(ctx, group, p.Table, func(rules []lookupRule) []lookupRule {
		return slices.DeleteFunc(rules, func(x lookupRule) bool { return sameLookup(x.LookupPermission, p) })
	})
}

// LookupPermissions returns a group's lookup permissions.
func (s *Service) LookupPermissions(ctx context.Context, group string) ([]LookupPermission, error) {
	if s == nil {
		return nil, ErrNotSecure
	}
	var out []LookupPermission
	for _, r := range s.dir.Load().lookups[group] {
		out = append(out, r.LookupPermission)
	}
	return out, nil
}

func sameLookup(a, b LookupPermission) bool {
	return a.Regex == b.Regex && a.Table == b.Table && a.Path == b.Path && slices.Equal(a.Actions, b.Actions)
}

// changeLookupPermissions replaces a group's lookup permissions on table
// with what change returns, persists them, and tells its members'
// sessions.
func (s *Service) changeLookupPermissions(ctx context.Context, group, table string, change func([]lookupRule) []lookupRule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.Load().groups[group]; !ok {
		return fmt.Errorf("%w: group %q", ErrNotFound, group)
	}
	err := s.commit(ctx, func(nd *directory) error {
		var others, onTable []lookupRule
		for _, r := range nd.lookups[group] {
			if r.Table == table {
				onTable = append(onTable, r)
			} else {
				others = append(others, r)
			}
		}
		onTable = change(onTable)
		if len(onTable) == 0 {
			if _, err := s.st.Delete(ctx, lookupPermKey(group, table)); err != nil {
				return err
			}
		} else {
			perms := make([]LookupPermission, len(onTable))
			for i, r := range onTable {
				perms[i] = r.LookupPermission
			}
			if err := put(ctx, s.st, lookupPermKey(group, table), map[string]any{"permissions": perms}); err != nil {
				return err
			}
		}
		nd.lookups = cloneMap(nd.lookups)
		if all := append(others, onTable...); len(all) == 0 {
			delete(nd.lookups, group)
		} else {
			nd.lookups[group] = all
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.notify(Change{Event: "lookup-permission-changed", Data: mustJSON(map[string]string{"group": group, "table": table}), users: s.members(group)})
	return nil
}

// cloneMap is maps.Clone, but never nil.
func cloneMap[M ~map[K]V, K comparable, V any](m M) M {
	if m == nil {
		return M{}
	}
	return maps.Clone(m)
}
