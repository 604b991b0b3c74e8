package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application"
)

// TestGroupCommitUnitsKeepTheirOwnOutcome queues units behind a blocked one so they
// share one SQLite transaction, then checks each unit's own result: a unit whose fn
// fails leaves nothing behind and gets its own error, a unit losing a unique-key race
// to an earlier unit in the same group gets ErrConflict, a panicking unit gets an
// error, a unit whose caller gave up before it started writes nothing, and every
// other unit commits.
func TestGroupCommitUnitsKeepTheirOwnOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})
	if _, err := db.Bun().ExecContext(ctx, "CREATE TABLE gc_scratch (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	insert := func(ctx context.Context, v string) error {
		_, err := sqlstore.IDBForTest(db, ctx).ExecContext(ctx, "INSERT INTO gc_scratch (v) VALUES (?)", v)
		return err
	}
	errBoom := errors.New("boom")

	// The blocker holds the group goroutine until the others are queued.
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	var blockerErr error
	wg.Go(func() {
		blockerErr = db.InTx(ctx, func(ctx context.Context) error {
			close(started)
			<-release
			return insert(ctx, "blocker")
		})
	})
	<-started

	type unit struct {
		name string
		ctx  context.Context
		fn   func(ctx context.Context) error
		want func(error) bool
		kept bool // its row must be there
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	ok := func(err error) bool { return err == nil }
	units := []unit{
		{"ok-1", ctx, func(ctx context.Context) error { return insert(ctx, "ok-1") }, ok, true},
		{"fails", ctx, func(ctx context.Context) error {
			if err := insert(ctx, "fails"); err != nil {
				return err
			}
			return errBoom
		}, func(err error) bool { return errors.Is(err, errBoom) }, false},
		{"dup-first", ctx, func(ctx context.Context) error { return insert(ctx, "dup") }, ok, true},
		{"dup-second", ctx, func(ctx context.Context) error {
			if err := insert(ctx, "dup-second"); err != nil {
				return err
			}
			err := insert(ctx, "dup")
			if err != nil {
				return fmt.Errorf("second: %w", sqlstore.MapErrForTest("scratch", err))
			}
			return nil
		}, func(err error) bool { return errors.Is(err, application.ErrConflict) }, false},
		{"panics", ctx, func(ctx context.Context) error {
			if err := insert(ctx, "panics"); err != nil {
				return err
			}
			panic("unit panics")
		}, func(err error) bool { return err != nil }, false},
		{"ok-2", ctx, func(ctx context.Context) error { return insert(ctx, "ok-2") }, ok, true},
		// Last: it may be refused before it queues, so nothing waits for it to queue.
		{"cancelled", gone, func(ctx context.Context) error { return insert(ctx, "cancelled") }, func(err error) bool { return errors.Is(err, context.Canceled) }, false},
	}
	errs := make([]error, len(units))
	for i, u := range units {
		wg.Go(func() { errs[i] = db.InTx(u.ctx, u.fn) })
		// Queue them in order, so "dup-first" runs before "dup-second".
		deadline := time.Now().Add(10 * time.Second)
		for sqlstore.QueuedForTest(db) < i+1 && u.ctx.Err() == nil {
			if time.Now().After(deadline) {
				t.Fatalf("unit %s never queued", u.name)
			}
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(20 * time.Millisecond) // let the cancelled unit queue, when it does
	close(release)
	wg.Wait()
	if blockerErr != nil {
		t.Fatalf("blocker: %v", blockerErr)
	}
	for i, u := range units {
		if !u.want(errs[i]) {
			t.Errorf("unit %s: err = %v", u.name, errs[i])
		}
		var n int
		v := u.name
		if v == "dup-first" {
			v = "dup"
		}
		if err := db.Bun().QueryRowContext(ctx, "SELECT COUNT(*) FROM gc_scratch WHERE v = ?", v).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[u.kept]; n != want {
			t.Errorf("unit %s: %d rows of %q, want %d", u.name, n, v, want)
		}
	}
	var total int
	if err := db.Bun().QueryRowContext(ctx, "SELECT COUNT(*) FROM gc_scratch").Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 4 { // blocker, ok-1, dup, ok-2
		t.Errorf("%d rows in all, want 4", total)
	}
}

// TestGroupCommitAfterClose: a transaction asked for after Close fails as
// unavailable instead of hanging.
func TestGroupCommitAfterClose(t *testing.T) {
	t.Parallel()
	db, err := sqlstore.Open(context.Background(), sqltest.SQLiteURL(t), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	err = db.InTx(context.Background(), func(context.Context) error { return nil })
	if !application.IsKind(err, application.KindUnavailable) {
		t.Fatalf("InTx after Close: %v, want unavailable", err)
	}
}
