package sqlstore

// campaignSteps add campaigns (issue 14): the campaigns with their tiers, the
// revision row every campaign write compares-and-swaps, redeem codes, reward grants,
// poster backgrounds, and the lifecycle columns of invites (the status column stays:
// counted, pending, qualified, revoked).
//
// Indexes serve the sweep, which runs every few seconds on every instance:
// invites_due_idx finds holds that ended (status, hold_ends_at) and
// invites_unsettled_idx finds qualified invites whose rewards are not checked yet
// (settled_at NULL, qualified_at set). invites_campaign_idx served the per-inviter
// counts and the leaderboard (since replaced by invites_campaign_cover_idx, see
// schema_reports.go).
//
// ADD COLUMN and CREATE INDEX on an existing table are written without IF NOT
// EXISTS (MySQL 8 and SQLite lack it for columns, MySQL 8 for indexes); the
// migration runner takes "already there" as applied (see alreadyApplied).
var campaignSteps = []schemaStep{{
	name: "20261201000201", comment: "campaigns",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE TABLE IF NOT EXISTS campaigns (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				name VARCHAR(191) NOT NULL,
				starts_at DATETIME(6) NOT NULL,
				ends_at DATETIME(6) NULL,
				hold_seconds BIGINT NOT NULL,
				deduct_after_hold BOOL NOT NULL DEFAULT FALSE,
				keyword VARCHAR(64) NOT NULL DEFAULT '',
				notice_progress TEXT NOT NULL,
				notice_reward TEXT NOT NULL,
				poster TEXT NOT NULL,
				created_at DATETIME(6) NOT NULL,
				KEY campaigns_starts_idx (starts_at)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS campaign_tiers (
				campaign_id BIGINT NOT NULL,
				tier INT NOT NULL,
				threshold INT NOT NULL,
				reward VARCHAR(400) NOT NULL,
				url VARCHAR(1024) NOT NULL DEFAULT '',
				stock INT NULL,
				remaining INT NULL,
				PRIMARY KEY (campaign_id, tier)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS campaign_revision (
				id INT NOT NULL PRIMARY KEY,
				rev BIGINT NOT NULL
			) ENGINE=InnoDB`,
			`INSERT IGNORE INTO campaign_revision (id, rev) VALUES (1, 0)`,
			`CREATE TABLE IF NOT EXISTS campaign_codes (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				campaign_id BIGINT NOT NULL,
				tier INT NOT NULL,
				code VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
				grant_id BIGINT NULL,
				UNIQUE KEY campaign_codes_code_uq (campaign_id, tier, code),
				UNIQUE KEY campaign_codes_grant_uq (grant_id),
				KEY campaign_codes_free_idx (campaign_id, tier, grant_id, id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS reward_grants (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				user_id BIGINT NOT NULL,
				campaign_id BIGINT NOT NULL,
				tier INT NOT NULL,
				reward VARCHAR(400) NOT NULL,
				url VARCHAR(1024) NOT NULL DEFAULT '',
				status VARCHAR(16) NOT NULL,
				code VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
				granted_at DATETIME(6) NOT NULL,
				fulfilled_at DATETIME(6) NULL,
				UNIQUE KEY reward_grants_uq (user_id, campaign_id, tier),
				KEY reward_grants_campaign_idx (campaign_id, status, granted_at, id),
				KEY reward_grants_granted_idx (granted_at, id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS campaign_posters (
				campaign_id BIGINT NOT NULL PRIMARY KEY,
				content_type VARCHAR(32) NOT NULL,
				width INT NOT NULL,
				height INT NOT NULL,
				data MEDIUMBLOB NOT NULL,
				updated_at DATETIME(6) NOT NULL
			) ENGINE=InnoDB`,
		},
		DialectSQLite: {
			`CREATE TABLE IF NOT EXISTS campaigns (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				name TEXT NOT NULL,
				starts_at DATETIME NOT NULL,
				ends_at DATETIME NULL,
				hold_seconds INTEGER NOT NULL,
				deduct_after_hold BOOLEAN NOT NULL DEFAULT FALSE,
				keyword TEXT NOT NULL DEFAULT '',
				notice_progress TEXT NOT NULL,
				notice_reward TEXT NOT NULL,
				poster TEXT NOT NULL,
				created_at DATETIME NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS campaigns_starts_idx ON campaigns (starts_at)`,
			`CREATE TABLE IF NOT EXISTS campaign_tiers (
				campaign_id INTEGER NOT NULL,
				tier INTEGER NOT NULL,
				threshold INTEGER NOT NULL,
				reward TEXT NOT NULL,
				url TEXT NOT NULL DEFAULT '',
				stock INTEGER NULL,
				remaining INTEGER NULL,
				PRIMARY KEY (campaign_id, tier)
			)`,
			`CREATE TABLE IF NOT EXISTS campaign_revision (
				id INTEGER NOT NULL PRIMARY KEY,
				rev INTEGER NOT NULL
			)`,
			`INSERT OR IGNORE INTO campaign_revision (id, rev) VALUES (1, 0)`,
			`CREATE TABLE IF NOT EXISTS campaign_codes (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				campaign_id INTEGER NOT NULL,
				tier INTEGER NOT NULL,
				code TEXT NOT NULL,
				grant_id INTEGER NULL UNIQUE,
				UNIQUE (campaign_id, tier, code)
			)`,
			`CREATE INDEX IF NOT EXISTS campaign_codes_free_idx ON campaign_codes (campaign_id, tier, grant_id, id)`,
			`CREATE TABLE IF NOT EXISTS reward_grants (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				user_id INTEGER NOT NULL,
				campaign_id INTEGER NOT NULL,
				tier INTEGER NOT NULL,
				reward TEXT NOT NULL,
				url TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL,
				code TEXT NOT NULL DEFAULT '',
				granted_at DATETIME NOT NULL,
				fulfilled_at DATETIME NULL,
				UNIQUE (user_id, campaign_id, tier)
			)`,
			`CREATE INDEX IF NOT EXISTS reward_grants_campaign_idx ON reward_grants (campaign_id, status, granted_at, id)`,
			`CREATE INDEX IF NOT EXISTS reward_grants_granted_idx ON reward_grants (granted_at, id)`,
			`CREATE TABLE IF NOT EXISTS campaign_posters (
				campaign_id INTEGER NOT NULL PRIMARY KEY,
				content_type TEXT NOT NULL,
				width INTEGER NOT NULL,
				height INTEGER NOT NULL,
				data BLOB NOT NULL,
				updated_at DATETIME NOT NULL
			)`,
		},
	},
}, {
	name: "20261201000202", comment: "invite_lifecycle",
	sql: map[string][]string{
		DialectMySQL: {
			`ALTER TABLE invites
				ADD COLUMN campaign_id BIGINT NULL,
				ADD COLUMN hold_started_at DATETIME(6) NULL,
				ADD COLUMN hold_ends_at DATETIME(6) NULL,
				ADD COLUMN qualified_at DATETIME(6) NULL,
				ADD COLUMN revoked_at DATETIME(6) NULL,
				ADD COLUMN reason VARCHAR(32) NOT NULL DEFAULT '',
				ADD COLUMN settled_at DATETIME(6) NULL`,
			`CREATE INDEX invites_due_idx ON invites (status, hold_ends_at)`,
			`CREATE INDEX invites_unsettled_idx ON invites (settled_at, qualified_at)`,
			`CREATE INDEX invites_campaign_idx ON invites (campaign_id, inviter_id, status)`,
		},
		DialectSQLite: {
			`ALTER TABLE invites ADD COLUMN campaign_id INTEGER NULL`,
			`ALTER TABLE invites ADD COLUMN hold_started_at DATETIME NULL`,
			`ALTER TABLE invites ADD COLUMN hold_ends_at DATETIME NULL`,
			`ALTER TABLE invites ADD COLUMN qualified_at DATETIME NULL`,
			`ALTER TABLE invites ADD COLUMN revoked_at DATETIME NULL`,
			`ALTER TABLE invites ADD COLUMN reason TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE invites ADD COLUMN settled_at DATETIME NULL`,
			`CREATE INDEX IF NOT EXISTS invites_due_idx ON invites (status, hold_ends_at)`,
			`CREATE INDEX IF NOT EXISTS invites_unsettled_idx ON invites (settled_at, qualified_at)`,
			`CREATE INDEX IF NOT EXISTS invites_campaign_idx ON invites (campaign_id, inviter_id, status)`,
		},
	},
}}
