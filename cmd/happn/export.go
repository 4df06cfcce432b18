package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/happn3file"
)

// exportHappn3 writes srv's documents as a happn-3 data file (format
// "loki" for 13.x, "nedb" for 12.x) at name: the way back.
func exportHappn3(ctx context.Context, srv *happn.Server, name, format string, logger *slog.Logger) error {
	recs, err := happn3file.Documents(ctx, srv.Store())
	if err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("exporting (the file must not exist yet): %w", err)
	}
	if err := happn3file.Write(f, happn3file.Format(format), recs); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	logger.Info("exported documents as a happn-3 data file", "file", name, "format", format, "documents", len(recs))
	return nil
}
