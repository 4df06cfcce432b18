// Package browserclient serves happn-go's own browser client, the JavaScript
// file that pages load from GET /browser_client (the URL happn-3 uses for its
// browser client, so existing pages keep working).
//
// The client (happn-client.js, embedded into the binary with go:embed) has no
// dependencies: it speaks happn_4 over the browser's WebSocket, doing Primus'
// JSON framing and heartbeat itself, and exposes window.HappnClient with
// happn-3's API (create, set, get, on, off, ...). Its own comment block is the
// user documentation; compat/browser/run.js drives it in headless Chromium.
//
// PrimusHandler serves primus.js at /browser_primus.js and /primus/primus.js:
// happn-3's own browser client fetches the Primus library from there on the
// server it connects to. It is not the Primus library but our implementation
// of the part of Primus' client API and protocol that client uses (open,
// write, end, destroy, the events it listens to, heartbeats, reconnect with
// backoff); CryptoHandler serves crypto.js at /browser_crypto.js, the
// synchronous RSA-SHA256 signer that client uses for key-pair logins.
// compat/browser/happn3-client.js tests happn-3's client with both.
//
// Caching: Handler answers with a strong ETag (a hash of the file) and
// Cache-Control: no-cache. Browsers may keep the file but must revalidate it on
// every page load; while it is unchanged that costs one request and a 304 with
// no body. The URL is fixed (it carries no version), so a longer max-age would
// let a browser keep running an old client against an upgraded server; with
// no-cache a server upgrade reaches every page on its next load.
package browserclient
