package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

func TestSpread(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want string
	}{
		{[]time.Duration{3 * ms}, "     3.0 ms (3.0–3.0)"},
		{[]time.Duration{5 * ms, 1 * ms, 3 * ms}, "     3.0 ms (1.0–5.0)"},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 9 * ms}, "     3.0 ms (1.0–9.0)"},
	}
	for _, tt := range tests {
		if got := spread(tt.in); got != tt.want {
			t.Errorf("spread(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOpenCase runs the open case on a real data file and checks that it
// leaves the file as it was (it must work on a copy).
func TestOpenCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "happn.db")
	srv, err := happn.New(happn.Config{DataPath: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := srv.LocalClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, err := c.Set(ctx, "/restart/"+strconv.Itoa(i), payload); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	if err := openCase(path, 2, filepath.Join(t.TempDir(), "cpu.pprof")); err != nil {
		t.Fatalf("openCase: %v", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("openCase changed the data file it was given")
	}

	for _, bad := range []string{"", filepath.Join(t.TempDir(), "missing.db")} {
		if err := openCase(bad, 1, ""); err == nil {
			t.Errorf("openCase(%q) succeeded, want an error", bad)
		}
	}
}
