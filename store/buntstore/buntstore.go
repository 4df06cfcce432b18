// Package buntstore is happn's default persistent store: one append-only
// file managed by github.com/tidwall/buntdb, with every document also held
// in memory.
//
// # Durability
//
// buntdb appends every committed write to the file with one write(2)
// before the commit returns, so a write that Update has acknowledged is in
// the operating system's page cache and survives the process being killed
// (kill -9, a panic, an OOM kill) under every SyncPolicy. What SyncPolicy
// decides is what survives the machine losing power or the kernel
// crashing: with SyncEverySecond (the default) up to about a second of
// acknowledged writes can be lost; with SyncAlways none, at the price of an
// fsync per write (a few thousand writes a second on ordinary disks,
// serialised under the store's lock).
//
// A write the file cannot take (a full disk) fails with the error and
// changes nothing, not even the part of the record that fitted (buntdb
// cuts it off); reads keep working, and writes succeed again once there
// is room.
//
// If the file ends in a torn write (a half-written record after a crash),
// Open drops the torn tail and keeps every complete record; a damaged
// tail that is not even a partial record is moved aside to
// "<path>.torn-<time>" and logged. Damage in the middle of the file makes
// Open fail with ErrCorrupt rather than guess.
//
// # Backups
//
// Copying the file while the store is in use (cp, rsync, a filesystem
// snapshot) gives a usable backup, with no need to stop the server:
// opening the copy is like reopening the file after the process was killed
// at the moment the copy reached its end, so it holds every write
// acknowledged before the copy started (a write caught half-copied is
// dropped as a torn tail). A compaction that renames a new file into
// place during the copy does not change that: the copy keeps reading the
// old file, which holds every write up to the rename. Copy only the data
// file, not "<path>.lock".
//
// # Concurrency
//
// buntdb has a single read-write lock for the whole database. Point
// operations hold it for microseconds. Scan, Count and pattern Delete work
// in chunks of at most a few hundred items per transaction and resume
// after the last key, so a long scan never stops writers for more than
// one chunk, and no lock is held while the caller's loop body runs.
//
// Only one Store may use a file at a time: Open takes an exclusive lock on
// "<path>.lock" (buntdb itself has none, and two writers corrupt the file)
// and a second Open, from this or another process, fails with ErrLocked.
//
// # Compaction
//
// The file grows with every write. The store compacts it (buntdb's Shrink:
// rewrite the live records, then rename over the old file) when it is over
// 32 MiB and twice its size after the last compaction, and fsyncs the file
// and its directory afterwards, which buntdb does not.
//
// # Indexes
//
// Searches for a value of a top-level member, or for its numbers within a
// range, are answered from an in-memory index of that member
// (store.Indexer, store.RangeIndexer, package fieldindex), built by the
// first search that asks for it after Open and kept up to date by every
// write. It is not in the file: buntdb holds every record in
// memory anyway, and a reopened store rebuilds an index when it is first
// used again.
package buntstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/fieldindex"
	"github.com/tidwall/buntdb"
)

var (
	_ store.Store        = (*Store)(nil)
	_ store.Counter      = (*Store)(nil)
	_ store.Viewer       = (*Store)(nil)
	_ store.Indexer      = (*Store)(nil)
	_ store.RangeIndexer = (*Store)(nil)
)

// SyncPolicy says how often the file is flushed to stable storage. It
// mirrors buntdb's policies; see the package documentation for what each
// one protects against.
type SyncPolicy int

const (
	// SyncEverySecond fsyncs once a second when anything was written. It
	// is the default (the zero value).
	SyncEverySecond SyncPolicy = iota
	// SyncAlways fsyncs after every write, before Update returns.
	SyncAlways
	// SyncNever leaves flushing to the operating system.
	SyncNever
)

// Options configures Open. The zero value is the default configuration.
type Options struct {
	// Sync is how often the file is fsynced; default SyncEverySecond.
	Sync SyncPolicy
	// Logger receives compaction and crash-recovery events; default: none.
	Logger *slog.Logger
}

// ErrLocked is returned by Open when another Store, in this process or
// another, has the file open.
var ErrLocked = errors.New("buntstore: file is in use by another store")

// ErrCorrupt is returned when the file, or a record in it, cannot be read.
var ErrCorrupt = errors.New("buntstore: corrupt data file")

// Store is a store.Store kept in a buntdb file. It is safe for concurrent
// use by many goroutines.
type Store struct {
	db     *buntdb.DB
	path   string
	lock   *os.File
	log    *slog.Logger
	closed atomic.Bool

	// rev is the last revision issued and marked the last one recorded
	// under revKey. Both are used only inside buntdb write transactions
	// (and by Open), which buntdb serialises.
	rev, marked uint64

	// writing is held by a write from its transaction to telling index
	// of it, so that the index sees writes in commit order. buntdb
	// serialises write transactions anyway, so it costs no concurrency.
	writing sync.Mutex
	index   *fieldindex.Index

	stop        chan struct{}  // closed by Close to end the compaction goroutine
	wg          sync.WaitGroup // the compaction goroutine
	shrinking   sync.Mutex     // held by Shrink; Close waits for it before unlocking the file
	compactBase atomic.Int64   // file size after the last compaction, or the live data's size at Open
}

// Open opens the store in the file at path, creating it if needed. The
// file must not be in use by another Store.
func Open(path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" {
		// buntdb would keep ":memory:" in memory only; happn maps that
		// name to package memstore, and here it is a mistake.
		return nil, fmt.Errorf("buntstore: %q is not a file path (use memstore for an in-memory store)", path)
	}
	if opts.Sync < SyncEverySecond || opts.Sync > SyncNever {
		return nil, fmt.Errorf("buntstore: unknown SyncPolicy %d", opts.Sync)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, lock: lock, log: log, stop: make(chan struct{})}
	s.index = fieldindex.New(func(ctx context.Context) iter.Seq2[store.Item, error] { return s.Scan(ctx, "*") })
	if err := s.open(opts); err != nil {
		_ = unlockFile(lock)
		return nil, err
	}
	minSize, every := compactMinSize, compactCheckEvery
	s.wg.Go(func() { s.compactLoop(minSize, every) })
	return s, nil
}

// open opens the buntdb file, repairing a torn tail, and recovers the
// revision counter.
func (s *Store) open(opts Options) error {
	// A compaction interrupted by a crash leaves its temporary file
	// behind; we hold the lock, so nobody else is writing it.
	if err := os.Remove(s.path + ".tmp"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("buntstore: %w", err)
	}
	db, err := openDB(s.path)
	if errors.Is(err, buntdb.ErrInvalid) {
		// buntdb truncates a file that ends inside a command by itself,
		// but refuses one whose last command is garbled.
		if err = repairTail(s.path, s.log); err == nil {
			db, err = openDB(s.path)
		}
	}
	if err != nil {
		if errors.Is(err, buntdb.ErrInvalid) {
			err = fmt.Errorf("%w: %s: %w", ErrCorrupt, s.path, err)
		}
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("buntstore: open %s: %w", s.path, err)
		}
		return err
	}
	var cfg buntdb.Config
	if err := db.ReadConfig(&cfg); err != nil {
		_ = db.Close()
		return fmt.Errorf("buntstore: %w", err)
	}
	cfg.SyncPolicy = map[SyncPolicy]buntdb.SyncPolicy{
		SyncEverySecond: buntdb.EverySecond, SyncAlways: buntdb.Always, SyncNever: buntdb.Never,
	}[opts.Sync]
	cfg.AutoShrinkDisabled = true // compactLoop does it, with fsyncs and a clean stop
	if err := db.SetConfig(cfg); err != nil {
		_ = db.Close()
		return fmt.Errorf("buntstore: %w", err)
	}
	s.db = db
	if err := s.recoverRevision(); err != nil {
		_ = db.Close()
		return err
	}
	return nil
}

// recoverRevision sets s.rev to the highest revision in any record or in
// the high-water mark that deletes leave behind, and estimates the size of
// the live data for the compaction policy.
func (s *Store) recoverRevision() error {
	var live int64
	defer func() { s.compactBase.Store(live) }()
	return s.db.View(func(tx *buntdb.Tx) error {
		var bad error
		err := tx.AscendGreaterOrEqual("", dataPrefix, func(k, v string) bool {
			if !strings.HasPrefix(k, dataPrefix) {
				return false
			}
			rev, ok := revisionOf(v)
			if !ok {
				bad = fmt.Errorf("%w: %s: %w at %q", ErrCorrupt, s.path, errRecord, k[len(dataPrefix):])
				return false
			}
			s.rev = max(s.rev, rev)
			live += int64(len(k) + len(v) + 32) // RESP framing of a set command
			return true
		})
		if err != nil {
			return fmt.Errorf("buntstore: %w", err)
		}
		if bad != nil {
			return bad
		}
		if v, err := tx.Get(revKey); err == nil {
			rev, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: %s: revision mark %q", ErrCorrupt, s.path, v)
			}
			s.rev, s.marked = max(s.rev, rev), rev
		}
		return nil
	})
}

// Close flushes the file to disk and releases it. A Scan in progress ends
// with store.ErrClosed at its next chunk.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return store.ErrClosed
	}
	close(s.stop)
	// buntdb.Close fsyncs and waits for running transactions; a
	// compaction in progress notices and gives up at its next chunk.
	err := s.db.Close()
	s.index.Reset()
	s.wg.Wait()
	s.shrinking.Lock() // a Shrink called directly has given up too
	defer s.shrinking.Unlock()
	// buntdb's own background goroutine outlives Close by up to a second;
	// it touches only the closed *buntdb.DB, so the file can be handed on.
	if uerr := unlockFile(s.lock); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("buntstore: close %s: %w", s.path, err)
	}
	return nil
}

// fail converts an error from buntdb into the store's vocabulary.
func (s *Store) fail(err error) error {
	switch {
	case errors.Is(err, buntdb.ErrDatabaseClosed):
		return store.ErrClosed
	case errors.Is(err, errRecord):
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, s.path, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("buntstore: %w", err)
}
