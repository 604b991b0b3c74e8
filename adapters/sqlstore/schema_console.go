package sqlstore

// consoleSteps index what the console's dashboard counts on every view: invites by
// channel and users who follow. Without them both counts scan their whole table
// (70 ms of a 126 ms dashboard at 300,000 invites on SQLite); with them they read
// a narrow index. MySQL 8 has no CREATE INDEX IF NOT EXISTS, so its statements go
// without it and a re-run's 1061 counts as already applied (see alreadyApplied).
var consoleSteps = []schemaStep{{
	name: "20261201000700", comment: "console_count_indexes",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE INDEX invites_channel_idx ON invites (channel)`,
			`CREATE INDEX users_following_idx ON users (following)`,
		},
		DialectSQLite: {
			`CREATE INDEX IF NOT EXISTS invites_channel_idx ON invites (channel)`,
			`CREATE INDEX IF NOT EXISTS users_following_idx ON users (following)`,
		},
	},
}, {
	// The console's funnel counts a campaign window's contacts by type.
	name: "20261201000701", comment: "console_audit_type_index",
	sql: map[string][]string{
		DialectMySQL:  {`CREATE INDEX audit_events_type_at_idx ON audit_events (type, at)`},
		DialectSQLite: {`CREATE INDEX IF NOT EXISTS audit_events_type_at_idx ON audit_events (type, at)`},
	},
}}
