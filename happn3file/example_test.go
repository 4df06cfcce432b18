package happn3file_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
)

func Example() {
	// Two lines of a happn-3 12.x (nedb) data file; a real one is read
	// with happn3file.ReadFile.
	file := `{"_id":"/sensors/t1","data":{"celsius":21.5},"path":"/sensors/t1","created":1600000000000,"modified":1600000000000}
{"_id":"/_SYSTEM/_SECURITY/_GROUP/readers","data":{"name":"readers"},"created":1600000000000,"modified":1600000000000}
`
	f, err := happn3file.Read(strings.NewReader(file))
	if err != nil {
		panic(err)
	}
	srv, err := happn.New(happn.Config{Secure: true, AdminPassword: "s3cret"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()
	stats, err := happn3file.Import(ctx, f.Records, srv.Store(), srv.Security())
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Format, stats.Documents, "document,", stats.Groups, "group")

	admin, _ := srv.AdminClient(ctx)
	defer admin.Close()
	it, _ := admin.Get(ctx, "/sensors/t1")
	fmt.Println(string(it.Data), it.Meta.Created)
	// Output:
	// nedb 1 document, 1 group
	// {"celsius":21.5} 1600000000000
}
