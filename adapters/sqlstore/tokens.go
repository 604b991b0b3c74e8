package sqlstore

import (
	"context"
	"database/sql"
	"github.com/uptrace/bun"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.TokenStore = (*Tokens)(nil)

// Tokens implements application.TokenStore: one row per appid holding the shared
// access_token and the refresh lease. Every change is a conditional UPDATE whose
// matched-row count decides, so it is correct across instances and cluster nodes.
type Tokens struct{ db *DB }

// Token implements application.TokenStore; a row whose token was invalidated is
// ErrNotFound.
func (r *Tokens) Token(ctx context.Context, appID string) (domain.AccessToken, error) {
	var row accessTokenRow
	err := r.db.idb(ctx).NewSelect().Model(&row).Where("appid = ?", appID).Where("token <> ''").Limit(1).Scan(ctx)
	if err != nil {
		return domain.AccessToken{}, r.db.mapErr("access token", err)
	}
	t := domain.AccessToken{Value: row.Token}
	if !row.ExpiresAt.IsZero() {
		t.ExpiresAt = row.ExpiresAt.UTC()
	}
	return t, nil
}

// ensureRow creates the empty row for appID if it is missing, so that the lease and
// token updates below always have a row to compare against.
func (r *Tokens) ensureRow(ctx context.Context, appID string) error {
	row := accessTokenRow{AppID: appID}
	_, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		q := db.NewInsert().Model(&row)
		if r.db.dialect == DialectMySQL {
			q = q.Ignore()
		} else {
			q = q.On("CONFLICT (appid) DO NOTHING")
		}
		return q.Exec(ctx)
	})
	return r.db.mapErr("access token", err)
}

// AcquireLease implements application.TokenStore with one conditional UPDATE: it
// matches only when the lease is free, expired at now, or already holder's.
func (r *Tokens) AcquireLease(ctx context.Context, appID, holder string, now, until time.Time) (bool, error) {
	if err := r.ensureRow(ctx, appID); err != nil {
		return false, err
	}
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*accessTokenRow)(nil)).
			Set("lease_holder = ?", holder).Set("lease_until = ?", dbTime(until)).
			Where("appid = ?", appID).
			Where("(lease_until IS NULL OR lease_until <= ? OR lease_holder = ?)", dbTime(now), holder).
			Exec(ctx)
	})
	n, err := r.db.affected("access token lease", res, err)
	return n == 1, err
}

// PutToken implements application.TokenStore: it stores the token whoever holds the
// lease (a fresh token is always better than an older one) and frees holder's lease.
func (r *Tokens) PutToken(ctx context.Context, appID, holder string, t domain.AccessToken) error {
	if err := r.ensureRow(ctx, appID); err != nil {
		return err
	}
	_, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*accessTokenRow)(nil)).
			Set("token = ?", t.Value).Set("expires_at = ?", nullTime(t.ExpiresAt)).
			Set("lease_until = CASE WHEN lease_holder = ? THEN NULL ELSE lease_until END", holder).
			Set("lease_holder = CASE WHEN lease_holder = ? THEN '' ELSE lease_holder END", holder).
			Where("appid = ?", appID).
			Exec(ctx)
	})
	return r.db.mapErr("access token", err)
}

// ReleaseLease implements application.TokenStore; releasing a lease one does not
// hold changes nothing.
func (r *Tokens) ReleaseLease(ctx context.Context, appID, holder string) error {
	_, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*accessTokenRow)(nil)).
			Set("lease_holder = ''").Set("lease_until = NULL").
			Where("appid = ?", appID).Where("lease_holder = ?", holder).
			Exec(ctx)
	})
	return r.db.mapErr("access token lease", err)
}

// Invalidate implements application.TokenStore as a compare-and-swap on the value.
func (r *Tokens) Invalidate(ctx context.Context, appID, value string) (bool, error) {
	if value == "" {
		return false, nil
	}
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*accessTokenRow)(nil)).
			Set("token = ''").Set("expires_at = NULL").
			Where("appid = ?", appID).Where("token = ?", value).
			Exec(ctx)
	})
	n, err := r.db.affected("access token", res, err)
	return n == 1, err
}

// nullTime is nil for the zero time so it is stored as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return dbTime(t)
}
