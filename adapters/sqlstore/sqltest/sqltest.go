// Package sqltest gives tests real databases for the SQL store: a fresh SQLite file,
// or a fresh MySQL database created on the server named by WXINVITE_TEST_MYSQL_URL
// and dropped when the test ends. The store's own tests and the end-to-end tests in
// test/ use it, so every suite runs against the same kinds of database.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
)

// EnvMySQLURL names the variable pointing the tests at a MySQL server, e.g.
// mysql://root@127.0.0.1:3306/wxinvite_test. Its database name is only a prefix:
// every test gets its own database.
const EnvMySQLURL = "WXINVITE_TEST_MYSQL_URL"

// SkipMessage is what a test says when MySQL is not configured, loud enough to notice.
const SkipMessage = "MySQL contract suite SKIPPED: set " + EnvMySQLURL + "=mysql://root@127.0.0.1:3306/wxinvite_test"

// SQLiteURL returns a sqlite: URL to a new file in the test's temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "wxinvite.db")
}

// MySQLURL returns a mysql:// URL to a new, empty database created for this test and
// dropped when it ends. Without WXINVITE_TEST_MYSQL_URL the test is skipped, except
// under CI (CI set), where a silently skipped MySQL suite would hide regressions.
func MySQLURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvMySQLURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(EnvMySQLURL + " is required in CI")
		}
		t.Skip(SkipMessage)
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "mysql" || u.User == nil {
		t.Fatalf("%s=%q is not a mysql://USER:PASS@HOST:PORT/DB URL", EnvMySQLURL, base)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix == "" {
		prefix = "wxinvite_test"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)

	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr = u.Host + ":3306"
	}
	cfg.Timeout = 5 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQLURL, err)
	}
	admin := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("creating test database %s on %s: %v", name, cfg.Addr, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Open opens the store at databaseURL, migrates it and closes it when the test ends.
func Open(t testing.TB, databaseURL string, opts sqlstore.Options) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, databaseURL, opts)
	if err != nil {
		t.Fatalf("open %s: %v", redact(databaseURL), err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}
