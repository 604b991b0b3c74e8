package application

import (
	"context"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// FollowWindows opens a user's kefu window for an interaction (Notifier does).
type FollowWindows interface {
	Interacted(ctx context.Context, user domain.UserID, t domain.KefuTrigger, at time.Time) error
}

// WithFollowWindows makes Join open a new follower's kefu window (a follow opens
// one, wechat-protocol.md) in the transaction that creates them. It exists for the
// scan path's cost: written on its own afterwards, the window was a second commit
// for every new follower; inside the join it shares the join's. JoinResult's
// FollowWindowOpened tells the caller not to open it again. Call it once, before
// the service is used.
func (s *JoinService) WithFollowWindows(w FollowWindows) *JoinService {
	s.windows = w
	return s
}

// opensWindow says whether creating this person opens their kefu window in the
// same transaction: a follow event, with windows wired.
func (s *JoinService) opensWindow(cmd JoinCommand) bool {
	return s.windows != nil && !cmd.FollowedAt.IsZero()
}

// openWindow opens the new follower's window as of the follow event, in the
// transaction carried by ctx.
func (s *JoinService) openWindow(ctx context.Context, res *JoinResult, cmd JoinCommand) error {
	if !s.opensWindow(cmd) {
		return nil
	}
	if err := s.windows.Interacted(ctx, res.User.ID, domain.TriggerFollow, cmd.FollowedAt); err != nil {
		return fmt.Errorf("join: open the follow's kefu window: %w", err)
	}
	res.FollowWindowOpened = true
	return nil
}
