// Package query evaluates happn's mongo-style search criteria, sort orders
// and field projections directly over raw JSON, without decoding documents
// into Go maps.
//
// A get with options {criteria, options:{sort, fields}} arrives as JSON. The
// server compiles each part once (Compile, CompileSort, CompileFields) and
// then runs the compiled form over every scanned store.Item. Compiled values
// are immutable and safe for concurrent use by many goroutines.
//
// Field names follow happn-3 (SPEC §6): users write {"name":"simon"} and mean
// the data field name; "_meta.created", "path", "_id" and friends address the
// item's metadata; "data.x" and "_data.x" are explicit spellings of data field
// x. CompileDocument skips that mapping, for filtering plain JSON documents
// such as session profiles.
//
// happn-3 13.x's store, LokiJS, adds operators its users have in their
// criteria; $containsAny, $contains, $containsNone and $between work as
// LokiJS's (containment in the whole value: substrings of a string,
// elements of an array, member names of an object).
//
// Matching follows MongoDB's rules where happn-3's users rely on them:
// implicit equality, a value matching an element of an array field, dotted
// paths that fan out over arrays of objects ("friends.first"), comparisons
// only between values of the same type, and several operators on one field
// all applying (happn-3 keeps only the first; see docs/happn3-differences.md).
// $regex uses Go's RE2 syntax, so JavaScript look-arounds and back-references
// are rejected when compiled. $where is never supported.
//
// Every error from the Compile functions wraps ErrInvalid and carries a
// message fit to send back to the client.
//
// Speed: a search runs MatchItem over every scanned item, so matching
// neither parses documents nor allocates. A small scanner (scan.go) finds
// the members criteria name by stepping over the text of the others, and
// most tests run on a value's raw text (rawcond.go): integers compare
// without strconv, strings without copying. Whatever the scanner cannot
// settle (an escaped member name, malformed text, arrays to fan out over)
// goes through gjson, as everything once did, so both paths give the same
// answers; FuzzScan holds them to it. Sort.SortItems reads each item's
// sort values once instead of on every comparison.
package query
