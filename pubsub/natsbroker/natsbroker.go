// Package natsbroker is a pubsub.Broker over NATS (https://nats.io): the
// happn servers of a cluster publish their events, as JSON, on one NATS
// subject and each delivers the others' to its own subscribers.
//
//	nc, err := nats.Connect(url, nats.NoEcho())
//	...
//	srv, err := happn.New(happn.Config{Name: "node-1", Broker: natsbroker.New(nc, natsbroker.Options{})})
//
// It is its own Go module, so that the core module does not depend on
// NATS. Delivery is NATS core's: at most once, in order from each
// publisher; an event bigger than the NATS server's max_payload (1 MiB by
// default) is not passed on (the publishing server logs it), and a node
// that falls too far behind loses events (NATS' slow-consumer limits).
// Nodes need distinct names (Config.Name): a server ignores events that
// carry its own name, which it gets back unless the connection has
// nats.NoEcho.
package natsbroker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"

	"github.com/happn-go/happn/pubsub"
	"github.com/nats-io/nats.go"
)

// DefaultSubject is the subject events travel on unless Options.Subject
// says otherwise.
const DefaultSubject = "happn.events"

// Options configure a Broker. The zero value is ready to use.
type Options struct {
	// Subject is the NATS subject of the cluster's events. Clusters that
	// share a NATS server keep apart by using different subjects.
	// Default: DefaultSubject.
	Subject string
	// Logger reports messages on the subject that are not events.
	// Default: slog.Default().
	Logger *slog.Logger
}

// Broker is a pubsub.Broker over a NATS connection. The connection stays
// the caller's: the Broker neither drains nor closes it.
type Broker struct {
	nc      *nats.Conn
	subject string
	log     *slog.Logger
}

var _ pubsub.Broker = (*Broker)(nil)

// New returns a Broker publishing and subscribing on nc.
func New(nc *nats.Conn, opts Options) *Broker {
	if opts.Subject == "" {
		opts.Subject = DefaultSubject
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Broker{nc: nc, subject: opts.Subject, log: opts.Logger}
}

// Publish sends p to the other nodes. It returns once the event is in the
// connection's outgoing buffer, not when anyone has received it.
func (b *Broker) Publish(ctx context.Context, p *pubsub.Publication) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return b.nc.Publish(b.subject, data)
}

// Subscribe delivers the events published on the subject to deliver, one
// at a time and in order, until stop. stop waits for a delivery in
// progress, and none follows it.
func (b *Broker) Subscribe(deliver func(*pubsub.Publication)) (stop func(), err error) {
	var (
		mu      sync.Mutex
		stopped bool
	)
	sub, err := b.nc.Subscribe(b.subject, func(m *nats.Msg) {
		var p pubsub.Publication
		if err := json.Unmarshal(m.Data, &p); err != nil {
			b.log.Warn("natsbroker: a message that is not an event ignored", "subject", m.Subject, "error", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			deliver(&p)
		}
	})
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
				b.log.Warn("natsbroker: unsubscribing", "subject", b.subject, "error", err)
			}
			mu.Lock()
			stopped = true
			mu.Unlock()
		})
	}, nil
}
