package sqlstore

import (
	"context"
	"database/sql"
	"net/url"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// sqliteReaders is how many read-only connections a SQLite file store opens beside
// its one writer. Reports (the console's counts and leaderboards) each read every
// invite of the database or of a campaign; on the writer connection they queue
// behind each other and behind the writes. In WAL mode a reader sees the last
// commit and never blocks the writer or another reader, so the dashboard's reads run
// side by side, as they do on MySQL's pool.
const sqliteReaders = 4

// openSQLiteReaders opens the read-only pool on the SQLite file at path, which the
// writer has already opened (and turned to WAL). query_only makes SQLite refuse any
// write on these connections, so the one-writer rule holds however they are used.
func openSQLiteReaders(path string) (*bun.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	sqldb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, unavailable(err, "cannot open sqlite database %q for reading", path)
	}
	sqldb.SetMaxOpenConns(sqliteReaders)
	sqldb.SetMaxIdleConns(sqliteReaders)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// rdb is the handle for a report: a read of many rows that needs no transaction and
// may run beside other reads. Inside a transaction it is the transaction (the report
// then sees that transaction's own writes); otherwise the read-only pool on a SQLite
// file, else the store's pool (MySQL, or SQLite in memory, whose database lives in
// its one connection).
func (d *DB) rdb(ctx context.Context) bun.IDB {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d {
		return v.tx
	}
	if d.read != nil {
		return d.read
	}
	return d.bun
}
