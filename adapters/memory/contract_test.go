package memory_test

import (
	"testing"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application/storetest"
)

// The in-memory store must behave exactly like the SQL store: same suite.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		s := memory.New()
		return storetest.Stores{Tx: s, Users: s.Users(), Invites: s.Invites(), QRCodes: s.QRCodes(), Tokens: s.Tokens(), Sessions: s.Sessions()}
	})
}

// The chat loop's stores, same suite as the SQL store.
func TestContractChat(t *testing.T) {
	storetest.RunChat(t, func(t *testing.T) storetest.ChatStore { return memory.New().Chat() })
}
