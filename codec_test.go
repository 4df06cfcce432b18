package happn_test

import (
	"strings"
	"testing"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/internal/protocol"
	"github.com/tidwall/gjson"
)

// markCodec is a second wire protocol for the test: happn_4 with every
// response and event wrapped in {"mark":true,"frame":…}.
type markCodec struct{ protocol.Codec }

func (markCodec) Name() string { return "test_mark" }

func (c markCodec) AppendResponse(b []byte, r protocol.Response, data []byte, m protocol.ResponseMeta) []byte {
	b = append(b, `{"mark":true,"frame":`...)
	return append(c.Codec.AppendResponse(b, r, data, m), '}')
}

func (c markCodec) AppendPublicationPrefix(b []byte, p *protocol.Publication) []byte {
	return c.Codec.AppendPublicationPrefix(append(b, `{"mark":true,"frame":`...), p)
}

func (c markCodec) AppendPublicationSuffix(b []byte, channel string, depth int) []byte {
	return append(c.Codec.AppendPublicationSuffix(b, channel, depth), '}')
}

// TestAnotherProtocol shows the protocol seam: a codec registered under a
// name is chosen by configure-session and encodes that session's
// responses and events, while a happn_4 session on the same server sees
// happn_4 frames for the same event.
func TestAnotherProtocol(t *testing.T) {
	protocol.Register(markCodec{protocol.Happn4})
	srv, url := testServer(t, happn.Config{})
	ctx := ctxT(t)
	marked := dialRaw(t, url)
	marked.send(t, `{"action":"configure-session","eventId":1,"data":{"protocol":"test_mark","version":"1","browser":false}}`)
	if got := marked.read(t); !gjson.Get(got, "mark").Bool() || gjson.Get(got, "frame._meta.action").Str != "configure-session" {
		t.Fatalf("configure-session answered %s", got)
	}
	marked.send(t, `{"action":"on","eventId":2,"path":"/ALL@/codec/*","data":null,"options":{}}`)
	marked.read(t)
	plain := connectors[0].connect(t, srv, url)
	events := newEvents()
	plain.On(ctx, "/codec/*", events.handler)
	if _, err := plain.Set(ctx, "/codec/x", map[string]any{"v": 1}); err != nil {
		t.Fatal(err)
	}
	got := marked.read(t)
	if !gjson.Get(got, "mark").Bool() || gjson.Get(got, "frame._meta.channel").Str != "/ALL@/codec/*" || gjson.Get(got, "frame.data.v").Int() != 1 {
		t.Fatalf("event in the test protocol: %s", got)
	}
	if ev := events.next(t); strings.Contains(string(ev.Meta.Raw), "mark") || ev.Meta.Path != "/codec/x" {
		t.Fatalf("happn_4 event: %s", ev.Meta.Raw)
	}
	marked.send(t, `{"action":"configure-session","eventId":3,"data":{"protocol":"nope","version":"1"}}`)
	if got := marked.read(t); !strings.Contains(got, "unsupported protocol nope") {
		t.Fatalf("unknown protocol: %s", got)
	}
}
