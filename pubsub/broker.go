package pubsub

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
)

// Broker carries publications between the servers (nodes) of a cluster,
// so that a client subscribed on one node gets the events of sets and
// removes made on another. Each node publishes what happens on it and
// fans out, to its own subscribers, what arrives from the others.
//
// A server without a Broker (the default) delivers to its own
// subscribers only. Secure servers also pass, as a publication on
// /_SYSTEM/_SECURITY/_CHANGED that is never delivered to clients, a
// notice that they changed the security data, for the others to reload
// it from the store they share. Nodes that share a Broker should share their data
// too (one store behind them all), or a client reading after an event
// may not find the item on its own node.
//
// Delivery across nodes is at most once and asynchronous to the
// publisher: its set returns once its own node's subscribers have their
// events (whatever the consistency level), and acknowledgements are
// counted on the publisher's node only. Publications from one node
// arrive at another in the order that node published them when the
// Broker keeps order, as the Hub does.
type Broker interface {
	// Publish hands a publication made on this node to the other nodes.
	// It should not block for long: the publisher's request waits for
	// it. ctx ends when the server closes. The slices in p are only
	// valid during the call; a Broker that keeps them, or sends them
	// later, must copy them.
	Publish(ctx context.Context, p *Publication) error
	// Subscribe starts the delivery of the other nodes' publications to
	// deliver, one at a time, and returns the function that stops it.
	// deliver must not be called after stop returns. The publication
	// passed to deliver is only valid during the call.
	Subscribe(deliver func(*Publication)) (stop func(), err error)
}

// Publication is an event as it travels between nodes: everything a node
// needs to deliver it to its own subscribers. It marshals to JSON, for
// Brokers that carry it over a network.
type Publication struct {
	// Origin is the name of the node the event happened on.
	Origin string `json:"origin"`
	// Instance identifies the server process the event happened on, so
	// that a server can ignore its own events (a broker may echo them)
	// even when servers share a name, as they do when they share a store
	// and none was given one (a server keeps its name in its store).
	Instance string `json:"instance,omitempty"`
	// Action is Set or Remove.
	Action Action `json:"action"`
	// Path is the path the event is about (for a wildcard remove, the
	// pattern).
	Path string `json:"path"`
	// Data is the event's payload: the item as stored, or for a remove
	// the count removed, as happn-3 sends it.
	Data json.RawMessage `json:"data"`
	// Patch is what merge subscribers get instead of Data: the request's
	// data, for a merge set; nil otherwise.
	Patch json.RawMessage `json:"patch,omitempty"`
	// Created and Modified are the item's timestamps (ms since the epoch).
	Created  int64 `json:"created,omitempty"`
	Modified int64 `json:"modified,omitempty"`
	// Meta is the publisher's custom event meta, a JSON object, or nil.
	Meta json.RawMessage `json:"meta,omitempty"`
	// SessionID and Username identify the publisher (Username in secure
	// mode only).
	SessionID string `json:"sessionId"`
	Username  string `json:"username,omitempty"`
	// ID is the publication's id, unique in the cluster.
	ID string `json:"id"`
	// Consistency is the publisher's consistency level (happn-3's
	// numbers: 0 QUEUED ... 3 ACKNOWLEDGED).
	Consistency int `json:"consistency"`
	// TargetClients, when not nil, restricts delivery to these session
	// ids.
	TargetClients []string `json:"targetClients,omitempty"`
}

// ErrStopped is returned by a Hub's broker used after its stop.
var ErrStopped = errors.New("pubsub: broker stopped")

// Hub links the Brokers of nodes in one process: every publication one
// of them publishes is delivered, on the publisher's goroutine, to every
// other one subscribed. It is the in-process broker: for several
// servers in one program, and for tests of code written against Broker.
// The zero value is ready to use.
type Hub struct {
	mu    sync.RWMutex
	nodes map[*hubBroker]func(*Publication)
}

// Broker returns a new node's Broker on the hub.
func (h *Hub) Broker() Broker { return &hubBroker{hub: h} }

type hubBroker struct {
	hub *Hub
	// deliverMu makes stop wait for a delivery in progress.
	deliverMu sync.Mutex
	stopped   bool
}

func (b *hubBroker) Publish(ctx context.Context, p *Publication) error {
	h := b.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	if _, ok := h.nodes[b]; !ok {
		return ErrStopped
	}
	for other, deliver := range h.nodes {
		if other != b {
			other.deliver(deliver, p)
		}
	}
	return nil
}

// deliver calls fn with p unless the node has stopped.
func (b *hubBroker) deliver(fn func(*Publication), p *Publication) {
	b.deliverMu.Lock()
	defer b.deliverMu.Unlock()
	if !b.stopped {
		fn(p)
	}
}

func (b *hubBroker) Subscribe(deliver func(*Publication)) (func(), error) {
	h := b.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.nodes[b]; ok || b.stopped {
		return nil, errors.New("pubsub: a hub broker subscribes once")
	}
	if h.nodes == nil {
		h.nodes = make(map[*hubBroker]func(*Publication))
	}
	h.nodes[b] = deliver
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.nodes, b)
			h.mu.Unlock()
			b.deliverMu.Lock()
			b.stopped = true
			b.deliverMu.Unlock()
		})
	}, nil
}
