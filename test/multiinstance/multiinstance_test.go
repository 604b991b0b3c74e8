// Package multiinstance runs three assembled wxinvite instances against one shared
// database and one emulated WeChat whose pushes are load-balanced over them, and
// checks that every cross-instance race ends in the state one instance would reach:
// one user per person, at most one invite per invitee, identical replies to
// redeliveries, one QR code per user and one access-token fetch per token lifetime.
//
// It runs twice: on one MySQL database (WXINVITE_TEST_MYSQL_URL) and on a real
// 3-node MariaDB Galera cluster started on loopback, instance i on node i.
package multiinstance

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/test/galera"
)

// TestThreeInstancesOneMySQL: three instances on one MySQL database.
func TestThreeInstancesOneMySQL(t *testing.T) {
	began := time.Now()
	u := sqltest.MySQLURL(t)
	runCluster(t, [3]string{u, u, u})
	t.Logf("TestThreeInstancesOneMySQL took %v", time.Since(began).Round(time.Millisecond))
}

// TestThreeInstancesGalera: three instances, instance i on node i of a real 3-node
// Galera cluster, where locks are node-local and conflicts surface at COMMIT.
func TestThreeInstancesGalera(t *testing.T) {
	ok, why := galera.Available()
	if !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("a Galera cluster is required in CI but cannot run here: %s", why)
		}
		t.Skipf("GALERA MULTI-INSTANCE TEST SKIPPED: %s (apt-get install mariadb-server galera-4 rsync)", why)
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := galera.Start(ctx, galera.Options{Logf: t.Logf, ReadyTimeout: 90 * time.Second})
	if err != nil {
		t.Fatalf("starting the Galera cluster: %v", err)
	}
	// Registered before the instances start, so it runs after they have stopped.
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stopping the Galera cluster: %v", err)
		}
	})
	started := time.Since(began)

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "wxinvite_mi_" + hex.EncodeToString(b)
	createOnCluster(ctx, t, c, name)
	runCluster(t, [3]string{c.URL(0, name), c.URL(1, name), c.URL(2, name)})
	// The campaign scenario on the same cluster, in a database of its own.
	cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
	defer ccancel()
	createOnCluster(cctx, t, c, name+"_c")
	runCampaignCluster(t, [3]string{c.URL(0, name+"_c"), c.URL(1, name+"_c"), c.URL(2, name+"_c")})
	t.Logf("TestThreeInstancesGalera took %v (cluster start %v)", time.Since(began).Round(time.Millisecond), started.Round(time.Millisecond))
}

// createOnCluster creates the database on node 0 and waits until every node has it.
func createOnCluster(ctx context.Context, t *testing.T, c *galera.Cluster, name string) {
	t.Helper()
	dbs := make([]*sql.DB, 3)
	for i := range dbs {
		db, err := sql.Open("mysql", c.DSN(i))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	if _, err := dbs[0].ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("creating %s on node 0: %v", name, err)
	}
	for i, db := range dbs {
		visible := false
		for try := 0; try < 200 && !visible; try++ { // bounded: 200 × 50 ms
			var n int
			err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n)
			if err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
			if visible = n == 1; !visible {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if !visible {
			t.Fatalf("database %s created on node 0 never appeared on node %d", name, i)
		}
	}
}
