package security

import (
	"sync"
	"time"
)

// maxLockoutEntries bounds the lockout table: a flood of failed logins
// for random usernames must not grow it without limit. When it is full
// the oldest entries are dropped first.
const maxLockoutEntries = 100_000

// lockoutTable counts failed logins per username (SPEC §7.4): after
// Attempts failures within RetryInterval of each other the username is
// locked out until RetryInterval has passed since the last one. Unknown
// usernames are counted too, so that lockout does not tell which exist.
type lockoutTable struct {
	cfg Lockout
	mu  sync.Mutex
	m   map[string]*lockEntry
}

type lockEntry struct {
	attempts int
	until    time.Time // forget the entry after this
}

func newLockoutTable(cfg Lockout) *lockoutTable {
	return &lockoutTable{cfg: cfg, m: make(map[string]*lockEntry)}
}

// locked reports whether username is locked out at now.
func (t *lockoutTable) locked(username string, now time.Time) bool {
	if t.cfg.Disabled {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[username]
	if e == nil {
		return false
	}
	if now.After(e.until) {
		delete(t.m, username)
		return false
	}
	return e.attempts >= t.cfg.Attempts
}

// failed records a failed login.
func (t *lockoutTable) failed(username string, now time.Time) {
	if t.cfg.Disabled {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[username]
	if e == nil || now.After(e.until) {
		if len(t.m) >= maxLockoutEntries {
			t.prune(now)
		}
		e = &lockEntry{}
		t.m[username] = e
	}
	e.attempts++
	e.until = now.Add(time.Duration(t.cfg.RetryInterval))
}

// succeeded forgets the failures of username.
func (t *lockoutTable) succeeded(username string) {
	if t.cfg.Disabled {
		return
	}
	t.mu.Lock()
	delete(t.m, username)
	t.mu.Unlock()
}

// prune drops expired entries, and if that is not enough, half of the
// rest, those expiring soonest. The caller holds mu.
func (t *lockoutTable) prune(now time.Time) {
	for k, e := range t.m {
		if now.After(e.until) {
			delete(t.m, k)
		}
	}
	if len(t.m) < maxLockoutEntries {
		return
	}
	cut := now.Add(time.Duration(t.cfg.RetryInterval) / 2)
	for k, e := range t.m {
		if e.until.Before(cut) {
			delete(t.m, k)
		}
	}
}
