package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application"
)

// TestInTxRetriesDeadlock forces a real InnoDB deadlock (two transactions locking two
// rows in opposite order) and checks that InTx re-runs the victim until it commits.
func TestInTxRetriesDeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var hooked atomic.Uint64
	db := sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{OnRetry: func(code uint16) {
		if code == 1213 {
			hooked.Add(1)
		}
	}})
	if db.Galera() {
		t.Log("running on Galera")
	}
	for _, q := range []string{
		"CREATE TABLE deadlock_scratch (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB",
		"INSERT INTO deadlock_scratch VALUES (1, 0), (2, 0)",
	} {
		if _, err := db.Bun().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var firstLocked sync.WaitGroup
	firstLocked.Add(2)
	lockBoth := func(first, second int) error {
		attempt := 0
		return db.InTx(ctx, func(ctx context.Context) error {
			attempt++
			idb := sqlstore.IDBForTest(db, ctx)
			if _, err := idb.ExecContext(ctx, "UPDATE deadlock_scratch SET v = v + 1 WHERE id = ?", first); err != nil {
				return err
			}
			if attempt == 1 {
				firstLocked.Done()
				firstLocked.Wait() // both hold their first row: the second UPDATEs deadlock
			}
			_, err := idb.ExecContext(ctx, "UPDATE deadlock_scratch SET v = v + 1 WHERE id = ?", second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = lockBoth(1, 2) })
	wg.Go(func() { errs[1] = lockBoth(2, 1) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	retries, _ := db.Stats()
	if retries == 0 || hooked.Load() == 0 {
		t.Errorf("retries = %d, OnRetry(1213) calls = %d; want > 0", retries, hooked.Load())
	}
	var sum int
	if err := db.Bun().NewRaw("SELECT SUM(v) FROM deadlock_scratch").Scan(ctx, &sum); err != nil || sum != 4 {
		t.Errorf("sum = %d, %v; want 4: each transaction committed exactly once", sum, err)
	}
}

func TestInTxNestedAndUnchangedErrors(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, url func(*testing.T) string) {
		ctx := context.Background()
		db := sqltest.Open(t, url(t), sqlstore.Options{})
		boom := errors.New("boom")
		err := db.InTx(ctx, func(ctx context.Context) error {
			return db.InTx(ctx, func(ctx context.Context) error {
				if _, err := db.Users().Create(ctx, newTestUser("oNested")); err != nil {
					return err
				}
				return boom
			})
		})
		if err != boom {
			t.Fatalf("InTx = %v, want fn's error itself", err)
		}
		if _, err := db.Users().ByOpenID(ctx, "oNested"); !errors.Is(err, application.ErrNotFound) {
			t.Errorf("nested write survived the outer rollback: %v", err)
		}
		// The nested call joins the outer transaction: its write is visible there and
		// commits with it.
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := db.InTx(ctx, func(ctx context.Context) error {
				_, err := db.Users().Create(ctx, newTestUser("oNested"))
				return err
			}); err != nil {
				return err
			}
			_, err := db.Users().ByOpenID(ctx, "oNested")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, conflicts := db.Stats(); conflicts != 0 {
			t.Errorf("conflicts = %d, want 0", conflicts)
		}
		_, err = db.Users().Create(ctx, newTestUser("oNested"))
		if _, conflicts := db.Stats(); !errors.Is(err, application.ErrConflict) || conflicts != 1 {
			t.Errorf("duplicate create: %v, conflicts counter %d; want ErrConflict counted once", err, conflicts)
		}
	})
}

func TestPlainServerIsNotGalera(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{})
	var on int
	if err := db.Bun().NewRaw("SELECT @@wsrep_on").Scan(context.Background(), &on); err == nil && on == 0 && db.Galera() {
		t.Error("a server with wsrep_on=0 was taken for Galera")
	}
	if db.Dialect() != sqlstore.DialectMySQL {
		t.Errorf("Dialect = %q", db.Dialect())
	}
}
