package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application"
)

// On a SQLite file a read outside any transaction neither waits for the one
// writer connection nor sees what the writer has not committed.
func TestSQLiteReadsDoNotWaitForTheWriter(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{})
	ctx := context.Background()
	if _, err := db.Users().Create(ctx, newTestUser("o_reader_committed")); err != nil {
		t.Fatal(err)
	}
	inTx, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.Users().Create(ctx, newTestUser("o_reader_uncommitted")); err != nil {
				return err
			}
			close(inTx)
			<-release // the writer is held until the reads below are done
			return nil
		})
	}()
	<-inTx
	// Bounded only so that a regression fails instead of hanging: with the reads
	// on the writer's connection they would wait for release, which never comes.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := db.Users().ByOpenID(rctx, "o_reader_committed"); err != nil {
		t.Errorf("committed user while the writer is busy: %v", err)
	}
	if _, err := db.Users().ByOpenID(rctx, "o_reader_uncommitted"); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("uncommitted user: %v, want not found", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := db.Users().ByOpenID(ctx, "o_reader_uncommitted"); err != nil {
		t.Errorf("after commit: %v", err)
	}
}
