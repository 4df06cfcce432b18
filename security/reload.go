package security

import (
	"context"

	"github.com/happn-go/happn/store"
)

// Reload reads the directory (users, groups, links, lookup tables) and
// the revoked tokens again from the store. It is for servers that share a
// store: after another server changed the security data there, this one
// reloads to see it (the server does it when its pubsub.Broker says so).
// Decisions use the new data at once. It announces one Change with
// Reloaded set that concerns every user, for the server to re-check
// subscriptions, and, when users have gone (or been deleted and created
// again), one that ends their sessions, as DeleteUser does.
func (s *Service) Reload(ctx context.Context) error {
	if s == nil {
		return ErrNotSecure
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := loadDirectory(ctx, s.st)
	if err != nil {
		return err
	}
	old := s.dir.Load()
	d.gen = old.gen + 1
	s.dir.Store(d)
	if err := s.revoked.reload(ctx, s.st); err != nil {
		return err
	}
	everyone, gone := map[string]bool{}, map[string]bool{}
	for name, u := range old.users {
		everyone[name] = true
		if now, ok := d.users[name]; !ok || now.UserID != u.UserID {
			gone[name] = true
		}
	}
	for name := range d.users {
		everyone[name] = true
	}
	if len(gone) > 0 {
		s.notify(Change{Event: "delete-user", End: "security directory update: user deleted", Reloaded: true, users: gone})
	}
	s.notify(Change{Event: "directory-reloaded", Reloaded: true, users: everyone})
	return nil
}

// reload replaces the revoked tokens with the store's, and makes every
// session look again.
func (r *revocations) reload(ctx context.Context, st store.Store) error {
	fresh := &revocations{}
	if err := fresh.load(ctx, st); err != nil {
		return err
	}
	r.mu.Lock()
	r.m = fresh.m
	r.mu.Unlock()
	r.gen.Add(1)
	return nil
}
