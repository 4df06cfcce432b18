package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/happn-go/happn"
)

// payload is what every set writes, as happn-3's benchmark does.
var payload = map[string]any{"a": 1, "b": "x"}

// sequential is seq-set and seq-get (each client awaits every call) and
// conc-set (each client keeps inflight calls going, from as many
// goroutines).
type sequential struct {
	get      bool
	clients  int
	inflight int
	cs       []*happn.Client
	ops      atomic.Int64
}

func (s *sequential) setup(ctx context.Context, url string) error {
	for range s.clients {
		c, err := happn.Dial(ctx, url)
		if err != nil {
			return err
		}
		s.cs = append(s.cs, c)
	}
	if s.get {
		_, err := s.cs[0].Set(ctx, "/bench/get", payload)
		return err
	}
	return nil
}

func (s *sequential) start(ctx context.Context) func() error {
	ctx, cancel := context.WithCancel(ctx)
	inflight := max(s.inflight, 1)
	errs := make(chan error, len(s.cs)*inflight)
	var wg sync.WaitGroup
	for i, c := range s.cs {
		for j := range inflight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.loop(ctx, c, i*inflight+j)
			}()
		}
	}
	return func() error {
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
		}
		return nil
	}
}

func (s *sequential) loop(ctx context.Context, c *happn.Client, id int) error {
	prefix := "/bench/seq/" + strconv.Itoa(id) + "/"
	for i := 0; ctx.Err() == nil; i++ {
		var err error
		if s.get {
			var it *happn.Item
			it, err = c.Get(ctx, "/bench/get")
			if err == nil && it == nil {
				err = errors.New("get: item missing")
			}
		} else {
			_, err = c.Set(ctx, prefix+strconv.Itoa(i%1000), payload)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		s.ops.Add(1)
	}
	return nil
}

func (s *sequential) counts() (int64, int64) { return s.ops.Load(), 0 }

func (s *sequential) close() {
	for _, c := range s.cs {
		c.Close()
	}
}

// fanout is one publisher and many subscribers on one path. The
// publisher keeps window sets in flight, where a set is in flight until
// every subscriber has received its event.
type fanout struct {
	subscribers int
	window      int
	pub         *happn.Client
	subs        []*happn.Client

	tokens    chan struct{}  // one per set allowed in flight
	pending   []atomic.Int32 // deliveries still expected, by seq % len
	done      atomic.Int64   // sets delivered to every subscriber
	delivered atomic.Int64   // events received
	bad       atomic.Int64   // events that could not be matched to a set
}

const fanoutPath = "/bench/fan/topic"

func (f *fanout) setup(ctx context.Context, url string) error {
	if f.window <= 0 {
		f.window = 1
	}
	f.tokens = make(chan struct{}, f.window)
	for range f.window {
		f.tokens <- struct{}{}
	}
	// A ring well beyond the window, so a slot is never reused while a
	// set that used it is still being delivered.
	f.pending = make([]atomic.Int32, 4*f.window)
	var err error
	if f.pub, err = happn.Dial(ctx, url); err != nil {
		return err
	}
	for range f.subscribers {
		c, err := happn.Dial(ctx, url)
		if err != nil {
			return err
		}
		f.subs = append(f.subs, c)
		if _, err := c.On(ctx, fanoutPath, f.onEvent, happn.EventType(happn.SetEvent)); err != nil {
			return err
		}
	}
	return nil
}

func (f *fanout) onEvent(e *happn.Event) {
	f.delivered.Add(1)
	seq, ok := seqOf(e.Data)
	if !ok {
		f.bad.Add(1)
		return
	}
	if f.pending[seq%int64(len(f.pending))].Add(-1) == 0 {
		f.done.Add(1)
		f.tokens <- struct{}{}
	}
}

// seqOf reads n from data {"seq":n} without a JSON decoder, so that the
// subscribers spend their CPU on the client, not on the benchmark.
func seqOf(data []byte) (int64, bool) {
	const key = `{"seq":`
	if len(data) < len(key) || string(data[:len(key)]) != key {
		return 0, false
	}
	var n int64
	i := len(key)
	for ; i < len(data) && data[i] >= '0' && data[i] <= '9'; i++ {
		n = n*10 + int64(data[i]-'0')
	}
	return n, i > len(key)
}

func (f *fanout) start(ctx context.Context) func() error {
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- f.publish(ctx)
	}()
	return func() error {
		cancel()
		err := <-errc
		if n := f.bad.Load(); n > 0 && err == nil {
			err = fmt.Errorf("%d events with unexpected data", n)
		}
		return err
	}
}

// publish sets seq 0, 1, 2, … as fast as the window allows. The sets
// are issued from one goroutine per window slot so that window sets are
// truly in flight at once.
func (f *fanout) publish(ctx context.Context) error {
	var seq atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, f.window)
	for range f.window {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-f.tokens:
				}
				n := seq.Add(1) - 1
				f.pending[n%int64(len(f.pending))].Store(int32(f.subscribers))
				if _, err := f.pub.Set(ctx, fanoutPath, map[string]any{"seq": n}); err != nil {
					if ctx.Err() == nil {
						errc <- err
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func (f *fanout) counts() (int64, int64) { return f.done.Load(), f.delivered.Load() }

func (f *fanout) close() {
	f.pub.Close()
	for _, c := range f.subs {
		c.Close()
	}
}
