package sqlstore_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application/storetest"
)

func campaignStores(db *sqlstore.DB) storetest.CampaignStores {
	return storetest.CampaignStores{Stores: stores(db), Campaigns: db.Campaigns(), Lifecycle: db.InviteLifecycle(), Grants: db.Grants(), Codes: db.Codes()}
}

func TestCampaignContractSQLite(t *testing.T) {
	t.Parallel()
	storetest.RunCampaigns(t, func(t *testing.T) storetest.CampaignStores {
		return campaignStores(sqltest.Open(t, sqltest.SQLiteURL(t), sqlstore.Options{}))
	})
}

func TestCampaignContractMySQL(t *testing.T) {
	t.Parallel()
	sqltest.MySQLURL(t) // skip (or fail in CI) before starting subtests
	storetest.RunCampaigns(t, func(t *testing.T) storetest.CampaignStores {
		return campaignStores(sqltest.Open(t, sqltest.MySQLURL(t), sqlstore.Options{}))
	})
}
