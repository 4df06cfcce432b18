package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/internal/cpuprofile"
	"github.com/happn-go/happn/store/buntstore"
	"github.com/tidwall/buntdb"
)

// The open case times, in this process, what the server does with its data
// file before it listens, layer by layer, on a copy of an existing file:
//
//	happn-bench -case open -data /path/happn.db -rounds 10 [-cpuprofile open.pprof]
//
// buntdb.Open reads the file and builds buntdb's in-memory tree;
// buntstore.Open adds the lock file and the scan that recovers the
// revision counter; happn.New adds the server name and the security setup.
// The differences between the three are what each layer costs. It is the
// in-process counterpart of bench/restart (which times whole processes).

// openPhase is one layer to time: open the copy, then close it untimed.
type openPhase struct {
	name string
	open func(path string) (close func() error, err error)
}

var openPhases = []openPhase{
	{"buntdb.Open (read file, build tree)", func(p string) (func() error, error) {
		db, err := buntdb.Open(p)
		if err != nil {
			return nil, err
		}
		return db.Close, nil
	}},
	{"buntstore.Open (+ lock, revision scan)", func(p string) (func() error, error) {
		st, err := buntstore.Open(p, buntstore.Options{})
		if err != nil {
			return nil, err
		}
		return st.Close, nil
	}},
	{"happn.New (+ name, security setup)", func(p string) (func() error, error) {
		srv, err := happn.New(happn.Config{DataPath: p})
		if err != nil {
			return nil, err
		}
		return srv.Close, nil
	}},
}

// openCase runs the open case: rounds × every phase, interleaved, then
// prints median (min–max) per phase. With cpuProfile it profiles the whole
// loop: the opens, and also the untimed closes and GCs between them.
func openCase(data string, rounds int, cpuProfile string) error {
	if data == "" {
		return errors.New("-case open needs -data FILE (an existing data file; it is copied, not changed)")
	}
	if rounds <= 0 {
		rounds = 5
	}
	dir, err := os.MkdirTemp("", "happn-bench-open-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, "happn.db")
	size, err := copyFile(data, cp)
	if err != nil {
		return err
	}
	if cpuProfile != "" {
		stop, err := cpuprofile.Start(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	times := make([][]time.Duration, len(openPhases))
	for r := range rounds {
		for i, ph := range openPhases {
			d, err := timeOpen(ph, cp)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, ph.name, err)
			}
			times[i] = append(times[i], d)
		}
	}

	fmt.Printf("case open  %s (%d bytes, copied)  %d rounds, median (min–max)\n", data, size, rounds)
	for i, ph := range openPhases {
		fmt.Printf("  %-40s %s\n", ph.name, spread(times[i]))
	}
	return nil
}

// timeOpen times one open of the copy at path, after a GC so that garbage
// from the previous round is not collected on this one's clock.
func timeOpen(ph openPhase, path string) (time.Duration, error) {
	runtime.GC()
	t := time.Now()
	closeFn, err := ph.open(path)
	d := time.Since(t)
	if err != nil {
		return 0, err
	}
	return d, closeFn()
}

// spread formats median (min–max) in milliseconds.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return fmt.Sprintf("%8.1f ms (%.1f–%.1f)", ms(med), ms(s[0]), ms(s[len(s)-1]))
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
