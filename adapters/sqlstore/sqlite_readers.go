package sqlstore

import (
	"context"
	"database/sql"
	"net/url"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// Readers beside SQLite's one writer. The store's single connection carries
// every write (group commit, groupcommit.go); reads outside a transaction — the
// scan path's lookup of the newcomer, the inviter, the campaign, the pages —
// went through the same connection and waited for, and held up, the writer. In
// WAL mode readers never block the writer nor it them, and each sees every
// transaction committed before it began, so such reads run on a small pool of
// read-only connections instead. Reads inside a transaction stay on it.
// A private :memory: database has no readers: it lives in its one connection.
//
// Reports (rdb: the console's counts and leaderboards) read every invite of the
// database or of a campaign, tens of milliseconds each, several at once for one
// dashboard. They get a pool of their own, so that a dashboard read afresh
// neither queues behind the scan path's lookups nor holds both of their
// connections while a follow waits for its inviter.

// sqliteReaders is how many read connections a file database gets: one per
// core of the machine the service targets.
const sqliteReaders = 2

// sqliteReportReaders is how many connections the reports get: the dashboard's
// independent reads (all-time counts, leaderboard, the campaign's counts, days and
// leaderboard) then run side by side, as on MySQL's pool.
const sqliteReportReaders = 4

// openSQLiteReaders opens a read pool of n connections on path; query_only makes
// any write attempted through it fail loudly instead of racing the writer.
func openSQLiteReaders(path string, n int) (*bun.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	sqldb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// rdb is the handle for a report: inside a transaction the transaction (the report
// then sees its own writes), otherwise the report pool on a SQLite file, else what
// idb gives (MySQL's pool, or SQLite in memory, whose database lives in its one
// connection).
func (d *DB) rdb(ctx context.Context) bun.IDB {
	if v, ok := ctx.Value(txKey{}).(txValue); (!ok || v.db != d) && d.reports != nil {
		return d.reports
	}
	return d.idb(ctx)
}
