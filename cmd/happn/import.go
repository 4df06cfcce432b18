package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
)

// importHappn3 imports happn-3 data (comma-separated sources) into srv's
// store and security directory (package happn3file), logging what it
// wrote and what it skipped. A source is a data file, or the URL of a
// running happn-3 server to read as its _ADMIN (the password in the URL
// or in $HAPPN3_PASSWORD).
func importHappn3(ctx context.Context, srv *happn.Server, sources string, logger *slog.Logger) error {
	for _, src := range strings.Split(sources, ",") {
		recs, label, err := readHappn3(ctx, src, logger)
		if err != nil {
			return err
		}
		st, err := happn3file.Import(ctx, recs, srv.Store(), srv.Security())
		if err != nil {
			return fmt.Errorf("importing %s: %w", label, err)
		}
		for _, why := range st.Skipped {
			logger.Info("happn-3 record not imported", "from", label, "record", why)
		}
		logger.Info("imported happn-3 data", "from", label,
			"documents", st.Documents, "users", st.Users, "groups", st.Groups, "memberships", st.Links,
			"permissions", st.Permissions, "lookupTables", st.LookupTables, "lookupPermissions", st.LookupPermissions)
	}
	return nil
}

// readHappn3 reads one source: a file, or a server's URL. label names it
// without a password.
func readHappn3(ctx context.Context, src string, logger *slog.Logger) (recs []happn3file.Record, label string, err error) {
	u, err := url.Parse(src)
	if err != nil || !strings.Contains(src, "://") {
		f, err := happn3file.ReadFile(src)
		if err != nil {
			return nil, src, err
		}
		for _, why := range f.Skipped {
			logger.Warn("happn-3 file: line skipped", "file", src, "why", why)
		}
		return f.Records, src + " (" + string(f.Format) + ")", nil
	}
	username, password := "_ADMIN", os.Getenv("HAPPN3_PASSWORD")
	if u.User != nil {
		username = u.User.Username()
		if p, ok := u.User.Password(); ok {
			password = p
		}
		u.User = nil
	}
	label = u.String()
	c, err := happn.Dial(ctx, label, happn.WithCredentials(username, password), happn.WithoutReconnect())
	if err != nil {
		return nil, label, fmt.Errorf("connecting to %s as %s: %w", label, username, err)
	}
	defer c.Close()
	recs, err = happn3file.Fetch(ctx, c)
	return recs, label, err
}
