package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"maps"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wxinvite/wxinvite/application"
)

// MySQL transactions without START TRANSACTION. database/sql's transactions cost
// two round trips of their own (START TRANSACTION, COMMIT) around the statements;
// for the scan path's join — two inserts and the deferred appends — that was half
// of all its round trips. MySQL transactions therefore run on a second pool whose
// sessions have autocommit=0: there every statement already runs inside a
// transaction that the server opens implicitly, and nothing is kept until COMMIT,
// which goes out in the same round trip as the deferred appends (deferred.go).
// A join is three round trips: INSERT user, INSERT invite, the appends and COMMIT.
//
// The pool is used only by InTx, so a session of it is never left inside a
// transaction: every use ends in COMMIT or ROLLBACK, and a connection whose
// ROLLBACK failed is discarded rather than returned to the pool.

// splitConns divides an instance's MySQL connections between transactions and
// everything else (the lookups before a join, single-statement writes, reads).
func splitConns(total int) (tx, other int) {
	tx = total * 3 / 4
	tx = max(tx, 1)
	return tx, max(total-tx, 1)
}

// openMySQL opens one pool on cfg with extra session variables.
func openMySQL(cfg *mysql.Config, conns int, params map[string]string) (*sql.DB, error) {
	c := cfg.Clone()
	if len(params) > 0 {
		c.Params = maps.Clone(c.Params)
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		maps.Copy(c.Params, params)
	}
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, application.Errorf(application.KindInvalid, "invalid_database_url", err, "WXINVITE_DATABASE_URL: %v", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(5 * time.Minute)
	db.SetConnMaxIdleTime(time.Minute)
	return db, nil
}

// rollbackTimeout bounds the ROLLBACK after a failed attempt; it runs even when
// the request's context has ended.
const rollbackTimeout = 5 * time.Second

// connTx is one attempt of fn as a MySQL transaction on the autocommit=0 pool.
func (d *DB) connTx(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := d.txbun.Conn(ctx)
	if err != nil {
		return d.mapErr("transaction", err)
	}
	pend := &pending{tx: conn, oneByOne: d.galera}
	err = runUnit(context.WithValue(ctx, txKey{}, txValue{db: d, tx: conn, pend: pend}), fn)
	if err == nil {
		err = pend.commit(ctx)
	}
	if pend.err != nil {
		// The queue's or COMMIT's own failure is the root cause: statements after a
		// failed flush only saw a doomed transaction.
		err = d.mapErr("transaction", pend.err)
	}
	if err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		if _, rerr := conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
			// The session may still hold the attempt's writes: never reuse it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		cancel()
	}
	_ = conn.Close()
	return err
}
