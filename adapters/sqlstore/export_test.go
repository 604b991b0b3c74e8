package sqlstore

import (
	"context"

	"github.com/uptrace/bun"
)

// IDBForTest exposes the handle repositories use (the transaction in ctx, else the
// DB) to the external tests, which need raw SQL inside InTx.
func IDBForTest(d *DB, ctx context.Context) bun.IDB { return d.idb(ctx) }

// QueuedForTest is how many transactions wait for the group-commit goroutine
// (always 0 on MySQL, which does not group).
func QueuedForTest(d *DB) int {
	if d.group == nil {
		return 0
	}
	return len(d.group.units)
}

// MapErrForTest classifies a driver error as the repositories do.
func MapErrForTest(what string, err error) error { return mapErr(what, err) }

// NicknameSearchSQLForTest is the people search's nickname-prefix statement as the
// store sends it (ids only), for the EXPLAIN tests.
func NicknameSearchSQLForTest(d *DB, prefix string) string {
	q := d.bun.NewSelect().TableExpr("users AS u").ColumnExpr("u.id")
	return nicknamePrefix(q, d.dialect, prefix).Limit(50).String()
}

// LaterForTest queues a raw statement as a deferred append (deferred.go), so the
// tests can make one fail at commit.
func LaterForTest(d *DB, ctx context.Context, query string) error {
	return d.later(ctx, d.bun.NewRaw(query))
}

// ReportDBForTest is the handle reports read on outside a transaction: the
// report pool on a SQLite file, else the store's pool.
func ReportDBForTest(d *DB) *bun.DB {
	if d.reports != nil {
		return d.reports
	}
	return d.bun
}

// ReadPoolForTest is SQLite's read pool for lookups outside a transaction and how
// many connections it has.
func ReadPoolForTest(d *DB) (*bun.DB, int) { return d.rbun, sqliteReaders }
