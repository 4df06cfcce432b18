package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
)

// happn3Hash is happn-3's PBKDF2 hash of "secret" (security's example).
const happn3Hash = "pbkdf2$1000$ba8dad47d194ad40e16dd395a79add4ca04da66360f02244bc50fae1dbe080e05326e0e82e0f1991b527dc6a26158e49cd03b01e6fa47478ef57f1d84f3d3f81$d558f372d89239a632f069ad206a219208056902b89947a2bf548626f3a79f04eec205f987fe54790bd5a34faba4ffb2b0f3b4c38c410d0caee22bf222b24f5d"

// TestImportHappn3Flag: -import-happn3 writes a happn-3 file's documents
// and users into the data file and exits; the server then started on that
// file serves them, and happn-3's user logs in with its old password.
func TestImportHappn3Flag(t *testing.T) {
	dir := t.TempDir()
	h3 := filepath.Join(dir, "happn3.db")
	lines := []string{
		`{"_id":"/_SYSTEM/_NETWORK/_SETTINGS/NAME","data":{"value":"old"},"created":1,"modified":1}`,
		`{"_id":"/app/a","data":{"a":1},"path":"/app/a","modifiedBy":"carol","created":1600000000000,"modified":1600000000500}`,
		`{"_id":"/_SYSTEM/_SECURITY/_GROUP/readers","data":{"name":"readers"},"created":1,"modified":1}`,
		`{"_id":"/_SYSTEM/_SECURITY/_PERMISSIONS/readers/get//app/{{w}}","data":{"action":"get","authorized":true,"path":"/app/*"},"created":1,"modified":1}`,
		`{"_id":"/_SYSTEM/_SECURITY/_USER/carol","data":{"username":"carol","password":"` + happn3Hash + `"},"created":1,"modified":1}`,
		`{"_id":"/_SYSTEM/_SECURITY/_USER/carol/_USER_GROUP/readers","data":{},"created":1,"modified":1}`,
	}
	if err := os.WriteFile(h3, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "happn.db")
	args := []string{"-secure", "-admin-password", "admin-pw", "-data", data, "-log-level", "error", "-import-happn3", h3}
	if err := run(args); err != nil {
		t.Fatalf("happn %s: %v", strings.Join(args, " "), err)
	}

	srv, err := happn.New(happn.Config{Secure: true, AdminPassword: "admin-pw", DataPath: data})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c, err := srv.LocalClient(ctx, happn.WithCredentials("carol", "secret"))
	if err != nil {
		t.Fatalf("carol's happn-3 password: %v", err)
	}
	defer c.Close()
	it, err := c.Get(ctx, "/app/a")
	if err != nil || it == nil || string(it.Data) != `{"a":1}` || it.Meta.Created != 1600000000000 || it.Meta.Modified != 1600000000500 {
		t.Fatalf("Get(/app/a) = %+v, %v; want the imported document with its times", it, err)
	}
	if _, err := c.Set(ctx, "/app/a", map[string]int{"a": 2}); err == nil {
		t.Error("carol may set /app/a; happn-3 only let her get it")
	}
	missing := filepath.Join(dir, "missing.db")
	if err := run([]string{"-data", filepath.Join(dir, "other.db"), "-log-level", "error", "-import-happn3", missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("importing a missing file: err = %v, want one naming it", err)
	}
}

// TestImportHappn3FromURL: -import-happn3 with a server's URL reads the
// documents over the protocol (here from a Go server, which speaks
// happn-3's; compat's TestImportFromRunningHappn3 does it against a real
// happn-3) and keeps their times.
func TestImportHappn3FromURL(t *testing.T) {
	src, err := happn.New(happn.Config{Secure: true, AdminPassword: "src-pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := context.Background()
	admin, err := src.AdminClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*happn.Item{}
	for _, p := range []string{"/a", "/b/c", "/b/d"} {
		it, err := admin.Set(ctx, p, map[string]string{"p": p})
		if err != nil {
			t.Fatal(err)
		}
		want[p] = it
	}
	admin.Close()
	hs := httptest.NewServer(src.Handler())
	defer hs.Close()

	data := filepath.Join(t.TempDir(), "happn.db")
	u := strings.Replace(hs.URL, "http://", "http://_ADMIN@", 1)
	t.Setenv("HAPPN3_PASSWORD", "src-pw")
	if err := run([]string{"-data", data, "-log-level", "error", "-import-happn3", u}); err != nil {
		t.Fatal(err)
	}
	dst, err := happn.New(happn.Config{DataPath: data})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	c, _ := dst.LocalClient(ctx)
	defer c.Close()
	for p, w := range want {
		got, err := c.Get(ctx, p)
		if err != nil || got == nil || string(got.Data) != string(w.Data) || got.Meta.Created != w.Meta.Created || got.Meta.Modified != w.Meta.Modified {
			t.Errorf("Get(%s) = %+v, %v; want %+v", p, got, err, w)
		}
	}
	if err := run([]string{"-data", filepath.Join(t.TempDir(), "x.db"), "-log-level", "error", "-import-happn3", strings.Replace(hs.URL, "http://", "http://_ADMIN:wrong@", 1)}); err == nil {
		t.Error("a wrong password was accepted")
	}
}

// TestExportHappn3Flag: -export-happn3 writes the data file's documents
// as a happn-3 file (loki by default, nedb with -happn3-format nedb) and
// never overwrites an existing file.
func TestExportHappn3Flag(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "happn.db")
	srv, err := happn.New(happn.Config{DataPath: data})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, _ := srv.LocalClient(ctx)
	c.Set(ctx, "/a", map[string]int{"a": 1})
	c.Set(ctx, "/b", "text")
	c.Close()
	srv.Close()
	for _, format := range []string{"loki", "nedb"} {
		out := filepath.Join(dir, format+".db")
		if err := run([]string{"-data", data, "-log-level", "error", "-export-happn3", out, "-happn3-format", format}); err != nil {
			t.Fatal(err)
		}
		f, err := happn3file.ReadFile(out)
		if err != nil || string(f.Format) != format || len(f.Records) != 2 || string(f.Records[1].Data) != `{"value":"text"}` {
			t.Fatalf("%s export read back: %+v, %v", format, f, err)
		}
		if err := run([]string{"-data", data, "-log-level", "error", "-export-happn3", out}); err == nil {
			t.Errorf("%s: exporting over an existing file succeeded", format)
		}
	}
}
