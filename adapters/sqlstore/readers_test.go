package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/domain"
)

// TestReportsReadBesideTheWriter: on a SQLite file a report (the user counts)
// answers while a transaction holds the store's one writer connection, and sees the
// last commit; inside the transaction it sees the transaction's own writes; after
// the commit it sees them from outside too. On the writer's connection the outside
// read would wait for it until its context ran out.
func TestReportsReadBesideTheWriter(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})
	ctx := context.Background()
	if _, err := db.Users().Create(ctx, newTestUser("oCommitted")); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(txCtx context.Context) error {
		if _, err := db.Users().Create(txCtx, newTestUser("oInFlight")); err != nil {
			return err
		}
		// Another request's context: no transaction in it. The deadline only stops a
		// read that waits for the writer connection from hanging the test.
		other, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if users, _, err := db.Users().Counts(other); err != nil || users != 1 {
			t.Errorf("report beside an open transaction = %d, %v; want the 1 committed user", users, err)
		}
		if users, _, err := db.Users().Counts(txCtx); err != nil || users != 2 {
			t.Errorf("report inside the transaction = %d, %v; want 2 with its own write", users, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if users, _, err := db.Users().Counts(ctx); err != nil || users != 2 {
		t.Errorf("report after the commit = %d, %v; want 2", users, err)
	}
}

// TestReportsHaveTheirOwnPool: on a SQLite file a report answers while every
// connection of the read pool is taken (by the scan path's lookups, say), and a
// dashboard's reports never hold those connections.
func TestReportsHaveTheirOwnPool(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})
	ctx := context.Background()
	if _, err := db.Users().Create(ctx, newTestUser("oCounted")); err != nil {
		t.Fatal(err)
	}
	pool, n := sqlstore.ReadPoolForTest(db)
	for range n {
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	// Bounded only so that a report queued behind the read pool fails instead of
	// hanging.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if users, _, err := db.Users().Counts(rctx); err != nil || users != 1 {
		t.Errorf("report while the read pool is taken = %d, %v; want 1", users, err)
	}
}

// TestReportPoolRefusesWrites: the report pool cannot write, so SQLite keeps its
// one writer however a report's handle is used.
func TestReportPoolRefusesWrites(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})
	ctx := context.Background()
	_, err := sqlstore.ReportDBForTest(db).ExecContext(ctx, "CREATE TABLE report_scratch (a INTEGER)")
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("write on the report pool: %v; want SQLite's readonly refusal", err)
	}
}

// TestCountByChannelNamesEveryChannel: the counts add up to every invite even when
// a row carries a channel other than link and scan (SQLite then groups, as MySQL
// always does).
func TestCountByChannelNamesEveryChannel(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{
		"sqlite": sqltest.SQLiteURL, "memory": func(testing.TB) string { return "sqlite::memory:" }, "mysql": sqltest.MySQLURL,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := sqltest.Open(t, url(t), sqlstore.Options{})
			ctx := context.Background()
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, ch := range []string{"link", "scan", "scan", "mail"} {
				if _, err := db.Bun().ExecContext(ctx, "INSERT INTO invites (inviter_id, invitee_id, channel, status, created_at) VALUES (?, ?, ?, 'counted', ?)",
					1, i+2, ch, at); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.Invites().CountByChannel(ctx)
			if err != nil || len(got) != 3 || got[domain.ChannelLink] != 1 || got[domain.ChannelScan] != 2 || got["mail"] != 1 {
				t.Fatalf("CountByChannel = %v, %v; want link 1, scan 2, mail 1", got, err)
			}
			if _, err := db.Bun().ExecContext(ctx, "DELETE FROM invites WHERE channel = 'mail'"); err != nil {
				t.Fatal(err)
			}
			if got, err := db.Invites().CountByChannel(ctx); err != nil || len(got) != 2 || got[domain.ChannelLink] != 1 || got[domain.ChannelScan] != 2 {
				t.Fatalf("CountByChannel = %v, %v; want link 1, scan 2", got, err)
			}
		})
	}
}
