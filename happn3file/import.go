package happn3file

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store"
)

// Stats counts what Import wrote.
type Stats struct {
	// Documents is how many data documents were written.
	Documents int
	// Users, Groups, Links (memberships), Permissions (path and action
	// pairs), LookupTables and LookupPermissions count the security
	// directory's parts.
	Users, Groups, Links, Permissions, LookupTables, LookupPermissions int
	// Skipped lists the records Import did not write, each with why:
	// happn-3's own bookkeeping under /_SYSTEM (its name, database
	// version, token secret, caches), and the whole security directory
	// when Import had no security service.
	Skipped []string
}

// happn-3's security directory (SPEC §7), under /_SYSTEM/_SECURITY.
const (
	systemRoot      = "/_SYSTEM/"
	securityRoot    = "/_SYSTEM/_SECURITY/"
	userRoot        = securityRoot + "_USER/"
	groupRoot       = securityRoot + "_GROUP/"
	permissionRoot  = securityRoot + "_PERMISSIONS/"
	userPermRoot    = permissionRoot + "_USER/"
	lookupPermRoot  = permissionRoot + "_LOOKUP/"
	lookupTableRoot = securityRoot + "_LOOKUP/"
	linkInfix       = "/_USER_GROUP/"
)

// importWorkers is how many documents Import writes at once: a persistent
// store commits concurrent writes together.
const importWorkers = 32

// Import writes records (from Read) into a happn server's store: every
// document outside /_SYSTEM as it is, with its times where the file has
// them (the time of the import where it does not), replacing what the
// store holds at its path; and happn-3's security directory through sec,
// translated to ours: groups with their permissions, users with their
// password hashes (happn-3's PBKDF2 hashes verify, and are rehashed at
// each user's next login), memberships, users' own permissions, lookup
// tables and lookup permissions. The _ADMIN group is ours and is left as
// it is; the _ADMIN user gets happn-3's password (a configured
// Config.AdminPassword replaces it when the server next starts).
//
// sec may be nil (an insecure server): the security records are then
// listed in Stats.Skipped. Import writes to the store directly, without
// events: run it before the server serves clients. Importing the same
// records again gives the same result.
func Import(ctx context.Context, records []Record, st store.Store, sec *security.Service) (Stats, error) {
	var (
		stats Stats
		dir   directory
		docs  []Record
	)
	for _, r := range records {
		switch {
		case !strings.HasPrefix(r.Path, systemRoot):
			docs = append(docs, r)
		case !strings.HasPrefix(r.Path, securityRoot) || r.Path == securityRoot+"SESSION_TOKEN_SECRET":
			stats.Skipped = append(stats.Skipped, r.Path+": happn-3's own record")
		case sec == nil:
			stats.Skipped = append(stats.Skipped, r.Path+": security record, and the server is not secure")
		default:
			if why := dir.add(r); why != "" {
				stats.Skipped = append(stats.Skipped, r.Path+": "+why)
			}
		}
	}
	if err := writeDocuments(ctx, st, docs); err != nil {
		return stats, err
	}
	stats.Documents = len(docs)
	if sec == nil {
		return stats, nil
	}
	return dir.apply(ctx, sec, stats)
}

// writeDocuments writes docs with a few workers.
func writeDocuments(ctx context.Context, st store.Store, docs []Record) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan Record)
	var wg sync.WaitGroup
	for range min(importWorkers, len(docs)) {
		wg.Go(func() {
			for r := range next {
				_, err := st.Update(ctx, r.Path, func(*store.Item) (store.Change, error) {
					return store.Change{Data: r.Data, ModifiedBy: r.ModifiedBy, Created: r.Created, Modified: r.Modified}, nil
				})
				if err != nil {
					cancel(fmt.Errorf("happn3file: writing %s: %w", r.Path, err))
				}
			}
		})
	}
send:
	for _, r := range docs {
		select {
		case next <- r:
		case <-ctx.Done():
			break send
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// directory is happn-3's security directory gathered from its records.
type directory struct {
	groups      []security.Group
	users       []security.User
	links       [][2]string // group, user
	groupPerms  map[string]security.Permissions
	userPerms   map[string]security.Permissions
	tables      map[string][]string
	lookupPerms map[string][]security.LookupPermission // by group
}

// add sorts one record under /_SYSTEM/_SECURITY into d. It returns why
// it skipped the record, or "".
func (d *directory) add(r Record) string {
	rest, _ := strings.CutPrefix(r.Path, securityRoot)
	switch {
	case strings.HasPrefix(r.Path, userRoot) && strings.Contains(rest, linkInfix):
		user, group, _ := strings.Cut(strings.TrimPrefix(r.Path, userRoot), linkInfix)
		d.links = append(d.links, [2]string{group, user})
	case strings.HasPrefix(r.Path, userRoot):
		var u struct {
			Username   string          `json:"username"`
			Password   string          `json:"password"`
			CustomData json.RawMessage `json:"custom_data"`
			PublicKey  string          `json:"publicKey"`
		}
		if err := json.Unmarshal(r.Data, &u); err != nil {
			return "not a happn-3 user: " + err.Error()
		}
		if u.Username == "" {
			u.Username = strings.TrimPrefix(r.Path, userRoot)
		}
		d.users = append(d.users, security.User{Username: u.Username, PasswordHash: u.Password, CustomData: nullToNil(u.CustomData), PublicKey: u.PublicKey})
	case strings.HasPrefix(r.Path, groupRoot):
		var g struct {
			Name        string               `json:"name"`
			CustomData  json.RawMessage      `json:"custom_data"`
			Permissions security.Permissions `json:"permissions"` // inline, as happn-3 before 11 kept them
		}
		if err := json.Unmarshal(r.Data, &g); err != nil {
			return "not a happn-3 group: " + err.Error()
		}
		if g.Name == "" {
			g.Name = strings.TrimPrefix(r.Path, groupRoot)
		}
		d.groups = append(d.groups, security.Group{Name: g.Name, CustomData: nullToNil(g.CustomData), Permissions: g.Permissions})
	case strings.HasPrefix(r.Path, lookupPermRoot):
		var p struct {
			Permissions []security.LookupPermission `json:"permissions"`
		}
		if err := json.Unmarshal(r.Data, &p); err != nil {
			return "not a happn-3 lookup permission: " + err.Error()
		}
		// happn-3 keeps each pair twice: <group>/<table> with the
		// permissions, and <table>/<group> empty, as an index.
		if p.Permissions != nil {
			group, _, _ := strings.Cut(strings.TrimPrefix(r.Path, lookupPermRoot), "/")
			d.lookupPerms = addTo(d.lookupPerms, group, p.Permissions...)
		}
	case strings.HasPrefix(r.Path, permissionRoot):
		var p struct {
			Action     string `json:"action"`
			Authorized bool   `json:"authorized"`
			Path       string `json:"path"`
		}
		if err := json.Unmarshal(r.Data, &p); err != nil || p.Action == "" || p.Path == "" {
			return "not a happn-3 permission"
		}
		perm := security.Permission{Actions: []string{p.Action}}
		if !p.Authorized {
			perm = security.Permission{Prohibit: []string{p.Action}}
		}
		if user, ok := strings.CutPrefix(r.Path, userPermRoot); ok {
			user, _, _ = strings.Cut(user, "/")
			d.userPerms = mergeInto(d.userPerms, user, p.Path, perm)
		} else {
			group, _, _ := strings.Cut(strings.TrimPrefix(r.Path, permissionRoot), "/")
			d.groupPerms = mergeInto(d.groupPerms, group, p.Path, perm)
		}
	case strings.HasPrefix(r.Path, lookupTableRoot):
		table, path, ok := strings.Cut(strings.TrimPrefix(r.Path, lookupTableRoot), "/")
		var p struct {
			Authorized bool `json:"authorized"`
		}
		if !ok || json.Unmarshal(r.Data, &p) != nil {
			return "not a happn-3 lookup table path"
		}
		if p.Authorized {
			d.tables = addTo(d.tables, table, path)
		}
	default:
		return "happn-3's own record"
	}
	return ""
}

// apply writes d through sec: groups first, then users and what refers
// to them.
func (d *directory) apply(ctx context.Context, sec *security.Service, stats Stats) (Stats, error) {
	for _, g := range d.groups {
		if g.Name == security.AdminName {
			continue
		}
		if _, err := sec.UpsertGroup(ctx, g); err != nil {
			return stats, fmt.Errorf("happn3file: group %s: %w", g.Name, err)
		}
		stats.Groups++
	}
	for _, u := range d.users {
		if _, err := sec.UpsertUser(ctx, u); err != nil {
			return stats, fmt.Errorf("happn3file: user %s: %w", u.Username, err)
		}
		stats.Users++
	}
	for _, l := range d.links {
		if l[0] == security.AdminName && l[1] == security.AdminName {
			continue
		}
		if err := sec.LinkGroup(ctx, l[0], l[1]); err != nil {
			return stats, fmt.Errorf("happn3file: adding %s to %s: %w", l[1], l[0], err)
		}
		stats.Links++
	}
	for _, group := range sortedKeys(d.groupPerms) {
		if group == security.AdminName {
			continue
		}
		if err := sec.UpsertGroupPermissions(ctx, group, d.groupPerms[group]); err != nil {
			return stats, fmt.Errorf("happn3file: permissions of group %s: %w", group, err)
		}
		stats.Permissions += countPermissions(d.groupPerms[group])
	}
	for _, user := range sortedKeys(d.userPerms) {
		if err := sec.UpsertUserPermissions(ctx, user, d.userPerms[user]); err != nil {
			return stats, fmt.Errorf("happn3file: permissions of user %s: %w", user, err)
		}
		stats.Permissions += countPermissions(d.userPerms[user])
	}
	for _, table := range sortedKeys(d.tables) {
		if err := sec.UpsertLookupTable(ctx, security.LookupTable{Name: table, Paths: d.tables[table]}); err != nil {
			return stats, fmt.Errorf("happn3file: lookup table %s: %w", table, err)
		}
		stats.LookupTables++
	}
	for _, group := range sortedKeys(d.lookupPerms) {
		for _, p := range d.lookupPerms[group] {
			if err := sec.UpsertLookupPermission(ctx, group, p); err != nil {
				return stats, fmt.Errorf("happn3file: lookup permission of group %s: %w", group, err)
			}
			stats.LookupPermissions++
		}
	}
	return stats, nil
}

// mergeInto adds perm on path to m[owner].
func mergeInto(m map[string]security.Permissions, owner, path string, perm security.Permission) map[string]security.Permissions {
	if m == nil {
		m = map[string]security.Permissions{}
	}
	m[owner] = security.Merge(m[owner], security.Permissions{path: perm})
	return m
}

// addTo appends vs to m[key].
func addTo[V any](m map[string][]V, key string, vs ...V) map[string][]V {
	if m == nil {
		m = map[string][]V{}
	}
	m[key] = append(m[key], vs...)
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// countPermissions counts path and action pairs.
func countPermissions(p security.Permissions) int {
	n := 0
	for _, perm := range p {
		n += len(perm.Actions) + len(perm.Prohibit)
	}
	return n
}

// nullToNil turns JSON null (or nothing) into nil, which an upsert reads
// as "keep".
func nullToNil(raw json.RawMessage) json.RawMessage {
	if s := strings.TrimSpace(string(raw)); s == "" || s == "null" {
		return nil
	}
	return raw
}
