package sqlstore_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application/storetest"
)

func hookStores(db *sqlstore.DB) storetest.HookStores {
	w := db.Webhooks()
	return storetest.HookStores{Tx: db, Users: db.Users(), Invites: db.Invites(), Audit: db.Audit(), People: db.Audit(),
		Outbox: w, Endpoints: w, Deliveries: w}
}

func TestHooksContractSQLite(t *testing.T) {
	t.Parallel()
	storetest.RunHooks(t, func(t *testing.T) storetest.HookStores {
		return hookStores(sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{}))
	})
}

func TestHooksContractMySQL(t *testing.T) {
	t.Parallel()
	sqltest.MySQLURL(t)
	storetest.RunHooks(t, func(t *testing.T) storetest.HookStores {
		return hookStores(sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{}))
	})
}
