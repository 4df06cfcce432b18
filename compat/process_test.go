package compat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nodeProcess is a node child process owned by one test. It runs in its own
// process group so that everything it starts goes with it, it is killed when
// its deadline passes or the test ends, and its output is read line by line.
type nodeProcess struct {
	cmd   *exec.Cmd
	lines chan string   // every output line (stdout and stderr), closed at EOF
	done  chan struct{} // closed once the process has been waited for
	err   error         // the exit error, valid after done is closed

	pgid int // the process group: the process and all it started

	mu  sync.Mutex
	out []string // every line, for failure messages
}

// startNode runs `node args...` in dir ("" for the package directory) with
// a hard deadline. The process group gets SIGTERM at the deadline or when
// the test ends, and SIGKILL two seconds later if anything in it is still
// running.
func startNode(t *testing.T, deadline time.Duration, dir string, args ...string) *nodeProcess {
	t.Helper()
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nodeProcess{cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	pgid := cmd.Process.Pid
	p.pgid = pgid

	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out = append(p.out, line)
			p.mu.Unlock()
			p.lines <- line
		}
		io.Copy(io.Discard, pr) // a line over 1 MiB: keep the child from blocking
	}()
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.done)
	}()

	stop := func() {
		select {
		case <-p.done:
			return
		default:
		}
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	}
	timer := time.AfterFunc(deadline, func() {
		p.mu.Lock()
		p.out = append(p.out, fmt.Sprintf("(killed: still running after %v)", deadline))
		p.mu.Unlock()
		stop()
	})
	t.Cleanup(func() {
		timer.Stop()
		stop()
		// The test reads no more lines: drain them so the reader
		// goroutine ends.
		for range p.lines {
		}
	})
	return p
}

// waitLine returns the first line for which match is true, or an error with
// the output so far if the process ends or ctx is done first.
func (p *nodeProcess) waitLine(ctx context.Context, match func(string) bool) (string, error) {
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				<-p.done
				return "", fmt.Errorf("node exited (%v) before the expected line:\n%s", p.err, p.output())
			}
			if match(line) {
				return line, nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("%w waiting for a line:\n%s", ctx.Err(), p.output())
		}
	}
}

// kill ends the whole process group at once, with SIGKILL, and waits for
// the process.
func (p *nodeProcess) kill() {
	syscall.Kill(-p.pgid, syscall.SIGKILL)
	<-p.done
}

// terminate asks the process to stop (SIGTERM to the group) and waits
// for it; the deadline's SIGKILL still applies.
func (p *nodeProcess) terminate() {
	syscall.Kill(-p.pgid, syscall.SIGTERM)
	<-p.done
}

// drain discards the lines nobody will read from now on (they stay in
// output), so a chatty process never blocks on its pipe.
func (p *nodeProcess) drain() {
	go func() {
		for range p.lines {
		}
	}()
}

// output returns every line the process has printed so far.
func (p *nodeProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// wait waits for the process to exit and returns its exit error.
func (p *nodeProcess) wait() error {
	<-p.done
	return p.err
}

// freePort returns a loopback TCP port that was free a moment ago. A
// process told to listen on it may still lose a race for it; callers retry.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestStartNodeDeadline checks the clean-up the other tests rely on: a node
// process that outlives its deadline is killed together with what it
// started.
func TestStartNodeDeadline(t *testing.T) {
	requireNode(t)
	// The parent starts a child that would run forever, prints its pid,
	// and ignores SIGTERM itself, so only the SIGKILL escalation ends it.
	script := `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
process.on('SIGTERM', () => {});
console.log('child ' + c.pid);
setInterval(() => {}, 1000);`
	started := time.Now()
	// The deadline leaves node time to start even on a loaded machine.
	p := startNode(t, 3*time.Second, "", "-e", script)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	line, err := p.waitLine(ctx, func(l string) bool { return strings.HasPrefix(l, "child ") })
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.Atoi(strings.TrimPrefix(line, "child "))
	if err != nil {
		t.Fatal(err)
	}
	p.drain()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running %v after it started", time.Since(started))
	}
	if p.err == nil {
		t.Fatal("the process exited cleanly; it should have been killed")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(child, 0); errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running after its parent's group was killed", child)
		}
	}
	if !strings.Contains(p.output(), "killed: still running after") {
		t.Fatalf("output does not say why it was killed:\n%s", p.output())
	}
}
