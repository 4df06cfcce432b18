package happn3file_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
)

// A small 12.x directory: a group with a permission and a prohibition, a
// user in it with happn-3's hash of "secret", and one document.
const nedbDirectory = `{"_id":"/app/a","data":{"a":1},"created":1600000000000,"modified":1600000000001}
{"_id":"/_SYSTEM/_DATABASE/_VERSION","data":{"value":"1"},"created":1,"modified":1}
{"_id":"/_SYSTEM/_SECURITY/_GROUP/readers","data":{"name":"readers","custom_data":{"k":"v"}},"created":1,"modified":1}
{"_id":"/_SYSTEM/_SECURITY/_PERMISSIONS/readers/get//app/{{w}}","data":{"action":"get","authorized":true,"path":"/app/*"},"created":1,"modified":1}
{"_id":"/_SYSTEM/_SECURITY/_PERMISSIONS/readers/get//app/secret","data":{"action":"get","authorized":false,"path":"/app/secret"},"created":1,"modified":1}
{"_id":"/_SYSTEM/_SECURITY/_USER/carol","data":{"username":"carol","password":"pbkdf2$1000$ba8dad47d194ad40e16dd395a79add4ca04da66360f02244bc50fae1dbe080e05326e0e82e0f1991b527dc6a26158e49cd03b01e6fa47478ef57f1d84f3d3f81$d558f372d89239a632f069ad206a219208056902b89947a2bf548626f3a79f04eec205f987fe54790bd5a34faba4ffb2b0f3b4c38c410d0caee22bf222b24f5d"},"created":1,"modified":1}
{"_id":"/_SYSTEM/_SECURITY/_USER/carol/_USER_GROUP/readers","data":{},"created":1,"modified":1}
{"_id":"/_SYSTEM/_SECURITY/_USER/carol/_USER_GROUP/nobody","data":{},"created":1,"modified":1}
`

// TestImportTwice: importing the same records again changes nothing.
func TestImportTwice(t *testing.T) {
	f, err := happn3file.Read(strings.NewReader(strings.Replace(nedbDirectory, "_USER_GROUP/nobody", "_USER_GROUP/readers", 1)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := happn.New(happn.Config{Secure: true, AdminPassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	first, err := happn3file.Import(ctx, f.Records, srv.Store(), srv.Security())
	if err != nil {
		t.Fatal(err)
	}
	second, err := happn3file.Import(ctx, f.Records, srv.Store(), srv.Security())
	if err != nil {
		t.Fatalf("second import: %v", err)
	}
	if first.Documents != 1 || first.Users != 1 || first.Groups != 1 || first.Permissions != 2 || second.Documents != first.Documents {
		t.Errorf("first %+v, second %+v", first, second)
	}
	g, err := srv.Security().GetGroup(ctx, "readers")
	if err != nil || len(g.Permissions) != 2 || string(g.CustomData) != `{"k":"v"}` {
		t.Errorf("group after two imports: %+v, %v", g, err)
	}
	if p := g.Permissions["/app/secret"]; !slices.Equal(p.Prohibit, []string{"get"}) || len(p.Actions) != 0 {
		t.Errorf("the prohibition came through as %+v", p)
	}
	u, err := srv.Security().GetUser(ctx, "carol")
	if err != nil || !slices.Equal(u.Groups, []string{"readers"}) {
		t.Errorf("carol: %+v, %v", u, err)
	}
	c, err := srv.LocalClient(ctx, happn.WithCredentials("carol", "secret"))
	if err != nil {
		t.Fatalf("carol logs in with her happn-3 password: %v", err)
	}
	defer c.Close()
	if _, err := c.Get(ctx, "/app/secret"); err == nil {
		t.Error("carol may read /app/secret, which happn-3 prohibited")
	}
}

// TestImportDanglingLink: a membership of a group the file does not hold
// is an error naming it, after the documents are in.
func TestImportDanglingLink(t *testing.T) {
	f, err := happn3file.Read(strings.NewReader(nedbDirectory))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := happn.New(happn.Config{Secure: true, AdminPassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, err := happn3file.Import(context.Background(), f.Records, srv.Store(), srv.Security())
	if err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Fatalf("err = %v, want one naming the group nobody", err)
	}
	if st.Documents != 1 {
		t.Errorf("documents imported before the error: %d, want 1", st.Documents)
	}
}

// TestImportInsecure: into an insecure server, the documents are
// imported and every security record is listed as skipped.
func TestImportInsecure(t *testing.T) {
	f, err := happn3file.Read(strings.NewReader(nedbDirectory))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := happn.New(happn.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, err := happn3file.Import(context.Background(), f.Records, srv.Store(), srv.Security())
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != 1 || st.Users != 0 || len(st.Skipped) != 7 {
		t.Errorf("stats %+v; want 1 document and the 7 /_SYSTEM records skipped", st)
	}
	for _, s := range st.Skipped[1:] {
		if !strings.Contains(s, "the server is not secure") {
			t.Errorf("skipped %q", s)
		}
	}
}
