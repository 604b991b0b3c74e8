package sqlstore

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// quarterExpr is the number of whole quarter hours from the Unix epoch to the
// DATETIME column col, computed from the stored UTC value itself: MySQL's
// DATETIME has no zone (TIMESTAMPDIFF ignores the session time_zone), and SQLite
// holds text with its +00:00 offset, which strftime('%s') honours.
func quarterExpr(dialect, col string) string {
	if dialect == DialectMySQL {
		return "TIMESTAMPDIFF(MINUTE, '1970-01-01 00:00:00', " + col + ") DIV 15"
	}
	return "CAST(strftime('%s', " + col + ") AS INTEGER) / 900"
}

// CampaignActivity implements application.InviteLifecycleRepository: one statement,
// four GROUP BYs over the campaign's invites (index invites_campaign_idx).
func (r *InviteLifecycle) CampaignActivity(ctx context.Context, campaign domain.CampaignID, now time.Time) (application.InviteActivity, error) {
	b := func(col string) string { return quarterExpr(r.db.dialect, col) }
	pending, revoked, at, id := string(domain.InvitePending), string(domain.InviteRevoked), dbTime(now), int64(campaign)
	var rows []struct {
		Kind    int    `bun:"kind"`
		Quarter int64  `bun:"q"`
		Channel string `bun:"channel"`
		N       int    `bun:"n"`
	}
	err := r.db.idb(ctx).NewRaw(
		"SELECT 0 AS kind, "+b("created_at")+" AS q, channel, COUNT(*) AS n FROM invites WHERE campaign_id = ? GROUP BY q, channel"+
			" UNION ALL SELECT 1, "+b("qualified_at")+" AS q, '', COUNT(*) FROM invites WHERE campaign_id = ? AND qualified_at IS NOT NULL"+
			" AND NOT (status = ? AND hold_ends_at IS NOT NULL AND hold_ends_at <= ?) GROUP BY q"+
			" UNION ALL SELECT 2, "+b("hold_ends_at")+" AS q, '', COUNT(*) FROM invites WHERE campaign_id = ? AND status = ? AND hold_ends_at <= ? GROUP BY q"+
			" UNION ALL SELECT 3, "+b("revoked_at")+" AS q, '', COUNT(*) FROM invites WHERE campaign_id = ? AND status = ? AND revoked_at IS NOT NULL GROUP BY q",
		id, id, pending, at, id, pending, at, id, revoked).Scan(ctx, &rows)
	var a application.InviteActivity
	if err != nil {
		return a, r.db.mapErr("invite activity", err)
	}
	lists := []*[]application.ActivityBucket{&a.Created, &a.Qualified, &a.HoldsEnded, &a.Revoked}
	quarter := int64(application.ActivityQuarter / time.Second)
	for _, row := range rows {
		*lists[row.Kind] = append(*lists[row.Kind], application.ActivityBucket{
			Start: time.Unix(row.Quarter*quarter, 0).UTC(), Channel: domain.Channel(row.Channel), Count: row.N})
	}
	return a, nil
}
