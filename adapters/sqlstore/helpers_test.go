package sqlstore_test

import (
	"crypto/sha256"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

func testCode(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	c, _ := domain.NewInviteCode(sum[:domain.InviteCodeBytes])
	return c
}

func newTestUser(openID string) domain.User {
	return domain.User{OpenID: openID, InviteCode: testCode(openID), Nickname: openID, JoinedAt: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)}
}
