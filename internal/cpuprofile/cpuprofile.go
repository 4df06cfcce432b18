// Package cpuprofile starts a CPU profile into a file, for the -cpuprofile
// flags of the commands.
package cpuprofile

import (
	"os"
	"runtime/pprof"
)

// Start profiles the process into the file at path, created or truncated,
// until stop is called.
func Start(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
