package memory

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Tokens is the in-memory TokenStore; several app instances in one test process can
// share one to model the central store.
type Tokens struct{ s *Store }

var _ application.TokenStore = (*Tokens)(nil)

// Token implements application.TokenStore.
func (r *Tokens) Token(ctx context.Context, appID string) (domain.AccessToken, error) {
	var t domain.AccessToken
	err := r.s.with(ctx, func(st *state) error {
		row, ok := st.tokens[appID]
		if !ok || row.token.Value == "" {
			return application.NotFound("access token", nil)
		}
		t = row.token
		return nil
	})
	return t, err
}

// AcquireLease implements application.TokenStore.
func (r *Tokens) AcquireLease(ctx context.Context, appID, holder string, now, until time.Time) (bool, error) {
	granted := false
	err := r.s.with(ctx, func(st *state) error {
		row := st.tokens[appID]
		if row.leaseHolder != "" && row.leaseHolder != holder && now.Before(row.leaseUntil) {
			return nil
		}
		row.leaseHolder, row.leaseUntil = holder, until
		st.tokens[appID] = row
		granted = true
		return nil
	})
	return granted, err
}

// PutToken implements application.TokenStore.
func (r *Tokens) PutToken(ctx context.Context, appID, holder string, t domain.AccessToken) error {
	return r.s.with(ctx, func(st *state) error {
		row := st.tokens[appID]
		t.ExpiresAt = norm(t.ExpiresAt)
		row.token = t
		if row.leaseHolder == holder {
			row.leaseHolder, row.leaseUntil = "", time.Time{}
		}
		st.tokens[appID] = row
		return nil
	})
}

// ReleaseLease implements application.TokenStore.
func (r *Tokens) ReleaseLease(ctx context.Context, appID, holder string) error {
	return r.s.with(ctx, func(st *state) error {
		row := st.tokens[appID]
		if row.leaseHolder == holder {
			row.leaseHolder, row.leaseUntil = "", time.Time{}
			st.tokens[appID] = row
		}
		return nil
	})
}

// Invalidate implements application.TokenStore.
func (r *Tokens) Invalidate(ctx context.Context, appID, value string) (bool, error) {
	removed := false
	err := r.s.with(ctx, func(st *state) error {
		row, ok := st.tokens[appID]
		if ok && value != "" && row.token.Value == value {
			row.token = domain.AccessToken{}
			st.tokens[appID] = row
			removed = true
		}
		return nil
	})
	return removed, err
}
