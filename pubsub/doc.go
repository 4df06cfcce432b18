// Package pubsub holds happn's subscription index, which subscriptions an
// event on a path reaches, and the Broker interface that carries events
// between the servers of a cluster (Hub links servers in one process;
// package natsbroker, a module of its own, links them over NATS).
//
// Subscriptions use the third of happn's wildcard dialects (data reads and
// permissions use the other two, in package internal/wildcard). The rules
// follow happn-3's tame-search index (happn-3 ≥ 8):
//
//   - A path is split on '/'. One leading '/' is dropped, so "a/b" and "/a/b"
//     are the same topic. Every other '/' separates segments, so "/a//b" has
//     the three segments "a", "", "b", a trailing '/' adds an empty last
//     segment, and "" and "/" are both the single empty segment. Empty
//     segments are ordinary segments: a '*' matches them.
//   - In a pattern, a segment that is exactly "*" matches any one segment
//     (an empty one, or the literal "*" of a wildcard-remove event, included).
//     A pattern matches only paths with the same number of segments. A '*'
//     inside a segment ("/a/b*") is literal text.
//   - A pattern ending in "/**" (or the bare pattern "**") has variable depth:
//     "/p/**" matches "/p" followed by 1 to depth more segments of any
//     content. A "**" anywhere else is a literal segment.
//   - The pattern "*" alone, exactly (happn's onAll, channel "/ALL@*"), matches
//     every event whatever its path and action, even in a Set or Remove
//     subscription. "/*" is not onAll: it is the one-segment wildcard.
//   - An event has the action Set or Remove. An All subscription receives
//     both; a Set subscription only sets; a Remove subscription only removes.
//   - An event path is literal. A wildcard remove publishes one event whose
//     path is the wildcard pattern ("/a/*"); its '*' segment is text that only
//     a pattern's "*" segment matches, so that event reaches subscribers of
//     "/a/*", "/*/*" and "/a/**" but not of "/a/b".
//
// Two corner cases differ from happn-3 on purpose: a "/**" subscription with
// depth 0 gets DefaultDepth (happn-3 would expand it into nothing, so it
// never fired), and only a final "/**" is variable (happn-3 textually
// replaces the first "/**" of such a pattern, so "/a/**/b/**" made it expand
// the middle one too).
//
// Index is a segment trie in the style of the NATS server's sublist: each
// node has a map of literal children, one '*' child, the subscriptions whose
// pattern ends there and the variable-depth subscriptions whose "/**" starts
// there (stored once with their depth, not expanded into depth patterns).
// Matching a path therefore costs O(segments × wildcard branches), not
// O(subscriptions), and does not allocate.
package pubsub
