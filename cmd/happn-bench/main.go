// Command happn-bench is a load generator for a running happn server (ours
// or happn-3), driven by the project's Go websocket client.
//
//	happn-bench -url http://127.0.0.1:55000 -case seq-get -seconds 5 -pid 1234
//	happn-bench -case fanout -clients 100 -window 20 -pid 1234
//
// Cases: seq-set and seq-get (each of -clients clients awaits every call
// before making the next), conc-set (each client keeps -window sets in
// flight), fanout (-clients subscribers on one path, one publisher keeping
// -window sets in flight; a set counts as done when every subscriber has
// its event), and open (no server: times opening the data file -data in
// this process, layer by layer; see open.go).
//
// It prints ops/s and, when -pid names the server's process, the server's
// CPU time per operation read from /proc/<pid>/stat — on a shared, noisy
// machine that is the figure to compare, as it does not depend on how
// fast this client is. The client's own CPU time is printed beside it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "happn-bench:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	url     string
	cse     string
	clients int
	window  int
	seconds float64
	warmup  float64
	pid     int
	data    string // open: the data file
	rounds  int    // open: rounds
	cpuprof string // open: CPU profile file
}

func run(args []string) error {
	fs := flag.NewFlagSet("happn-bench", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.url, "url", "http://127.0.0.1:55000", "server URL")
	fs.StringVar(&c.cse, "case", "seq-get", "seq-set, seq-get, conc-set, fanout or open")
	fs.IntVar(&c.clients, "clients", 0, "clients (seq-*: default 1) or subscribers (fanout: default 100)")
	fs.IntVar(&c.window, "window", 0, "sets in flight: fanout (default 10), conc-set per client (default 100)")
	fs.Float64Var(&c.seconds, "seconds", 5, "measured time")
	fs.Float64Var(&c.warmup, "warmup", 1, "warm-up time before measuring")
	fs.IntVar(&c.pid, "pid", 0, "server process id, for server CPU per op (Linux /proc)")
	fs.StringVar(&c.data, "data", "", "open: data file to time opening (copied first)")
	fs.IntVar(&c.rounds, "rounds", 5, "open: rounds")
	fs.StringVar(&c.cpuprof, "cpuprofile", "", "open: write a CPU profile of the rounds to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var w workload
	switch c.cse {
	case "open":
		return openCase(c.data, c.rounds, c.cpuprof)
	case "seq-set", "seq-get":
		if c.clients <= 0 {
			c.clients = 1
		}
		w = &sequential{get: c.cse == "seq-get", clients: c.clients}
	case "conc-set":
		if c.clients <= 0 {
			c.clients = 1
		}
		if c.window <= 0 {
			c.window = 100
		}
		w = &sequential{clients: c.clients, inflight: c.window}
	case "fanout":
		if c.clients <= 0 {
			c.clients = 100
		}
		if c.window <= 0 {
			c.window = 10
		}
		w = &fanout{subscribers: c.clients, window: c.window}
	default:
		return fmt.Errorf("unknown case %q", c.cse)
	}
	ctx := context.Background()
	if err := w.setup(ctx, c.url); err != nil {
		return err
	}
	defer w.close()

	// Warm up, then measure: ops counted by the workload, CPU sampled
	// around the measured stretch only.
	stop := w.start(ctx)
	time.Sleep(time.Duration(c.warmup * float64(time.Second)))
	ops0, ev0 := w.counts()
	srv0, err := serverCPU(c.pid)
	if err != nil {
		return err
	}
	self0 := selfCPU()
	t0 := time.Now()
	time.Sleep(time.Duration(c.seconds * float64(time.Second)))
	ops1, ev1 := w.counts()
	elapsed := time.Since(t0)
	srv1, _ := serverCPU(c.pid)
	self1 := selfCPU()
	if err := stop(); err != nil {
		return err
	}

	ops, events := ops1-ops0, ev1-ev0
	if ops == 0 {
		return errors.New("no operation completed")
	}
	secs := elapsed.Seconds()
	fmt.Printf("case %s  clients %d  %.1fs\n", c.cse, c.clients, secs)
	fmt.Printf("  ops/s            %12.0f\n", float64(ops)/secs)
	if events > 0 {
		fmt.Printf("  events/s         %12.0f\n", float64(events)/secs)
	}
	fmt.Printf("  client CPU µs/op %12.2f  (%.0f%% of a core)\n", perOp(self1-self0, ops), 100*(self1-self0).Seconds()/secs)
	if c.pid > 0 {
		fmt.Printf("  server CPU µs/op %12.2f  (%.0f%% of a core)\n", perOp(srv1-srv0, ops), 100*(srv1-srv0).Seconds()/secs)
		if events > 0 {
			fmt.Printf("  server CPU µs/event %9.2f\n", perOp(srv1-srv0, events))
		}
	}
	return nil
}

func perOp(d time.Duration, n int64) float64 {
	return float64(d.Microseconds()) / float64(n)
}

// workload is one benchmark case.
type workload interface {
	// setup connects the clients and prepares data.
	setup(ctx context.Context, url string) error
	// start begins the load; the returned func stops it and reports the
	// first error any client hit.
	start(ctx context.Context) (stop func() error)
	// counts returns the operations (and, for fanout, events) completed
	// so far.
	counts() (ops, events int64)
	close()
}
