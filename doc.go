// Package happn is an embeddable happn server and client: a small
// database of JSON documents on slash paths combined with
// publish/subscribe, wire-compatible with happn-3.
//
// # Data model
//
// A document lives at a path such as "/factory/line-2/sensor-7". It is
// always a JSON object: a string, number, boolean, array or null given to
// Set is stored wrapped, as {"value": x}. Every document carries metadata
// — its path, when it was created and last modified (Unix milliseconds),
// and on secure servers who modified it. Paths are stored verbatim, so
// "a/b" and "/a/b" are two documents. Set replaces a document (Merge
// merges shallowly), Remove deletes, and every Set and Remove publishes
// an event. A document set with the TTL option expires: the server
// removes it after that long and publishes its remove event.
//
// # Three wildcard dialects
//
// happn gives '*' three meanings, and this package keeps all three:
//
//   - Reading and removing (Search, GetPaths, Count, Remove): '*'
//     matches any run of characters, '/' included, and may be part of a
//     segment: "/a/*" matches "/a/b/c", "/a/b*" matches "/a/bc".
//     Case-sensitive.
//   - Subscribing (On): '*' is exactly one whole segment, so "/a/*"
//     hears "/a/b" but not "/a/b/c"; a trailing "/**" spans one to Depth
//     segments (default 5); "*" alone hears everything.
//   - Permissions (secure servers): '*' crosses '/' as in reading, but
//     matching ignores case.
//
// # Events and consistency
//
// A subscriber's handler gets the event data and its meta: the path, the
// channel it subscribed on ("/SET@/a/*"), the action, the publisher's
// session and any custom meta. By default (Transactional) a Set returns
// only after the event has been queued for every subscriber; Queued and
// Deferred return first; Acknowledged returns first and later tells the
// publisher how many subscribers acknowledged. Events for one path reach
// each subscriber in the order the writes were committed. As in happn-3,
// a Remove of a pattern ("/a/*") publishes one event whose path is the
// pattern: it reaches the subscriptions that match the pattern as a path
// ("/a/*", "/a/**", "*"), not those of the single paths it removed. Such
// a remove holds every writer back from its delete to its event, so a
// subscriber that applies the events it gets in order ends with what is
// stored: the event of a set the remove undid never comes after the
// remove's. A subscription with initial values (InitialCallback,
// InitialEmit) gets them before any event published after it was made:
// the session's events wait while the values are read.
//
// Servers can share their events through a pubsub.Broker
// (Config.Broker; pubsub.Hub links servers in one process): each server
// delivers its own events to its own subscribers first, then hands them
// to the broker, and delivers the other servers' events to its
// subscribers. Across servers, delivery is asynchronous and
// acknowledgements are counted on the publisher's server only; the
// order of one path's events holds for the writes made on one server,
// not between writes to that path made on different servers. Sharing
// events does not share data: servers that share a broker should share a
// Store too; secure ones then tell each other, through the broker, to
// reload the security data one of them changed.
//
// # Clients
//
// Dial connects over a websocket (to this server or to a happn-3 one);
// Server.LocalClient connects in process through a channel-backed
// pseudo-socket. Both are the same Client type and both go through the
// same server pipeline: layers, decoding, authorization, action.
//
// # Concurrency
//
// Server and Client are safe for concurrent use. The server handles each
// connection's requests in order on that connection's goroutine, and
// different connections in parallel. A client calls its event handlers
// one at a time on its own goroutine. A client that stops reading cannot
// stall the server: its outbound queue is bounded (Config.QueueLimit) and
// Config.SlowConsumer decides what happens when it is full. Wildcard reads
// and searches do not hold a lock that stops writers for their whole
// length. A search is not a snapshot: it sees each item as it was when it
// read that item, and writes committed while it runs may or may not be in
// its answer.
//
// # Searches and indexes
//
// When the store can (both stores of this module can: store.Indexer and
// store.RangeIndexer), a search whose criteria require a top-level field
// to equal a value ({"grp": "g7"}) or to lie in a numeric range
// ({"n": {"$gte": 10, "$lt": 20}}) reads the paths of the candidate items
// from an in-memory index of that field instead of reading every item
// under the pattern, then applies the whole criteria to those items. The
// index of a field is built by the first search that needs it and kept
// current by every write; nothing about it needs configuring, and answers
// are the same with or without it.
package happn
