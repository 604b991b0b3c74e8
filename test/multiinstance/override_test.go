package multiinstance

import (
	"context"
	"os"
	"strconv"
	"testing"

	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/bootstrap"
)

// EnvMaxTxAttempts, when set, replaces every instance's store with one whose InTx
// makes at most that many attempts (1 = no retry after a 1213/1205), to show what the
// retry protects against: WXINVITE_TEST_MAX_TX_ATTEMPTS=1 go test -run Galera ./test/multiinstance/
// The replacement store reports no retries to /metrics.
const EnvMaxTxAttempts = "WXINVITE_TEST_MAX_TX_ATTEMPTS"

func maxTxAttemptsOverride(t *testing.T) []fx.Option {
	v := os.Getenv(EnvMaxTxAttempts)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", EnvMaxTxAttempts, v)
	}
	t.Logf("%s=%d: the instances' stores make at most %d attempt(s) per transaction", EnvMaxTxAttempts, n, n)
	return []fx.Option{fx.Decorate(func(lc fx.Lifecycle, cfg bootstrap.Config, _ *sqlstore.DB) (*sqlstore.DB, error) {
		db, err := sqlstore.Open(context.Background(), cfg.DatabaseURL, sqlstore.Options{MaxTxAttempts: n})
		if err != nil {
			return nil, err
		}
		lc.Append(fx.StopHook(db.Close))
		return db, nil
	})}
}
