package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// quarterExpr is the number of whole quarter hours from the Unix epoch to the
// DATETIME column col, computed from the stored UTC value itself: MySQL's
// DATETIME has no zone (TIMESTAMPDIFF ignores the session time_zone), and SQLite
// holds text with its +00:00 offset, which unixepoch honours (SQLite 3.38; the
// same whole seconds as strftime('%s'), without formatting them as text first).
func quarterExpr(dialect, col string) string {
	if dialect == DialectMySQL {
		return "TIMESTAMPDIFF(MINUTE, '1970-01-01 00:00:00', " + col + ") DIV 15"
	}
	return "unixepoch(" + col + ") / 900"
}

// CampaignActivity implements application.InviteLifecycleRepository, as a report
// (rdb): one pass over the campaign's invites (invites_campaign_cover_idx alone,
// no table row read), grouped by the quarters of
// all four instants at once (a few hundred groups: one read of each row instead of
// one per instant), then summed per instant here.
func (r *InviteLifecycle) CampaignActivity(ctx context.Context, campaign domain.CampaignID, now time.Time) (application.InviteActivity, error) {
	b := func(col string) string { return quarterExpr(r.db.dialect, col) }
	pending, revoked, at := string(domain.InvitePending), string(domain.InviteRevoked), dbTime(now)
	var rows []struct {
		Created   int64         `bun:"cq"`
		Channel   string        `bun:"channel"`
		HoldEnded sql.NullInt64 `bun:"dq"`
		Qualified sql.NullInt64 `bun:"qq"`
		Revoked   sql.NullInt64 `bun:"rq"`
		N         int           `bun:"n"`
	}
	err := r.db.rdb(ctx).NewSelect().Model((*inviteRow)(nil)).
		ColumnExpr(b("created_at")+" AS cq, channel").
		ColumnExpr("CASE WHEN status = ? AND hold_ends_at <= ? THEN "+b("hold_ends_at")+" END AS dq", pending, at).
		ColumnExpr("CASE WHEN qualified_at IS NOT NULL AND NOT (status = ? AND hold_ends_at IS NOT NULL AND hold_ends_at <= ?) THEN "+
			b("qualified_at")+" END AS qq", pending, at).
		ColumnExpr("CASE WHEN status = ? THEN "+b("revoked_at")+" END AS rq", revoked).
		ColumnExpr("COUNT(*) AS n").
		Where("campaign_id = ?", int64(campaign)).
		GroupExpr("cq, channel, dq, qq, rq").Scan(ctx, &rows)
	var a application.InviteActivity
	if err != nil {
		return a, r.db.mapErr("invite activity", err)
	}
	type key struct {
		q  int64
		ch string
	}
	created := map[key]int{}
	qualified, holdsEnded, revokedAt := map[int64]int{}, map[int64]int{}, map[int64]int{}
	for _, row := range rows {
		created[key{row.Created, row.Channel}] += row.N
		for _, c := range []struct {
			q sql.NullInt64
			m map[int64]int
		}{{row.HoldEnded, holdsEnded}, {row.Qualified, qualified}, {row.Revoked, revokedAt}} {
			if c.q.Valid {
				c.m[c.q.Int64] += row.N
			}
		}
	}
	for k, n := range created {
		a.Created = append(a.Created, application.ActivityBucket{Start: quarterStart(k.q), Channel: domain.Channel(k.ch), Count: n})
	}
	a.Qualified, a.HoldsEnded, a.Revoked = quarterBuckets(qualified), quarterBuckets(holdsEnded), quarterBuckets(revokedAt)
	return a, nil
}

// quarterStart is the instant quarter q starts.
func quarterStart(q int64) time.Time {
	return time.Unix(q*int64(application.ActivityQuarter/time.Second), 0).UTC()
}

func quarterBuckets(m map[int64]int) []application.ActivityBucket {
	out := make([]application.ActivityBucket, 0, len(m))
	for q, n := range m {
		out = append(out, application.ActivityBucket{Start: quarterStart(q), Count: n})
	}
	return out
}
