package sqlstore

// chatSteps add the chat loop's tables: every user's kefu windows (one row per
// user and slot, spent by conditional UPDATE), uploaded poster media, and notices.
var chatSteps = []schemaStep{{
	name: "20261201000400", comment: "chat_loop",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE TABLE IF NOT EXISTS kefu_windows (
				user_id BIGINT NOT NULL,
				slot VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				opened_at DATETIME(6) NOT NULL,
				expires_at DATETIME(6) NOT NULL,
				quota INT NOT NULL,
				used INT NOT NULL DEFAULT 0,
				PRIMARY KEY (user_id, slot)
			) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS poster_media (
				user_id BIGINT NOT NULL,
				campaign_id BIGINT NOT NULL,
				version VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				media_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
				uploaded_at DATETIME(6) NOT NULL,
				PRIMARY KEY (user_id, campaign_id, version)
			) ENGINE=InnoDB`,
			`CREATE TABLE IF NOT EXISTS notices (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				user_id BIGINT NOT NULL,
				nkey VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
				kind VARCHAR(16) NOT NULL,
				body TEXT NOT NULL,
				created_at DATETIME(6) NOT NULL,
				delivered_at DATETIME(6) NULL,
				UNIQUE KEY notices_user_key_uq (user_id, nkey),
				KEY notices_user_created_idx (user_id, created_at, id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
		DialectSQLite: {
			`CREATE TABLE IF NOT EXISTS kefu_windows (
				user_id INTEGER NOT NULL,
				slot TEXT NOT NULL,
				opened_at DATETIME NOT NULL,
				expires_at DATETIME NOT NULL,
				quota INTEGER NOT NULL,
				used INTEGER NOT NULL DEFAULT 0,
				PRIMARY KEY (user_id, slot)
			)`,
			`CREATE TABLE IF NOT EXISTS poster_media (
				user_id INTEGER NOT NULL,
				campaign_id INTEGER NOT NULL,
				version TEXT NOT NULL,
				media_id TEXT NOT NULL,
				uploaded_at DATETIME NOT NULL,
				PRIMARY KEY (user_id, campaign_id, version)
			)`,
			`CREATE TABLE IF NOT EXISTS notices (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				user_id INTEGER NOT NULL,
				nkey TEXT NOT NULL,
				kind TEXT NOT NULL,
				body TEXT NOT NULL,
				created_at DATETIME NOT NULL,
				delivered_at DATETIME NULL,
				UNIQUE (user_id, nkey)
			)`,
			`CREATE INDEX IF NOT EXISTS notices_user_created_idx ON notices (user_id, created_at, id)`,
		},
	},
}}
