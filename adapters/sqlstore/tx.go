package sqlstore

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
)

var _ application.Transactor = (*DB)(nil)

// txKey is the context key under which InTx passes its transaction to repositories.
type txKey struct{}

type txValue struct {
	db *DB
	tx bun.IDB // a bun.Tx (SQLite) or a connection of the autocommit=0 pool (MySQL)
	// pend queues the transaction's deferred appends (deferred.go); nil on SQLite.
	pend *pending
}

// idb returns the transaction carried by ctx when it belongs to this database, else
// the database itself, so every repository call joins the caller's transaction.
// Outside a transaction it is for reads only: on a SQLite file it is the read
// pool (sqlite_readers.go); writes go through write, exec or InTx.
func (d *DB) idb(ctx context.Context) bun.IDB {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d {
		return v.current(ctx)
	}
	if d.rbun != nil {
		return d.rbun
	}
	return d.bun
}

// Retry backoff bounds: short enough for an interactive request, long enough for a
// Galera node to apply the winner's write set.
const (
	backoffStart = 2 * time.Millisecond
	backoffCap   = 100 * time.Millisecond
)

// InTx runs fn in one transaction and implements application.Transactor. A deadlock,
// certification failure (1213) or lock wait timeout (1205) at any statement or at
// COMMIT re-runs the whole fn, up to Options.MaxTxAttempts times, with exponential
// backoff and jitter; exhausted attempts are KindUnavailable. Any other error from fn
// rolls back and is returned unchanged. Called with a ctx already inside a
// transaction of this DB, fn simply joins it. On SQLite, concurrent calls share one
// transaction, each in its own savepoint (see groupcommit.go).
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d {
		return fn(ctx)
	}
	if d.group != nil {
		return d.group.do(ctx, fn) // SQLite: concurrent units share a commit (groupcommit.go)
	}
	return d.runTx(ctx, fn)
}

// write runs a single-statement write: inside the caller's transaction when ctx
// carries one, else on its own (autocommit, itself a transaction) with the same
// bounded retry on 1213/1205 as InTx, which a cluster can return for it too. On
// SQLite it is a unit of the group commit like any InTx.
func (d *DB) write(ctx context.Context, fn func(db bun.IDB) error) error {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d {
		return fn(v.current(ctx))
	}
	if d.group != nil {
		// SQLite: the statement shares a commit with whatever else is waiting.
		return d.group.do(ctx, func(ctx context.Context) error {
			return fn(ctx.Value(txKey{}).(txValue).tx)
		})
	}
	return d.retrying(ctx, func() error { return fn(d.bun) })
}

// exec runs one statement through write and returns its result.
func (d *DB) exec(ctx context.Context, stmt func(db bun.IDB) (sql.Result, error)) (sql.Result, error) {
	var res sql.Result
	err := d.write(ctx, func(db bun.IDB) error {
		var err error
		res, err = stmt(db)
		return err
	})
	return res, err
}

// retrying runs attempt until it succeeds, fails with an error that is not a lost
// race, or has been tried Options.MaxTxAttempts times.
func (d *DB) retrying(ctx context.Context, attempt func() error) error {
	backoff := backoffStart
	var lastErr error
	for n := 1; n <= d.opts.MaxTxAttempts; n++ {
		err := attempt()
		code := retryCode(err)
		if code == 0 {
			return err
		}
		lastErr = err
		if n == d.opts.MaxTxAttempts {
			break
		}
		d.countRetry(code)
		sleep := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return mapErr("transaction", ctx.Err())
		case <-time.After(sleep):
		}
		backoff = min(backoff*2, backoffCap)
	}
	return application.Errorf(application.KindUnavailable, "database_contention", lastErr,
		"the transaction kept conflicting with concurrent writers (%d attempts)", d.opts.MaxTxAttempts)
}
