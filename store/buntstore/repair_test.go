package buntstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
)

// writeFile makes a data file holding /r/0 … /r/<n-1> and returns its bytes
// and the size it had after each write.
func writeFile(t *testing.T, n int) (data []byte, sizes []int) {
	t.Helper()
	dir := t.TempDir()
	s := openIn(t, dir, buntstore.Options{})
	path := filepath.Join(dir, "db")
	for i := range n {
		if _, err := s.Update(t.Context(), fmt.Sprintf("/r/%d", i), func(*store.Item) (store.Change, error) {
			return store.Change{Data: fmt.Appendf(nil, `{"i":%d,"s":"\r\n*3\r\n"}`, i)}, nil
		}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, int(fi.Size()))
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, sizes
}

// reopenWith writes content as a data file, opens it and returns the paths
// in it (or the error from Open), and what Open logged.
func reopenWith(t *testing.T, content []byte) (paths []string, dir string, logged *bytes.Buffer, err error) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "db"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	logged = new(bytes.Buffer)
	s, err := buntstore.Open(filepath.Join(dir, "db"), buntstore.Options{Logger: slog.New(slog.NewTextHandler(logged, nil))})
	if err != nil {
		return nil, dir, logged, err
	}
	defer s.Close()
	for it, err := range s.Scan(t.Context(), "*") {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"i":%s,"s":"\r\n*3\r\n"}`, it.Path[3:]); string(it.Data) != want {
			t.Errorf("%s = %s, want %s", it.Path, it.Data, want)
		}
		paths = append(paths, it.Path)
	}
	// The repaired file takes new writes and stays readable.
	if _, err := s.Update(t.Context(), "/after", func(*store.Item) (store.Change, error) {
		return store.Change{Data: []byte(`{}`)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return paths, dir, logged, nil
}

func TestTornWriteAtEveryOffset(t *testing.T) {
	data, sizes := writeFile(t, 4)
	want := []string{"/r/0", "/r/1", "/r/2"}
	// Every prefix of the last record, as a crash mid-write could leave it.
	for cut := sizes[2]; cut < sizes[3]; cut++ {
		paths, _, _, err := reopenWith(t, data[:cut])
		if err != nil || !slices.Equal(paths, want) {
			t.Fatalf("file cut at byte %d of %d: paths %q, err %v; want %q", cut, len(data), paths, err, want)
		}
	}
}

func TestTornWriteGarbage(t *testing.T) {
	data, sizes := writeFile(t, 4)
	whole := data[:sizes[2]]
	last := data[sizes[2]:]
	want := []string{"/r/0", "/r/1", "/r/2"}
	for _, c := range []struct {
		name string
		tail []byte
	}{
		{"Text", []byte("garbage")},
		{"TextLine", []byte("garbage\r\n")},
		{"NotADollar", []byte("*3\r\nxyz\r\n")},
		{"BadLength", []byte("*3\r\n$x\r\n")},
		{"ShortVerb", []byte("*1\r\n$1\r\ns\r\n")}, // makes buntdb panic
		{"EmptyVerb", []byte("*1\r\n$0\r\n\r\n")},  // likewise
		{"UnknownVerb", []byte("*2\r\n$3\r\nget\r\n$1\r\nk\r\n")},
		{"Zeroed", append(slices.Clone(last[:len(last)/2]), make([]byte, len(last)/2+3)...)},
		{"Stale", append(slices.Clone(last[:len(last)/2]), bytes.Repeat([]byte{0xA5}, 4096)...)},
		{"Binary", []byte{0xff, 0xfe, '*', '9', 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			paths, dir, logged, err := reopenWith(t, slices.Concat(whole, c.tail))
			if err != nil || !slices.Equal(paths, want) {
				t.Fatalf("paths %q, err %v; want %q", paths, err, want)
			}
			saved, _ := filepath.Glob(filepath.Join(dir, "db.torn-*"))
			if len(saved) == 0 {
				return // buntdb dropped a partial command itself
			}
			if !strings.Contains(logged.String(), "level=WARN msg=\"buntstore: dropped a torn write") {
				t.Errorf("the repair was not logged: %q", logged)
			}
			got, err := os.ReadFile(saved[0])
			if err != nil || !bytes.HasSuffix(c.tail, got) || len(got) == 0 {
				t.Errorf("saved tail %q, want (the damaged part of) %q", got, c.tail)
			}
		})
	}
}

func TestCorruptMiddle(t *testing.T) {
	data, sizes := writeFile(t, 4)
	bad := slices.Clone(data)
	bad[sizes[1]+1] = 'x' // the count of the third record's command
	_, dir, _, err := reopenWith(t, bad)
	if !errors.Is(err, buntstore.ErrCorrupt) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "db")); !bytes.Equal(got, bad) {
		t.Error("Open changed a file it refused")
	}
}
