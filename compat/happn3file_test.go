package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
	"github.com/happn-go/happn/security"
)

// datafileExpect is what happn3-datafile.js prints: what the real happn-3
// server held and answered after writing its data file.
type datafileExpect struct {
	Version string `json:"version"`
	Port    int    `json:"port"` // with --serve
	Items   []struct {
		Path     string          `json:"path"`
		Data     json.RawMessage `json:"data"`
		Created  int64           `json:"created"`
		Modified int64           `json:"modified"`
	} `json:"items"`
	Users []struct {
		Username   string          `json:"username"`
		Password   string          `json:"password"`
		CustomData json.RawMessage `json:"custom_data"`
		Groups     []string        `json:"groups"`
	} `json:"users"`
	Groups []struct {
		Name        string               `json:"name"`
		CustomData  json.RawMessage      `json:"custom_data"`
		Permissions security.Permissions `json:"permissions"`
	} `json:"groups"`
	UserPermissions   map[string]security.Permissions        `json:"userPermissions"`
	LookupTables      []security.LookupTable                 `json:"lookupTables"`
	LookupPermissions map[string][]security.LookupPermission `json:"lookupPermissions"`
	Probes            []struct {
		Username, Password, Action, Path string
		Allowed                          bool
	} `json:"probes"`
}

// TestImportHappn3DataFiles has a real happn-3 server (13.12.1, loki;
// 12.1.10, nedb) write a data file in secure mode, imports the file into a
// Go server, and checks that the Go server then holds the same documents
// with the same times, the same users, groups and permissions, and allows
// and refuses the same requests as happn-3 did.
func TestImportHappn3DataFiles(t *testing.T) {
	requireNode(t)
	for _, version := range []string{"v13", "v12"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "happn3.db")
			p := startNode(t, 90*time.Second, "", "happn3-datafile.js", "--version", version, "--file", file, "--secure")
			line, err := p.waitLine(t.Context(), func(l string) bool { return strings.HasPrefix(l, `{"version"`) })
			if err != nil {
				t.Fatal(err)
			}
			if err := p.wait(); err != nil {
				t.Fatalf("happn3-datafile.js: %v\n%s", err, p.output())
			}
			want := parseExpect(t, line)
			f, err := happn3file.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			wantFormat := map[string]happn3file.Format{"v13": happn3file.Loki, "v12": happn3file.Nedb}[version]
			if f.Format != wantFormat || len(f.Skipped) != 0 {
				t.Fatalf("Read: format %q, skipped %q; want %q, nothing skipped", f.Format, f.Skipped, wantFormat)
			}
			// A 13.x file logs some writes without their time.
			checkImport(t, f.Records, want, version == "v12", false)
		})
	}
}

// TestImportFromRunningHappn3: the same, with the documents fetched from
// the running happn-3 server as its _ADMIN (happn3file.Fetch) instead of
// read from its file; every time is then exact.
func TestImportFromRunningHappn3(t *testing.T) {
	requireNode(t)
	for _, version := range []string{"v13", "v12"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "happn3.db")
			p := startNode(t, 90*time.Second, "", "happn3-datafile.js", "--version", version, "--file", file, "--secure", "--serve")
			defer p.terminate()
			line, err := p.waitLine(t.Context(), func(l string) bool { return strings.HasPrefix(l, `{"version"`) })
			if err != nil {
				t.Fatal(err)
			}
			want := parseExpect(t, line)
			c, err := happn.Dial(t.Context(), fmt.Sprintf("http://127.0.0.1:%d", want.Port), happn.WithCredentials("_ADMIN", "adminpw"), happn.WithoutReconnect())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			recs, err := happn3file.Fetch(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			checkImport(t, recs, want, true, true)
		})
	}
}

func parseExpect(t *testing.T, line string) datafileExpect {
	t.Helper()
	var want datafileExpect
	if err := json.Unmarshal([]byte(line), &want); err != nil {
		t.Fatalf("happn3-datafile.js printed no result: %v\n%s", err, line)
	}
	return want
}

// checkImport imports recs into a new secure Go server and checks it
// against what happn-3 held and answered. With exactTimes every modified
// time must be happn-3's; otherwise a document may have the import's.
// viaWire: recs were read over happn-3's protocol, which puts an item's
// metadata in its data's "_meta" key, so a document that has one of its
// own (a 12.x tag snapshot) arrives without it.
func checkImport(t *testing.T, recs []happn3file.Record, want datafileExpect, exactTimes, viaWire bool) {
	t.Helper()
	version := want.Version
	dir := t.TempDir()
	srv, err := happn.New(happn.Config{Secure: true, AdminPassword: "go-admin", DataPath: filepath.Join(dir, "happn.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	before := time.Now().UnixMilli()
	stats, err := happn3file.Import(t.Context(), recs, srv.Store(), srv.Security())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: imported %+v", version, stats)
	if stats.Documents != len(want.Items) || stats.Users != 3 || stats.Groups != 2 || stats.Links != 3 {
		t.Errorf("stats %+v: want %d documents, 3 users (with _ADMIN), 2 groups, 3 links", stats, len(want.Items))
	}

	// The documents, read back through the Go server as happn-3's admin.
	admin, err := srv.LocalClient(t.Context(), happn.WithCredentials("_ADMIN", "adminpw"))
	if err != nil {
		t.Fatalf("happn-3's _ADMIN password after the import: %v", err)
	}
	defer admin.Close()
	var paths []string
	for it, err := range srv.Store().Scan(t.Context(), "*") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(it.Path, "/_SYSTEM/") {
			paths = append(paths, it.Path)
		}
	}
	var wantPaths []string
	for _, w := range want.Items {
		wantPaths = append(wantPaths, w.Path)
		got, err := admin.Get(t.Context(), w.Path)
		if err != nil || got == nil {
			t.Errorf("Get(%s) = %v, %v; want the document", w.Path, got, err)
			continue
		}
		wantData := w.Data
		if viaWire {
			var m map[string]json.RawMessage
			if json.Unmarshal(w.Data, &m) == nil && m["_meta"] != nil {
				delete(m, "_meta")
				wantData, _ = json.Marshal(m)
			}
		}
		if !sameJSON(got.Data, wantData) {
			t.Errorf("%s: data %s, want %s", w.Path, got.Data, w.Data)
		}
		if got.Meta.Created != w.Created {
			t.Errorf("%s: created %d, want %d", w.Path, got.Meta.Created, w.Created)
		}
		// A loki file logs some writes without their time: those
		// documents get the time of the import, never an earlier one.
		exact := got.Meta.Modified == w.Modified
		if !exact && (exactTimes || got.Meta.Modified < before) {
			t.Errorf("%s: modified %d, want %d (or, for a write loki logs without a time, the import's)", w.Path, got.Meta.Modified, w.Modified)
		}
	}
	slices.Sort(paths)
	slices.Sort(wantPaths)
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths after the import:\n%q\nwant (happn-3's):\n%q", paths, wantPaths)
	}

	// The security directory.
	sec := srv.Security()
	for _, w := range want.Users {
		u, err := sec.GetUser(t.Context(), w.Username)
		if err != nil {
			t.Errorf("GetUser(%s): %v", w.Username, err)
			continue
		}
		slices.Sort(u.Groups)
		if !slices.Equal(u.Groups, w.Groups) || !sameJSON(orEmpty(u.CustomData), w.CustomData) {
			t.Errorf("user %s: groups %q, custom_data %s; want %q, %s", w.Username, u.Groups, u.CustomData, w.Groups, w.CustomData)
		}
		if perms, ok := want.UserPermissions[w.Username]; ok && !samePermissions(u.Permissions, perms) {
			t.Errorf("user %s: permissions %v, want %v", w.Username, u.Permissions, perms)
		}
	}
	for _, w := range want.Groups {
		g, err := sec.GetGroup(t.Context(), w.Name)
		if err != nil {
			t.Errorf("GetGroup(%s): %v", w.Name, err)
			continue
		}
		if !samePermissions(g.Permissions, w.Permissions) || !sameJSON(orEmpty(g.CustomData), w.CustomData) {
			t.Errorf("group %s: permissions %v, custom_data %s; want %v, %s", w.Name, g.Permissions, g.CustomData, w.Permissions, w.CustomData)
		}
	}
	for _, w := range want.LookupTables {
		got, err := sec.GetLookupTable(t.Context(), w.Name)
		if err != nil || !sameSet(got.Paths, w.Paths) {
			t.Errorf("lookup table %s: %v, %v; want paths %q", w.Name, got, err, w.Paths)
		}
	}
	for group, w := range want.LookupPermissions {
		got, err := sec.LookupPermissions(t.Context(), group)
		if err != nil || len(got) != len(w) || (len(w) > 0 && !slices.Equal(got[0].Actions, w[0].Actions)) || (len(w) > 0 && got[0].Regex != w[0].Regex) {
			t.Errorf("lookup permissions of %s: %+v, %v; want %+v", group, got, err, w)
		}
	}

	// The same users get the same answers as from happn-3.
	clients := map[string]*happn.Client{}
	for _, pr := range want.Probes {
		c := clients[pr.Username]
		if c == nil {
			c, err = srv.LocalClient(t.Context(), happn.WithCredentials(pr.Username, pr.Password))
			if err != nil {
				t.Fatalf("login of %s with its happn-3 password: %v", pr.Username, err)
			}
			defer c.Close()
			clients[pr.Username] = c
		}
		switch pr.Action {
		case "get":
			_, err = c.Get(t.Context(), pr.Path)
		case "set":
			_, err = c.Set(t.Context(), pr.Path, map[string]string{"by": pr.Username})
		default:
			_, err = c.Remove(t.Context(), pr.Path)
		}
		if err != nil && !errors.Is(err, happn.ErrAccessDenied) {
			t.Fatalf("%s %s %s: %v", pr.Username, pr.Action, pr.Path, err)
		}
		if allowed := err == nil; allowed != pr.Allowed {
			t.Errorf("%s %s %s: allowed %v, happn-3 allowed %v", pr.Username, pr.Action, pr.Path, allowed, pr.Allowed)
		}
	}
	if len(want.Probes) == 0 {
		t.Error("the happn-3 side recorded no probes")
	}
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(`{}`)
	}
	return raw
}

// samePermissions compares permission maps with each action list as a set.
func samePermissions(a, b security.Permissions) bool {
	if len(a) != len(b) {
		return false
	}
	for path, pa := range a {
		pb, ok := b[path]
		if !ok || !sameSet(pa.Actions, pb.Actions) || !sameSet(pa.Prohibit, pb.Prohibit) {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestExportToHappn3: the way back. Documents written to a Go server are
// exported (happn3file.Documents and Write, as -export-happn3 does) as a
// 13.x loki or 12.x nedb file; a real happn-3 of that version starts on
// the file and serves the same documents with the same times, takes
// writes, and starts again on it.
func TestExportToHappn3(t *testing.T) {
	requireNode(t)
	for _, tc := range []struct {
		version string
		format  happn3file.Format
	}{{"v13", happn3file.Loki}, {"v12", happn3file.Nedb}} {
		t.Run(tc.version, func(t *testing.T) {
			t.Parallel()
			srv, err := happn.New(happn.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c, err := srv.LocalClient(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for p, v := range map[string]any{
				"/export/a":       map[string]any{"x": 1, "y": "two"},
				"/export/b/c":     []int{1, 2, 3},
				"/export/string":  "héllo ✓",
				"/export/nested":  map[string]any{"deep": map[string]any{"er": []any{1, map[string]any{"est": true}}}},
				"/export/counter": nil,
			} {
				if _, err := c.Set(t.Context(), p, v); err != nil {
					t.Fatal(err)
				}
			}
			c.Increment(t.Context(), "/export/counter", "hits", 3)
			recs, err := happn3file.Documents(t.Context(), srv.Store())
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "export.db")
			var b bytes.Buffer
			if err := happn3file.Write(&b, tc.format, recs); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			p := startNode(t, 60*time.Second, "", "happn3-load.js", "--version", tc.version, "--file", file)
			line, err := p.waitLine(t.Context(), func(l string) bool { return strings.HasPrefix(l, `{"first"`) })
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ First, Second []happn3Item }
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.First) != len(recs) {
				t.Fatalf("happn-3 %s loaded %d documents, want %d: %+v", tc.version, len(got.First), len(recs), got.First)
			}
			for i, r := range recs {
				g := got.First[i]
				if g.Path != r.Path || !sameJSON(g.Data, r.Data) || g.Created != r.Created || g.Modified != r.Modified {
					t.Errorf("happn-3 %s serves %+v, want %s %s %d %d", tc.version, g, r.Path, r.Data, r.Created, r.Modified)
				}
			}
			if len(got.Second) != len(recs)+1 || got.Second[0].Path != "/added/after-load" || !strings.Contains(string(got.Second[1].Data), `"merged":true`) {
				t.Errorf("after writes and a restart, happn-3 %s serves %+v", tc.version, got.Second)
			}
		})
	}
}

// happn3Item is a document as happn3-load.js prints it.
type happn3Item struct {
	Path     string          `json:"path"`
	Data     json.RawMessage `json:"data"`
	Created  int64           `json:"created"`
	Modified int64           `json:"modified"`
}
