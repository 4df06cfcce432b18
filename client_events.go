package happn

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/happn-go/happn/internal/wildcard"
)

// ListenerID identifies a subscription made with On.
type ListenerID int64

// listener is one On subscription on the client side.
type listener struct {
	id      ListenerID
	path    string
	channel string
	ref     string
	handler func(*Event)
	// options are the "on" options sent again when the client reconnects
	// (without initial values).
	options []byte
	// remaining counts down to the end of a Count(n) subscription; 0
	// means unlimited.
	remaining int
	// For "/**" subscriptions: the fixed part and the depth, so events
	// deeper than the listener asked for are not delivered.
	varPrefix string
	depth     int
	// waiting is true while the listener's initial values are on their
	// way (InitialCallback, InitialEmit): its events wait in held, so
	// that the handler gets them after the values and one at a time on
	// the dispatcher's goroutine, whatever order the server sent them in.
	waiting bool
	held    []heldEvent
}

// heldEvent is an event waiting for its listener's initial values;
// initial marks one of those values (InitialEmit), which Count ignores.
type heldEvent struct {
	ev      *Event
	initial bool
}

// On subscribes handler to events on path and returns the listener's id.
// In a subscription path '*' stands for exactly one whole segment
// ("/a/*" gets "/a/b" but not "/a/b/c"), a trailing "/**" for one to
// Depth segments, and "*" alone for everything. Options: EventType, Count (Once),
// InitialCallback, InitialEmit, Depth, MergeOnly.
func (c *Client) On(ctx context.Context, path string, handler func(*Event), opts ...Option) (ListenerID, error) {
	if handler == nil {
		return 0, badRequest("On needs a handler")
	}
	o := collect(opts)
	et := o.eventType
	if et == "" {
		et = AllEvents
	}
	channel := "/" + strings.ToUpper(string(et)) + "@" + path
	if err := checkPath(channel, "on"); err != nil {
		return 0, err
	}
	options := map[string]any{"event_type": string(et), "count": o.count}
	if o.depth > 0 {
		options["depth"] = o.depth
	}
	if o.mergeOnly {
		options["merge"] = true
	}
	if o.onBehalfOf != "" {
		options["onBehalfOf"] = o.onBehalfOf
	}
	again, err := json.Marshal(options)
	if err != nil {
		return 0, err
	}
	if o.initialCallback != nil {
		options["initialCallback"] = true
	}
	if o.initialEmit {
		options["initialEmit"] = true
	}
	raw, err := json.Marshal(options)
	if err != nil {
		return 0, err
	}
	l := &listener{id: ListenerID(c.nextID.Add(1)), path: path, channel: channel, handler: handler, options: again, remaining: o.count,
		waiting: o.initialCallback != nil || o.initialEmit}
	if strings.HasSuffix(path, "/**") {
		l.varPrefix = strings.TrimSuffix(path, "**")
		l.depth = o.depth
		if l.depth <= 0 {
			l.depth = DefaultDepth
		}
	}
	// Register first: an event may arrive before the response does.
	c.mu.Lock()
	c.listeners[channel] = append(c.listeners[channel], l)
	c.byID[l.id] = l
	c.mu.Unlock()

	resp, err := c.call(ctx, protocol.ActionOn, channel, true, []byte("null"), raw)
	if err != nil {
		c.dropListener(l)
		return 0, err
	}
	data := resp.data
	if data.IsArray() {
		c.mu.Lock()
		l.ref = resp.meta.Get("referenceId").String()
		c.mu.Unlock()
		items := make([]Item, 0, len(data.Array()))
		for _, el := range data.Array() {
			items = append(items, parseListItem(el))
		}
		if o.initialCallback != nil {
			o.initialCallback(items)
		}
		var initial []heldEvent
		if o.initialEmit {
			for i := range items {
				initial = append(initial, heldEvent{initial: true, ev: &Event{Data: items[i].Data, Meta: EventMeta{Path: items[i].Meta.Path,
					Channel: channel, Created: items[i].Meta.Created, Modified: items[i].Meta.Modified}}})
			}
		}
		c.releaseListener(l, initial)
	} else {
		c.mu.Lock()
		l.ref = data.Get("id").String()
		c.mu.Unlock()
	}
	return l.id, nil
}

// OnAll subscribes handler to every event on the server.
func (c *Client) OnAll(ctx context.Context, handler func(*Event), opts ...Option) (ListenerID, error) {
	return c.On(ctx, "*", handler, opts...)
}

// dropListener forgets a listener locally; it reports whether it was
// still registered.
func (c *Client) dropListener(l *listener) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID[l.id] != l {
		return false
	}
	delete(c.byID, l.id)
	list := c.listeners[l.channel]
	for i, other := range list {
		if other == l {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(c.listeners, l.channel)
	} else {
		c.listeners[l.channel] = list
	}
	return true
}

// Off ends the subscription id.
func (c *Client) Off(ctx context.Context, id ListenerID) error {
	c.mu.Lock()
	l := c.byID[id]
	c.mu.Unlock()
	if l == nil {
		return badRequest("no listener with id " + strconv.FormatInt(int64(id), 10))
	}
	return c.off(ctx, l)
}

func (c *Client) off(ctx context.Context, l *listener) error {
	if !c.dropListener(l) {
		return nil
	}
	return c.offServer(ctx, l)
}

// offServer ends a listener's server subscription.
func (c *Client) offServer(ctx context.Context, l *listener) error {
	c.mu.Lock()
	ref := l.ref
	c.mu.Unlock()
	opts, _ := json.Marshal(map[string]any{"referenceId": ref})
	_, err := c.call(ctx, protocol.ActionOff, l.channel, true, []byte("null"), opts)
	return err
}

// OffPath ends every subscription whose path matches pattern ('*'
// crosses '/', case-insensitive, as happn-3's offPath).
func (c *Client) OffPath(ctx context.Context, pattern string) error {
	c.mu.Lock()
	var matched []*listener
	for _, l := range c.byID {
		if wildcard.MatchFold(pattern, l.path) {
			matched = append(matched, l)
		}
	}
	c.mu.Unlock()
	for _, l := range matched {
		if err := c.off(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// OffAll ends every subscription of this client.
func (c *Client) OffAll(ctx context.Context) error {
	c.mu.Lock()
	c.listeners = make(map[string][]*listener)
	c.byID = make(map[ListenerID]*listener)
	c.mu.Unlock()
	_, err := c.call(ctx, protocol.ActionOff, "*", true, []byte("null"), []byte(`{"referenceId":0}`))
	return err
}

// releaseListener ends l's wait for its initial values: the dispatcher
// hands it initial (InitialEmit's values), then the events held meanwhile.
func (c *Client) releaseListener(l *listener, initial []heldEvent) {
	c.mu.Lock()
	l.held = append(initial, l.held...)
	l.waiting = false
	if len(l.held) > 0 {
		c.released = append(c.released, l)
	}
	c.mu.Unlock()
	select {
	case c.release <- struct{}{}:
	default: // already due
	}
}

// deliverReleased hands the released listeners what they hold; it runs
// on the dispatcher's goroutine before any newer event.
func (c *Client) deliverReleased() {
	c.mu.Lock()
	released := c.released
	c.released = nil
	c.mu.Unlock()
	for _, l := range released {
		c.deliverHeld(l)
	}
}

// deliverHeld hands l the events it holds, in order.
func (c *Client) deliverHeld(l *listener) {
	c.mu.Lock()
	held := l.held
	l.held = nil
	c.mu.Unlock()
	for _, h := range held {
		if h.initial {
			c.mu.Lock()
			live := c.byID[l.id] == l
			c.mu.Unlock()
			if live {
				l.handler(h.ev)
			}
			continue
		}
		c.handOver(l, h.ev)
	}
}

// dispatchEvent delivers one publication to the listeners of its channel.
func (c *Client) dispatchEvent(msg *message) {
	m := parseEventMeta(msg.meta)
	if m.Consistency == Acknowledged {
		c.sendAck(m.PublicationID)
	}
	c.mu.Lock()
	list := append([]*listener(nil), c.listeners[m.Channel]...)
	c.mu.Unlock()
	if len(list) == 0 {
		return
	}
	ev := &Event{Data: json.RawMessage(msg.data.Raw), Meta: m}
	for _, l := range list {
		if l.varPrefix != "" && segmentsBelow(l.varPrefix, m.Path) > l.depth {
			continue
		}
		c.mu.Lock()
		if l.waiting {
			l.held = append(l.held, heldEvent{ev: ev})
			c.mu.Unlock()
			continue
		}
		earlier := len(l.held) > 0 // released after deliverReleased looked
		c.mu.Unlock()
		if earlier {
			c.deliverHeld(l)
		}
		c.handOver(l, ev)
	}
}

// handOver calls l's handler with ev, unless l has ended, and ends l when
// ev is the last of its Count.
func (c *Client) handOver(l *listener, ev *Event) {
	c.mu.Lock()
	live := c.byID[l.id] == l
	last := false
	if live && l.remaining > 0 {
		l.remaining--
		last = l.remaining == 0
	}
	c.mu.Unlock()
	if !live {
		return // ended by Off or by its Count while events were queued
	}
	if last {
		// The count is enforced here; the server is told afterwards.
		c.dropListener(l)
		go c.offServer(context.Background(), l)
	}
	l.handler(ev)
}

// segmentsBelow counts the segments of path after prefix.
func segmentsBelow(prefix, path string) int {
	rest := strings.TrimPrefix(strings.TrimPrefix(path, "/"), strings.TrimPrefix(prefix, "/"))
	if rest == "" {
		return 0
	}
	return strings.Count(rest, "/") + 1
}

// sendAck acknowledges an ACKNOWLEDGED publication. The answer is not
// waited for.
func (c *Client) sendAck(publicationID string) {
	id := c.nextID.Add(1)
	b := []byte(`{"action":"ack","eventId":`)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"data":`...)
	b = protocol.AppendString(b, publicationID)
	c.mu.Lock()
	sid := c.sessionID
	c.mu.Unlock()
	b = append(b, `,"sessionId":`...)
	b = protocol.AppendString(b, sid)
	c.conn.Send(append(b, '}'))
}
