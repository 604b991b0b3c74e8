package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.UserRepository = (*Users)(nil)

// Users implements application.UserRepository. Its unique keys (openid, unionid when
// set, invite code) are what make concurrent joins of one person create one user.
type Users struct{ db *DB }

// Create implements application.UserRepository.
func (r *Users) Create(ctx context.Context, u domain.User) (domain.User, error) {
	row := userRowFrom(u)
	row.ID = 0
	if _, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewInsert().Model(&row).Exec(ctx)
	}); err != nil {
		return domain.User{}, r.db.mapErr("user", err)
	}
	return row.domain(), nil
}

// ByOpenID implements application.UserRepository.
func (r *Users) ByOpenID(ctx context.Context, openID string) (domain.User, error) {
	return r.one(ctx, "openid = ?", openID)
}

// ByID implements application.UserRepository.
func (r *Users) ByID(ctx context.Context, id domain.UserID) (domain.User, error) {
	return r.one(ctx, "id = ?", int64(id))
}

// ByInviteCode implements application.UserRepository.
func (r *Users) ByInviteCode(ctx context.Context, code string) (domain.User, error) {
	return r.one(ctx, "invite_code = ?", code)
}

func (r *Users) one(ctx context.Context, where string, arg any) (domain.User, error) {
	var row userRow
	if err := r.db.idb(ctx).NewSelect().Model(&row).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		return domain.User{}, r.db.mapErr("user", err)
	}
	return row.domain(), nil
}

// UpdateProfile implements application.UserRepository.
func (r *Users) UpdateProfile(ctx context.Context, u domain.User) error {
	row := userRowFrom(u)
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model(&row).Column("unionid", "nickname", "avatar_url").WherePK().Exec(ctx)
	})
	return r.db.expectRow("user", res, err)
}

// SetFollowing implements application.UserRepository as one conditional UPDATE
// mirroring domain.User.FollowEventApplies: the row changes only if no newer event
// set it (same second: only an unfollow replaces a follow), so concurrent and late
// events on any node of a cluster settle on the newest one without a lock. When no row matched, a lookup tells a missing user
// (ErrNotFound) from a stale event (not applied).
func (r *Users) SetFollowing(ctx context.Context, id domain.UserID, following bool, at time.Time) (bool, error) {
	at = dbTime(at)
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		q := db.NewUpdate().Model((*userRow)(nil)).
			Set("following = ?", following).Set("follow_event_at = ?", at).
			Where("id = ?", int64(id))
		if following {
			q = q.Where("(follow_event_at IS NULL OR follow_event_at < ?)", at)
		} else {
			q = q.Where("(follow_event_at IS NULL OR follow_event_at < ? OR (follow_event_at = ? AND following))", at, at)
		}
		return q.Exec(ctx)
	})
	err = r.db.expectRow("user", res, err)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, application.ErrNotFound) {
		return false, err
	}
	if _, err := r.ByID(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

// Counts implements application.UserRepository. It counts with a query rather than
// keeping counters: a counter row updated by every instance is a hot spot on a cluster.
// It is a report (rdb). On SQLite a bare COUNT(*) counts a b-tree's entries without
// reading them and the followers are a range of users_following_idx: half the work
// of one pass that tests every user; MySQL reads each entry either way, so there it
// is the one pass.
func (r *Users) Counts(ctx context.Context) (users, followers int, err error) {
	db := r.db.rdb(ctx)
	if r.db.dialect == DialectSQLite {
		err = db.NewSelect().
			ColumnExpr("(?)", db.NewSelect().TableExpr("users").ColumnExpr("COUNT(*)")).
			ColumnExpr("(?)", db.NewSelect().TableExpr("users").ColumnExpr("COUNT(*)").Where("following = ?", true)).
			Scan(ctx, &users, &followers)
		return users, followers, r.db.mapErr("user counts", err)
	}
	err = db.NewSelect().Model((*userRow)(nil)).
		ColumnExpr("COUNT(*)").
		ColumnExpr("COALESCE(SUM(CASE WHEN following THEN 1 ELSE 0 END), 0)").
		Scan(ctx, &users, &followers)
	return users, followers, r.db.mapErr("user counts", err)
}
