package browserclient_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/happn-go/happn/browserclient"
)

// Mount the client where pages expect it; a page then loads it with
// <script src="/browser_client"></script> and calls HappnClient.create().
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle(browserclient.Path, browserclient.Handler())

	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + browserclient.Path)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	// Output: 200 application/javascript; charset=utf-8 no-cache
}
