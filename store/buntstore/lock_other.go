//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package buntstore

import (
	"fmt"
	"os"
)

// lockFile creates path but cannot lock it: this platform has no flock(2)
// in the standard library. Do not open one file from two processes here.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("buntstore: %w", err)
	}
	return f, nil
}

func unlockFile(f *os.File) error { return f.Close() }
