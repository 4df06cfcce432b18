package security

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/happn-go/happn/store"
)

// The security directory lives in the server's own store, under
// /_SYSTEM/_SECURITY (the server never serves /_SYSTEM over the wire):
//
//	/_SYSTEM/_SECURITY/_USER/<username>                     user record
//	/_SYSTEM/_SECURITY/_USER/<username>/_USER_GROUP/<group> membership
//	/_SYSTEM/_SECURITY/_GROUP/<name>                        group record
//	/_SYSTEM/_SECURITY/SESSION_TOKEN_SECRET                 token secret
//	/_SYSTEM/_SECURITY/_REVOKED/<sha256 of token>           revoked token
//
// The paths are happn-3's; the records are ours (a group keeps its
// permission map inline, where happn-3 keeps one record per path and
// action). It is read once when the Service starts and cached in memory;
// every change writes through to the store first.
const (
	securityRoot = "/_SYSTEM/_SECURITY"
	userRoot     = securityRoot + "/_USER/"
	groupRoot    = securityRoot + "/_GROUP/"
	linkInfix    = "/_USER_GROUP/"
	secretPath   = securityRoot + "/SESSION_TOKEN_SECRET"
	revokedRoot  = securityRoot + "/_REVOKED/"
)

// Names of the built-in user and group.
const (
	// AdminName is the name of the administrator user and of its group,
	// which grants everything.
	AdminName = "_ADMIN"
	// AnonymousName is the user anonymous logins get when
	// Config.AllowAnonymousAccess is set.
	AnonymousName = "_ANONYMOUS"
	// DelegateGroup is the group whose members, like _ADMIN, may make
	// requests on behalf of other users (AuthorizeOnBehalfOf).
	DelegateGroup = "_MESH_DELEGATE"
)

// User is a user of a secure server, as the management API reads and
// writes it. Its JSON is the shape of happn-3's user objects, which is
// also the shape of a user in the server's config file.
type User struct {
	// Username is the login name: not empty, no '/' or '*'.
	Username string `json:"username"`
	// Password, when set on an upsert, becomes the user's password. It
	// is never returned.
	Password string `json:"password,omitempty"`
	// PasswordHash, when set on an upsert (and Password is not), is
	// stored as the user's password hash as it is: an argon2id PHC string
	// or a happn-3 "pbkdf2$…" hash imported from a happn-3 directory. It
	// is never returned.
	PasswordHash string `json:"passwordHash,omitempty"`
	// UserID is assigned when the user is created and survives updates;
	// a user deleted and created again gets a new one, so its old tokens
	// stop working.
	UserID string `json:"userid,omitempty"`
	// CustomData is any JSON object; templated permissions can refer to
	// it as {{user.custom_data.x}}. An upsert with nil keeps the old one.
	CustomData json.RawMessage `json:"custom_data,omitempty"`
	// PublicKey is the PEM RSA public key of digest (key pair) logins.
	PublicKey string `json:"publicKey,omitempty"`
	// Permissions are the user's own, merged with its groups'. An upsert
	// merges them into the existing ones.
	Permissions Permissions `json:"permissions,omitempty"`
	// Groups are the groups the user belongs to (read), or, on an
	// upsert, groups to add it to.
	Groups []string `json:"groups,omitempty"`
	// AuthType names the Config.Authenticators entry that checks the
	// user's password (happn-3's authType); "" means
	// Config.DefaultAuthType. An upsert with "" keeps the old one.
	AuthType string `json:"authType,omitempty"`
}

// Group is a named set of permissions that users are linked to.
type Group struct {
	// Name is not empty and has no '/' or '*'.
	Name string `json:"name"`
	// CustomData is any JSON object. An upsert with nil keeps the old one.
	CustomData json.RawMessage `json:"custom_data,omitempty"`
	// Permissions is what members may do. An upsert merges them into the
	// existing ones.
	Permissions Permissions `json:"permissions,omitempty"`
}

// userRecord is a user as stored; records are immutable once published in
// a directory.
type userRecord struct {
	Username    string          `json:"username"`
	Hash        string          `json:"password,omitempty"`
	UserID      string          `json:"userid"`
	CustomData  json.RawMessage `json:"custom_data,omitempty"`
	PublicKey   string          `json:"publicKey,omitempty"`
	Permissions Permissions     `json:"permissions,omitempty"`
	AuthType    string          `json:"authType,omitempty"`
}

// groupRecord is a group as stored.
type groupRecord struct {
	Name        string          `json:"name"`
	CustomData  json.RawMessage `json:"custom_data,omitempty"`
	Permissions Permissions     `json:"permissions,omitempty"`
}

// directory is one immutable version of the security directory. A change
// copies the maps it touches and publishes a new directory.
type directory struct {
	gen    uint64
	users  map[string]*userRecord
	groups map[string]*groupRecord
	links  map[string][]string // username → sorted group names
	// Lookup tables (lookup.go): both maps are copied, not changed, by a
	// change.
	tables  map[string][]string     // table → sorted paths
	lookups map[string][]lookupRule // group → its lookup permissions
}

func (d *directory) clone() *directory {
	return &directory{
		gen:     d.gen + 1,
		users:   maps.Clone(d.users),
		groups:  maps.Clone(d.groups),
		links:   maps.Clone(d.links),
		tables:  d.tables,
		lookups: d.lookups,
	}
}

// user returns the public form of a record.
func (d *directory) user(r *userRecord) User {
	return User{
		Username:    r.Username,
		UserID:      r.UserID,
		CustomData:  r.CustomData,
		PublicKey:   r.PublicKey,
		Permissions: clonePermissions(r.Permissions),
		Groups:      slices.Clone(d.links[r.Username]),
		AuthType:    r.AuthType,
	}
}

func (r *groupRecord) group() Group {
	return Group{Name: r.Name, CustomData: r.CustomData, Permissions: clonePermissions(r.Permissions)}
}

func clonePermissions(p Permissions) Permissions {
	if p == nil {
		return nil
	}
	return Merge(p)
}

// reservedInNames are happn-3's validateName words.
var reservedInNames = []string{"_SYSTEM", "_GROUP", "_PERMISSION", "_USER_GROUP"}

// validName checks a user or group name. The built-in names are accepted
// only where the caller allows them.
func validName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case len(name) > 256:
		return fmt.Errorf("%w: longer than 256 bytes", ErrInvalidName)
	case strings.ContainsAny(name, "/*"):
		return fmt.Errorf("%w: %q contains '/' or '*'", ErrInvalidName, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: %q contains a control character", ErrInvalidName, name)
		}
	}
	for _, w := range reservedInNames {
		if strings.Contains(name, w) {
			return fmt.Errorf("%w: %q contains the reserved word %s", ErrInvalidName, name, w)
		}
	}
	return nil
}

// loadDirectory reads the directory from st.
func loadDirectory(ctx context.Context, st store.Store) (*directory, error) {
	d := &directory{
		users:  make(map[string]*userRecord),
		groups: make(map[string]*groupRecord),
		links:  make(map[string][]string),
	}
	for it, err := range st.Scan(ctx, securityRoot+"/*") {
		if err != nil {
			return nil, fmt.Errorf("security: reading the directory: %w", err)
		}
		switch {
		case strings.HasPrefix(it.Path, userRoot):
			rest := it.Path[len(userRoot):]
			if user, group, ok := strings.Cut(rest, linkInfix); ok {
				d.links[user] = append(d.links[user], group)
				continue
			}
			var u userRecord
			if err := json.Unmarshal(it.Data, &u); err != nil || u.Username != rest {
				return nil, fmt.Errorf("security: corrupt user record %s", it.Path)
			}
			d.users[rest] = &u
		case strings.HasPrefix(it.Path, lookupRoot):
			table, path, ok := strings.Cut(it.Path[len(lookupRoot):], "/")
			if !ok {
				return nil, fmt.Errorf("security: corrupt lookup table record %s", it.Path)
			}
			if d.tables == nil {
				d.tables = make(map[string][]string)
			}
			d.tables[table] = append(d.tables[table], path)
		case strings.HasPrefix(it.Path, lookupPermRoot):
			group, _, _ := strings.Cut(it.Path[len(lookupPermRoot):], "/")
			var rec struct{ Permissions []LookupPermission }
			if err := json.Unmarshal(it.Data, &rec); err != nil {
				return nil, fmt.Errorf("security: corrupt lookup permissions record %s", it.Path)
			}
			for _, p := range rec.Permissions {
				r, err := compileLookup(p)
				if err != nil {
					return nil, fmt.Errorf("security: lookup permission in %s: %w", it.Path, err)
				}
				if d.lookups == nil {
					d.lookups = make(map[string][]lookupRule)
				}
				d.lookups[group] = append(d.lookups[group], r)
			}
		case strings.HasPrefix(it.Path, groupRoot):
			var g groupRecord
			name := it.Path[len(groupRoot):]
			if err := json.Unmarshal(it.Data, &g); err != nil || g.Name != name {
				return nil, fmt.Errorf("security: corrupt group record %s", it.Path)
			}
			d.groups[name] = &g
		}
	}
	for u, gs := range d.links {
		slices.Sort(gs)
		d.links[u] = gs
	}
	for _, paths := range d.tables {
		slices.Sort(paths)
	}
	return d, nil
}

func userPath(name string) string        { return userRoot + name }
func groupPath(name string) string       { return groupRoot + name }
func linkPath(user, group string) string { return userRoot + user + linkInfix + group }

// put writes v as JSON at path.
func put(ctx context.Context, st store.Store, path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = st.Update(ctx, path, func(*store.Item) (store.Change, error) {
		return store.Change{Data: data}, nil
	})
	return err
}
