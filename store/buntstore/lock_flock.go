//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package buntstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// lockFile takes an exclusive flock(2) on path, creating it if needed, and
// writes this process's id into it for the error a second Open reports.
// flock locks belong to the open file, so a second Open in the same process
// is refused too, and the kernel drops the lock when the process dies, so
// a crash never leaves a stale lock behind.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("buntstore: %w", err)
	}
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("buntstore: %w", err)
	}
	var lockErr error
	if err := raw.Control(func(fd uintptr) {
		lockErr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
	}); err != nil {
		lockErr = err
	}
	if lockErr != nil {
		holder := make([]byte, 32)
		n, _ := f.ReadAt(holder, 0)
		_ = f.Close()
		if errors.Is(lockErr, syscall.EWOULDBLOCK) {
			if pid := bytes.TrimSpace(holder[:n]); len(pid) > 0 {
				return nil, fmt.Errorf("%w: %s is held by process %s", ErrLocked, path, pid)
			}
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("buntstore: lock %s: %w", path, lockErr)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// unlockFile releases the lock. The lock file itself stays: removing it
// would let a third Open lock a new file while a second one waits on the
// old.
func unlockFile(f *os.File) error { return f.Close() }
