package memory_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application/storetest"
)

// The campaign ports in memory pass the same suite as the SQL store.
func TestCampaignContract(t *testing.T) {
	storetest.RunCampaigns(t, func(t *testing.T) storetest.CampaignStores {
		s := memory.New()
		return storetest.CampaignStores{
			Stores:    storetest.Stores{Tx: s, Users: s.Users(), Invites: s.Invites(), QRCodes: s.QRCodes(), Tokens: s.Tokens(), Sessions: s.Sessions()},
			Campaigns: s.Campaigns(), Lifecycle: s.InviteLifecycle(), Grants: s.Grants(), Codes: s.Codes(),
		}
	})
}
