package memory_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application/storetest"
)

// The audit trail and the outbox in memory pass the same suite as in SQL.
func TestHooksContract(t *testing.T) {
	storetest.RunHooks(t, func(t *testing.T) storetest.HookStores {
		s := memory.New()
		w := s.Webhooks()
		return storetest.HookStores{Tx: s, Users: s.Users(), Invites: s.Invites(), Audit: s.Audit(), People: s.Audit(),
			Outbox: w, Endpoints: w, Deliveries: w}
	})
}
