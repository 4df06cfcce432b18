// Package happn3file moves a happn-3 server's data to a happn server: it
// reads the data file happn-3 persists and writes its documents and its
// security directory into a happn store.
//
// happn-3 12.x keeps its data in a nedb file, 13.x in a loki file (a
// snapshot line followed by one line per write); Read tells them apart and
// returns the documents the file holds, replaying a loki file's writes as
// happn-3 does when it starts. Import then writes them: the documents as
// they are, with their paths and times, and happn-3's users, groups,
// permissions, memberships and lookup tables through the security
// service, so that the same users log in with the same passwords and are
// allowed the same requests.
//
//	f, err := happn3file.ReadFile("/var/happn/data.db")
//	...
//	stats, err := happn3file.Import(ctx, f.Records, srv.Store(), srv.Security())
//
// Fetch reads the same from a running happn-3 server, over its own protocol,
// as its _ADMIN. The way back is Documents and Write: a data file a
// happn-3 server starts on. cmd/happn runs them with -import-happn3. The tests check the result
// against files a real happn-3 server (13.12.1 and 12.1.10) wrote, and
// against what that server answered for the same reads and logins.
package happn3file
