package sqlstore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// Deferred appends on MySQL. A transaction's append-only rows — audit events,
// outbox messages, the kefu window a new follower opens — need no answer from the
// server: nothing in the transaction reads them back and no caller looks at an id.
// Sent one by one they were three of the scan path's seven round trips per join,
// each a wake-up of the server thread and of the client on a box where both share
// two cores. Inside a MySQL transaction they are therefore queued and sent as one
// multi-statement together with the COMMIT (or just before the next statement the
// transaction runs, so the order of writes the server sees is unchanged). Their
// errors are the transaction's: after a failed flush the transaction is rolled
// back and InTx returns the flush's error (a 1213 is retried as any other). SQLite
// runs in-process, where a statement costs no round trip: there appends execute
// immediately.

// maxDeferredBytes bounds one flush so it stays far below max_allowed_packet
// (16 MiB by default on MariaDB, 64 MiB on MySQL 8); a bigger queue is sent in parts.
const maxDeferredBytes = 1 << 20

// pending is the queue of one MySQL transaction (txconn.go). It is used by the
// one goroutine running that transaction, as the connection itself is.
type pending struct {
	tx    bun.IDB // the transaction's connection
	stmts [][]byte
	size  int
	// oneByOne sends the queue one statement per round trip: on Galera (see
	// below).
	oneByOne bool
	// err is the first flush failure: the transaction is doomed and is rolled
	// back when it ends (statements after it run, in autocommit=0, and go too).
	err error
}

// Why not on Galera: a transaction that a replicated write set aborts (a
// brute-force abort) between two statements of one multi-statement is rolled
// back, and the statements after it can still run, in a new transaction that the
// COMMIT at the end keeps. The Galera multi-instance suite caught it once: an
// invite.created message naming an invitee id that no committed invite has (the
// attempt's user and invite were rolled back, its message was not; the retry
// wrote them again). One command per statement is safe there: an aborted
// transaction hears of it at its session's next command, and stops. On one
// server a transaction is only rolled back by an error of one of its
// statements, which also ends the multi-statement.

// later queues stmt in the MySQL transaction carried by ctx, or executes it at
// once anywhere else (SQLite, or no transaction), through write like any
// single-statement write. The statement is rendered by bun, values inlined and
// escaped exactly as bun sends every statement.
func (d *DB) later(ctx context.Context, stmt schema.QueryAppender) error {
	b, err := stmt.AppendQuery(d.bun.QueryGen(), nil)
	if err != nil {
		return fmt.Errorf("sqlstore: rendering a deferred statement: %w", err)
	}
	if v, ok := ctx.Value(txKey{}).(txValue); ok && v.db == d && v.pend != nil {
		return v.pend.add(ctx, b)
	}
	return d.write(ctx, func(db bun.IDB) error {
		_, err := db.ExecContext(ctx, string(b))
		return err
	})
}

func (p *pending) add(ctx context.Context, b []byte) error {
	if p.err != nil {
		return p.err
	}
	if len(p.stmts) > 0 && p.size+1+len(b) > maxDeferredBytes {
		if err := p.flush(ctx); err != nil {
			return err
		}
	}
	p.stmts = append(p.stmts, b)
	p.size += len(b) + 1
	return nil
}

// flush sends what is queued: one multi-statement, or one statement after the
// other on Galera.
func (p *pending) flush(ctx context.Context) error {
	if p.err != nil || len(p.stmts) == 0 {
		return p.err
	}
	stmts := p.stmts
	p.stmts, p.size = nil, 0
	if p.oneByOne {
		for _, q := range stmts {
			if _, err := p.tx.ExecContext(ctx, string(q)); err != nil {
				p.err = err
				return err
			}
		}
		return nil
	}
	if _, err := p.tx.ExecContext(ctx, string(bytes.Join(stmts, []byte{';'}))); err != nil {
		p.err = err
	}
	return p.err
}

// commit sends the queue and COMMIT in one round trip (on one server). The
// server stops a multi-statement at its first error, so a failed append never
// commits.
func (p *pending) commit(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	p.stmts = append(p.stmts, []byte("COMMIT"))
	return p.flush(ctx)
}

// current returns the transaction carried by ctx, with its queue flushed first so
// that the next statement sees (and follows) every earlier write. A failed flush
// dooms the transaction: the statement still runs, and InTx reports the flush's
// error and rolls everything back.
func (v txValue) current(ctx context.Context) bun.IDB {
	if v.pend != nil {
		_ = v.pend.flush(ctx)
	}
	return v.tx
}
