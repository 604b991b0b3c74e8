package sqlstore

import (
	"context"
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
	tx bun.Tx
}

// idb returns the transaction carried by ctx when it belongs to this database, else
// the database itself, so every repository call joins the caller's transaction.
func (d *DB) idb(ctx context.Context) bun.IDB {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d {
		return v.tx
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
// transaction of this DB, fn simply joins it.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d {
		return fn(ctx)
	}
	backoff := backoffStart
	var lastErr error
	for attempt := 1; attempt <= d.opts.MaxTxAttempts; attempt++ {
		var fnErr error
		err := d.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			fnErr = fn(context.WithValue(ctx, txKey{}, txValue{db: d, tx: tx}))
			return fnErr
		})
		if fnErr != nil {
			err = fnErr // RunInTx may join a rollback error; fn's error is what matters
		}
		code := retryCode(err)
		if code == 0 {
			if err != nil && fnErr == nil {
				// BEGIN or COMMIT failed outside fn: classify it.
				return d.mapErr("transaction", err)
			}
			return err // fn's own error, unchanged
		}
		lastErr = err
		if attempt == d.opts.MaxTxAttempts {
			break
		}
		d.retries.Add(1)
		if d.opts.OnRetry != nil {
			d.opts.OnRetry(code)
		}
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
