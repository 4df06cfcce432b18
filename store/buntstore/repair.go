package buntstore

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/tidwall/buntdb"
)

// buntdb's file is a sequence of RESP commands ("*3\r\n$3\r\nset\r\n$1\r\nk\r\n…").
// When it ends inside a command, buntdb truncates the partial command
// itself. When the last command is garbled instead (a torn write that left
// stale or zeroed bytes in place of the record's end), buntdb refuses the
// whole file, and with some byte patterns it panics. This file handles
// those cases: if nothing valid follows the damage, it is a torn tail and
// can be cut off; otherwise the middle of the file is damaged and only a
// person should decide.

var (
	errShort = errors.New("file ends inside a command")
	errBad   = errors.New("not a valid command")
)

// openDB is buntdb.Open, with a panic while loading turned into an error.
func openDB(path string) (db *buntdb.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The file descriptor buntdb opened leaks; this only happens
			// on a damaged file, once, before the repair.
			db, err = nil, fmt.Errorf("%w (buntdb panicked: %v)", buntdb.ErrInvalid, p)
		}
	}()
	return buntdb.Open(path)
}

// repairTail cuts a damaged tail off the buntdb file at path, saving the
// removed bytes beside it. It returns an error wrapping ErrCorrupt if the
// damage is not confined to the tail.
func repairTail(path string, log *slog.Logger) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("buntstore: %w", err)
	}
	good, err := scanCommands(data)
	if err == nil {
		return fmt.Errorf("%w: %s: buntdb cannot load it, but every command parses", ErrCorrupt, path)
	}
	if at, ok := nextCommand(data[good+1:]); ok {
		return fmt.Errorf("%w: %s: damaged command at byte %d of %d, followed by a valid one at byte %d",
			ErrCorrupt, path, good, len(data), good+1+at)
	}
	tail := data[good:]
	saved := fmt.Sprintf("%s.torn-%s", path, time.Now().UTC().Format("20060102T150405.000000000"))
	if err := writeSynced(saved, tail); err != nil {
		return fmt.Errorf("buntstore: saving the damaged tail: %w", err)
	}
	if err := os.Truncate(path, int64(good)); err != nil {
		return fmt.Errorf("buntstore: %w", err)
	}
	if err := syncPath(path); err != nil {
		return fmt.Errorf("buntstore: %w", err)
	}
	log.Warn("buntstore: dropped a torn write at the end of the data file",
		"path", path, "offset", good, "bytes", len(tail), "saved_to", saved)
	return nil
}

// scanCommands parses data as buntdb's loader does and returns the offset
// just past the last whole valid command, with errShort or errBad if data
// does not end there.
func scanCommands(data []byte) (int, error) {
	off := 0
	for off < len(data) {
		if data[off] == 0 { // buntdb skips NUL bytes between commands
			off++
			continue
		}
		n, _, err := parseCommand(data[off:])
		if err != nil {
			return off, err
		}
		off += n
	}
	return off, nil
}

// nextCommand reports whether b contains, at some '*', a whole non-empty
// command buntdb would accept, and where.
func nextCommand(b []byte) (int, bool) {
	for i := 0; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '*')
		if j < 0 {
			return 0, false
		}
		i += j
		if _, parts, err := parseCommand(b[i:]); err == nil && parts > 0 {
			return i, true
		}
	}
	return 0, false
}

// parseCommand parses the command at the start of b, applying the checks
// buntdb's loader applies, and returns its length in bytes and its number
// of parts.
func parseCommand(b []byte) (size, parts int, err error) {
	parts, i, err := parseLength(b, 0, '*')
	if err != nil {
		return 0, 0, err
	}
	var args [5][]byte // set takes at most 5 parts
	for k := 0; k < parts; k++ {
		var n int
		if n, i, err = parseLength(b, i, '$'); err != nil {
			return 0, 0, err
		}
		if len(b)-i < n+2 {
			return 0, 0, errShort
		}
		if b[i+n] != '\r' || b[i+n+1] != '\n' {
			return 0, 0, errBad
		}
		if k < len(args) {
			args[k] = b[i : i+n]
		}
		i += n + 2
	}
	if parts == 0 {
		return i, 0, nil
	}
	verb := bytes.ToLower(args[0])
	switch {
	case len(verb) < 3:
		return 0, 0, errBad // buntdb indexes verb[2] and would panic
	case string(verb[:3]) == "set": // buntdb only looks at the first three bytes
		if parts == 5 {
			if opt := string(bytes.ToLower(args[3])); opt != "ex" && opt != "ae" {
				return 0, 0, errBad
			}
			if _, err := strconv.ParseInt(string(args[4]), 10, 64); err != nil {
				return 0, 0, errBad
			}
		} else if parts != 3 {
			return 0, 0, errBad
		}
	case string(verb[:3]) == "del":
		if parts != 2 {
			return 0, 0, errBad
		}
	case string(verb) == "flushdb":
	default:
		return 0, 0, errBad
	}
	return i, parts, nil
}

// parseLength parses a "<sigil><digits>\r\n" line at b[i:] and returns the
// number and the offset after the line.
func parseLength(b []byte, i int, sigil byte) (n, next int, err error) {
	if i >= len(b) {
		return 0, 0, errShort
	}
	if b[i] != sigil {
		return 0, 0, errBad
	}
	end := bytes.IndexByte(b[i:], '\n')
	if end < 0 {
		return 0, 0, errShort
	}
	line := b[i : i+end+1]
	if len(line) < 4 || line[len(line)-2] != '\r' {
		return 0, 0, errBad
	}
	digits := line[1 : len(line)-2]
	if len(digits) > 12 {
		return 0, 0, errBad // no record is a terabyte
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, 0, errBad
		}
		n = n*10 + int(c-'0')
	}
	return n, i + len(line), nil
}

// writeSynced creates path holding data and fsyncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncPath fsyncs the file or directory at path.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
