package sqlstore_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application/storetest"
)

func stores(db *sqlstore.DB) storetest.Stores {
	return storetest.Stores{Tx: db, Users: db.Users(), Invites: db.Invites(), QRCodes: db.QRCodes(), Tokens: db.Tokens(), Sessions: db.Sessions()}
}

func TestContractSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return stores(sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{}))
	})
}

func TestContractSQLiteMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return stores(sqltest.Open(t, "sqlite::memory:", sqlstore.Options{}))
	})
}

func TestContractMySQL(t *testing.T) {
	t.Parallel()
	sqltest.MySQLURL(t) // skip (or fail in CI) before starting subtests
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return stores(sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{}))
	})
}

func TestContractChatSQLite(t *testing.T) {
	t.Parallel()
	storetest.RunChat(t, func(t *testing.T) storetest.ChatStore {
		return sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{}).Chat()
	})
}

func TestContractChatMySQL(t *testing.T) {
	t.Parallel()
	sqltest.MySQLURL(t)
	storetest.RunChat(t, func(t *testing.T) storetest.ChatStore {
		return sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{}).Chat()
	})
}
