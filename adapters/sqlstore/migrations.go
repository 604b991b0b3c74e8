package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun/migrate"

	"github.com/wxinvite/wxinvite/application"
)

// Migration bookkeeping tables, named for this service so they never collide with
// another bun application sharing the database.
const (
	migrationsTable     = "wxinvite_migrations"
	migrationLocksTable = "wxinvite_migration_locks"
)

// migrateLockWait bounds how long Migrate waits for another instance's migration run.
const migrateLockWait = 2 * time.Minute

// schemaStep is one migration: the statements for each dialect, run one at a time
// (MySQL runs without multiStatements). Every statement is idempotent (IF NOT
// EXISTS), because MySQL DDL is not transactional: a run interrupted half-way is
// simply run again.
type schemaStep struct {
	name, comment string
	sql           map[string][]string
}

// schemaSteps is every migration in order: the initial schema, then each feature's
// steps from its own schema_<feature>.go file, one line each.
var schemaSteps = slices.Concat(
	initialSteps,
	followOrderSteps,
	campaignSteps,
	chatSteps,
	hooksSteps,
	consoleSteps,
	reportSteps,
)

// initialSteps are the first wave's schema.
var initialSteps = []schemaStep{{
	name: "20250601000001", comment: "initial_schema",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE TABLE IF NOT EXISTS users (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				openid VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
				unionid VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
				nickname VARCHAR(191) NOT NULL DEFAULT '',
				avatar_url VARCHAR(1024) NOT NULL DEFAULT '',
				invite_code VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
				following BOOL NOT NULL DEFAULT FALSE,
				joined_at DATETIME(6) NOT NULL,
				first_contact_key VARCHAR(191) NOT NULL DEFAULT '',
				UNIQUE KEY users_openid_uq (openid),
				UNIQUE KEY users_unionid_uq (unionid),
				UNIQUE KEY users_invite_code_uq (invite_code)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS invites (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				inviter_id BIGINT NOT NULL,
				invitee_id BIGINT NOT NULL,
				channel VARCHAR(8) NOT NULL,
				qr_scene VARCHAR(64) NOT NULL DEFAULT '',
				status VARCHAR(16) NOT NULL,
				created_at DATETIME(6) NOT NULL,
				UNIQUE KEY invites_invitee_uq (invitee_id),
				KEY invites_inviter_created_idx (inviter_id, created_at, id),
				KEY invites_created_idx (created_at, id)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS qr_codes (
				id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
				owner_id BIGINT NOT NULL,
				purpose VARCHAR(16) NOT NULL,
				kind VARCHAR(16) NOT NULL,
				scene_str VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
				scene_id BIGINT NOT NULL DEFAULT 0,
				permanent_scene VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
				ticket VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
				url VARCHAR(1024) NOT NULL DEFAULT '',
				expires_at DATETIME(6) NULL,
				issued_at DATETIME(6) NOT NULL,
				UNIQUE KEY qr_codes_owner_purpose_uq (owner_id, purpose),
				UNIQUE KEY qr_codes_permanent_scene_uq (permanent_scene),
				KEY qr_codes_kind_idx (kind)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
			`CREATE TABLE IF NOT EXISTS access_tokens (
				appid VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
				token VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
				expires_at DATETIME(6) NULL,
				lease_holder VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
				lease_until DATETIME(6) NULL
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
		},
		DialectSQLite: {
			`CREATE TABLE IF NOT EXISTS users (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				openid TEXT NOT NULL UNIQUE,
				unionid TEXT NULL UNIQUE,
				nickname TEXT NOT NULL DEFAULT '',
				avatar_url TEXT NOT NULL DEFAULT '',
				invite_code TEXT NOT NULL UNIQUE,
				following BOOLEAN NOT NULL DEFAULT FALSE,
				joined_at DATETIME NOT NULL,
				first_contact_key TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE TABLE IF NOT EXISTS invites (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				inviter_id INTEGER NOT NULL,
				invitee_id INTEGER NOT NULL UNIQUE,
				channel TEXT NOT NULL,
				qr_scene TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL,
				created_at DATETIME NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS invites_inviter_created_idx ON invites (inviter_id, created_at, id)`,
			`CREATE INDEX IF NOT EXISTS invites_created_idx ON invites (created_at, id)`,
			`CREATE TABLE IF NOT EXISTS qr_codes (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				owner_id INTEGER NOT NULL,
				purpose TEXT NOT NULL,
				kind TEXT NOT NULL,
				scene_str TEXT NOT NULL DEFAULT '',
				scene_id INTEGER NOT NULL DEFAULT 0,
				permanent_scene TEXT NULL UNIQUE,
				ticket TEXT NOT NULL,
				url TEXT NOT NULL DEFAULT '',
				expires_at DATETIME NULL,
				issued_at DATETIME NOT NULL,
				UNIQUE (owner_id, purpose)
			)`,
			`CREATE INDEX IF NOT EXISTS qr_codes_kind_idx ON qr_codes (kind)`,
			`CREATE TABLE IF NOT EXISTS access_tokens (
				appid TEXT NOT NULL PRIMARY KEY,
				token TEXT NOT NULL DEFAULT '',
				expires_at DATETIME NULL,
				lease_holder TEXT NOT NULL DEFAULT '',
				lease_until DATETIME NULL
			)`,
		},
	},
}, {
	name: "20261125000002", comment: "revoked_sessions",
	sql: map[string][]string{
		DialectMySQL: {
			`CREATE TABLE IF NOT EXISTS revoked_sessions (
				sid VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
				until_at DATETIME(6) NOT NULL,
				KEY revoked_sessions_until_idx (until_at)
			) ENGINE=InnoDB`,
		},
		DialectSQLite: {
			`CREATE TABLE IF NOT EXISTS revoked_sessions (
				sid TEXT NOT NULL PRIMARY KEY,
				until_at DATETIME NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS revoked_sessions_until_idx ON revoked_sessions (until_at)`,
		},
	},
}}

// alreadyApplied reports whether a DDL error only says the change is already there.
// Neither SQLite nor MySQL 8 has ADD COLUMN IF NOT EXISTS, and MySQL 8 has no CREATE
// INDEX IF NOT EXISTS or DROP INDEX IF EXISTS (MariaDB and TiDB have them), so
// those steps are written without the clause, and re-running one after an
// interrupted run fails with "duplicate column name" (SQLite), 1060, 1061 or 1091
// (MySQL), which means done.
func alreadyApplied(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDuplicateColumn || me.Number == mysqlDuplicateKeyName || me.Number == mysqlCantDropKey
	}
	return strings.Contains(err.Error(), "duplicate column name")
}

// MySQL error numbers of DDL that finds its change already made.
const (
	mysqlDuplicateColumn  = 1060 // ER_DUP_FIELDNAME
	mysqlDuplicateKeyName = 1061 // ER_DUP_KEYNAME
	mysqlCantDropKey      = 1091 // ER_CANT_DROP_FIELD_OR_KEY: the index to drop is gone
)

func (d *DB) migrator() *migrate.Migrator {
	ms := migrate.NewMigrations()
	for _, step := range schemaSteps {
		stmts := step.sql[d.dialect]
		ms.Add(migrate.Migration{
			Name: step.name, Comment: step.comment,
			Up: func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
				for _, q := range stmts {
					if _, err := m.DB().ExecContext(ctx, q); err != nil && !alreadyApplied(err) {
						return err
					}
				}
				return nil
			},
		})
	}
	return migrate.NewMigrator(d.bun, ms,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		// Record a migration only once it succeeded, so a failed one runs again.
		migrate.WithMarkAppliedOnSuccess(true),
	)
}

// Migrate brings the schema up to date. Several instances may call it at once: they
// take turns through bun/migrate's lock table (a row with a unique key, which works
// on a multi-primary cluster where GET_LOCK does not), and the later ones find
// nothing left to do. A lock left behind by a crashed instance makes Migrate give
// up after two minutes with an error that says which table to clear.
func (d *DB) Migrate(ctx context.Context) error {
	_, err := d.MigrateNamed(ctx)
	return err
}

// MigrateNamed is Migrate that also returns the migrations it applied, as "name
// comment" (none when the schema was current), so `wxinvite migrate` can say what it did.
func (d *DB) MigrateNamed(ctx context.Context) ([]string, error) {
	m := d.migrator()
	if err := m.Init(ctx); err != nil {
		return nil, d.mapErr("migration tables", err)
	}
	deadline := time.Now().Add(migrateLockWait)
	for {
		err := m.Lock(ctx)
		if err == nil {
			break
		}
		// Another instance holds the lock (duplicate key), or InnoDB chose this
		// insert as a deadlock victim against theirs (1213/1205): wait and retry.
		if !isUniqueViolation(err) && retryCode(err) == 0 {
			return nil, d.mapErr("migration lock", err)
		}
		if time.Now().After(deadline) {
			return nil, application.Errorf(application.KindUnavailable, "migration_locked", err,
				"another instance has held the migration lock for %s; if none is migrating, delete the row in %s", migrateLockWait, migrationLocksTable)
		}
		select {
		case <-ctx.Done():
			return nil, mapErr("migration lock", ctx.Err())
		case <-time.After(50*time.Millisecond + time.Duration(time.Now().UnixNano()%50)*time.Millisecond):
		}
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, application.Errorf(application.KindInternal, "migration_failed", err, "migrating the %s schema: %v", d.dialect, err)
	}
	var names []string
	if group != nil {
		for _, mg := range group.Migrations {
			name := mg.Name
			if mg.Comment != "" {
				name += " " + mg.Comment
			}
			names = append(names, name)
		}
	}
	return names, nil
}

// MigrationsApplied reports whether every migration this binary knows has been
// applied, for /readyz: an instance must not serve on a schema it does not expect.
func (d *DB) MigrationsApplied(ctx context.Context) (bool, error) {
	ms, err := d.migrator().MigrationsWithStatus(ctx)
	if err != nil {
		return false, d.mapErr("migrations", fmt.Errorf("reading %s: %w", migrationsTable, err))
	}
	return len(ms.Unapplied()) == 0, nil
}
