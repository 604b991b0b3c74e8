package memory

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

// Sessions is the in-memory SessionRevocations.
type Sessions struct{ s *Store }

var _ application.SessionRevocations = (*Sessions)(nil)

// Sessions returns the session revocation store.
func (s *Store) Sessions() *Sessions { return &Sessions{s} }

// Revoke implements application.SessionRevocations.
func (r *Sessions) Revoke(ctx context.Context, sid string, now, until time.Time) error {
	return r.s.with(ctx, func(st *state) error {
		for k, u := range st.revoked { // forget what has expired, like the SQL store
			if !now.Before(u) {
				delete(st.revoked, k)
			}
		}
		if until = norm(until); until.After(st.revoked[sid]) {
			st.revoked[sid] = until
		}
		return nil
	})
}

// Revoked implements application.SessionRevocations.
func (r *Sessions) Revoked(ctx context.Context, sid string, now time.Time) (bool, error) {
	revoked := false
	err := r.s.with(ctx, func(st *state) error {
		until, ok := st.revoked[sid]
		revoked = ok && now.Before(until)
		return nil
	})
	return revoked, err
}
