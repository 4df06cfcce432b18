package buntstore

import (
	"os"
	"path/filepath"
	"time"

	"github.com/happn-go/happn/store"
)

// The file is compacted when it is larger than compactMinSize and more than
// twice its size after the previous compaction (buntdb's own defaults).
// Variables only so that a test can shrink them before Open.
var (
	compactMinSize    int64 = 32 << 20
	compactCheckEvery       = time.Second
)

// compactLoop compacts the file when it has grown enough, until Close.
func (s *Store) compactLoop(minSize int64, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		fi, err := os.Stat(s.path)
		if err != nil || fi.Size() < minSize || fi.Size() < 2*s.compactBase.Load() {
			continue
		}
		if err := s.Shrink(); err != nil && err != store.ErrClosed { //nolint:errorlint // our own sentinel
			s.log.Error("buntstore: compaction failed", "path", s.path, "err", err)
		}
	}
}

// Shrink compacts the file now: it rewrites the live records to a new file
// and renames it over the old one. Readers and writers keep going while the
// records are copied (buntdb copies 1,000 at a time under its read lock) and
// wait only for the final rename. The store calls it by itself as the file
// grows; calling it directly is for tools and tests.
func (s *Store) Shrink() error {
	s.shrinking.Lock()
	defer s.shrinking.Unlock()
	if s.closed.Load() {
		return store.ErrClosed
	}
	start := time.Now()
	before, _ := os.Stat(s.path)
	if err := s.db.Shrink(); err != nil {
		return s.fail(err)
	}
	// buntdb renames the new file into place without an fsync of the file
	// or of the directory; without these, power loss soon after a
	// compaction could leave an empty or missing file.
	if err := syncPath(s.path); err != nil {
		return s.fail(err)
	}
	if err := syncPath(filepath.Dir(s.path)); err != nil {
		return s.fail(err)
	}
	if after, err := os.Stat(s.path); err == nil {
		s.compactBase.Store(after.Size())
		if before != nil {
			s.log.Info("buntstore: compacted the data file", "path", s.path,
				"before", before.Size(), "after", after.Size(), "took", time.Since(start))
		}
	}
	return nil
}
