package security

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestExpandTemplates(t *testing.T) {
	get := Permission{Actions: []string{"get"}}
	set := Permission{Actions: []string{"set"}}
	ctx := map[string]any{
		"user": map[string]any{
			"username": "alice",
			"custom_data": map[string]any{
				"site":   "north",
				"sites":  []any{"n1", "n2"},
				"floors": []any{float64(1), float64(2)},
				"none":   nil,
				"empty":  []any{},
				"flag":   true,
				"raw":    json.RawMessage(`{"zone":["z1","z2"],"big":12345678901234567890}`),
			},
		},
		"groups": []string{"g1", "g2"},
	}
	tests := []struct {
		name string
		in   Permissions
		want Permissions
	}{
		{"no template", Permissions{"/a/*": get}, Permissions{"/a/*": get}},
		{"username", Permissions{"/gauges/{{user.username}}/*": get}, Permissions{"/gauges/alice/*": get}},
		{"custom data", Permissions{"/c/{{user.custom_data.site}}": get}, Permissions{"/c/north": get}},
		{"array expands", Permissions{"/c/{{user.custom_data.sites}}": get},
			Permissions{"/c/n1": get, "/c/n2": get}},
		{"matrix", Permissions{"/{{user.custom_data.sites}}/{{user.custom_data.floors}}": get},
			Permissions{"/n1/1": get, "/n1/2": get, "/n2/1": get, "/n2/2": get}},
		{"same key twice", Permissions{"/{{user.username}}/{{user.username}}": get}, Permissions{"/alice/alice": get}},
		{"same array key twice takes one value", Permissions{"/{{user.custom_data.sites}}/x/{{user.custom_data.sites}}": get},
			Permissions{"/n1/x/n1": get, "/n2/x/n2": get}},
		{"array index", Permissions{"/c/{{user.custom_data.sites.1}}": get}, Permissions{"/c/n2": get}},
		{"bracket index", Permissions{"/c/{{user.custom_data.sites[1]}}": get}, Permissions{"/c/n2": get}},
		{"bracket name", Permissions{`/c/{{user["custom_data"].site}}`: get}, Permissions{"/c/north": get}},
		{"Go string slice", Permissions{"/g/{{groups}}": get}, Permissions{"/g/g1": get, "/g/g2": get}},
		{"bool", Permissions{"/f/{{user.custom_data.flag}}": get}, Permissions{"/f/true": get}},
		{"raw JSON", Permissions{"/z/{{user.custom_data.raw.zone}}": get}, Permissions{"/z/z1": get, "/z/z2": get}},
		{"raw JSON big number as written", Permissions{"/n/{{user.custom_data.raw.big}}": get}, Permissions{"/n/12345678901234567890": get}},
		{"missing drops the pattern", Permissions{"/x/{{user.custom_data.missing}}": get, "/keep": set}, Permissions{"/keep": set}},
		{"missing parent", Permissions{"/x/{{nothing.here}}": get}, Permissions{}},
		{"null drops the pattern", Permissions{"/x/{{user.custom_data.none}}": get}, Permissions{}},
		{"empty array drops the pattern", Permissions{"/x/{{user.custom_data.empty}}": get}, Permissions{}},
		{"index out of range", Permissions{"/x/{{user.custom_data.sites.5}}": get}, Permissions{}},
		{"unclosed is literal", Permissions{"/x/{{user.username": get}, Permissions{"/x/{{user.username": get}},
		{"close without open is literal", Permissions{"/x/user.username}}": get}, Permissions{"/x/user.username}}": get}},
		{"key cannot span lines", Permissions{"/x/{{a\n{{user.username}}": get}, Permissions{"/x/{{a\nalice": get}},
		{"collision merges", Permissions{"/u/{{user.username}}": get, "/u/alice": set},
			Permissions{"/u/alice": {Actions: []string{"set", "get"}}}}, // patterns in sorted order
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandTemplates(tt.in, ctx)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestKeySteps(t *testing.T) {
	for key, want := range map[string][]string{
		"a":          {"a"},
		"a.b":        {"a", "b"},
		"a[0]":       {"a", "0"},
		"a[0].b":     {"a", "0", "b"},
		"a.b[0]":     {"a", "b", "0"},
		"a[1][2]":    {"a", "1", "2"},
		`a["x.y"].c`: {"a", "x.y", "c"},
		`a['x']`:     {"a", "x"},
		"a[0":        {"a[0"},
	} {
		if got := keySteps(key); !reflect.DeepEqual(got, want) {
			t.Errorf("keySteps(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestExpandTemplatesNoReinterpretation(t *testing.T) {
	// A value that looks like a placeholder stays text: it is not looked
	// up again.
	ctx := map[string]any{"user": map[string]any{"username": "{{user.secret}}", "secret": "s3cret"}}
	got, err := ExpandTemplates(Permissions{"/u/{{user.username}}/{{user.secret}}": {Actions: []string{"get"}}}, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["/u/{{user.secret}}/s3cret"]; !ok || len(got) != 1 {
		t.Fatalf("got %#v", got)
	}
}

func TestExpandTemplatesRejectsPromotion(t *testing.T) {
	get := Permission{Actions: []string{"get"}}
	tests := []struct {
		name string
		ctx  map[string]any
	}{
		{"star value", map[string]any{"v": "*"}},
		{"star inside value", map[string]any{"v": "any*"}},
		{"star in array", map[string]any{"v": []any{"found1", "any*"}}},
		{"star in string slice", map[string]any{"v": []string{"ok", "*"}}},
		{"object value", map[string]any{"v": map[string]any{"a": "b"}}},
		{"null in array", map[string]any{"v": []any{"a", nil}}},
		{"too many combinations", map[string]any{"v": []any{"a"}, "big": make([]string, 200), "big2": make([]string, 200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Permissions{"/x/{{v}}/{{big}}/{{big2}}": get, "/keep/{{k}}": get}
			for _, k := range []string{"big", "big2"} {
				if tt.ctx[k] == nil {
					tt.ctx[k] = []string{"1"}
				}
			}
			tt.ctx["k"] = "yes"
			got, err := ExpandTemplates(in, tt.ctx)
			if !errors.Is(err, ErrIllegalTemplateValue) || !strings.Contains(err.Error(), "/x/{{v}}/{{big}}/{{big2}}") {
				t.Fatalf("err = %v, want ErrIllegalTemplateValue naming the pattern", err)
			}
			if want := (Permissions{"/keep/yes": get}); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, want only the clean pattern %#v", got, want)
			}
		})
	}
}

func FuzzExpandTemplates(f *testing.F) {
	f.Add("/a/{{user.username}}/{{user.custom_data.x}}", "alice", "v")
	f.Add("/{{{{}}}}/{{", "", "*")
	f.Add("{{user.custom_data.x}}{{user.username}}", "}}", "{{")
	f.Fuzz(func(t *testing.T, pattern, username, x string) {
		ctx := map[string]any{"user": map[string]any{
			"username":    username,
			"custom_data": map[string]any{"x": []any{x, "fixed"}},
		}}
		got, err := ExpandTemplates(Permissions{pattern: {Actions: []string{"get"}}}, ctx)
		if err != nil {
			if !errors.Is(err, ErrIllegalTemplateValue) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Expansion never introduces a '*' the pattern did not have.
		for p := range got {
			if strings.Count(p, "*") > strings.Count(pattern, "*") {
				t.Fatalf("%q expanded to %q", pattern, p)
			}
		}
	})
}
