package buntstore

import (
	"errors"
	"testing"
)

func TestParseCommand(t *testing.T) {
	for _, c := range []struct {
		in    string
		size  int
		parts int
		err   error
	}{
		{"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n", 27, 3, nil},
		{"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\nextra", 26, 3, nil},
		{"*2\r\n$3\r\ndel\r\n$1\r\nk\r\n", 20, 2, nil},
		{"*5\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nae\r\n$3\r\n100\r\n", 44, 5, nil},
		{"*1\r\n$7\r\nflushdb\r\n", 17, 1, nil},
		{"*0\r\n", 4, 0, nil},
		{"*12\r\n", 0, 0, errShort},
		{"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$5\r\nv", 0, 0, errShort},
		{"*3\r\n$3\r\nse", 0, 0, errShort},
		{"*3", 0, 0, errShort},
		{"", 0, 0, errShort},
		{"x", 0, 0, errBad},
		{"*\r\n", 0, 0, errBad},
		{"*3\n", 0, 0, errBad},
		{"*a\r\n", 0, 0, errBad},
		{"*1\r\n$1\r\ns\r\n", 0, 0, errBad},
		{"*2\r\n$3\r\nget\r\n$1\r\nk\r\n", 0, 0, errBad},
		{"*4\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nex\r\n", 0, 0, errBad},
		{"*5\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nzz\r\n$1\r\n1\r\n", 0, 0, errBad},
		{"*3\r\n$3\r\ndel\r\n$1\r\nk\r\n$1\r\nv\r\n", 0, 0, errBad},
		{"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nvXY", 0, 0, errBad},
		{"*1\r\n$9999999999999\r\n", 0, 0, errBad},
	} {
		size, parts, err := parseCommand([]byte(c.in))
		if size != c.size || parts != c.parts || !errors.Is(err, c.err) {
			t.Errorf("parseCommand(%q) = %d, %d, %v; want %d, %d, %v", c.in, size, parts, err, c.size, c.parts, c.err)
		}
	}
}

func TestScanCommands(t *testing.T) {
	set := "*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n"
	for _, c := range []struct {
		in   string
		good int
		err  error
	}{
		{set + set, 54, nil},
		{set + "\x00\x00" + set, 56, nil},
		{set + "junk", 27, errBad},
		{set + "*3\r\n", 27, errShort},
	} {
		good, err := scanCommands([]byte(c.in))
		if good != c.good || !errors.Is(err, c.err) {
			t.Errorf("scanCommands(%q) = %d, %v; want %d, %v", c.in, good, err, c.good, c.err)
		}
	}
}

func FuzzScanCommands(f *testing.F) {
	f.Add([]byte("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\ndel\r\n$1\r\nk\r\n"))
	f.Add([]byte("*5\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nae\r\n$3\r\n100\r\n\x00garbage"))
	f.Add([]byte("*1\r\n$7\r\nflushdb\r\n*3\r\n$3\r\nset"))
	f.Fuzz(func(t *testing.T, data []byte) {
		good, err := scanCommands(data)
		if good < 0 || good > len(data) || (err == nil) != (good == len(data)) {
			t.Fatalf("scanCommands = %d, %v for %d bytes", good, err, len(data))
		}
		// The valid prefix is valid on its own.
		if again, err := scanCommands(data[:good]); again != good || err != nil {
			t.Fatalf("prefix of %d bytes rescans as %d, %v", good, again, err)
		}
		if at, ok := nextCommand(data); ok {
			if _, parts, err := parseCommand(data[at:]); err != nil || parts == 0 {
				t.Fatalf("nextCommand found %d, which parses as %d parts, %v", at, parts, err)
			}
		}
	})
}
