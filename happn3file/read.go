package happn3file

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Format names the kind of data file a happn-3 server wrote.
type Format string

// The two formats Read understands.
const (
	// Nedb is happn-3 12.x's file (happn-nedb): one document per line, a
	// later line for the same _id replacing an earlier one, and
	// {"$$deleted":true,"_id":…} lines removing it.
	Nedb Format = "nedb"
	// Loki is happn-3 13.x's file (happn-db-provider-loki): a first line
	// holding a snapshot of the whole database, then one line per write
	// since, which Read replays.
	Loki Format = "loki"
)

// Record is one document as a happn-3 data file leaves it.
type Record struct {
	// Path is the document's path.
	Path string
	// Data is the document, a JSON object.
	Data json.RawMessage
	// Created and Modified are Unix milliseconds, or 0 where the file
	// does not record them: a 13.x file logs a merge, an increment or the
	// replacement of an existing document without a time (happn-3 itself
	// gives such documents the time it restarts at).
	Created, Modified int64
	// ModifiedBy is the username of the last writer, when the file has it
	// (12.x files do).
	ModifiedBy string
}

// File is what Read found in a happn-3 data file.
type File struct {
	// Format is the file's kind.
	Format Format
	// Records are the documents the file holds, in ascending byte order of
	// path: happn-3's own records under /_SYSTEM included.
	Records []Record
	// Skipped lists the lines Read could not use, each with its line
	// number and why: lines that are not JSON (happn-3 skips them too when
	// it loads the file) and operations it cannot apply.
	Skipped []string
}

// maxSkipped is how many skipped lines File.Skipped lists before it only
// counts them.
const maxSkipped = 100

// ErrNotDataFile is returned by Read for input that is neither a nedb
// nor a loki file.
var ErrNotDataFile = errors.New("happn3file: not a happn-3 data file")

// ReadFile reads the happn-3 data file at name (see Read).
func ReadFile(name string) (*File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read reads a whole happn-3 data file and returns the documents it
// holds, as happn-3 would load them: it tells the format by the first
// line, and for a loki file replays the logged operations on its
// snapshot. Lines it cannot use are listed in File.Skipped; a file whose
// first line is neither format's is ErrNotDataFile.
func Read(r io.Reader) (*File, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var (
		f    *File
		db   *replay
		line int
	)
	for {
		text, err := br.ReadBytes('\n')
		if len(text) > 0 {
			line++
			text = bytes.TrimRight(text, "\r\n")
			switch {
			case len(bytes.TrimSpace(text)) == 0:
			case f == nil:
				var serr error
				if f, db, serr = start(text); serr != nil {
					return nil, serr
				}
			case f.Format == Loki:
				if why := db.applyOperation(text); why != "" {
					f.skip(line, why)
				}
			default:
				if why := db.applyNedb(text); why != "" {
					f.skip(line, why)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("happn3file: reading line %d: %w", line+1, err)
		}
	}
	if f == nil {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotDataFile)
	}
	f.Records = db.records()
	return f, nil
}

// start reads a file's first line, which tells its format.
func start(text []byte) (*File, *replay, error) {
	var first map[string]json.RawMessage
	if err := json.Unmarshal(text, &first); err != nil {
		if bytes.HasPrefix(bytes.TrimSpace(text), []byte(`{"snapshot":`)) {
			return nil, nil, errDamagedSnapshot(err)
		}
		return nil, nil, fmt.Errorf("%w: its first line is not a JSON object", ErrNotDataFile)
	}
	db := &replay{docs: map[string]*Record{}}
	if snap, ok := first["snapshot"]; ok {
		if err := db.loadSnapshot(snap); err != nil {
			return nil, nil, err
		}
		return &File{Format: Loki}, db, nil
	}
	_, id := first["_id"]
	_, deleted := first["$$deleted"]
	_, index := first["$$indexCreated"]
	if !id && !deleted && !index {
		return nil, nil, fmt.Errorf("%w: its first line is neither a loki snapshot nor a nedb document", ErrNotDataFile)
	}
	f := &File{Format: Nedb}
	if why := db.applyNedb(text); why != "" {
		f.skip(1, why)
	}
	return f, db, nil
}

func (f *File) skip(line int, why string) {
	switch {
	case len(f.Skipped) < maxSkipped:
		f.Skipped = append(f.Skipped, fmt.Sprintf("line %d: %s", line, why))
	case len(f.Skipped) == maxSkipped:
		f.Skipped = append(f.Skipped, "(more lines skipped; only the first 100 are listed)")
	}
}

// replay is the database a file describes, as Read builds it.
type replay struct {
	docs map[string]*Record
}

// records returns the documents in path order.
func (db *replay) records() []Record {
	out := make([]Record, 0, len(db.docs))
	for _, r := range db.docs {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.Path, b.Path) })
	return out
}
