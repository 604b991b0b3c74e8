package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
)

// Group commit on SQLite. SQLite has one writer and the store one connection, so
// concurrent transactions already run one after the other; what each of them pays
// on its own is the commit (the WAL frames of every page it touched, the lock
// dance), and the scan path's profile showed that commit as the largest single
// item. Here concurrent InTx calls queue up and one goroutine runs everything
// queued as one transaction, each unit inside its own SAVEPOINT: a unit whose fn
// fails is rolled back to its savepoint alone and gets its own error; the others
// commit together and learn of success only after the COMMIT. Each unit sees the
// writes of the units before it, exactly as if they had run one after the other,
// so unique keys decide every race as before. MySQL is not grouped: there
// concurrent transactions do run in parallel, and on a Galera cluster one
// conflicting unit would make the whole group fail certification.

// maxGroup bounds the units in one shared transaction.
const maxGroup = 64

// errStoreClosed answers an InTx that arrives after Close.
var errStoreClosed = errors.New("sqlstore: the store is closed")

// txUnit is one queued InTx call.
type txUnit struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done chan error
}

// grouper is the queue and the goroutine that drains it.
type grouper struct {
	d       *DB
	units   chan *txUnit
	stop    chan struct{}
	stopped sync.WaitGroup
	// mu orders queueing against close: no unit is queued after close began, so
	// every queued unit is run before the goroutine ends.
	mu     sync.RWMutex
	closed bool
}

func newGrouper(d *DB) *grouper {
	g := &grouper{d: d, units: make(chan *txUnit, maxGroup), stop: make(chan struct{})}
	g.stopped.Add(1)
	go g.run()
	return g
}

// do queues fn and waits for the shared transaction it ends up in.
func (g *grouper) do(ctx context.Context, fn func(ctx context.Context) error) error {
	u := &txUnit{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return unavailable(errStoreClosed, "the store is closed")
	}
	select {
	case g.units <- u:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return mapErr("transaction", ctx.Err())
	}
	// Once queued, the unit runs (or is refused at Close): wait for its answer even
	// when ctx ends, so a caller never returns while its writes may still commit.
	return <-u.done
}

// close stops the goroutine after the units already queued have run.
func (g *grouper) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.stop)
	}
	g.mu.Unlock()
	g.stopped.Wait()
}

func (g *grouper) run() {
	defer g.stopped.Done()
	for {
		var first *txUnit
		select {
		case first = <-g.units:
		case <-g.stop:
			for { // nothing is queued any more: run what is
				select {
				case u := <-g.units:
					g.runBatch([]*txUnit{u})
				default:
					return
				}
			}
		}
		batch := []*txUnit{first}
	fill:
		for len(batch) < maxGroup {
			select {
			case u := <-g.units:
				batch = append(batch, u)
			default:
				break fill
			}
		}
		g.runBatch(batch)
	}
}

// runBatch runs the units as one transaction, or one by one when there is only
// one or the shared transaction could not complete.
func (g *grouper) runBatch(batch []*txUnit) {
	live := batch[:0]
	for _, u := range batch {
		if err := u.ctx.Err(); err != nil {
			u.done <- mapErr("transaction", err) // gave up before it started: nothing written
			continue
		}
		live = append(live, u)
	}
	if len(live) == 1 {
		live[0].done <- g.d.runTx(live[0].ctx, live[0].fn)
		return
	}
	if len(live) == 0 {
		return
	}
	errs, err := g.shared(live)
	if err != nil {
		// The shared transaction is gone (a failed savepoint or COMMIT): nothing of it
		// was kept, so every unit runs again on its own.
		for _, u := range live {
			u.done <- g.d.runTx(u.ctx, u.fn)
		}
		return
	}
	for i, u := range live {
		u.done <- errs[i]
	}
}

// shared runs units in one transaction, each in a savepoint. errs holds each
// unit's own outcome; err says the transaction itself failed and was rolled back.
func (g *grouper) shared(units []*txUnit) (errs []error, err error) {
	d := g.d
	// The shared transaction is nobody's request: a unit's cancellation must not
	// interrupt a statement, which on SQLite would roll back every unit's writes.
	tx, err := d.bun.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	errs = make([]error, len(units))
	for i, u := range units {
		ctx := context.WithValue(context.WithoutCancel(u.ctx), txKey{}, txValue{db: d, tx: tx})
		if _, err := tx.ExecContext(ctx, "SAVEPOINT wx_unit"); err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		errs[i] = runUnit(ctx, u.fn)
		if errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT wx_unit"); err != nil {
				return nil, fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT wx_unit"); err != nil {
			return nil, fmt.Errorf("release savepoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return errs, nil
}

// runUnit runs one unit's fn, turning a panic into that unit's error so one bad
// unit cannot take the others (and the queue) down.
func runUnit(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqlstore: transaction panicked: %v", r)
		}
	}()
	return fn(ctx)
}

// runTx is one transaction for fn alone, with InTx's bounded retry: on MySQL on
// the autocommit=0 pool (txconn.go), on SQLite with database/sql's.
func (d *DB) runTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return d.retrying(ctx, func() error {
		if d.txbun != nil {
			return d.connTx(ctx, fn)
		}
		var fnErr error
		err := d.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			fnErr = runUnit(context.WithValue(ctx, txKey{}, txValue{db: d, tx: tx}), fn)
			return fnErr
		})
		if fnErr != nil {
			return fnErr // RunInTx may join a rollback error; fn's error is what matters
		}
		if err != nil {
			return d.mapErr("transaction", err) // BEGIN or COMMIT failed outside fn
		}
		return nil
	})
}
