package happn_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/happn-go/happn"
	"github.com/tidwall/gjson"
)

// rawConn is a bare websocket to the server: it sends and reads frames
// exactly as written, the way the happn-3 client's Primus does.
type rawConn struct {
	ws *websocket.Conn
}

func dialRaw(t testing.TB, url string) *rawConn {
	t.Helper()
	ws, _, err := websocket.Dial(ctxT(t), strings.Replace(url, "http", "ws", 1)+"/primus?_primuscb=test", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return &rawConn{ws: ws}
}

func (r *rawConn) send(t testing.TB, frame string) {
	t.Helper()
	if err := r.ws.Write(ctxT(t), websocket.MessageText, []byte(frame)); err != nil {
		t.Fatal(err)
	}
}

// read returns the next frame that is not a heartbeat.
func (r *rawConn) read(t testing.TB) string {
	t.Helper()
	for {
		ctx := ctxT(t)
		_, b, err := r.ws.Read(ctx)
		if err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		if !strings.HasPrefix(string(b), `"primus::ping::`) {
			return string(b)
		}
	}
}

func (r *rawConn) expect(t testing.TB, want string) string {
	t.Helper()
	got := r.read(t)
	if err := matchFrame(want, got); err != nil {
		t.Fatalf("frame mismatch: %v\n got: %s\nwant: %s", err, got, want)
	}
	return got
}

// handshake does what a happn-3 client does first.
func (r *rawConn) handshake(t testing.TB) {
	t.Helper()
	r.send(t, `{"action":"configure-session","eventId":1,"data":{"protocol":"happn_4","version":"13.12.1","browser":false}}`)
	r.expect(t, `{"data":null,"_meta":{"type":"response","status":"ok","published":false,"eventId":1,"action":"configure-session"},"protocol":"happn_4"}`)
	r.send(t, `{"action":"describe","eventId":2,"data":null}`)
	r.read(t)
	r.send(t, `{"action":"login","eventId":3,"data":{"info":{},"protocol":"happn_4"}}`)
	r.read(t)
}

// matchFrame compares a frame with an expected one: the same JSON
// structure, key order aside; "<ANY>" in the expectation matches any value.
func matchFrame(want, got string) error {
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return fmt.Errorf("expected frame is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return fmt.Errorf("frame is not JSON: %v", err)
	}
	return matchValue("$", w, g)
}

func matchValue(at string, want, got any) error {
	if s, ok := want.(string); ok && s == "<ANY>" {
		if got == nil {
			return fmt.Errorf("%s: missing or null", at)
		}
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", at, got)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s: unexpected key %q", at, k)
			}
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: missing key %q", at, k)
			}
			if err := matchValue(at+"."+k, w[k], gv); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want an array of %d, got %v", at, len(w), got)
		}
		for i := range w {
			if err := matchValue(fmt.Sprintf("%s[%d]", at, i), w[i], g[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s: want %v, got %v", at, want, got)
	}
	return nil
}

var refPlaceholder = regexp.MustCompile(`<REF (c\d+) (\d+)>`)

// runGolden replays a golden file (see testdata/golden/insecure.txt for
// the format) against a server.
func runGolden(t *testing.T, file, url string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conns := map[string]*rawConn{}
	conn := func(name string) *rawConn {
		if conns[name] == nil {
			conns[name] = dialRaw(t, url)
		}
		return conns[name]
	}
	refs := map[string]string{} // "c2 4" -> subscription reference
	remember := func(name, frame string) {
		meta := gjson.Get(frame, "_meta")
		if meta.Get("action").Str != "on" {
			return
		}
		ref := gjson.Get(frame, "data.id").String()
		if ref == "" {
			ref = meta.Get("referenceId").String()
		}
		refs[name+" "+meta.Get("eventId").Raw] = ref
	}
	type pending struct{ conn, frame string }
	var group []pending
	flush := func() {
		for len(group) > 0 {
			c := group[0].conn
			got := conn(c).read(t)
			found := -1
			var errs []string
			for i, p := range group {
				if p.conn != c {
					continue
				}
				if err := matchFrame(p.frame, got); err != nil {
					errs = append(errs, err.Error())
					continue
				}
				found = i
				break
			}
			if found < 0 {
				t.Fatalf("%s: frame matches no expectation of its group:\n got: %s\n%s", c, got, strings.Join(errs, "\n"))
			}
			group = append(group[:found], group[found+1:]...)
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		head, frame, ok := strings.Cut(text, " ")
		if !ok {
			t.Fatalf("%s:%d: bad line", file, line)
		}
		switch {
		case strings.HasSuffix(head, "<~"):
			group = append(group, pending{strings.TrimSuffix(head, "<~"), frame})
		case strings.HasSuffix(head, "<"):
			flush()
			name := strings.TrimSuffix(head, "<")
			got := conn(name).read(t)
			if err := matchFrame(frame, got); err != nil {
				t.Fatalf("%s:%d: %v\n got: %s\nwant: %s", file, line, err, got, frame)
			}
			remember(name, got)
		case strings.HasSuffix(head, ">"):
			flush()
			frame = refPlaceholder.ReplaceAllStringFunc(frame, func(m string) string {
				sub := refPlaceholder.FindStringSubmatch(m)
				return refs[sub[1]+" "+sub[2]]
			})
			conn(strings.TrimSuffix(head, ">")).send(t, frame)
		default:
			t.Fatalf("%s:%d: bad line head %q", file, line, head)
		}
	}
	flush()
}

// TestGoldenFrames replays exchanges captured from the real happn-3 and
// checks our frames field by field (ids and timestamps aside).
func TestGoldenFrames(t *testing.T) {
	for _, file := range []string{"testdata/golden/insecure.txt", "testdata/golden/raw.txt"} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(file, "testdata/golden/"), ".txt"), func(t *testing.T) {
			_, url := testServer(t, happn.Config{})
			runGolden(t, file, url)
		})
	}
}

// TestHeartbeat checks the Primus heartbeat: a happn_4 session is pinged
// every PingInterval, and one that stops answering is dropped.
func TestHeartbeat(t *testing.T) {
	_, url := testServer(t, happn.Config{PingInterval: 50 * time.Millisecond})
	r := dialRaw(t, url)
	r.send(t, `{"action":"configure-session","eventId":1,"data":{"protocol":"happn_4","version":"13.12.1","browser":false}}`)
	for i := 0; i < 3; {
		_, b, err := r.ws.Read(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`^"primus::ping::(\d+)"$`).FindSubmatch(b); m != nil {
			r.send(t, `"primus::pong::`+string(m[1])+`"`)
			i++
		}
	}
	// Stop answering: the server must close the connection.
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, _, err := r.ws.Read(ctxT(t))
		if err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an unresponsive client was not dropped")
		}
	}
}
