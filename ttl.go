package happn

import (
	"container/heap"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/pubsub"
	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// Documents that expire: the ttl option of set (happn-3 has none; its
// clients pass the option through, so they can use it too).
//
// A set, merge or sibling set with {ttl: ms} makes its document expire
// that long after the write; a later one without ttl makes the document
// permanent again, while an increment without ttl keeps the expiry (as
// Redis's SET and INCR do); a remove ends it. When a document expires the
// server removes it and publishes the event a remove request would
// ({"removed": 1}, with "expired": true in its meta), so its subscribers
// learn of it.
//
// Each expiry is a record at expiresRoot + path in the store, so that it
// survives a restart (one that passed while the server was down is carried
// out when it starts), and an entry in memory: a map by path and a heap by
// time, which one goroutine works through. A write of the document comes
// first and its expiry record second, so a crash between them leaves a
// document that does not expire, never an expiry that removes a document
// the write did not make temporary.
const expiresRoot = "/_SYSTEM/_EXPIRES/"

// With servers that share a store (Config.Broker), the server that takes
// a write with a ttl tells the others through the broker, so that any of
// them carries the expiry out, even when that server is gone; the record
// in the shared store decides whether an expiry still stands, so a server
// whose memory is behind never removes a document a later write kept.
const expiryNoticePath = "/_SYSTEM/_EXPIRES/_NOTICE"

// expiries is the in-memory side. Its lock is taken after a path's
// stripe lock, never before.
type expiries struct {
	mu    sync.Mutex
	at    map[string]int64 // path → expiry, Unix milliseconds
	queue expiryQueue      // every expiry in at, and stale entries
	n     atomic.Int64     // len(at), read without mu on every set
	wake  chan struct{}    // an expiry earlier than the timer's was added
}

// expiry is a heap entry: the document at path expires at at, and the
// server acts at fire (later than at for an expiry another server set,
// which has the first go).
type expiry struct {
	at, fire int64
	path     string
}

// expiryGrace is how long after an expiry another server set this one
// waits before carrying it out itself.
const expiryGrace = 1000 // ms

// expiryQueue is a min-heap of expiries by the time to act.
type expiryQueue []expiry

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].fire < q[j].fire }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)        { *q = append(*q, x.(expiry)) }
func (q *expiryQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// ttlOption reads a request's ttl: 0 when absent, or a positive number of
// milliseconds.
func ttlOption(raw []byte) (time.Duration, error) {
	if raw == nil || string(raw) == "null" {
		return 0, nil
	}
	v := gjson.ParseBytes(raw)
	if v.Type != gjson.Number || v.Num <= 0 || v.Num > float64(100*365*24*time.Hour/time.Millisecond) {
		return 0, badRequest("ttl must be a positive number of milliseconds")
	}
	return time.Duration(v.Num * float64(time.Millisecond)), nil
}

// loadExpiries reads the expiry records when the server starts.
func (s *Server) loadExpiries(ctx context.Context) error {
	s.expiries.at = map[string]int64{}
	s.expiries.wake = make(chan struct{}, 1)
	for it, err := range s.store.Scan(ctx, expiresRoot+"*") {
		if err != nil {
			return err
		}
		at := gjson.GetBytes(it.Data, "at").Int()
		path := strings.Clone(it.Path[len(expiresRoot):])
		s.expiries.at[path] = at
		s.expiries.queue = append(s.expiries.queue, expiry{at, at, path})
	}
	heap.Init(&s.expiries.queue)
	s.expiries.n.Store(int64(len(s.expiries.at)))
	return nil
}

// applyTTL records what a write at path did to its expiry: ttl > 0 sets
// it; otherwise keep says whether the old one stays (an increment) or
// goes (a set). The caller holds path's stripe lock.
func (s *Server) applyTTL(ctx context.Context, path string, ttl time.Duration, keep bool) error {
	switch {
	case ttl > 0:
		// Rounded up to the millisecond: never before the ttl has passed.
		return s.setExpiry(ctx, path, time.Now().Add(ttl+time.Millisecond-1).UnixMilli())
	case !keep:
		return s.clearExpiry(ctx, path)
	}
	return nil
}

func (s *Server) setExpiry(ctx context.Context, path string, at int64) error {
	record := []byte(`{"at":` + strconv.FormatInt(at, 10) + `}`)
	if _, err := s.store.Update(ctx, expiresRoot+path, func(*store.Item) (store.Change, error) {
		return store.Change{Data: record}, nil
	}); err != nil {
		return err
	}
	path = strings.Clone(path) // kept: the caller's may share a request's buffer
	s.schedule(path, at, at)
	if b := s.cfg.Broker; b != nil {
		notice := &pubsub.Publication{Origin: s.name, Instance: s.instance, Action: pubsub.Set, Path: expiryNoticePath, Data: record, Meta: protocol.AppendString(nil, path), ID: s.name + "-expiry"}
		if err := b.Publish(s.ctx, notice); err != nil {
			s.log.Warn("broker: expiry not passed on to the other nodes", "path", path, "error", err)
		}
	}
	return nil
}

// expiryNotice schedules an expiry another server set (setExpiry).
func (s *Server) expiryNotice(p *pubsub.Publication) {
	var path string
	if err := json.Unmarshal(p.Meta, &path); err != nil || path == "" {
		s.log.Warn("broker: malformed expiry notice ignored", "origin", p.Origin)
		return
	}
	if at := gjson.GetBytes(p.Data, "at"); at.Type == gjson.Number {
		s.schedule(path, at.Int(), at.Int()+expiryGrace)
	}
}

// schedule adds an expiry to the in-memory side, to be acted on at fire.
func (s *Server) schedule(path string, at, fire int64) {
	e := &s.expiries
	e.mu.Lock()
	earliest := len(e.queue) == 0 || fire < e.queue[0].fire
	e.at[path] = at
	heap.Push(&e.queue, expiry{at, fire, path})
	e.n.Store(int64(len(e.at)))
	if len(e.queue) > 2*len(e.at)+1024 {
		// Mostly stale entries (documents re-set with a long ttl many
		// times): start again from the live ones.
		e.queue = e.queue[:0]
		for p, t := range e.at {
			e.queue = append(e.queue, expiry{t, t, p})
		}
		heap.Init(&e.queue)
	}
	e.mu.Unlock()
	if earliest {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

// clearExpiry makes path permanent again, if it was to expire. It costs
// an atomic load when nothing expires.
func (s *Server) clearExpiry(ctx context.Context, path string) error {
	e := &s.expiries
	if e.n.Load() == 0 {
		return nil
	}
	e.mu.Lock()
	_, ok := e.at[path]
	delete(e.at, path) // its heap entry goes stale
	e.n.Store(int64(len(e.at)))
	e.mu.Unlock()
	if !ok {
		return nil
	}
	_, err := s.store.Delete(ctx, expiresRoot+path)
	return err
}

// clearRemovedExpiries ends the expiries of the paths a remove of
// pattern took away (with criteria, not every match is gone). It takes
// each path's stripe lock, so the caller must hold none.
func (s *Server) clearRemovedExpiries(ctx context.Context, pattern string) error {
	e := &s.expiries
	if e.n.Load() == 0 {
		return nil
	}
	var matched []string
	e.mu.Lock()
	for p := range e.at {
		if wildcard.Match(pattern, p) {
			matched = append(matched, p)
		}
	}
	e.mu.Unlock()
	for _, p := range matched {
		lock := s.stripe(p)
		lock.Lock()
		_, ok, err := s.store.Get(ctx, p)
		if err == nil && !ok { // not written again since
			err = s.clearExpiry(ctx, p)
		}
		lock.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// runExpiries removes documents as they expire, until the server closes.
func (s *Server) runExpiries() {
	defer s.wg.Done()
	e := &s.expiries
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e.mu.Lock()
		wait := time.Hour
		if len(e.queue) > 0 {
			wait = time.Until(time.UnixMilli(e.queue[0].fire))
		}
		e.mu.Unlock()
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-e.wake:
				continue
			case <-s.ctx.Done():
				return
			}
		}
		now := time.Now().UnixMilli()
		var due []expiry
		e.mu.Lock()
		for len(e.queue) > 0 && e.queue[0].fire <= now {
			due = append(due, heap.Pop(&e.queue).(expiry))
		}
		e.mu.Unlock()
		for _, d := range due {
			if s.ctx.Err() != nil {
				return
			}
			if err := s.expire(d); err != nil {
				s.log.Error("removing an expired document; trying again in a second", "path", d.path, "err", err)
				e.mu.Lock()
				if e.at[d.path] == d.at {
					heap.Push(&e.queue, expiry{d.at, time.Now().UnixMilli() + 1000, d.path})
				}
				e.mu.Unlock()
			}
		}
	}
}

// expiredMeta is the custom meta of an expiry's remove event.
var expiredMeta = []byte(`{"expired":true}`)

// expire removes the document of d, unless a write since gave it another
// expiry or none, and publishes its removal.
func (s *Server) expire(d expiry) error {
	lock := s.stripe(d.path)
	lock.Lock()
	defer lock.Unlock()
	e := &s.expiries
	e.mu.Lock()
	current, ok := e.at[d.path]
	e.mu.Unlock()
	if !ok || current != d.at {
		return nil // stale: cleared or moved
	}
	// The record decides (another server sharing the store may have
	// cleared or moved the expiry since).
	rec, ok, err := s.store.Get(s.ctx, expiresRoot+d.path)
	if err != nil {
		return err
	}
	if !ok || gjson.GetBytes(rec.Data, "at").Int() != d.at {
		e.mu.Lock()
		if e.at[d.path] == d.at {
			delete(e.at, d.path)
			e.n.Store(int64(len(e.at)))
		}
		e.mu.Unlock()
		return nil
	}
	n, err := s.store.Delete(s.ctx, d.path)
	if err != nil {
		return err
	}
	if err := s.clearExpiry(s.ctx, d.path); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	s.counters.expired.Add(1)
	ev := &event{
		action:      pubsub.Remove,
		path:        d.path,
		origin:      s.name,
		eventID:     strconv.AppendInt(nil, d.at, 10),
		consistency: Transactional,
		data:        removedData(n),
		meta:        expiredMeta,
	}
	s.publish(ev, nil)
	s.forward(ev)
	return nil
}
