package query

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestProjectionApply(t *testing.T) {
	doc := `{"name":"Jim","age":40,"address":{"city":"Durban","zip":"4001"},"friends":[{"first":"A","last":"B"},"x",{"last":"C"}],"tags":["a","b"]}`
	tests := []struct{ fields, want string }{
		{`{"name":1}`, `{"name":"Jim"}`},
		{`{"name":true,"age":1}`, `{"name":"Jim","age":40}`},
		{`{"data.name":1}`, `{"name":"Jim"}`},
		{`{"_data.age":1}`, `{"age":40}`},
		{`{"name":1,"_meta":1,"_id":0,"path":1}`, `{"name":"Jim"}`},
		{`{"missing":1}`, `{}`},
		{`{"address.city":1}`, `{"address":{"city":"Durban"}}`},
		{`{"address.nothing":1}`, `{"address":{}}`},
		{`{"name.x":1}`, `{}`},
		{`{"friends.first":1}`, `{"friends":[{"first":"A"},{}]}`},
		{`{"tags":1}`, `{"tags":["a","b"]}`},
		{`{"name":0}`, `{"age":40,"address":{"city":"Durban","zip":"4001"},"friends":[{"first":"A","last":"B"},"x",{"last":"C"}],"tags":["a","b"]}`},
		{`{"address.zip":0,"friends.last":false,"age":0,"tags":0}`, `{"name":"Jim","address":{"city":"Durban"},"friends":[{"first":"A"},"x",{}]}`},
		{`{"name.x":0,"age":0,"address":0,"friends":0,"tags":0}`, `{"name":"Jim"}`},
		{`{"_meta":1}`, `{}`},
		{`{"name":1,"name":1}`, `{"name":"Jim"}`},
	}
	for _, tt := range tests {
		p, err := CompileFields([]byte(tt.fields))
		if err != nil {
			t.Errorf("CompileFields(%s): %v", tt.fields, err)
			continue
		}
		got := p.Apply([]byte(doc))
		if string(got) != tt.want {
			t.Errorf("%s: got %s, want %s", tt.fields, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("%s: invalid JSON %s", tt.fields, got)
		}
	}
}

func TestProjectionKeepsWhole(t *testing.T) {
	doc := []byte(`{"a":1}`)
	for _, fields := range []string{`{}`, `{"_id":0}`, `{"_meta.created":false}`} {
		p, err := CompileFields([]byte(fields))
		if err != nil {
			t.Fatalf("CompileFields(%s): %v", fields, err)
		}
		if got := p.Apply(doc); string(got) != string(doc) {
			t.Errorf("%s: got %s, want %s", fields, got, doc)
		}
	}
}

func TestCompileFieldsErrors(t *testing.T) {
	tests := []struct{ fields, wantMsg string }{
		{`1`, "fields must be a JSON object"},
		{`{"a":1,"b":0}`, `fields cannot mix inclusion ("a") and exclusion ("b")`},
		{`{"a":"yes"}`, `fields: "a" must be 1 or 0`},
		{`{"a":{"$slice":1}}`, `fields: "a" must be 1 or 0`},
		{`{"a":1,"a.b":1}`, `fields: "a.b" collides`},
		{`{"a.b":1,"a":1}`, `fields: "a" collides`},
	}
	for _, tt := range tests {
		_, err := CompileFields([]byte(tt.fields))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("CompileFields(%s) error %v, want ErrInvalid containing %q", tt.fields, err, tt.wantMsg)
		}
	}
}
