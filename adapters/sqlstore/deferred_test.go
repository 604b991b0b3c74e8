package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// The deferred appends and the autocommit=0 transactions (deferred.go,
// txconn.go) are MySQL's; on SQLite the same calls execute at once, and the
// tests hold there too.
func eachStore(t *testing.T, run func(t *testing.T, db *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); run(t, sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})) })
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		// Two connections: one of them for transactions, so every transaction of
		// the test runs on the same session.
		run(t, sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{MaxOpenConns: 2}))
	})
}

// A later statement of the transaction sees the appends queued before it, and
// a queue bigger than one flush is sent in parts, all of it committed.
func TestDeferredAppendsSeenByLaterStatements(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		u, err := db.Users().Create(ctx, newTestUser("o_deferred_seen"))
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		const many = 12000 // about 1.3 MB of INSERT text: more than one flush
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := db.Audit().Append(ctx, domain.AuditEvent{At: at, Type: domain.AuditSubscribe, UserID: u.ID}); err != nil {
				return err
			}
			got, err := db.Audit().ByUser(ctx, u.ID, 10)
			if err != nil {
				return err
			}
			if len(got) != 1 {
				t.Errorf("inside the transaction: %d events, want the 1 appended before the read", len(got))
			}
			for i := range many {
				if err := db.Audit().Append(ctx, domain.AuditEvent{At: at.Add(time.Duration(i) * time.Millisecond), Type: domain.AuditScan, UserID: u.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.Bun().NewRaw("SELECT COUNT(*) FROM audit_events WHERE user_id = ?", int64(u.ID)).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		if n != many+1 {
			t.Fatalf("committed %d events, want %d", n, many+1)
		}
	})
}

// An append that fails at commit takes the whole transaction with it, and the
// session it ran on is clean for the next transaction: nothing of the failed one
// is committed by a later COMMIT.
func TestFailedDeferredAppendRollsBackTheTransaction(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		err := db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.Users().Create(ctx, newTestUser("o_deferred_doomed")); err != nil {
				return err
			}
			return sqlstore.LaterForTest(db, ctx, "INSERT INTO no_such_table (x) VALUES (1)")
		})
		if err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("InTx = %v, want the failed append's error", err)
		}
		// A failing fn after a write: rolled back, and the session is not left in a
		// transaction that the next COMMIT would keep.
		boom := errors.New("boom")
		err = db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.Users().Create(ctx, newTestUser("o_deferred_failed_fn")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if err := db.InTx(ctx, func(ctx context.Context) error {
			_, err := db.Users().Create(ctx, newTestUser("o_deferred_kept"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for openID, want := range map[string]bool{"o_deferred_doomed": false, "o_deferred_failed_fn": false, "o_deferred_kept": true} {
			_, err := db.Users().ByOpenID(ctx, openID)
			switch {
			case want && err != nil:
				t.Errorf("%s: %v, want it committed", openID, err)
			case !want && !errors.Is(err, application.ErrNotFound):
				t.Errorf("%s: %v, want not found (rolled back)", openID, err)
			}
		}
	})
}

// A transaction whose context ends mid-way commits nothing, and the pool goes on
// working.
func TestCanceledTransactionCommitsNothing(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		err := db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.Users().Create(ctx, newTestUser("o_deferred_canceled")); err != nil {
				return err
			}
			cancel()
			_, err := db.Users().ByOpenID(ctx, "o_deferred_canceled")
			return err
		})
		if err == nil {
			t.Fatal("InTx succeeded after its context was canceled")
		}
		bg := context.Background()
		if _, err := db.Users().ByOpenID(bg, "o_deferred_canceled"); !errors.Is(err, application.ErrNotFound) {
			t.Fatalf("after cancel: %v, want not found", err)
		}
		if err := db.InTx(bg, func(ctx context.Context) error {
			_, err := db.Users().Create(ctx, newTestUser("o_deferred_after_cancel"))
			return err
		}); err != nil {
			t.Fatalf("the next transaction: %v", err)
		}
	})
}
