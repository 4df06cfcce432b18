package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/happn-go/happn"
)

// writeConfig writes a config file with text into a temporary folder and
// returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "happn.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readConfig loads the config file at path as the command does and
// returns both forms of it.
func readConfig(t *testing.T, path string) (fileConfig, happn.Config) {
	t.Helper()
	fc, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := fc.config(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return fc, cfg
}
