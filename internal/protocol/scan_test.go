package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

func TestMembers(t *testing.T) {
	obj := []byte(` { "a" : 1 , "b":"x\"}" ,"c":{"d":[1,{"e":"]"}]},"f":[ ],"g":true,"h":null,"i":-1.5e3 } `)
	want := map[string]string{"a": "1", "b": `"x\"}"`, "c": `{"d":[1,{"e":"]"}]}`, "f": "[ ]", "g": "true", "h": "null", "i": "-1.5e3"}
	got := map[string]string{}
	Members(obj, func(k, v []byte) bool {
		got[string(k)] = string(v)
		return true
	})
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestStringIntBool(t *testing.T) {
	if s, ok := String([]byte(`"plain"`)); !ok || s != "plain" {
		t.Fatal(s)
	}
	if s, ok := String([]byte(`"a\nb\u00e9"`)); !ok || s != "a\nbé" {
		t.Fatal(s)
	}
	for raw, want := range map[string]int64{"0": 0, "42": 42, "-7": -7, "1e3": 1000, "123456789012345678901": 0} {
		n, ok := Int([]byte(raw))
		if raw == "123456789012345678901" {
			if ok && n == 0 {
				t.Errorf("Int(%s) = %d", raw, n)
			}
			continue
		}
		if !ok || n != want {
			t.Errorf("Int(%s) = %d %v", raw, n, ok)
		}
	}
	if _, ok := Int([]byte("1.5")); ok {
		t.Error("Int(1.5) ok")
	}
	if !Bool([]byte("true")) || Bool([]byte("false")) {
		t.Error("Bool")
	}
}

// FuzzMembers checks the scanner against gjson on arbitrary valid JSON
// objects: the same keys, the same raw values, in the same order.
func FuzzMembers(f *testing.F) {
	f.Add(`{"a":1,"b":[1,2,{"c":"}"}],"d":"\"","e":{}}`)
	f.Add(`{ "x" : { "y" : [ ] } , "z" : -0.5e-3 }`)
	f.Fuzz(func(t *testing.T, s string) {
		if !gjson.Valid(s) || !gjson.Parse(s).IsObject() {
			return
		}
		type kv = struct{ k, v string }
		var want, got []kv
		gjson.Parse(s).ForEach(func(k, v gjson.Result) bool {
			want = append(want, kv{k.Raw[1 : len(k.Raw)-1], v.Raw})
			return true
		})
		Members([]byte(s), func(k, v []byte) bool {
			got = append(got, kv{string(k), string(v)})
			return true
		})
		if len(got) != len(want) {
			t.Fatalf("%s: got %v, want %v", s, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: member %d got %v, want %v", s, i, got[i], want[i])
			}
			checkNested(t, s, got[i].k, got)
			if vs, ok := String([]byte(got[i].v)); ok {
				var js string
				// Invalid UTF-8 is kept as it is (websocket text frames
				// cannot carry it); encoding/json would replace it.
				if utf8.ValidString(got[i].v) && json.Unmarshal([]byte(got[i].v), &js) == nil && js != vs {
					t.Fatalf("String(%s) = %q, want %q", got[i].v, vs, js)
				}
			}
		}
	})
}

// checkNested checks that MembersNested, asked to look inside sub, yields
// the same members as Members does, and inside every object value of sub
// the same members as Members on that value.
func checkNested(t *testing.T, s, sub string, members []struct{ k, v string }) {
	t.Helper()
	var want, got []string
	for _, m := range members {
		if m.k == sub && m.v[0] == '{' {
			Members([]byte(m.v), func(k, v []byte) bool {
				want = append(want, string(k)+"="+string(v))
				return true
			})
		}
	}
	n := 0
	MembersNested([]byte(s), sub, func(k, v []byte) bool {
		if n >= len(members) || string(k) != members[n].k || string(v) != members[n].v {
			t.Fatalf("%s: MembersNested member %d = %s:%s", s, n, k, v)
		}
		n++
		return true
	}, func(k, v []byte) bool {
		got = append(got, string(k)+"="+string(v))
		return true
	})
	if n != len(members) || len(got) != len(want) {
		t.Fatalf("%s: MembersNested(%q) saw %d members and %v inside, want %d and %v", s, sub, n, got, len(members), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: MembersNested(%q) inside %d = %s, want %s", s, sub, i, got[i], want[i])
		}
	}
}

// TestStringEnd puts quotes and escapes at every offset of strings that
// cross the scanner's word and long-string boundaries.
func TestStringEnd(t *testing.T) {
	for n := 0; n < 150; n++ {
		for _, esc := range []string{"", `\"`, `\\`, `\\\"`, `\n`} {
			for at := 0; at <= n; at += 1 + n/10 {
				body := strings.Repeat("x", at) + esc + strings.Repeat("y", n-at)
				s := []byte(`"` + body + `",`)
				if got, want := stringEnd(s, 0), len(s)-1; got != want {
					t.Fatalf("stringEnd(%s) = %d, want %d", s, got, want)
				}
				open := []byte(`"` + body) // no closing quote
				if got := stringEnd(open, 0); got != len(open) {
					t.Fatalf("stringEnd(%s) = %d, want %d", open, got, len(open))
				}
			}
		}
	}
}
