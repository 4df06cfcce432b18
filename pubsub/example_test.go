package pubsub_test

import (
	"fmt"
	"slices"

	"github.com/happn-go/happn/pubsub"
)

// A server keeps one Index of every session's subscriptions, with a value
// that says who to send a frame to and on which channel, and asks it who an
// event reaches.
func Example() {
	type sub struct{ session, channel string }
	var ix pubsub.Index[sub]

	ix.Add(pubsub.Set, "/orders/*", 0, sub{"s1", "/SET@/orders/*"})
	ix.Add(pubsub.All, "/orders/42", 0, sub{"s1", "/ALL@/orders/42"})
	ix.Add(pubsub.Remove, "/orders/42", 0, sub{"s2", "/REMOVE@/orders/42"})
	ix.Add(pubsub.All, "/orders/**", 2, sub{"s2", "/ALL@/orders/**"})
	ix.Add(pubsub.All, "*", 0, sub{"s3", "/ALL@*"}) // onAll

	var frames []string
	ix.Match(pubsub.Set, "/orders/42", func(s sub, depth int) bool {
		frames = append(frames, fmt.Sprintf("%s %s depth=%d", s.session, s.channel, depth))
		return true
	})
	slices.Sort(frames) // Match's order is unspecified
	for _, f := range frames {
		fmt.Println(f)
	}
	// Output:
	// s1 /ALL@/orders/42 depth=0
	// s1 /SET@/orders/* depth=0
	// s2 /ALL@/orders/** depth=2
	// s3 /ALL@* depth=0
}

// A wildcard remove publishes one event whose path is the pattern. Its '*'
// is literal text: it reaches subscriptions written with a '*' (or "/**")
// there, not those on the concrete paths the remove deleted.
func ExampleIndex_Match_wildcardRemove() {
	var ix pubsub.Index[string]
	for _, p := range []string{"/a/*", "/*/*", "/a/**", "/a/b"} {
		ix.Add(pubsub.All, p, 0, p)
	}
	var reached []string
	ix.Match(pubsub.Remove, "/a/*", func(p string, _ int) bool {
		reached = append(reached, p)
		return true
	})
	slices.Sort(reached)
	fmt.Println(reached)
	// Output: [/*/* /a/* /a/**]
}

// A session going away takes all its subscriptions with it.
func ExampleIndex_RemoveFunc() {
	var ix pubsub.Index[string]
	ix.Add(pubsub.All, "/a/*", 0, "s1")
	ix.Add(pubsub.Set, "/a/b", 0, "s1")
	ix.Add(pubsub.Set, "/a/b", 0, "s2")
	n := ix.RemoveFunc(func(session string) bool { return session == "s1" })
	fmt.Println(n, ix.Len())
	// Output: 2 1
}
