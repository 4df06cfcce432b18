package security

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/happn-go/happn/store"
)

// revocations is the list of revoked tokens (SPEC §7.8), kept in the
// store under /_SYSTEM/_SECURITY/_REVOKED/<sha256 of the token> so that
// it survives a restart, and in memory. An entry is dropped once its
// token would have expired anyway; tokens without a ttl stay revoked
// for good.
type revocations struct {
	gen atomic.Uint64 // bumped by every revocation; 0 means none ever
	mu  sync.RWMutex
	m   map[string]int64 // token hash → expiry (Unix ms), 0 = never
}

type revokedRecord struct {
	Expires  int64  `json:"expires"`
	Reason   string `json:"reason,omitempty"`
	ParentID string `json:"parentId,omitempty"`
	Revoked  int64  `json:"revoked"`
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (r *revocations) load(ctx context.Context, st store.Store) error {
	r.m = make(map[string]int64)
	now := time.Now().UnixMilli()
	var expired []string
	for it, err := range st.Scan(ctx, revokedRoot+"*") {
		if err != nil {
			return fmt.Errorf("security: reading revoked tokens: %w", err)
		}
		var rec revokedRecord
		if json.Unmarshal(it.Data, &rec) != nil {
			continue
		}
		if rec.Expires != 0 && rec.Expires <= now {
			expired = append(expired, it.Path)
			continue
		}
		r.m[strings.TrimPrefix(it.Path, revokedRoot)] = rec.Expires
	}
	for _, p := range expired {
		st.Delete(ctx, p)
	}
	if len(r.m) > 0 {
		r.gen.Store(1)
	}
	return nil
}

// add revokes a token.
func (r *revocations) add(ctx context.Context, st store.Store, token string, rec revokedRecord) error {
	h := tokenHash(token)
	if err := put(ctx, st, revokedRoot+h, rec); err != nil {
		return err
	}
	r.mu.Lock()
	r.m[h] = rec.Expires
	now := time.Now().UnixMilli()
	for k, exp := range r.m {
		if exp != 0 && exp <= now {
			delete(r.m, k)
			st.Delete(ctx, revokedRoot+k)
		}
	}
	r.mu.Unlock()
	r.gen.Add(1)
	return nil
}

// has reports whether token is revoked.
func (r *revocations) has(token string) bool {
	if r.gen.Load() == 0 {
		return false
	}
	h := tokenHash(token)
	r.mu.RLock()
	_, ok := r.m[h]
	r.mu.RUnlock()
	return ok
}

// RevokeToken revokes a session token (SPEC §7.8): it fails every later
// login and HTTP request, including after a restart, and every session
// descended from the same login is ended with reason "token-revoked".
// reason is recorded ("CLIENT" when a client revokes its own).
func (s *Service) RevokeToken(ctx context.Context, token, reason string) error {
	if s == nil {
		return ErrNotSecure
	}
	c, err := ParseToken(s.secret, token)
	if err != nil && err != ErrTokenExpired {
		return fmt.Errorf("security: cannot revoke: %w", err)
	}
	if c.ExpiresAt == 0 && s.cfg.RefuseTTL0Revocations {
		return ErrUnboundedRevocation
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := revokedRecord{Expires: c.ExpiresAt, Reason: reason, ParentID: c.ParentID, Revoked: time.Now().UnixMilli()}
	if rec.Expires == 0 {
		s.log.Warn("revoking a token without a ttl: it stays in the revocation list for good", "user", c.Username)
	}
	if err := s.revoked.add(ctx, s.st, token, rec); err != nil {
		return err
	}
	data := mustJSON(map[string]any{"session": map[string]any{"id": c.SessionID, "parentId": c.ParentID, "username": c.Username}, "reason": reason, "timestamp": rec.Revoked})
	s.notify(Change{Event: "token-revoked", Data: data, End: "token-revoked", parentID: c.ParentID})
	return nil
}
