package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
)

// importHappn3 imports happn-3 data files (comma-separated) into srv's
// store and security directory (package happn3file), logging what it
// wrote and what it skipped.
func importHappn3(ctx context.Context, srv *happn.Server, files string, logger *slog.Logger) error {
	for _, name := range strings.Split(files, ",") {
		f, err := happn3file.ReadFile(name)
		if err != nil {
			return err
		}
		for _, why := range f.Skipped {
			logger.Warn("happn-3 file: line skipped", "file", name, "why", why)
		}
		st, err := happn3file.Import(ctx, f.Records, srv.Store(), srv.Security())
		if err != nil {
			return fmt.Errorf("importing %s: %w", name, err)
		}
		for _, why := range st.Skipped {
			logger.Info("happn-3 record not imported", "file", name, "record", why)
		}
		logger.Info("imported happn-3 data file", "file", name, "format", string(f.Format),
			"documents", st.Documents, "users", st.Users, "groups", st.Groups, "memberships", st.Links,
			"permissions", st.Permissions, "lookupTables", st.LookupTables, "lookupPermissions", st.LookupPermissions)
	}
	return nil
}
