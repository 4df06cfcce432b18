package happn_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

// BenchmarkSecurityOverhead runs the same websocket workloads against an
// insecure server and a secure one (a user whose group holds a realistic
// permission set), so the cost of authorization shows as the difference
// in cpu-ns/op (client and server together, one process).
func BenchmarkSecurityOverhead(b *testing.B) {
	perms := security.Permissions{"/bench/*": {Actions: []string{"get", "set", "on"}}}
	for i := range 50 {
		perms["/app/tenant-"+strconv.Itoa(i)+"/*"] = security.Permission{Actions: []string{"get", "on"}}
	}
	modes := []struct {
		name string
		cfg  happn.Config
		opts []happn.DialOption
	}{
		{"insecure", happn.Config{}, nil},
		{"secure", happn.Config{
			Secure: true, AdminPassword: "bench-admin",
			Groups: []security.Group{{Name: "bench", Permissions: perms}},
			Users:  []security.User{{Username: "bencher", Password: "bench-pw", Groups: []string{"bench"}}},
		}, []happn.DialOption{happn.WithCredentials("bencher", "bench-pw")}},
	}
	for _, m := range modes {
		_, url := secureServer(b, m.cfg)
		ctx := context.Background()
		c, err := happn.Dial(ctx, url, m.opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		data := []byte(`{"a":1,"b":"x"}`)
		b.Run(m.name+"/set", func(b *testing.B) {
			i := 0
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := c.Set(ctx, "/bench/seq/"+strconv.Itoa(i%1000), data); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(m.name+"/search1000", func(b *testing.B) {
			for i := range 3000 {
				if _, err := c.Set(ctx, "/bench/wc/g"+strconv.Itoa(i%3)+"/"+strconv.Itoa(i), data, happn.NoPublish()); err != nil {
					b.Fatal(err)
				}
			}
			defer reportCPU(b)()
			for b.Loop() {
				items, err := c.Search(ctx, "/bench/wc/g1/*")
				if err != nil || len(items) != 1000 {
					b.Fatal(len(items), err)
				}
			}
		})
		b.Run(m.name+"/get", func(b *testing.B) {
			if _, err := c.Set(ctx, "/bench/one", data); err != nil {
				b.Fatal(err)
			}
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := c.Get(ctx, "/bench/one"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
