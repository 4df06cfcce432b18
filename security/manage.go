package security

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/happn-go/happn/internal/wildcard"
)

// The management API (SPEC §7.2). Every change is written to the store,
// then published to the in-memory directory, then announced to the
// server (OnChange) so that it can re-check the subscriptions of the
// sessions concerned and tell them, as happn-3 does. Changes are
// serialised; reads never wait for them.

// UpsertUser creates or updates a user: Password (or PasswordHash) sets
// the password, CustomData and PublicKey replace the old ones when set,
// Permissions are merged into the user's own, and the user is linked to
// every group in Groups. It returns the user as GetUser would.
func (s *Service) UpsertUser(ctx context.Context, u User) (User, error) {
	if s == nil {
		return User{}, ErrNotSecure
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upsertUser(ctx, u, false)
}

func (s *Service) upsertUser(ctx context.Context, u User, quiet bool) (User, error) {
	u.Username = s.canonicalUsername(u.Username)
	if err := validName(u.Username); err != nil {
		return User{}, err
	}
	if err := u.Permissions.Validate(); err != nil {
		return User{}, err
	}
	if !knownAuthType(s.cfg, u.AuthType) {
		return User{}, fmt.Errorf("security: user %q: auth type %q is not in Authenticators", u.Username, u.AuthType)
	}
	if len(u.CustomData) > 0 && !json.Valid(u.CustomData) {
		return User{}, fmt.Errorf("security: custom_data of %q is not JSON", u.Username)
	}
	for _, g := range u.Groups {
		if _, ok := s.dir.Load().groups[g]; !ok {
			return User{}, fmt.Errorf("%w: group %q", ErrNotFound, g)
		}
	}
	d := s.dir.Load()
	rec := &userRecord{Username: u.Username, UserID: newUserID()}
	if cur, ok := d.users[u.Username]; ok {
		c := *cur
		rec = &c
	}
	switch {
	case u.Password != "":
		h, err := s.hash(u.Password)
		if err != nil {
			return User{}, err
		}
		rec.Hash = h
	case u.PasswordHash != "":
		if err := CheckPasswordHash(u.PasswordHash); err != nil {
			return User{}, err
		}
		rec.Hash = u.PasswordHash
	}
	if u.CustomData != nil {
		rec.CustomData = append(json.RawMessage(nil), u.CustomData...)
	}
	if u.PublicKey != "" {
		if _, err := parseRSAPublicKey(u.PublicKey); err != nil {
			return User{}, fmt.Errorf("security: public key of %q: %w", u.Username, err)
		}
		rec.PublicKey = u.PublicKey
	}
	if u.Permissions != nil {
		rec.Permissions = Merge(rec.Permissions, u.Permissions)
	}
	if u.AuthType != "" {
		rec.AuthType = u.AuthType
	}
	err := s.commit(ctx, func(nd *directory) error {
		nd.users[u.Username] = rec
		return put(ctx, s.st, userPath(u.Username), rec)
	})
	if err != nil {
		return User{}, err
	}
	for _, g := range u.Groups {
		if err := s.link(ctx, g, u.Username, quiet); err != nil {
			return User{}, err
		}
	}
	out := s.dir.Load().user(rec)
	if !quiet {
		pub := out
		if pub.Permissions == nil {
			pub.Permissions = Permissions{}
		}
		s.notify(Change{Event: "upsert-user", Data: mustJSON(pub), Notify: true, users: usersSet(u.Username)})
	}
	return out, nil
}

// GetUser returns a user (without its password), with its groups.
func (s *Service) GetUser(ctx context.Context, username string) (User, error) {
	if s == nil {
		return User{}, ErrNotSecure
	}
	username = s.canonicalUsername(username)
	d := s.dir.Load()
	r, ok := d.users[username]
	if !ok {
		return User{}, fmt.Errorf("%w: user %q", ErrNotFound, username)
	}
	return d.user(r), nil
}

// ListUsers returns the users whose name matches pattern ('*' matches
// any run of characters; "" or "*" lists all), sorted by name.
func (s *Service) ListUsers(ctx context.Context, pattern string) ([]User, error) {
	if s == nil {
		return nil, ErrNotSecure
	}
	pattern = s.canonicalUsername(pattern)
	d := s.dir.Load()
	var out []User
	for name, r := range d.users {
		if pattern == "" || wildcard.Match(pattern, name) {
			out = append(out, d.user(r))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}

// DeleteUser deletes a user and its group links. The user's sessions
// are ended ("security directory update: user deleted") and its tokens
// stop working. _ADMIN cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, username string) error {
	if s == nil {
		return ErrNotSecure
	}
	username = s.canonicalUsername(username)
	if username == AdminName {
		return ErrProtected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.dir.Load().users[username]
	if !ok {
		return fmt.Errorf("%w: user %q", ErrNotFound, username)
	}
	err := s.commit(ctx, func(nd *directory) error {
		if _, err := s.st.Delete(ctx, userPath(username)+"/*"); err != nil {
			return err
		}
		if _, err := s.st.Delete(ctx, userPath(username)); err != nil {
			return err
		}
		delete(nd.users, username)
		delete(nd.links, username)
		return nil
	})
	if err != nil {
		return err
	}
	data := mustJSON(map[string]any{"obj": map[string]any{"username": r.Username, "_meta": map[string]string{"path": userPath(username)}}})
	s.notify(Change{Event: "delete-user", Data: data, End: "security directory update: user deleted", users: usersSet(username)})
	return nil
}

// SetPassword sets a user's password, as an administrator would.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if s == nil {
		return ErrNotSecure
	}
	username = s.canonicalUsername(username)
	if password == "" {
		return ErrEmptyPassword
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.Load().users[username]; !ok {
		return fmt.Errorf("%w: user %q", ErrNotFound, username)
	}
	_, err := s.upsertUser(ctx, User{Username: username, Password: password}, true)
	return err
}

// ChangePassword is a user changing its own password (the wire's
// change-password, SPEC §2.5): oldPassword must be the current one.
// _ADMIN and _ANONYMOUS cannot, as in happn-3 13.x; errors are
// happn-3's SystemErrors.
func (s *Service) ChangePassword(ctx context.Context, username, oldPassword, newPassword string) error {
	if s == nil {
		return ErrNotSecure
	}
	username = s.canonicalUsername(username)
	if username == AdminName || username == AnonymousName {
		return systemError("updates to the " + username + " user are forbidden")
	}
	if oldPassword == "" || newPassword == "" {
		return systemError("Invalid parameters: oldPassword and newPassword required")
	}
	r, ok := s.dir.Load().users[username]
	if !ok {
		return systemError("bad username: " + username)
	}
	if match, _, _ := s.verify(r.Hash, oldPassword); !match {
		return systemError("Invalid old password")
	}
	return s.SetPassword(ctx, username, newPassword)
}

// UpsertGroup creates or updates a group: CustomData replaces the old
// one when set, Permissions are merged into the group's. The _ADMIN
// group's permissions cannot be changed.
func (s *Service) UpsertGroup(ctx context.Context, g Group) (Group, error) {
	if s == nil {
		return Group{}, ErrNotSecure
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upsertGroup(ctx, g, false)
}

func (s *Service) upsertGroup(ctx context.Context, g Group, quiet bool) (Group, error) {
	if err := validName(g.Name); err != nil {
		return Group{}, err
	}
	if err := g.Permissions.Validate(); err != nil {
		return Group{}, err
	}
	if len(g.CustomData) > 0 && !json.Valid(g.CustomData) {
		return Group{}, fmt.Errorf("security: custom_data of group %q is not JSON", g.Name)
	}
	if g.Name == AdminName && len(g.Permissions) > 0 && !samePermissions(Merge(adminPermissions, g.Permissions), adminPermissions) {
		return Group{}, ErrProtected
	}
	rec := &groupRecord{Name: g.Name}
	if cur, ok := s.dir.Load().groups[g.Name]; ok {
		c := *cur
		rec = &c
	}
	if g.CustomData != nil {
		rec.CustomData = append(json.RawMessage(nil), g.CustomData...)
	}
	if g.Permissions != nil && g.Name != AdminName {
		rec.Permissions = Merge(rec.Permissions, g.Permissions)
	}
	err := s.commit(ctx, func(nd *directory) error {
		nd.groups[g.Name] = rec
		return put(ctx, s.st, groupPath(g.Name), rec)
	})
	if err != nil {
		return Group{}, err
	}
	out := rec.group()
	if !quiet {
		pub := out
		if pub.Permissions == nil {
			pub.Permissions = Permissions{} // happn-3 clients iterate it
		}
		s.notify(Change{Event: "upsert-group", Data: mustJSON(pub), Notify: true, users: s.members(g.Name)})
	}
	return out, nil
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, name string) (Group, error) {
	if s == nil {
		return Group{}, ErrNotSecure
	}
	r, ok := s.dir.Load().groups[name]
	if !ok {
		return Group{}, fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	return r.group(), nil
}

// ListGroups returns the groups whose name matches pattern ('*' matches
// any run of characters; "" lists all), sorted by name.
func (s *Service) ListGroups(ctx context.Context, pattern string) ([]Group, error) {
	if s == nil {
		return nil, ErrNotSecure
	}
	var out []Group
	for name, r := range s.dir.Load().groups {
		if pattern == "" || wildcard.Match(pattern, name) {
			out = append(out, r.group())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteGroup deletes a group and unlinks its members. _ADMIN cannot be
// deleted.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	if s == nil {
		return ErrNotSecure
	}
	if name == AdminName {
		return ErrProtected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.dir.Load().groups[name]
	if !ok {
		return fmt.Errorf("%w: group %q", ErrNotFound, name)
	}
	members := s.members(name)
	err := s.commit(ctx, func(nd *directory) error {
		for u := range members {
			if _, err := s.st.Delete(ctx, linkPath(u, name)); err != nil {
				return err
			}
			nd.links[u] = slices.DeleteFunc(slices.Clone(nd.links[u]), func(g string) bool { return g == name })
		}
		if _, err := s.st.Delete(ctx, groupPath(name)); err != nil {
			return err
		}
		delete(nd.groups, name)
		if rules := nd.lookups[name]; rules != nil {
			for _, r := range rules {
				if _, err := s.st.Delete(ctx, lookupPermKey(name, r.Table)); err != nil {
					return err
				}
			}
			nd.lookups = maps.Clone(nd.lookups)
			delete(nd.lookups, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.notify(Change{Event: "delete-group", Data: mustJSON(r.group()), Notify: true, users: members})
	return nil
}

// LinkGroup adds a user to a group.
func (s *Service) LinkGroup(ctx context.Context, group, username string) error {
	if s == nil {
		return ErrNotSecure
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.link(ctx, group, username, false)
}

func (s *Service) link(ctx context.Context, group, username string, quiet bool) error {
	username = s.canonicalUsername(username)
	d := s.dir.Load()
	if _, ok := d.groups[group]; !ok {
		return fmt.Errorf("%w: group %q", ErrNotFound, group)
	}
	if _, ok := d.users[username]; !ok {
		return fmt.Errorf("%w: user %q", ErrNotFound, username)
	}
	if containsString(d.links[username], group) {
		return nil
	}
	err := s.commit(ctx, func(nd *directory) error {
		if err := put(ctx, s.st, linkPath(username, group), map[string]any{}); err != nil {
			return err
		}
		gs := append(slices.Clone(nd.links[username]), group)
		slices.Sort(gs)
		nd.links[username] = gs
		return nil
	})
	if err != nil {
		return err
	}
	if !quiet {
		data := mustJSON(map[string]any{"username": username, "groupName": group, "_meta": map[string]string{"path": linkPath(username, group)}})
		s.notify(Change{Event: "link-group", Data: data, Notify: true, users: usersSet(username)})
	}
	return nil
}

// UnlinkGroup removes a user from a group. _ADMIN cannot leave the
// _ADMIN group.
func (s *Service) UnlinkGroup(ctx context.Context, group, username string) error {
	if s == nil {
		return ErrNotSecure
	}
	username = s.canonicalUsername(username)
	if group == AdminName && username == AdminName {
		return ErrProtected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dir.Load()
	if !containsString(d.links[username], group) {
		return fmt.Errorf("%w: user %q is not in group %q", ErrNotFound, username, group)
	}
	err := s.commit(ctx, func(nd *directory) error {
		if _, err := s.st.Delete(ctx, linkPath(username, group)); err != nil {
			return err
		}
		nd.links[username] = slices.DeleteFunc(slices.Clone(nd.links[username]), func(g string) bool { return g == group })
		return nil
	})
	if err != nil {
		return err
	}
	var perms Permissions = Permissions{}
	if g, ok := d.groups[group]; ok && g.Permissions != nil {
		perms = clonePermissions(g.Permissions)
	}
	data := mustJSON(map[string]any{"path": linkPath(username, group), "permissions": perms})
	s.notify(Change{Event: "unlink-group", Data: data, Notify: true, users: usersSet(username)})
	return nil
}

// UpsertGroupPermissions merges permissions into a group's. The _ADMIN
// group's cannot be changed.
func (s *Service) UpsertGroupPermissions(ctx context.Context, group string, p Permissions) error {
	if s == nil {
		return ErrNotSecure
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.Load().groups[group]; !ok {
		return fmt.Errorf("%w: group %q", ErrNotFound, group)
	}
	if _, err := s.upsertGroup(ctx, Group{Name: group, Permissions: p}, true); err != nil {
		return err
	}
	s.notifyPermissions("permission-upserted", "groupName", group, p, s.members(group))
	return nil
}

// RemoveGroupPermission takes action away from a group's permission on
// path: from both its actions and its prohibitions. An empty action
// removes the whole path. The _ADMIN group's cannot be changed.
func (s *Service) RemoveGroupPermission(ctx context.Context, group, path, action string) error {
	if s == nil {
		return ErrNotSecure
	}
	if group == AdminName {
		return ErrProtected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.dir.Load().groups[group]
	if !ok {
		return fmt.Errorf("%w: group %q", ErrNotFound, group)
	}
	rec := *cur
	rec.Permissions = removePermission(cur.Permissions, path, action)
	err := s.commit(ctx, func(nd *directory) error {
		nd.groups[group] = &rec
		return put(ctx, s.st, groupPath(group), &rec)
	})
	if err != nil {
		return err
	}
	s.notifyRemoved("groupName", group, path, action, cur.Permissions, s.members(group))
	return nil
}

// UpsertUserPermissions merges permissions into a user's own.
func (s *Service) UpsertUserPermissions(ctx context.Context, username string, p Permissions) error {
	if s == nil {
		return ErrNotSecure
	}
	username = s.canonicalUsername(username)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.Load().users[username]; !ok {
		return fmt.Errorf("%w: user %q", ErrNotFound, username)
	}
	if _, err := s.upsertUser(ctx, User{Username: username, Permissions: p}, true); err != nil {
		return err
	}
	s.notifyPermissions("permission-upserted", "username", username, p, usersSet(username))
	return nil
}

// RemoveUserPermission takes action away from a user's own permission on
// path (an empty action removes the whole path).
func (s *Service) RemoveUserPermission(ctx context.Context, username, path, action string) error {
	if s == nil {
		return ErrNotSecure
	}
	username = s.canonicalUsername(username)
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.dir.Load().users[username]
	if !ok {
		return fmt.Errorf("%w: user %q", ErrNotFound, username)
	}
	rec := *cur
	rec.Permissions = removePermission(cur.Permissions, path, action)
	err := s.commit(ctx, func(nd *directory) error {
		nd.users[username] = &rec
		return put(ctx, s.st, userPath(username), &rec)
	})
	if err != nil {
		return err
	}
	s.notifyRemoved("username", username, path, action, cur.Permissions, usersSet(username))
	return nil
}

// removePermission returns p without action on path.
func removePermission(p Permissions, path, action string) Permissions {
	out := clonePermissions(p)
	perm, ok := out[path]
	if !ok {
		return out
	}
	if action == "" {
		delete(out, path)
		return out
	}
	drop := func(list []string) []string {
		if list == nil {
			return nil
		}
		return slices.DeleteFunc(list, func(a string) bool { return a == action })
	}
	perm.Actions, perm.Prohibit = drop(perm.Actions), drop(perm.Prohibit)
	if len(perm.Actions) == 0 && len(perm.Prohibit) == 0 {
		delete(out, path)
	} else {
		out[path] = perm
	}
	return out
}

// notifyPermissions announces one permission-upserted per path and
// action, with happn-3's changedData.
func (s *Service) notifyPermissions(event, ownerKey, owner string, p Permissions, users map[string]bool) {
	for _, path := range p.sortedPaths() {
		perm := p[path]
		for _, a := range perm.Actions {
			s.notify(Change{Event: event, Notify: true, users: users,
				Data: mustJSON(map[string]any{ownerKey: owner, "path": path, "action": a, "authorized": true})})
		}
		for _, a := range perm.Prohibit {
			s.notify(Change{Event: event, Notify: true, users: users,
				Data: mustJSON(map[string]any{ownerKey: owner, "path": path, "action": a, "authorized": false})})
		}
	}
}

// notifyRemoved announces permission-removed for each action removed.
func (s *Service) notifyRemoved(ownerKey, owner, path, action string, before Permissions, users map[string]bool) {
	actions := []string{action}
	if action == "" {
		perm := before[path]
		actions = append(slices.Clone(perm.Actions), perm.Prohibit...)
	}
	for _, a := range actions {
		s.notify(Change{Event: "permission-removed", Notify: true, users: users,
			Data: mustJSON(map[string]any{ownerKey: owner, "path": path, "action": a})})
	}
}

// members returns the users linked to group.
func (s *Service) members(group string) map[string]bool {
	out := map[string]bool{}
	for u, gs := range s.dir.Load().links {
		if containsString(gs, group) {
			out[u] = true
		}
	}
	return out
}

func usersSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and records of this package are encoded
	}
	return b
}
