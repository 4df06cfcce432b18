package compat

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
	"github.com/tidwall/gjson"
)

// interopCases are the calls TestGoClientAgainstHappn3 checks against the
// real happn-3 server, in the order they run.
var interopCases = []interopCase{
	{name: "session", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		id := c.SessionID()
		if id == "" {
			t.Fatal("no session id")
		}
		s := gjson.ParseBytes(c.Session())
		eq(t, "Session().id", s.Get("id").String(), id)
		if e.secure {
			eq(t, "Session().user.username", s.Get("user.username").String(), "_ADMIN")
			if c.Token() == "" {
				t.Fatal("no token on a secure session")
			}
		} else if c.Token() != "" {
			t.Fatalf("token on an insecure session: %q", c.Token())
		}
		other := e.dial(t)
		if other.SessionID() == id {
			t.Fatal("two clients share a session id")
		}
	}},

	{name: "set and get", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		p := e.path("/a")
		it, err := c.Set(ctxT(t), p, map[string]any{"x": 1, "s": "one", "nested": map[string]any{"ok": true}})
		must(t, err)
		jsonEq(t, "Set data", it.Data, `{"x":1,"s":"one","nested":{"ok":true}}`)
		eq(t, "Set meta.path", it.Meta.Path, p)
		if it.Meta.Created == 0 || it.Meta.Modified == 0 {
			t.Fatalf("Set meta without created/modified: %+v", it.Meta)
		}
		got, err := c.Get(ctxT(t), p)
		must(t, err)
		jsonEq(t, "Get data", got.Data, `{"x":1,"s":"one","nested":{"ok":true}}`)
		eq(t, "Get meta", got.Meta, it.Meta)
		var v struct{ X int }
		must(t, got.Decode(&v))
		eq(t, "Decode", v.X, 1)

		missing, err := c.Get(ctxT(t), e.path("/missing"))
		must(t, err)
		if missing != nil {
			t.Fatalf("Get of a missing path: %+v", missing)
		}
	}},

	{name: "set replaces", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		p := e.path("/r")
		first, err := c.Set(ctxT(t), p, map[string]any{"a": 1, "b": 1})
		must(t, err)
		_, err = c.Set(ctxT(t), p, map[string]any{"c": 3})
		must(t, err)
		got, err := c.Get(ctxT(t), p)
		must(t, err)
		jsonEq(t, "replaced", got.Data, `{"c":3}`)
		eq(t, "created kept", got.Meta.Created, first.Meta.Created)
	}},

	{name: "set wraps primitives and arrays", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		for _, tc := range []struct {
			name string
			data any
			want string
		}{
			{"string", "a string", `{"value":"a string"}`},
			{"number", 42.5, `{"value":42.5}`},
			{"bool", false, `{"value":false}`},
			{"array", []int{1, 2}, `{"value":[1,2]}`},
			{"empty object", map[string]any{}, `{}`},
			{"raw JSON", json.RawMessage(`{"raw":[true]}`), `{"raw":[true]}`},
		} {
			p := e.path("/prim/" + tc.name)
			_, err := c.Set(ctxT(t), p, tc.data)
			must(t, err)
			got, err := c.Get(ctxT(t), p)
			must(t, err)
			jsonEq(t, tc.name, got.Data, tc.want)
		}
	}},

	{name: "set nil stores value null", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		p := e.path("/null")
		_, err := c.Set(ctxT(t), p, nil)
		must(t, err)
		got, err := c.Get(ctxT(t), p)
		must(t, err)
		if got == nil {
			t.Fatal("nothing stored")
		}
		jsonEq(t, "null", got.Data, `{"value":null}`)
	}},

	{name: "set merge", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		p := e.path("/m")
		_, err := c.Set(ctxT(t), p, map[string]any{"a": 1, "b": 1, "deep": map[string]any{"x": 1}})
		must(t, err)
		it, err := c.Set(ctxT(t), p, map[string]any{"b": 2, "c": 3, "deep": map[string]any{"y": 2}}, happn.Merge())
		must(t, err)
		// Shallow: "deep" is replaced, not merged.
		jsonEq(t, "merge response", it.Data, `{"a":1,"b":2,"c":3,"deep":{"y":2}}`)
		got, err := c.Get(ctxT(t), p)
		must(t, err)
		jsonEq(t, "merged", got.Data, `{"a":1,"b":2,"c":3,"deep":{"y":2}}`)
		// Merge onto nothing creates the item.
		_, err = c.Set(ctxT(t), e.path("/m2"), map[string]any{"n": 1}, happn.Merge())
		must(t, err)
		got, err = c.Get(ctxT(t), e.path("/m2"))
		must(t, err)
		jsonEq(t, "merge onto nothing", got.Data, `{"n":1}`)
	}},

	{name: "set noPublish stores without an event", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/np/*"), log.handle, happn.EventType(happn.SetEvent))
		must(t, err)
		_, err = c.Set(ctxT(t), e.path("/np/quiet"), map[string]any{"n": 1}, happn.NoPublish())
		must(t, err)
		_, err = c.Set(ctxT(t), e.path("/np/loud"), map[string]any{"n": 2})
		must(t, err)
		eq(t, "first event", log.nextPath(t, "set"), e.path("/np/loud"))
		got, err := c.Get(ctxT(t), e.path("/np/quiet"))
		must(t, err)
		jsonEq(t, "stored", got.Data, `{"n":1}`)
	}},

	{name: "custom event meta", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/meta"), log.handle)
		must(t, err)
		_, err = c.Set(ctxT(t), e.path("/meta"), map[string]any{"n": 1}, happn.Meta(map[string]any{"custom": "yes", "n": 7}))
		must(t, err)
		ev := log.next(t, "set with meta")
		jsonEq(t, "meta.custom", ev.Meta.Get("custom"), `"yes"`)
		jsonEq(t, "meta.n", ev.Meta.Get("n"), `7`)
		jsonEq(t, "data", ev.Data, `{"n":1}`)
		eq(t, "meta.path", ev.Meta.Path, e.path("/meta"))
		eq(t, "meta.channel", ev.Meta.Channel, "/ALL@"+e.path("/meta"))
		eq(t, "meta.sessionId", ev.Meta.SessionID, c.SessionID())
	}},

	{name: "targetClients", run: func(t *testing.T, e *interopEnv) {
		pub, a, b := e.dial(t), e.dial(t), e.dial(t)
		la, lb := newEventLog(), newEventLog()
		for _, s := range []struct {
			c   *happn.Client
			log *eventLog
		}{{a, la}, {b, lb}} {
			_, err := s.c.On(ctxT(t), e.path("/tc/*"), s.log.handle, happn.EventType(happn.SetEvent))
			must(t, err)
		}
		_, err := pub.Set(ctxT(t), e.path("/tc/set"), map[string]any{"to": "a"}, happn.TargetClients(a.SessionID()))
		must(t, err)
		must(t, pub.Publish(ctxT(t), e.path("/tc/pub"), map[string]any{"to": "b"}, happn.TargetClients(b.SessionID())))
		_, err = pub.Set(ctxT(t), e.path("/tc/all"), map[string]any{"to": "all"})
		must(t, err)
		eq(t, "a first", la.nextPath(t, "targeted set"), e.path("/tc/set"))
		eq(t, "a second", la.nextPath(t, "untargeted set"), e.path("/tc/all"))
		eq(t, "b first", lb.nextPath(t, "targeted publish"), e.path("/tc/pub"))
		eq(t, "b second", lb.nextPath(t, "untargeted set"), e.path("/tc/all"))
	}},

	{name: "consistency levels", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/cons/*"), log.handle, happn.EventType(happn.SetEvent))
		must(t, err)
		for _, tc := range []struct {
			name  string
			level int
			// want is the OnPublished result, nil where happn-3 reports
			// none to the client.
			want *happn.PublishResult
		}{
			{"queued", happn.Queued, nil},
			{"deferred", happn.Deferred, &happn.PublishResult{Queued: 1, Successful: 1}},
			{"transactional", happn.Transactional, nil},
			{"acknowledged", happn.Acknowledged, &happn.PublishResult{Queued: 1, Successful: 1, Acknowledged: 1}},
		} {
			p := e.path("/cons/" + tc.name)
			results := make(chan outcome, 2)
			it, err := c.Set(ctxT(t), p, map[string]any{"level": tc.level}, happn.Consistency(tc.level),
				happn.OnPublished(func(r happn.PublishResult, err error) { results <- outcome{r, err} }))
			must(t, err)
			eq(t, tc.name+": response path", it.Meta.Path, p)
			ev := log.next(t, tc.name)
			eq(t, tc.name+": event path", ev.Meta.Path, p)
			eq(t, tc.name+": event consistency", ev.Meta.Consistency, tc.level)
			if tc.want == nil {
				continue
			}
			o := waitOutcome(t, tc.name, results)
			if o.err != nil {
				t.Fatalf("%s: OnPublished error: %v", tc.name, o.err)
			}
			eq(t, tc.name+": OnPublished", o.res, *tc.want)
		}

		// Publish and Remove take the same options.
		results := make(chan outcome, 2)
		onPublished := happn.OnPublished(func(r happn.PublishResult, err error) { results <- outcome{r, err} })
		must(t, c.Publish(ctxT(t), e.path("/cons/published"), map[string]any{"p": 1}, happn.Consistency(happn.Acknowledged), onPublished))
		eq(t, "publish: event", log.nextPath(t, "published"), e.path("/cons/published"))
		o := waitOutcome(t, "publish", results)
		must(t, o.err)
		eq(t, "publish: OnPublished", o.res, happn.PublishResult{Queued: 1, Successful: 1, Acknowledged: 1})
		n, err := c.Remove(ctxT(t), e.path("/cons/deferred"), happn.Consistency(happn.Deferred), onPublished)
		must(t, err)
		eq(t, "remove: removed", n, 1)
		o = waitOutcome(t, "remove", results)
		must(t, o.err)
		// The only listener takes set events.
		eq(t, "remove: OnPublished", o.res, happn.PublishResult{})
	}},

	{name: "search: criteria, fields, sort, limit, skip", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		for n := 1; n <= 6; n++ {
			group := "even"
			if n%2 == 1 {
				group = "odd"
			}
			_, err := c.Set(ctxT(t), e.path("/s/"+string(rune('a'+n-1))), map[string]any{
				"n": n, "group": group, "name": "item-" + string(rune('a'+n-1)), "address": map[string]any{"town": string(rune('z' - n))},
			})
			must(t, err)
		}
		ns := func(items []happn.Item) []int64 {
			var out []int64
			for _, it := range items {
				out = append(out, gjson.GetBytes(it.Data, "n").Int())
			}
			return out
		}
		all := e.path("/s/*")
		for _, tc := range []struct {
			name string
			opts []happn.Option
			want []int64
		}{
			{"no options: path order", nil, []int64{1, 2, 3, 4, 5, 6}},
			{"criteria", []happn.Option{happn.Criteria(map[string]any{"group": "odd"})}, []int64{1, 3, 5}},
			{"$gt $in", []happn.Option{happn.Criteria(map[string]any{"n": map[string]any{"$gt": 2}, "group": map[string]any{"$in": []string{"even"}}})}, []int64{4, 6}},
			{"$or", []happn.Option{happn.Criteria(`{"$or":[{"n":1},{"n":6}]}`)}, []int64{1, 6}},
			{"$regex", []happn.Option{happn.Criteria(map[string]any{"name": map[string]any{"$regex": "item-[bc]"}})}, []int64{2, 3}},
			{"dot notation", []happn.Option{happn.Criteria(map[string]any{"address.town": "w"})}, []int64{3}},
			{"_meta.path", []happn.Option{happn.Criteria(map[string]any{"_meta.path": e.path("/s/d")})}, []int64{4}},
			{"sort desc", []happn.Option{happn.Sort(map[string]any{"n": -1})}, []int64{6, 5, 4, 3, 2, 1}},
			{"sort nested", []happn.Option{happn.Sort(map[string]any{"address.town": 1})}, []int64{6, 5, 4, 3, 2, 1}},
			{"sort limit", []happn.Option{happn.Sort(map[string]any{"n": -1}), happn.Limit(2)}, []int64{6, 5}},
			{"sort skip limit", []happn.Option{happn.Sort(map[string]any{"n": 1}), happn.Skip(2), happn.Limit(3)}, []int64{3, 4, 5}},
			{"criteria sort skip", []happn.Option{happn.Criteria(map[string]any{"group": "even"}), happn.Sort(map[string]any{"n": -1}), happn.Skip(1)}, []int64{4, 2}},
			{"no match", []happn.Option{happn.Criteria(map[string]any{"n": 99})}, nil},
		} {
			items, err := c.Search(ctxT(t), all, tc.opts...)
			must(t, err)
			eq(t, tc.name, ns(items), tc.want)
		}

		items, err := c.Search(ctxT(t), all, happn.Criteria(map[string]any{"n": 2}), happn.Fields(map[string]any{"name": 1}))
		must(t, err)
		if len(items) != 1 {
			t.Fatalf("fields: %d items", len(items))
		}
		var fields map[string]any
		must(t, items[0].Decode(&fields))
		delete(fields, "_meta") // happn-3 13.x returns _meta:{} with a projection
		eq(t, "fields", fields, map[string]any{"name": "item-b"})

		items, err = c.Search(ctxT(t), e.path("/s/c"))
		must(t, err)
		eq(t, "exact path", ns(items), []int64{3})
		eq(t, "exact path meta", items[0].Meta.Path, e.path("/s/c"))
	}},

	{name: "getPaths", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		for _, p := range []string{"/gp/b", "/gp/a", "/gp/a/deeper", "/other"} {
			_, err := c.Set(ctxT(t), e.path(p), map[string]any{"p": p})
			must(t, err)
		}
		paths, err := c.GetPaths(ctxT(t), e.path("/gp/*"))
		must(t, err)
		slices.Sort(paths)
		eq(t, "paths", paths, []string{e.path("/gp/a"), e.path("/gp/a/deeper"), e.path("/gp/b")})
		paths, err = c.GetPaths(ctxT(t), e.path("/none/*"))
		must(t, err)
		eq(t, "no paths", len(paths), 0)
	}},

	{name: "count", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		for n := 1; n <= 4; n++ {
			_, err := c.Set(ctxT(t), e.path("/c/"+string(rune('0'+n))), map[string]any{"n": n})
			must(t, err)
		}
		for _, tc := range []struct {
			name    string
			pattern string
			opts    []happn.Option
			want    int
		}{
			{"wildcard", "/c/*", nil, 4},
			{"criteria", "/c/*", []happn.Option{happn.Criteria(map[string]any{"n": map[string]any{"$gte": 3}})}, 2},
			{"exact", "/c/1", nil, 1},
			{"exact missing", "/c/9", nil, 0},
			{"no match", "/nothing/*", nil, 0},
		} {
			n, err := c.Count(ctxT(t), e.path(tc.pattern), tc.opts...)
			must(t, err)
			eq(t, tc.name, n, tc.want)
		}
	}},

	{name: "remove exact and wildcard", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/rm/*"), log.handle, happn.EventType(happn.RemoveEvent))
		must(t, err)
		for _, p := range []string{"/rm/x", "/rm/y", "/rm/z", "/rm/deeper/w"} {
			_, err := c.Set(ctxT(t), e.path(p), map[string]any{"p": p})
			must(t, err)
		}
		n, err := c.Remove(ctxT(t), e.path("/rm/x"))
		must(t, err)
		eq(t, "removed exact", n, 1)
		ev := log.next(t, "remove event")
		jsonEq(t, "remove event data", ev.Data, `{"removed":1}`)
		eq(t, "remove event channel", ev.Meta.Channel, "/REMOVE@"+e.path("/rm/*"))
		got, err := c.Get(ctxT(t), e.path("/rm/x"))
		must(t, err)
		if got != nil {
			t.Fatal("still there after Remove")
		}
		n, err = c.Remove(ctxT(t), e.path("/rm/x"))
		must(t, err)
		eq(t, "removed again", n, 0)
		log.next(t, "remove of nothing still publishes")

		n, err = c.Remove(ctxT(t), e.path("/rm/*"))
		must(t, err)
		eq(t, "removed wildcard", n, 3)
		left, err := c.Count(ctxT(t), e.path("/rm/*"))
		must(t, err)
		eq(t, "left", left, 0)
	}},

	{name: "remove with criteria", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		for n := 1; n <= 4; n++ {
			_, err := c.Set(ctxT(t), e.path("/rc/"+string(rune('0'+n))), map[string]any{"n": n})
			must(t, err)
		}
		n, err := c.Remove(ctxT(t), e.path("/rc/*"), happn.Criteria(map[string]any{"n": map[string]any{"$gt": 2}}))
		must(t, err)
		eq(t, "removed", n, 2)
		paths, err := c.GetPaths(ctxT(t), e.path("/rc/*"))
		must(t, err)
		slices.Sort(paths)
		eq(t, "left", paths, []string{e.path("/rc/1"), e.path("/rc/2")})
	}},

	{name: "increment", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		p := e.path("/gauges")
		_, err := c.Set(ctxT(t), p, map[string]any{"keep": "me"})
		must(t, err)
		for _, tc := range []struct {
			gauge string
			by    float64
			want  float64
		}{
			{"hits", 2, 2},
			{"hits", 3, 5},
			{"hits", -1.5, 3.5},
			{"", 1, 1}, // the default gauge, "counter"
		} {
			v, err := c.Increment(ctxT(t), p, tc.gauge, tc.by)
			must(t, err)
			eq(t, "Increment "+tc.gauge, v, tc.want)
		}
		got, err := c.Get(ctxT(t), p)
		must(t, err)
		jsonEq(t, "stored gauges", got.Data, `{"keep":"me","hits":{"value":3.5},"counter":{"value":1}}`)
	}},

	{name: "publish", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/pub/*"), log.handle, happn.EventType(happn.SetEvent))
		must(t, err)
		must(t, c.Publish(ctxT(t), e.path("/pub/x"), map[string]any{"hello": "world"}, happn.Meta(map[string]any{"m": 1})))
		ev := log.next(t, "publish")
		jsonEq(t, "data", ev.Data, `{"hello":"world"}`)
		jsonEq(t, "meta.m", ev.Meta.Get("m"), `1`)
		eq(t, "path", ev.Meta.Path, e.path("/pub/x"))
		got, err := c.Get(ctxT(t), e.path("/pub/x"))
		must(t, err)
		if got != nil {
			t.Fatalf("publish stored %s", got.Data)
		}
	}},

	{name: "on: event types", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		sets, removes, all := newEventLog(), newEventLog(), newEventLog()
		for _, l := range []struct {
			log *eventLog
			t   happn.EventKind
		}{{sets, happn.SetEvent}, {removes, happn.RemoveEvent}, {all, happn.AllEvents}} {
			_, err := sub.On(ctxT(t), e.path("/et/*"), l.log.handle, happn.EventType(l.t))
			must(t, err)
		}
		_, err := c.Set(ctxT(t), e.path("/et/a"), map[string]any{"n": 1})
		must(t, err)
		_, err = c.Remove(ctxT(t), e.path("/et/a"))
		must(t, err)
		_, err = c.Set(ctxT(t), e.path("/et/end"), map[string]any{"n": 2})
		must(t, err)

		ev := sets.next(t, "set")
		eq(t, "set channel", ev.Meta.Channel, "/SET@"+e.path("/et/*"))
		eq(t, "set action", ev.Meta.Action, "/SET@"+e.path("/et/a"))
		if ev.Meta.Created == 0 || ev.Meta.Modified == 0 {
			t.Fatalf("set event meta without created/modified: %s", ev.Meta.Raw)
		}
		eq(t, "set then", sets.nextPath(t, "second set"), e.path("/et/end"))
		ev = removes.next(t, "remove")
		eq(t, "remove channel", ev.Meta.Channel, "/REMOVE@"+e.path("/et/*"))
		eq(t, "remove action", ev.Meta.Action, "/REMOVE@"+e.path("/et/a"))
		for i, want := range []string{"/SET@", "/REMOVE@", "/SET@"} {
			ev := all.next(t, "all")
			eq(t, "all action "+want, ev.Meta.Action[:len(want)], want)
			eq(t, "all channel", ev.Meta.Channel, "/ALL@"+e.path("/et/*"))
			_ = i
		}
		sets.empty(t, "set listener")
		removes.empty(t, "remove listener")
	}},

	{name: "onAll", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		id, err := sub.OnAll(ctxT(t), log.handle)
		must(t, err)
		_, err = c.Set(ctxT(t), e.path("/anything/at/all"), map[string]any{"n": 1})
		must(t, err)
		ev := log.next(t, "onAll")
		eq(t, "channel", ev.Meta.Channel, "/ALL@*")
		eq(t, "path", ev.Meta.Path, e.path("/anything/at/all"))
		must(t, sub.Off(ctxT(t), id))
	}},

	{name: "off, offPath, offAll", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		set := func(p string) {
			t.Helper()
			_, err := c.Set(ctxT(t), e.path(p), map[string]any{"p": p})
			must(t, err)
		}
		a, b, marker := newEventLog(), newEventLog(), newEventLog()
		idA, err := sub.On(ctxT(t), e.path("/off/a"), a.handle)
		must(t, err)
		_, err = sub.On(ctxT(t), e.path("/off/b"), b.handle)
		must(t, err)
		_, err = sub.On(ctxT(t), e.path("/marker"), marker.handle)
		must(t, err)

		must(t, sub.Off(ctxT(t), idA))
		set("/off/a")
		set("/off/b")
		set("/marker")
		eq(t, "b after Off(a)", b.nextPath(t, "b"), e.path("/off/b"))
		marker.next(t, "marker 1")
		a.empty(t, "Off")

		must(t, sub.OffPath(ctxT(t), e.path("/off/*")))
		set("/off/b")
		set("/marker")
		marker.next(t, "marker 2")
		b.empty(t, "OffPath")

		must(t, sub.OffAll(ctxT(t)))
		set("/marker")
		again := newEventLog()
		_, err = sub.On(ctxT(t), e.path("/off/again"), again.handle)
		must(t, err)
		set("/off/again")
		eq(t, "a new listener after OffAll", again.nextPath(t, "again"), e.path("/off/again"))
		marker.empty(t, "OffAll")

		if err := sub.Off(ctxT(t), idA); err == nil {
			t.Fatal("Off of an ended listener succeeded")
		}
	}},

	{name: "on: count", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		counted, marker := newEventLog(), newEventLog()
		_, err := sub.On(ctxT(t), e.path("/cnt/*"), counted.handle, happn.Count(2), happn.EventType(happn.SetEvent))
		must(t, err)
		_, err = sub.On(ctxT(t), e.path("/marker"), marker.handle)
		must(t, err)
		for _, p := range []string{"/cnt/1", "/cnt/2", "/cnt/3", "/marker"} {
			_, err := c.Set(ctxT(t), e.path(p), map[string]any{"p": p})
			must(t, err)
		}
		eq(t, "1st", counted.nextPath(t, "1st"), e.path("/cnt/1"))
		eq(t, "2nd", counted.nextPath(t, "2nd"), e.path("/cnt/2"))
		marker.next(t, "marker")
		counted.empty(t, "Count(2)")
	}},

	{name: "on: initialCallback and initialEmit", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		for _, p := range []string{"/init/1", "/init/2"} {
			_, err := c.Set(ctxT(t), e.path(p), map[string]any{"p": p})
			must(t, err)
		}
		var initial []happn.Item
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/init/*"), log.handle, happn.EventType(happn.SetEvent),
			happn.InitialCallback(func(items []happn.Item) { initial = items }))
		must(t, err)
		var paths []string
		for _, it := range initial {
			paths = append(paths, it.Meta.Path)
			jsonEq(t, "initial item", it.Data, `{"p":"`+it.Meta.Path[len(e.prefix):]+`"}`)
		}
		slices.Sort(paths)
		eq(t, "initialCallback", paths, []string{e.path("/init/1"), e.path("/init/2")})

		emitted := newEventLog()
		_, err = sub.On(ctxT(t), e.path("/init/*"), emitted.handle, happn.EventType(happn.SetEvent), happn.InitialEmit())
		must(t, err)
		paths = nil
		for range 2 {
			ev := emitted.next(t, "initialEmit")
			paths = append(paths, ev.Meta.Path)
			jsonEq(t, "emitted data", ev.Data, `{"p":"`+ev.Meta.Path[len(e.prefix):]+`"}`)
		}
		slices.Sort(paths)
		eq(t, "initialEmit", paths, []string{e.path("/init/1"), e.path("/init/2")})

		_, err = c.Set(ctxT(t), e.path("/init/3"), map[string]any{"p": "/init/3"})
		must(t, err)
		eq(t, "then events", log.nextPath(t, "event"), e.path("/init/3"))
		eq(t, "then events (emit listener)", emitted.nextPath(t, "event"), e.path("/init/3"))

		// No items: the callback gets an empty list, not nothing.
		called := false
		_, err = sub.On(ctxT(t), e.path("/empty/*"), log.handle, happn.InitialCallback(func(items []happn.Item) {
			called = true
			eq(t, "empty initial", len(items), 0)
		}))
		must(t, err)
		if !called {
			t.Fatal("InitialCallback not called for no items")
		}
	}},

	{name: "on: depth", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		deep, marker := newEventLog(), newEventLog()
		_, err := sub.On(ctxT(t), e.path("/deep/**"), deep.handle, happn.EventType(happn.SetEvent), happn.Depth(2))
		must(t, err)
		_, err = sub.On(ctxT(t), e.path("/marker"), marker.handle)
		must(t, err)
		for _, p := range []string{"/deep/a", "/deep/a/b", "/deep/a/b/c", "/marker"} {
			_, err := c.Set(ctxT(t), e.path(p), map[string]any{"p": p})
			must(t, err)
		}
		ev := deep.next(t, "depth 1")
		eq(t, "depth 1", ev.Meta.Path, e.path("/deep/a"))
		eq(t, "depth 2", deep.nextPath(t, "depth 2"), e.path("/deep/a/b"))
		marker.next(t, "marker")
		deep.empty(t, "depth 3 is beyond Depth(2)")
	}},

	{name: "on: mergeOnly", run: func(t *testing.T, e *interopEnv) {
		c, patches, whole := e.dial(t), e.dial(t), e.dial(t)
		pl, wl := newEventLog(), newEventLog()
		p := e.path("/mo")
		_, err := c.Set(ctxT(t), p, map[string]any{"a": 1, "b": 1})
		must(t, err)
		_, err = patches.On(ctxT(t), p, pl.handle, happn.EventType(happn.SetEvent), happn.MergeOnly())
		must(t, err)
		_, err = whole.On(ctxT(t), p, wl.handle, happn.EventType(happn.SetEvent))
		must(t, err)
		_, err = c.Set(ctxT(t), p, map[string]any{"b": 2}, happn.Merge())
		must(t, err)
		jsonEq(t, "mergeOnly listener", pl.next(t, "patch").Data, `{"b":2}`)
		jsonEq(t, "plain listener", wl.next(t, "whole").Data, `{"a":1,"b":2}`)
	}},

	{name: "acknowledged event meta", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/ack"), log.handle)
		must(t, err)
		done := make(chan outcome, 1)
		_, err = c.Set(ctxT(t), e.path("/ack"), map[string]any{"n": 1}, happn.Consistency(happn.Acknowledged),
			happn.OnPublished(func(r happn.PublishResult, err error) { done <- outcome{r, err} }))
		must(t, err)
		ev := log.next(t, "acknowledged event")
		eq(t, "consistency", ev.Meta.Consistency, happn.Acknowledged)
		if ev.Meta.PublicationID == "" {
			t.Fatalf("no publicationId in %s", ev.Meta.Raw)
		}
		o := waitOutcome(t, "acknowledged", done)
		must(t, o.err)
		eq(t, "acknowledged", o.res.Acknowledged, 1)
	}},

	{name: "client-side path checks", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		_, err := c.Set(ctxT(t), e.path("/bad/*"), map[string]any{"n": 1})
		if !errors.Is(err, happn.ErrBadRequest) {
			t.Fatalf("Set on a wildcard path: %v, want ErrBadRequest", err)
		}
		_, err = c.Get(ctxT(t), e.path("/bad/*"))
		if !errors.Is(err, happn.ErrBadRequest) {
			t.Fatalf("Get of a wildcard path: %v, want ErrBadRequest", err)
		}
	}},

	{name: "server error: SystemError 500", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		_, err := c.Set(ctxT(t), e.path("/se/a"), map[string]any{"s": "x"})
		must(t, err)
		// happn-3 13.x hands the criteria to lokijs, which throws on an
		// invalid regular expression.
		_, err = c.Search(ctxT(t), e.path("/se/*"), happn.Criteria(map[string]any{"s": map[string]any{"$regex": "["}}))
		if !errors.Is(err, happn.ErrSystem) {
			t.Fatalf("invalid $regex: %v, want ErrSystem", err)
		}
		var he *happn.Error
		if !errors.As(err, &he) {
			t.Fatalf("%T is not a *happn.Error", err)
		}
		eq(t, "name", he.Name, "SystemError")
		eq(t, "code", he.Code, 500)
		// Our criteria evaluator is not lokijs: only happn-3's message is checked.
		if !e.goServer && !strings.Contains(he.Message, "Invalid regular expression") {
			t.Fatalf("message %q", he.Message)
		}
		eq(t, "reason", he.Reason, "DataService")
	}},

	{name: "increment of a non-number fails", run: func(t *testing.T, e *interopEnv) {
		c := e.dial(t)
		p := e.path("/notnum")
		_, err := c.Set(ctxT(t), p, map[string]any{"g": map[string]any{"value": "text"}})
		must(t, err)
		// happn-3 adds with JavaScript's +, stores "text1" and answers
		// {"value":"text1","gauge":"g"}: the client must not make a
		// number of that.
		// The Go server refuses instead (docs/happn3-differences.md).
		v, err := c.Increment(ctxT(t), p, "g", 1)
		if err == nil {
			t.Fatalf("Increment of a non-number returned %v and no error", v)
		}
		if !e.goServer {
			got, gerr := c.Get(ctxT(t), p)
			must(t, gerr)
			jsonEq(t, "stored by happn-3", got.Data, `{"g":{"value":"text1"}}`)
		}
	}},

	{name: "authorization: AccessDenied 403", mode: "secure", run: func(t *testing.T, e *interopEnv) {
		c, err := happn.Dial(ctxT(t), e.url, happn.WithCredentials(limitedUser, limitedPassword))
		must(t, err)
		defer c.Close()
		eq(t, "username", gjson.GetBytes(c.Session(), "user.username").String(), limitedUser)
		allowed, readonly := "/compat/interop/go/client/allowed/x", "/compat/interop/go/client/readonly/x"
		_, err = c.Set(ctxT(t), allowed, map[string]any{"n": 1})
		must(t, err)
		got, err := c.Get(ctxT(t), allowed)
		must(t, err)
		jsonEq(t, "allowed get", got.Data, `{"n":1}`)
		_, err = c.On(ctxT(t), "/compat/interop/go/client/allowed/*", func(*happn.Event) {})
		must(t, err)
		n, err := c.Remove(ctxT(t), allowed)
		must(t, err)
		eq(t, "allowed remove", n, 1)

		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"set elsewhere", func() error { _, err := c.Set(ctxT(t), e.path("/x"), map[string]any{"n": 1}); return err }},
			{"get elsewhere", func() error { _, err := c.Get(ctxT(t), e.path("/x")); return err }},
			{"on elsewhere", func() error { _, err := c.On(ctxT(t), e.path("/*"), func(*happn.Event) {}); return err }},
			{"set on a read-only path", func() error { _, err := c.Set(ctxT(t), readonly, map[string]any{"n": 1}); return err }},
			{"remove on a read-only path", func() error { _, err := c.Remove(ctxT(t), readonly); return err }},
		} {
			err := tc.call()
			if !errors.Is(err, happn.ErrUnauthorized) || !errors.Is(err, happn.ErrAccessDenied) {
				t.Fatalf("%s: %v, want AccessDenied 403", tc.name, err)
			}
			var he *happn.Error
			errors.As(err, &he)
			eq(t, tc.name+": code", he.Code, 403)
			eq(t, tc.name+": message", he.Message, "unauthorized")
		}
	}},

	{name: "onBehalfOf: _ADMIN with the limited user's permissions", mode: "secure", run: func(t *testing.T, e *interopEnv) {
		admin := e.dial(t)
		as := happn.OnBehalfOf(limitedUser)
		allowed := "/compat/interop/go/client/allowed/obo"
		_, err := admin.Set(ctxT(t), allowed, map[string]any{"n": 1}, as)
		must(t, err)
		items, err := admin.Search(ctxT(t), allowed, as)
		must(t, err)
		eq(t, "search on behalf", len(items), 1)
		n, err := admin.Count(ctxT(t), allowed, as)
		must(t, err)
		eq(t, "count on behalf", n, 1)
		removed, err := admin.Remove(ctxT(t), allowed, as)
		must(t, err)
		eq(t, "remove on behalf", removed, 1)
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"set elsewhere", func() error { _, err := admin.Set(ctxT(t), e.path("/obo"), 1, as); return err }},
			{"search elsewhere", func() error { _, err := admin.Search(ctxT(t), e.path("/obo"), as); return err }},
			{"an unknown user", func() error {
				_, err := admin.Set(ctxT(t), allowed, 1, happn.OnBehalfOf("compat-nobody"))
				return err
			}},
		} {
			if err := tc.call(); !errors.Is(err, happn.ErrUnauthorized) {
				t.Fatalf("%s on behalf: %v, want AccessDenied 403 unauthorized", tc.name, err)
			}
		}
	}},

	{name: "reconnect after happn-3 restarts", mode: "insecure", happn3Only: true, run: func(t *testing.T, e *interopEnv) {
		conn := make(chan happn.ConnectionEvent, 64)
		c := e.dial(t, happn.WithReconnectBackoff(100*time.Millisecond, time.Second),
			happn.WithConnectionEvents(func(ev happn.ConnectionEvent) {
				select {
				case conn <- ev:
				default:
				}
			}))
		log := newEventLog()
		_, err := c.On(ctxT(t), e.path("/rs/*"), log.handle, happn.EventType(happn.SetEvent))
		must(t, err)
		before := c.SessionID()

		e.server.restart(t, true) // a crash: no server-side-disconnect
		var seen []happn.ConnectionEventType
		for back := false; !back; {
			select {
			case ev := <-conn:
				seen = append(seen, ev.Type)
				back = ev.Type == happn.ReconnectSuccessful
				if ev.Type == happn.SessionEnded {
					t.Fatalf("session ended (%s) instead of reconnecting", ev.Reason)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("no reconnection; connection events: %v", seen)
			}
		}
		if seen[0] != happn.ConnectionEnded {
			t.Fatalf("connection events %v: want connection-ended first", seen)
		}
		if c.SessionID() == before {
			t.Fatal("same session id after reconnecting to a new server")
		}
		// The listener was restored: an event another client causes arrives.
		pub := e.dial(t)
		_, err = pub.Set(ctxT(t), e.path("/rs/after"), map[string]any{"n": 1})
		must(t, err)
		eq(t, "event after reconnect", log.nextPath(t, "event after reconnect"), e.path("/rs/after"))
		got, err := c.Get(ctxT(t), e.path("/rs/after"))
		must(t, err)
		jsonEq(t, "get after reconnect", got.Data, `{"n":1}`)
	}},

	{name: "happn-3 stops for good: session ended, no reconnect", mode: "insecure", happn3Only: true, run: func(t *testing.T, e *interopEnv) {
		conn := make(chan happn.ConnectionEvent, 64)
		c := e.dial(t, happn.WithReconnectBackoff(100*time.Millisecond, time.Second),
			happn.WithConnectionEvents(func(ev happn.ConnectionEvent) {
				select {
				case conn <- ev:
				default:
				}
			}))
		_, err := c.On(ctxT(t), e.path("/end/*"), func(*happn.Event) {})
		must(t, err)

		// reference-server.js stops with {reconnect:false}: happn-3 sends
		// server-side-disconnect and primus::server::close.
		e.server.restart(t, false)
		var seen []happn.ConnectionEventType
		for ended := false; !ended; {
			select {
			case ev := <-conn:
				seen = append(seen, ev.Type)
				ended = ev.Type == happn.SessionEnded
			case <-time.After(20 * time.Second):
				t.Fatalf("no session-ended; connection events: %v", seen)
			}
		}
		// The new server is listening: a client that ignored the server
		// would be back within the backoff (100 ms to 1 s).
		time.Sleep(1500 * time.Millisecond)
		for len(conn) > 0 {
			seen = append(seen, (<-conn).Type)
		}
		if slices.Contains(seen, happn.ReconnectScheduled) || slices.Contains(seen, happn.ReconnectSuccessful) {
			t.Fatalf("the client reconnected after the server stopped for good: %v", seen)
		}
		if _, err := c.Get(ctxT(t), e.path("/end/x")); err == nil {
			t.Fatal("a call after session-ended succeeded")
		}
	}},

	{name: "event origin", mode: "secure", run: func(t *testing.T, e *interopEnv) {
		c, sub := e.dial(t), e.dial(t)
		log := newEventLog()
		_, err := sub.On(ctxT(t), e.path("/origin"), log.handle)
		must(t, err)
		_, err = c.Set(ctxT(t), e.path("/origin"), map[string]any{"n": 1})
		must(t, err)
		ev := log.next(t, "event")
		origin := gjson.ParseBytes(ev.Meta.Get("eventOrigin"))
		eq(t, "eventOrigin.username", origin.Get("username").String(), "_ADMIN")
		eq(t, "eventOrigin.id", origin.Get("id").String(), c.SessionID())
	}},

	{name: "login: wrong password is AccessDenied 401", mode: "secure", run: func(t *testing.T, e *interopEnv) {
		for _, tc := range []struct{ name, user, pass string }{
			{"wrong password", "_ADMIN", "not-the-password"},
			{"unknown user", "nobody", "x"},
		} {
			c, err := happn.Dial(ctxT(t), e.url, happn.WithCredentials(tc.user, tc.pass))
			if err == nil {
				c.Close()
				t.Fatalf("%s: login succeeded", tc.name)
			}
			if !errors.Is(err, happn.ErrAccessDenied) || !errors.Is(err, happn.ErrInvalidCredentials) {
				t.Fatalf("%s: %v, want AccessDenied 401", tc.name, err)
			}
			var he *happn.Error
			if !errors.As(err, &he) {
				t.Fatalf("%s: %T is not a *happn.Error", tc.name, err)
			}
			eq(t, tc.name+": name", he.Name, "AccessDenied")
			eq(t, tc.name+": code", he.Code, 401)
			eq(t, tc.name+": message", he.Message, "Invalid credentials")
		}
	}},

	{name: "login: no credentials", mode: "secure", run: func(t *testing.T, e *interopEnv) {
		c, err := happn.Dial(ctxT(t), e.url)
		if err == nil {
			c.Close()
			t.Fatal("login without credentials succeeded on a secure server")
		}
		if !errors.Is(err, happn.ErrAccessDenied) {
			t.Fatalf("%v, want AccessDenied", err)
		}
	}},

	{name: "login: token", mode: "secure", run: func(t *testing.T, e *interopEnv) {
		first := e.dial(t)
		c, err := happn.Dial(ctxT(t), e.url, happn.WithToken(first.Token()))
		must(t, err)
		defer c.Close()
		eq(t, "username", gjson.GetBytes(c.Session(), "user.username").String(), "_ADMIN")
		_, err = c.Set(ctxT(t), e.path("/tok"), map[string]any{"n": 1})
		must(t, err)
	}},
}

// outcome is what an OnPublished callback was given.
type outcome struct {
	res happn.PublishResult
	err error
}

// waitOutcome waits for an OnPublished callback.
func waitOutcome(t *testing.T, what string, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(15 * time.Second):
		t.Fatalf("%s: OnPublished was not called", what)
		return outcome{}
	}
}
