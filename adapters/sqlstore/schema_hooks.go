package sqlstore

// hooksSteps adds the audit trail and the webhook outbox. Every table is
// append-mostly; the indexes are the ones the queries need:
//   - audit_events (user_id, at, id): a person's trail, oldest first;
//     (inviter_id, type, at, id): an inviter's refusals and revocations, newest
//     first (on SQLite a partial index holding only those two types, so the
//     common events of the scan path add no entry). The retention prune walks
//     the primary key (ids grow with time), so no index on at is kept.
//   - users (nickname): the admin's nickname-prefix search.
//   - webhook_messages (routed, id): the relay's unrouted messages; the prune
//     walks the primary key. Deliveries refer to messages by that key: the
//     webhook-id (random) has no index, which would cost a random page per row.
//   - webhook_deliveries (status, next_attempt_at): due deliveries;
//     (endpoint_id, created_at, id): an endpoint's deliveries, newest first;
//     (message_id, endpoint_id) unique: routing twice creates nothing.
//
// On SQLite the append-only tables use plain INTEGER PRIMARY KEY ids (the row id)
// rather than AUTOINCREMENT, which would rewrite sqlite_sequence on every insert;
// ids are only ever removed from the low end (the prune), so none is reused.
var hooksSteps = []schemaStep{{
	name: "20261201000300", comment: "audit_trail_and_webhooks",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE TABLE IF NOT EXISTS audit_events (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				at DATETIME(6) NOT NULL,
				type VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				user_id BIGINT NOT NULL,
				inviter_id BIGINT NULL,
				campaign_id BIGINT NULL,
				channel VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NULL,
				reason VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
				KEY audit_events_user_idx (user_id, at, id),
				KEY audit_events_inviter_idx (inviter_id, type, at, id)
			) ENGINE=InnoDB`,
			`CREATE INDEX users_nickname_idx ON users (nickname)`,
			`CREATE TABLE IF NOT EXISTS webhook_endpoints (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				url VARCHAR(1024) NOT NULL,
				event_types VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
				secret VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				enabled BOOL NOT NULL DEFAULT TRUE,
				disabled_reason VARCHAR(255) NOT NULL DEFAULT '',
				failing_since DATETIME(6) NULL,
				created_at DATETIME(6) NOT NULL
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS webhook_messages (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				msg_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				event_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				body MEDIUMBLOB NOT NULL,
				created_at DATETIME(6) NOT NULL,
				routed BOOL NOT NULL DEFAULT FALSE,
				KEY webhook_messages_routed_idx (routed, id)
			) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS webhook_deliveries (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				message_id BIGINT NOT NULL,
				endpoint_id BIGINT NOT NULL,
				status VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				attempts INT NOT NULL DEFAULT 0,
				next_attempt_at DATETIME(6) NULL,
				lease_holder VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
				lease_until DATETIME(6) NULL,
				last_status INT NOT NULL DEFAULT 0,
				created_at DATETIME(6) NOT NULL,
				UNIQUE KEY webhook_deliveries_uq (message_id, endpoint_id),
				KEY webhook_deliveries_due_idx (status, next_attempt_at),
				KEY webhook_deliveries_endpoint_idx (endpoint_id, created_at, id),
				KEY webhook_deliveries_created_idx (created_at)
			) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS webhook_attempts (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				delivery_id BIGINT NOT NULL,
				attempt INT NOT NULL,
				started_at DATETIME(6) NOT NULL,
				duration_us BIGINT NOT NULL,
				status_code INT NOT NULL DEFAULT 0,
				error VARCHAR(255) NOT NULL DEFAULT '',
				KEY webhook_attempts_delivery_idx (delivery_id, attempt)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
		DialectSQLite: {
			`CREATE TABLE IF NOT EXISTS audit_events (
				id INTEGER PRIMARY KEY,
				at DATETIME NOT NULL,
				type TEXT NOT NULL,
				user_id INTEGER NOT NULL,
				inviter_id INTEGER NULL,
				campaign_id INTEGER NULL,
				channel TEXT NULL,
				reason TEXT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS audit_events_user_idx ON audit_events (user_id, at, id)`,
			`CREATE INDEX IF NOT EXISTS audit_events_inviter_idx ON audit_events (inviter_id, type, at, id)
				WHERE type IN ('invite_refused', 'invite_revoked')`,
			`CREATE INDEX IF NOT EXISTS users_nickname_idx ON users (nickname COLLATE NOCASE)`,
			`CREATE TABLE IF NOT EXISTS webhook_endpoints (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				url TEXT NOT NULL,
				event_types TEXT NOT NULL DEFAULT '',
				secret TEXT NOT NULL,
				enabled BOOLEAN NOT NULL DEFAULT TRUE,
				disabled_reason TEXT NOT NULL DEFAULT '',
				failing_since DATETIME NULL,
				created_at DATETIME NOT NULL
			)`,
			`CREATE TABLE IF NOT EXISTS webhook_messages (
				id INTEGER PRIMARY KEY,
				msg_id TEXT NOT NULL,
				event_type TEXT NOT NULL,
				body BLOB NOT NULL,
				created_at DATETIME NOT NULL,
				routed BOOLEAN NOT NULL DEFAULT FALSE
			)`,
			`CREATE INDEX IF NOT EXISTS webhook_messages_routed_idx ON webhook_messages (routed, id)`,
			`CREATE TABLE IF NOT EXISTS webhook_deliveries (
				id INTEGER PRIMARY KEY,
				message_id INTEGER NOT NULL,
				endpoint_id INTEGER NOT NULL,
				status TEXT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0,
				next_attempt_at DATETIME NULL,
				lease_holder TEXT NOT NULL DEFAULT '',
				lease_until DATETIME NULL,
				last_status INTEGER NOT NULL DEFAULT 0,
				created_at DATETIME NOT NULL,
				UNIQUE (message_id, endpoint_id)
			)`,
			`CREATE INDEX IF NOT EXISTS webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at)`,
			`CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at, id)`,
			`CREATE INDEX IF NOT EXISTS webhook_deliveries_created_idx ON webhook_deliveries (created_at)`,
			`CREATE TABLE IF NOT EXISTS webhook_attempts (
				id INTEGER PRIMARY KEY,
				delivery_id INTEGER NOT NULL,
				attempt INTEGER NOT NULL,
				started_at DATETIME NOT NULL,
				duration_us INTEGER NOT NULL,
				status_code INTEGER NOT NULL DEFAULT 0,
				error TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX IF NOT EXISTS webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt)`,
		},
	},
}}
