package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/wxinvite/wxinvite/application"
)

// Options tunes a store; the zero value is production-ready.
type Options struct {
	// MaxOpenConns bounds the MySQL connections of one instance (default 50): three
	// quarters for transactions, the rest for reads and single writes (txconn.go).
	// SQLite always writes on one connection: it serialises writers, so no request
	// ever sees SQLITE_BUSY; reads outside a transaction use read-only pools
	// (sqlite_readers.go).
	MaxOpenConns int
	// MaxTxAttempts bounds how often InTx runs a transaction that keeps losing
	// deadlocks or cluster certification conflicts (default 8).
	MaxTxAttempts int
	// OnRetry, when set, hears every retried transaction with the MySQL error number
	// that caused it (1213 or 1205), so metrics can count cluster conflicts.
	OnRetry func(code uint16)
}

// DB is an open store: the connection pool, the dialect, and the transactor. The
// repositories are views on it (Users, Invites, QRCodes, Tokens).
type DB struct {
	bun     *bun.DB
	dialect string
	opts    Options
	galera  bool
	// group coalesces concurrent transactions on SQLite (groupcommit.go); nil on MySQL.
	group *grouper
	// rbun is SQLite's read-only pool for reads outside transactions, and reports
	// its pool for reports (sqlite_readers.go); nil on MySQL and for :memory:.
	rbun, reports *bun.DB
	// txbun is MySQL's pool for transactions, its sessions in autocommit=0
	// (txconn.go); nil on SQLite.
	txbun *bun.DB

	retries   atomic.Uint64
	conflicts atomic.Uint64
	// retryMetric is set by RegisterMetrics; nil when the store has no metrics.
	retryMetric *prometheus.CounterVec
}

// Open connects to the database named by a WXINVITE_DATABASE_URL (sqlite:PATH,
// sqlite::memory: or mysql://USER:PASS@HOST:PORT/DB?params) and checks that it
// answers. It does not migrate: call Migrate. A malformed URL is KindInvalid.
func Open(ctx context.Context, databaseURL string, opts Options) (*DB, error) {
	t, err := parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 50
	}
	if opts.MaxTxAttempts <= 0 {
		opts.MaxTxAttempts = 8
	}
	d := &DB{dialect: t.dialect, opts: opts}
	switch t.dialect {
	case DialectSQLite:
		sqldb, err := sql.Open("sqlite", sqliteDSN(t.sqlitePath))
		if err != nil {
			return nil, unavailable(err, "cannot open sqlite database %q", t.sqlitePath)
		}
		// One connection: SQLite has one writer anyway, and queueing in the pool is
		// cheaper and more predictable than busy-waiting on SQLITE_BUSY. It also keeps
		// a :memory: database alive for as long as the DB is open.
		sqldb.SetMaxOpenConns(1)
		sqldb.SetMaxIdleConns(1)
		sqldb.SetConnMaxLifetime(0)
		sqldb.SetConnMaxIdleTime(0)
		d.bun = bun.NewDB(sqldb, sqlitedialect.New())
		if t.sqlitePath != ":memory:" {
			if d.rbun, err = openSQLiteReaders(t.sqlitePath, sqliteReaders); err != nil {
				_ = d.bun.Close()
				return nil, unavailable(err, "cannot open sqlite database %q", t.sqlitePath)
			}
			if d.reports, err = openSQLiteReaders(t.sqlitePath, sqliteReportReaders); err != nil {
				_ = d.rbun.Close()
				_ = d.bun.Close()
				return nil, unavailable(err, "cannot open sqlite database %q", t.sqlitePath)
			}
		}
		d.group = newGrouper(d)
	case DialectMySQL:
		if d.galera, err = detectGalera(ctx, t.mysql); err != nil {
			return nil, err
		}
		if d.galera {
			if _, set := t.mysql.Params["wsrep_sync_wait"]; !set {
				if t.mysql.Params == nil {
					t.mysql.Params = map[string]string{}
				}
				// Causal reads and writes: a re-read after a lost race must see the
				// winner even when the winner committed on another node (1 = reads),
				// and a conditional UPDATE (a revocation after an unfollow, a status
				// CAS) must run against every write the cluster acknowledged before
				// it, or it matches nothing on a node that has not applied them yet
				// (2 = UPDATE and DELETE).
				t.mysql.Params["wsrep_sync_wait"] = "3"
			}
		}
		txConns, otherConns := splitConns(opts.MaxOpenConns)
		sqldb, err := openMySQL(t.mysql, otherConns, nil)
		if err != nil {
			return nil, err
		}
		d.bun = bun.NewDB(sqldb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC")))
		txdb, err := openMySQL(t.mysql, txConns, map[string]string{"autocommit": "0"})
		if err != nil {
			_ = d.bun.Close()
			return nil, err
		}
		d.txbun = bun.NewDB(txdb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC")))
	}
	if err := d.Ping(ctx); err != nil {
		_ = d.Close()
		if t.dialect == DialectSQLite && t.sqlitePath != ":memory:" {
			return nil, sqliteOpenErr(err, t.sqlitePath)
		}
		return nil, err
	}
	return d, nil
}

// sqliteDSN turns a path into a modernc DSN: WAL so readers never block the writer,
// a busy timeout for other processes sharing the file, foreign keys on.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if path == ":memory:" {
		// A private named in-memory database: the single pooled connection keeps it alive.
		return "file:wxinvite-" + randomName() + "?mode=memory&" + q.Encode()
	}
	q.Add("_pragma", "journal_mode(WAL)")
	return path + "?" + q.Encode()
}

func randomName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// detectGalera reports whether the server runs Galera replication (@@wsrep_on is 1).
// A server without the variable (plain MySQL) is not Galera.
func detectGalera(ctx context.Context, cfg *mysql.Config) (bool, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return false, application.Errorf(application.KindInvalid, "invalid_database_url", err, "WXINVITE_DATABASE_URL: %v", err)
	}
	probe := sql.OpenDB(conn)
	defer probe.Close()
	var on sql.NullString
	err = probe.QueryRowContext(ctx, "SELECT @@wsrep_on").Scan(&on)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1193 { // unknown system variable
		return false, nil
	}
	if err != nil {
		return false, mysqlConnErr(err, cfg)
	}
	return on.String == "1" || on.String == "ON", nil
}

func unavailable(err error, format string, args ...any) error {
	return application.Errorf(application.KindUnavailable, "database_unavailable", err, format, args...)
}

// Close releases the connection pool.
// Transactions already queued still run; an InTx after Close fails as unavailable.
func (d *DB) Close() error {
	if d.group != nil {
		d.group.close()
	}
	if d.rbun != nil {
		_ = d.rbun.Close()
	}
	if d.reports != nil {
		_ = d.reports.Close()
	}
	if d.txbun != nil {
		if err := d.txbun.Close(); err != nil {
			_ = d.bun.Close()
			return err
		}
	}
	return d.bun.Close()
}

// Ping checks that the database answers; /readyz uses it.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.bun.PingContext(ctx); err != nil {
		return unavailable(err, "database does not answer: %v", err)
	}
	return nil
}

// Dialect names the database kind ("sqlite" or "mysql"), for logs and tests.
func (d *DB) Dialect() string { return d.dialect }

// Galera reports whether the server is a Galera cluster node (wsrep_sync_wait is
// then set on every connection).
func (d *DB) Galera() bool { return d.galera }

// Stats returns how many transactions were retried after a deadlock or certification
// conflict, and how many unique-key conflicts the store reported, for metrics.
func (d *DB) Stats() (retries, conflicts uint64) {
	return d.retries.Load(), d.conflicts.Load()
}

// Bun exposes the underlying bun handle for tests and benchmarks in this module that
// need raw SQL (scratch tables, forced deadlocks). Application code uses the ports.
func (d *DB) Bun() *bun.DB { return d.bun }

// Users is the user repository on this database.
func (d *DB) Users() *Users { return &Users{db: d} }

// Invites is the invite repository on this database.
func (d *DB) Invites() *Invites { return &Invites{db: d} }

// QRCodes is the QR code repository on this database.
func (d *DB) QRCodes() *QRCodes { return &QRCodes{db: d} }

// Tokens is the access-token store on this database.
func (d *DB) Tokens() *Tokens { return &Tokens{db: d} }

// mapErr classifies err (see the package-level mapErr) and counts conflicts.
func (d *DB) mapErr(what string, err error) error {
	err = mapErr(what, err)
	if errors.Is(err, application.ErrConflict) {
		d.conflicts.Add(1)
	}
	return err
}
