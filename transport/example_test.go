package transport_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"
	"github.com/happn-go/happn/transport"
)

// A Websocket hands each client to a function as a Conn; this one
// answers every frame with the same frame. The server package runs its
// sessions this way.
func ExampleWebsocket() {
	ws := &transport.Websocket{MaxMessageSize: 1 << 20}
	srv := httptest.NewServer(ws.Handler(func(c transport.Conn) {
		for {
			frame, err := c.Read(context.Background())
			if err != nil {
				return
			}
			c.Send(frame)
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + transport.Path
	client, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close(websocket.StatusNormalClosure, "")
	client.Write(ctx, websocket.MessageText, []byte(`"primus::ping::1"`))
	_, echo, _ := client.Read(ctx)
	fmt.Println(string(echo))
	// Output: "primus::ping::1"
}
