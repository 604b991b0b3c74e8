package sqlstore

// reportSteps widen the campaign index into one the dashboard's campaign reads
// never leave: the counts, the day-by-day activity and the leaderboard each read
// every invite of a campaign, and with invites_campaign_idx (campaign_id,
// inviter_id, status) each of them also looked up every invite's table row for its
// times, channel and invitee (at 15,000 invites, two thirds of each read on SQLite,
// half on MySQL). invites_campaign_cover_idx starts with the same three columns, so
// it serves the per-inviter counts too, and replaces the narrow index: an invite
// still writes one campaign index entry, only a wider one. Its columns change with
// the status (one UPDATE per transition), as the narrow index's did; settling
// (settled_at) does not touch it.
//
// It is created before the old one is dropped, so the campaign reads always have
// an index. MySQL 8 has neither CREATE INDEX IF NOT EXISTS nor DROP INDEX IF
// EXISTS: a re-run's 1061 (index exists) and 1091 (nothing to drop) count as
// already applied (see alreadyApplied).
var reportSteps = []schemaStep{{
	name: "20261201000900", comment: "campaign_cover_index",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE INDEX invites_campaign_cover_idx ON invites
				(campaign_id, inviter_id, status, hold_ends_at, created_at, channel, invitee_id, qualified_at, revoked_at)`,
			`DROP INDEX invites_campaign_idx ON invites`,
		},
		DialectSQLite: {
			`CREATE INDEX IF NOT EXISTS invites_campaign_cover_idx ON invites
				(campaign_id, inviter_id, status, hold_ends_at, created_at, channel, invitee_id, qualified_at, revoked_at)`,
			`DROP INDEX IF EXISTS invites_campaign_idx`,
		},
	},
}}
