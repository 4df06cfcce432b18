package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeRequest(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"action":"set","eventId":15,"path":"/test/a","data":{"x":5},"sessionId":"s1",` +
		`"options":{"merge":true,"consistency":3,"meta":{"custom":"m"},"targetClients":["a","b"],"timeout":60000,` +
		`"criteria":{"n":1},"options":{"sort":{"n":-1},"limit":5,"skip":2,"fields":{"n":1},"path_only":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	o := req.Options
	if req.Action != ActionSet || string(req.EventID) != "15" || req.Path != "/test/a" || string(req.Data) != `{"x":5}` ||
		req.SessionID != "s1" || !o.Merge || !o.HasConsistency || o.Consistency != 3 || string(o.Meta) != `{"custom":"m"}` ||
		strings.Join(o.TargetClients, ",") != "a,b" || string(o.Criteria) != `{"n":1}` || string(o.Sort) != `{"n":-1}` ||
		o.Limit != 5 || o.Skip != 2 || string(o.Fields) != `{"n":1}` || !o.PathOnly {
		t.Fatalf("decoded %+v", req)
	}
	for _, bad := range []string{`{not json`, `[1,2]`, `"primus::ping::1"`, `{"action":5}`, `{"path":{}}`, `{"options":3}`,
		strings.Repeat("[", 300) + strings.Repeat("]", 300)} {
		if _, err := DecodeRequest([]byte(bad)); err == nil {
			t.Errorf("DecodeRequest(%.40q) succeeded", bad)
		}
	}
}

// TestDecodeCopiesNothing: decoding shares the frame's memory, so a
// request costs next to no allocation.
func TestDecodeCopiesNothing(t *testing.T) {
	frame := []byte(`{"action":"set","eventId":1,"path":"/a","data":{"x":1},"sessionId":"s","options":{"merge":true,"timeout":60000}}`)
	allocs := testing.AllocsPerRun(100, func() {
		req, err := DecodeRequest(frame)
		if err != nil || req.Path != "/a" || string(req.Data) != `{"x":1}` {
			t.Fatalf("%+v %v", req, err)
		}
	})
	if allocs > 0 {
		t.Fatalf("DecodeRequest allocates %v times per request", allocs)
	}
}

func TestAppendStringRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", "a plain string longer than one word", "0123456\x7f89abcdefg\x1fh", "01234567\"", "0123456789abcd\\", "0123456789é", `quote " and \ backslash`, "ctl \x00\x01\x1f\t\n\r", "é 日本 \u2028\u2029", "bad \xff utf8"} {
		b := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: %v", s, b, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if back != want {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
		if strings.ContainsRune(string(b), '\u2028') || strings.ContainsRune(string(b), '\u2029') {
			t.Fatalf("AppendString(%q) left a raw line separator", s)
		}
	}
}

func TestParseControl(t *testing.T) {
	tests := []struct {
		frame string
		kind  ControlKind
		stamp string
	}{
		{`"primus::ping::1795633920956"`, ControlPing, "1795633920956"},
		{`"primus::pong::42"`, ControlPong, "42"},
		{`"primus::server::close"`, ControlServerClose, ""},
		{`"primus::id::"`, ControlID, ""},
		{`"something else"`, ControlOther, ""},
		{`{"action":"get"}`, NotControl, ""},
	}
	for _, tt := range tests {
		kind, stamp := ParseControl([]byte(tt.frame))
		if kind != tt.kind || string(stamp) != tt.stamp {
			t.Errorf("ParseControl(%s) = %v %q", tt.frame, kind, stamp)
		}
	}
	if string(Ping(7)) != `"primus::ping::7"` || string(Pong([]byte("7"))) != `"primus::pong::7"` {
		t.Fatal("Ping/Pong frames")
	}
}

func TestPublicationFrame(t *testing.T) {
	p := Publication{Action: "/SET@/a", SessionID: "s", Consistency: 2, PublicationID: "s-1", Path: "/a", Created: 1, Modified: 2,
		Meta: []byte(`{"custom":"m","path":"forged","channel":"forged"}`), Data: []byte(`{"x":1}`)}
	frame := AppendSuffix(p.AppendPrefix(nil), "/ALL@/*", 3, ProtocolHappn4)
	var got map[string]any
	if err := json.Unmarshal(frame, &got); err != nil {
		t.Fatalf("%s: %v", frame, err)
	}
	meta := got["_meta"].(map[string]any)
	if meta["path"] != "/a" || meta["channel"] != "/ALL@/*" || meta["custom"] != "m" || meta["depth"] != 3.0 || got["protocol"] != ProtocolHappn4 {
		t.Fatalf("frame %s", frame)
	}
	if strings.Count(string(frame), `"path"`) != 1 || strings.Count(string(frame), `"channel"`) != 1 {
		t.Fatalf("reserved keys duplicated: %s", frame)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"action":"set","eventId":1,"path":"/a","data":{"x":1},"options":{"merge":true}}`))
	f.Add([]byte(`{"action":"get","eventId":2,"path":"/a/*","options":{"criteria":{"n":{"$gt":1}},"options":{"limit":1}}}`))
	f.Add([]byte(`{"action":"on","eventId":3,"path":"/ALL@/a/**","options":{"depth":3,"event_type":"all"}}`))
	f.Add([]byte(`{"action":"off","eventId":4,"path":"*","options":{"referenceId":0}}`))
	f.Add([]byte(`"primus::pong::1"`))
	f.Add([]byte(`{"encrypted":true}`))
	f.Add([]byte(`{"action":"set","eventId":5,"path":"/t","data":{},"options":{"ttl":1000,"noCluster":true}}`))
	f.Add([]byte(`{"action":"get","eventId":6,"path":"/a/*","options":{"aggregate":[{"$group":{}}],"options":{"collation":{"locale":"en"}}}}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		req, err := DecodeRequest(frame)
		if err != nil {
			return
		}
		// Whatever decodes must be safe to echo back.
		r := Response{Protocol: ProtocolHappn4, Action: req.Action, EventID: req.EventID, SessionID: req.SessionID}
		out := AppendResponse(nil, &r, req.Data, &ResponseMeta{Path: req.Path})
		if !json.Valid(out) {
			t.Fatalf("response to %q is not JSON: %s", frame, out)
		}
		out = AppendError(nil, &r, &Error{Name: "Error", Message: req.Path})
		if !json.Valid(out) {
			t.Fatalf("error response to %q is not JSON: %s", frame, out)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	f.Add("plain")
	f.Add("\u2028\"\\\x00\xff")
	f.Add("0c1f5c3e-8a52-4f8e-9a53-7d1f0d8f2b11 \"quoted\" and a longer tail: é")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(AppendString(nil, s), &back); err != nil {
			t.Fatalf("AppendString(%q): %v", s, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("round trip of %q gave %q", s, back)
		}
	})
}

// TestDecodeNewOptions: ttl, noCluster, aggregate and collation are read
// where the server looks for them.
func TestDecodeNewOptions(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"action":"set","eventId":1,"path":"/t","data":{},"options":{"ttl":1500,"noCluster":true}}`))
	if err != nil || string(req.Options.TTL) != "1500" || !req.Options.NoCluster {
		t.Fatalf("set options: %+v, %v", req.Options, err)
	}
	for _, frame := range []string{
		`{"action":"get","eventId":1,"path":"/a/*","options":{"aggregate":[]}}`,
		`{"action":"get","eventId":1,"path":"/a/*","options":{"options":{"aggregate":[]}}}`,
	} {
		req, err := DecodeRequest([]byte(frame))
		if err != nil || req.Options.Unsupported != "aggregate" {
			t.Errorf("%s: Unsupported %q, %v", frame, req.Options.Unsupported, err)
		}
	}
	req, _ = DecodeRequest([]byte(`{"action":"get","eventId":1,"path":"/a/*","options":{"collation":null}}`))
	if req.Options.Unsupported != "" {
		t.Errorf("a null collation counts as one: %q", req.Options.Unsupported)
	}
}
