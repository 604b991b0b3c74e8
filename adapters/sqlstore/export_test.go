package sqlstore

import (
	"context"

	"github.com/uptrace/bun"
)

// IDBForTest exposes the handle repositories use (the transaction in ctx, else the
// DB) to the external tests, which need raw SQL inside InTx.
func IDBForTest(d *DB, ctx context.Context) bun.IDB { return d.idb(ctx) }
