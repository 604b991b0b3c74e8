package sqlstore

import (
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

// sqliteReaders is how many read connections a file database gets: one per
// core of the machine the service targets.
const sqliteReaders = 2

// openSQLiteReaders opens the read pool on path; query_only makes any write
// attempted through it fail loudly instead of racing the writer.
func openSQLiteReaders(path string) (*bun.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	sqldb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(sqliteReaders)
	sqldb.SetMaxIdleConns(sqliteReaders)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}
