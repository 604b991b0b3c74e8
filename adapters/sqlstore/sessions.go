package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
)

// Sessions is the SQL SessionRevocations: one row per logged-out session, kept
// until the session would have expired anyway.
type Sessions struct{ db *DB }

var _ application.SessionRevocations = (*Sessions)(nil)

// Sessions returns the session revocation store.
func (d *DB) Sessions() *Sessions { return &Sessions{db: d} }

type revokedSessionRow struct {
	bun.BaseModel `bun:"table:revoked_sessions"`

	SID     string    `bun:"sid,pk"`
	UntilAt time.Time `bun:"until_at"`
}

// sweepBatch bounds how many expired revocations one Revoke deletes, so cleaning up
// never makes a logout slow.
const sweepBatch = 100

// Revoke implements application.SessionRevocations. It also sweeps a few expired
// rows, which keeps the table as small as the number of recent logouts.
func (s *Sessions) Revoke(ctx context.Context, sid string, now, until time.Time) error {
	row := revokedSessionRow{SID: sid, UntilAt: dbTime(until)}
	_, err := s.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		q := db.NewInsert().Model(&row)
		if s.db.dialect == DialectMySQL {
			q = q.On("DUPLICATE KEY UPDATE until_at = GREATEST(until_at, VALUES(until_at))")
		} else {
			q = q.On("CONFLICT (sid) DO UPDATE SET until_at = MAX(until_at, excluded.until_at)")
		}
		return q.Exec(ctx)
	})
	if err != nil {
		return s.db.mapErr("session revocation", err)
	}
	_, err = s.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		sub := db.NewSelect().Model((*revokedSessionRow)(nil)).Column("sid").
			Where("until_at <= ?", dbTime(now)).Limit(sweepBatch)
		if s.db.dialect == DialectMySQL {
			// MySQL cannot delete from a table it selects from in a subquery; a
			// derived table materialises the ids first.
			return db.NewDelete().Model((*revokedSessionRow)(nil)).
				Where("sid IN (SELECT sid FROM (?) AS expired)", sub).Exec(ctx)
		}
		return db.NewDelete().Model((*revokedSessionRow)(nil)).Where("sid IN (?)", sub).Exec(ctx)
	})
	return s.db.mapErr("session revocation sweep", err)
}

// Revoked implements application.SessionRevocations.
func (s *Sessions) Revoked(ctx context.Context, sid string, now time.Time) (bool, error) {
	n, err := s.db.idb(ctx).NewSelect().Model((*revokedSessionRow)(nil)).
		Where("sid = ?", sid).Where("until_at > ?", dbTime(now)).Count(ctx)
	if err != nil {
		return false, s.db.mapErr("session revocation", err)
	}
	return n > 0, nil
}
