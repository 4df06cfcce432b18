package happn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/tidwall/gjson"
)

// encodeData encodes a value to store: json.RawMessage and []byte are
// taken as JSON; anything else goes through encoding/json.
func encodeData(v any) ([]byte, error) {
	switch x := v.(type) {
	case json.RawMessage:
		return x, nil
	case []byte:
		return x, nil
	}
	return json.Marshal(v)
}

// setOptions encodes the options of a set-like request.
func (o *callOptions) setOptions(extra map[string]any) ([]byte, error) {
	if !o.merge && !o.noPublish && o.tag == "" && o.meta == nil && o.targetClients == nil && !o.hasConsist && o.onBehalfOf == "" && o.ttl == 0 && !o.noCluster && len(extra) == 0 {
		return nil, nil // the common case, without a map and an encoding
	}
	m := map[string]any{}
	if o.merge {
		m["merge"] = true
	}
	if o.noPublish {
		m["noPublish"] = true
	}
	if o.tag != "" {
		m["tag"] = o.tag
	}
	if o.meta != nil {
		m["meta"] = o.meta
	}
	if o.targetClients != nil {
		m["targetClients"] = o.targetClients
	}
	if o.hasConsist {
		m["consistency"] = o.consistency
	}
	if o.onBehalfOf != "" {
		m["onBehalfOf"] = o.onBehalfOf
	}
	if o.noCluster {
		m["noCluster"] = true
	}
	if o.ttl > 0 {
		m["ttl"] = max(o.ttl.Milliseconds(), 1)
	}
	for k, v := range extra {
		m[k] = v
	}
	if len(m) == 0 {
		return nil, nil
	}
	return json.Marshal(m)
}

// Set stores data at path, replacing what is there (or merging into it
// with Merge), and publishes a set event. data may be any JSON-encodable
// value; json.RawMessage and []byte are sent as they are. A nil data
// stores {"value": null}. It returns the stored item.
func (c *Client) Set(ctx context.Context, path string, data any, opts ...Option) (*Item, error) {
	return c.set(ctx, path, data, nil, opts)
}

// SetSibling stores data at a new unique path below path
// (path + "/" + a generated id) and publishes a set event on path.
func (c *Client) SetSibling(ctx context.Context, path string, data any, opts ...Option) (*Item, error) {
	return c.set(ctx, path, data, map[string]any{"set_type": "sibling"}, opts)
}

// Publish sends an event to the subscribers of path without storing
// anything.
func (c *Client) Publish(ctx context.Context, path string, data any, opts ...Option) error {
	_, err := c.set(ctx, path, data, map[string]any{"noStore": true, "noDataResponse": true}, opts)
	return err
}

// Increment atomically adds by to the counter named gauge stored at path
// (data[gauge].value) and returns the new value.
func (c *Client) Increment(ctx context.Context, path, gauge string, by float64, opts ...Option) (float64, error) {
	if gauge == "" {
		gauge = "counter"
	}
	o := collect(opts)
	options, err := o.setOptions(map[string]any{"increment": by})
	if err != nil {
		return 0, err
	}
	data, _ := json.Marshal(gauge)
	resp, err := c.publishCall(ctx, protocol.ActionSet, path, data, options, o)
	if err != nil {
		return 0, err
	}
	v := resp.data.Get("value")
	if v.Type != gjson.Number {
		// happn-3 concatenates onto a counter that is not a number.
		return 0, fmt.Errorf("happn: the counter %s at %s is not a number: %s", gauge, path, v.Raw)
	}
	return v.Num, nil
}

func (c *Client) set(ctx context.Context, path string, data any, extra map[string]any, opts []Option) (*Item, error) {
	if err := checkPath(path, "set"); err != nil {
		return nil, err
	}
	o := collect(opts)
	if data == nil {
		if extra == nil {
			extra = map[string]any{}
		}
		extra["nullValue"] = true
	}
	options, err := o.setOptions(extra)
	if err != nil {
		return nil, err
	}
	raw, err := encodeData(data)
	if err != nil {
		return nil, fmt.Errorf("happn: encoding data: %w", err)
	}
	resp, err := c.publishCall(ctx, protocol.ActionSet, path, raw, options, o)
	if err != nil {
		return nil, err
	}
	return resp.item(), nil // nil for Publish: no data in the response
}

// publishCall makes a set or remove call, registering its OnPublished
// callback before the request goes out so the result cannot overtake it.
//
// Only Deferred and Acknowledged publications report a result; for them a
// result that does not come within the call timeout is reported as an
// error, as happn-3's client does.
func (c *Client) publishCall(ctx context.Context, action, path string, data, options []byte, o *callOptions) (*message, error) {
	if o.onPublished == nil || !o.hasConsist || (o.consistency != Deferred && o.consistency != Acknowledged) {
		return c.call(ctx, action, path, true, data, options)
	}
	id := c.nextID.Add(1)
	fn := o.onPublished
	var once sync.Once
	report := func(r PublishResult, err error) { once.Do(func() { fn(r, err) }) }
	c.mu.Lock()
	c.published[id] = report
	c.mu.Unlock()
	resp, err := c.callID(ctx, id, false, action, path, true, data, options)
	if err != nil {
		c.mu.Lock()
		delete(c.published, id)
		c.mu.Unlock()
		return resp, err
	}
	time.AfterFunc(c.opts.callTimeout, func() {
		c.mu.Lock()
		_, waiting := c.published[id]
		delete(c.published, id)
		c.mu.Unlock()
		if waiting {
			report(PublishResult{}, fmt.Errorf("happn: publish timed out: no result within %v", c.opts.callTimeout))
		}
	})
	return resp, nil
}

// Get returns the item stored at exactly path, or nil when there is none.
// For wildcard paths use Search.
func (c *Client) Get(ctx context.Context, path string) (*Item, error) {
	if strings.IndexByte(path, '*') >= 0 {
		return nil, badRequest("Get takes an exact path; use Search for the wildcard path " + path)
	}
	resp, err := c.call(ctx, protocol.ActionGet, path, true, []byte("null"), nil)
	if err != nil {
		return nil, err
	}
	return resp.item(), nil
}

// searchOptions encodes criteria, fields, sort, limit and skip as happn-3
// expects them: {criteria, options:{fields, sort, limit, skip}}.
func (o *callOptions) searchOptions(extra map[string]any) ([]byte, error) {
	inner := map[string]any{}
	if o.fields != nil {
		f, err := toJSON(o.fields)
		if err != nil {
			return nil, err
		}
		inner["fields"] = json.RawMessage(f)
	}
	if o.sort != nil {
		s, err := toJSON(o.sort)
		if err != nil {
			return nil, err
		}
		inner["sort"] = json.RawMessage(s)
	}
	if o.limit > 0 {
		inner["limit"] = o.limit
	}
	if o.skip > 0 {
		inner["skip"] = o.skip
	}
	for k, v := range extra {
		inner[k] = v
	}
	outer := map[string]any{}
	if err := o.addCriteria(outer); err != nil {
		return nil, err
	}
	if len(inner) > 0 {
		outer["options"] = inner
	}
	if o.onBehalfOf != "" {
		outer["onBehalfOf"] = o.onBehalfOf
	}
	if len(outer) == 0 {
		return nil, nil
	}
	return json.Marshal(outer)
}

// addCriteria puts the Criteria option, if any, in m as "criteria".
func (o *callOptions) addCriteria(m map[string]any) error {
	if o.criteria == nil {
		return nil
	}
	cr, err := toJSON(o.criteria)
	if err != nil {
		return err
	}
	m["criteria"] = json.RawMessage(cr)
	return nil
}

// Search returns the items matching pattern — '*' matches any run of
// characters, '/' included — filtered by Criteria, projected by Fields,
// ordered by Sort (path order by default) and paged by Skip and Limit.
// Without options it is happn-3's wildcard get.
func (c *Client) Search(ctx context.Context, pattern string, opts ...Option) ([]Item, error) {
	options, err := collect(opts).searchOptions(nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.call(ctx, protocol.ActionGet, pattern, true, []byte("null"), options)
	if err != nil {
		return nil, err
	}
	if !resp.array {
		// An exact path answers with a single item.
		if it := resp.item(); it != nil {
			return []Item{*it}, nil
		}
		return nil, nil
	}
	return resp.items(), nil
}

// GetPaths returns the paths matching pattern, without their data.
func (c *Client) GetPaths(ctx context.Context, pattern string, opts ...Option) ([]string, error) {
	options, err := collect(opts).searchOptions(map[string]any{"path_only": true})
	if err != nil {
		return nil, err
	}
	resp, err := c.call(ctx, protocol.ActionGet, pattern, true, []byte("null"), options)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, it := range resp.items() {
		paths = append(paths, it.Meta.Path)
	}
	return paths, nil
}

// Count returns how many items match pattern (and Criteria, if given).
func (c *Client) Count(ctx context.Context, pattern string, opts ...Option) (int, error) {
	o := collect(opts)
	m := map[string]any{}
	if err := o.addCriteria(m); err != nil {
		return 0, err
	}
	if o.onBehalfOf != "" {
		m["onBehalfOf"] = o.onBehalfOf
	}
	var options []byte
	if len(m) > 0 {
		options, _ = json.Marshal(m)
	}
	resp, err := c.call(ctx, protocol.ActionCount, pattern, true, []byte("null"), options)
	if err != nil {
		return 0, err
	}
	return int(resp.data.Get("value").Int()), nil
}

// Remove deletes the item at path, or every item matching a wildcard
// pattern, publishes one remove event, and returns how many items were
// removed.
func (c *Client) Remove(ctx context.Context, pattern string, opts ...Option) (int, error) {
	if err := checkPath(pattern, "remove"); err != nil {
		return 0, err
	}
	o := collect(opts)
	extra := map[string]any{}
	if err := o.addCriteria(extra); err != nil {
		return 0, err
	}
	options, err := o.setOptions(extra)
	if err != nil {
		return 0, err
	}
	resp, err := c.publishCall(ctx, protocol.ActionRemove, pattern, []byte("null"), options, o)
	if err != nil {
		return 0, err
	}
	return int(resp.data.Get("removed").Int()), nil
}
