package sqlstore

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// The first connection's failure is told in the operator's terms: what to fix,
// not the driver's chain of wrapped errors.

// mysqlConnErr explains why the first connection to MySQL failed.
func mysqlConnErr(err error, cfg *mysql.Config) error {
	var me *mysql.MySQLError
	var dnsErr *net.DNSError
	var msg string
	switch {
	case errors.As(err, &me) && me.Number == 1045:
		msg = fmt.Sprintf("MySQL at %s refused user %q: wrong password or unknown user (access denied)", cfg.Addr, cfg.User)
	case errors.As(err, &me) && me.Number == 1049:
		msg = fmt.Sprintf("database %q does not exist on %s (create it with CREATE DATABASE %s CHARACTER SET utf8mb4)", cfg.DBName, cfg.Addr, cfg.DBName)
	case errors.As(err, &me) && me.Number == 1044:
		msg = fmt.Sprintf("user %q may not use database %q on %s", cfg.User, cfg.DBName, cfg.Addr)
	case errors.As(err, &me):
		msg = fmt.Sprintf("MySQL at %s refused the connection: %s (error %d)", cfg.Addr, me.Message, me.Number)
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = fmt.Sprintf("nothing answers at %s (is MySQL running there?)", cfg.Addr)
	case errors.As(err, &dnsErr):
		msg = fmt.Sprintf("cannot resolve the MySQL host in %s", cfg.Addr)
	case isTimeout(err):
		msg = fmt.Sprintf("MySQL at %s does not answer (timed out)", cfg.Addr)
	default:
		msg = fmt.Sprintf("cannot reach MySQL at %s: %v", cfg.Addr, err)
	}
	return unavailable(err, "%s", msg)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sqliteOpenErr explains why a SQLite file cannot be opened: most often its
// directory is missing or not writable.
func sqliteOpenErr(err error, path string) error {
	dir := filepath.Dir(path)
	st, serr := os.Stat(dir)
	var msg string
	switch {
	case serr != nil:
		msg = fmt.Sprintf("cannot create SQLite file %s: directory %s does not exist", path, dir)
	case !st.IsDir():
		msg = fmt.Sprintf("cannot create SQLite file %s: %s is not a directory", path, dir)
	case !writable(dir, path):
		msg = fmt.Sprintf("cannot write SQLite file %s: permission denied", path)
	default:
		msg = fmt.Sprintf("cannot open SQLite file %s: %v", path, err)
	}
	return unavailable(err, "%s", msg)
}

// writable reports whether the file (or, when it does not exist yet, a new file in
// dir) can be written, by trying.
func writable(dir, path string) bool {
	if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		f.Close()
		return true
	} else if !errors.Is(err, os.ErrNotExist) {
		return false
	}
	f, err := os.CreateTemp(dir, ".wxinvite-probe-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	_ = os.Remove(name)
	return true
}
