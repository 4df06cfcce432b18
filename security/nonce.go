package security

import (
	"sync"
	"time"
)

// maxNonces bounds the nonces waiting to be used.
const maxNonces = 100_000

// nonceCache holds the nonce issued for each public key (SPEC §7.4
// request-nonce), as happn-3's cache does: one per key, valid for ttl,
// and, unlike happn-3's, usable once.
type nonceCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]nonceEntry
}

type nonceEntry struct {
	nonce   string
	expires time.Time
}

func newNonceCache(ttl time.Duration) *nonceCache {
	return &nonceCache{ttl: ttl, m: make(map[string]nonceEntry)}
}

func (c *nonceCache) put(publicKey, nonce string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxNonces {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxNonces {
			clear(c.m) // a flood; honest clients just ask again
		}
	}
	c.m[publicKey] = nonceEntry{nonce: nonce, expires: now.Add(c.ttl)}
}

// take returns the live nonce of publicKey and forgets it.
func (c *nonceCache) take(publicKey string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[publicKey]
	if !ok {
		return "", false
	}
	delete(c.m, publicKey)
	if now.After(e.expires) {
		return "", false
	}
	return e.nonce, true
}
