package protocol

import "testing"

// Frames of the local client's sequential get, as they cross the pipe.
var (
	benchGetRequest  = []byte(`{"action":"get","eventId":1234,"path":"/bench/get","data":null,"sessionId":"0c1f5c3e-8a52-4f8e-9a53-7d1f0d8f2b11"}`)
	benchGetResponse = []byte(`{"data":{"a":1,"b":"x"},"_meta":{"created":1764117483123,"modified":1764117483123,"path":"/bench/get","type":"response","status":"ok","published":false,"eventId":1234,"sessionId":"0c1f5c3e-8a52-4f8e-9a53-7d1f0d8f2b11","action":"get"},"protocol":"happn_4"}`)
)

// BenchmarkDecodeRequest measures the server's decoding of a get.
func BenchmarkDecodeRequest(b *testing.B) {
	for b.Loop() {
		if _, err := DecodeRequest(benchGetRequest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendResponse measures the encoding of a get's answer.
func BenchmarkAppendResponse(b *testing.B) {
	r := Response{Protocol: ProtocolHappn4, Action: ActionGet, EventID: []byte("1234"), SessionID: "0c1f5c3e-8a52-4f8e-9a53-7d1f0d8f2b11"}
	m := ResponseMeta{Item: ItemMeta{Path: "/bench/get", Created: 1764117483123, Modified: 1764117483123}, HasItem: true}
	data := []byte(`{"a":1,"b":"x"}`)
	buf := make([]byte, 0, 512)
	for b.Loop() {
		buf = AppendResponse(buf[:0], &r, data, &m)
	}
}

// BenchmarkMembers measures a client's scan of a get's answer: the
// top-level members, then those of _meta.
func BenchmarkMembers(b *testing.B) {
	for b.Loop() {
		n := 0
		Members(benchGetResponse, func(k, v []byte) bool {
			if string(k) == "_meta" {
				Members(v, func(_, _ []byte) bool { n++; return true })
			}
			return true
		})
		if n != 9 {
			b.Fatalf("%d members in _meta, want 9", n)
		}
	}
}
