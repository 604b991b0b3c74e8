package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"

	"github.com/wxinvite/wxinvite/application"
)

// MySQL server error numbers the store reacts to.
const (
	mysqlDuplicateEntry  = 1062 // a unique key is taken
	mysqlDeadlock        = 1213 // deadlock, or a Galera certification failure
	mysqlLockWaitTimeout = 1205
)

// SQLite extended result codes for unique violations.
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// mapErr is the one place where driver errors become application errors, so that no
// sql.ErrNoRows or driver error type leaks past the adapter. what names the thing
// looked for or inserted ("user", "invite"). Errors the transactor must retry
// (1213, 1205) keep their driver error in the chain so InTx can recognise them.
func mapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var appErr *application.Error
	switch {
	case errors.As(err, &appErr):
		return err // already classified
	case errors.Is(err, sql.ErrNoRows):
		return application.NotFound(what, err)
	case isUniqueViolation(err):
		return application.Conflict(what, err)
	case retryCode(err) != 0:
		return application.Errorf(application.KindUnavailable, "database_conflict", err, "the database reported a conflict on %s; retry", what)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, sql.ErrConnDone):
		return application.Errorf(application.KindUnavailable, "database_unavailable", err, "the database is unavailable")
	}
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) {
		return application.Errorf(application.KindUnavailable, "database_unavailable", err, "the database is unavailable")
	}
	return application.Errorf(application.KindInternal, "database_error", err, "database error on %s", what)
}

func isUniqueViolation(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDuplicateEntry
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// retryCode returns the MySQL error number when err means "this transaction lost a
// race, run it again" (deadlock or certification failure, lock wait timeout), else 0.
func retryCode(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) && (me.Number == mysqlDeadlock || me.Number == mysqlLockWaitTimeout) {
		return me.Number
	}
	return 0
}
