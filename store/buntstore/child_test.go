package buntstore_test

import (
	"os"
	"os/exec"
	"testing"
)

// childProcess runs a test's body in a child process, for what must not
// happen to the test binary itself (a SIGKILL, a file size limit). In the
// child, started with env set to a folder, it calls child with that folder
// and returns ok false: the test returns. In the parent it returns the
// command that runs the same test as the child on a new temporary folder,
// and that folder.
func childProcess(t *testing.T, env string, child func(dir string)) (cmd *exec.Cmd, dir string, ok bool) {
	if dir := os.Getenv(env); dir != "" {
		child(dir)
		return nil, "", false
	}
	dir = t.TempDir()
	cmd = exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+dir)
	return cmd, dir, true
}
