package sqlstore

// followOrderSteps keep, per user, the time of the follow or unfollow event that
// last set `following` (issue 13 item 2): Users.SetFollowing applies an event only
// if it is not older. NULL means no event has set it yet (link-path users and rows
// from before this step), so the first event always applies.
//
// MySQL 8 and SQLite have no ADD COLUMN IF NOT EXISTS, so the migration runner
// treats "duplicate column" as already applied (see alreadyApplied), which keeps
// the step idempotent on every dialect.
var followOrderSteps = []schemaStep{{
	name: "20261201000101", comment: "users_follow_event_at",
	sql: map[string][]string{
		DialectMySQL: {
			`ALTER TABLE users ADD COLUMN follow_event_at DATETIME(6) NULL`,
		},
		DialectSQLite: {
			`ALTER TABLE users ADD COLUMN follow_event_at DATETIME NULL`,
		},
	},
}}
