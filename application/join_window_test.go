package application_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type failingWindows struct{}

var errWindows = errors.New("windows down")

func (failingWindows) Interacted(context.Context, domain.UserID, domain.KefuTrigger, time.Time) error {
	return errWindows
}

// TestJoinOpensTheFollowWindowInItsTransaction: with windows wired, a follow that
// creates the user opens their kefu window as of the event, in the same
// transaction (a failing window write fails the join and leaves no user); a
// contact without a follow event (the link path) opens none.
func TestJoinOpensTheFollowWindowInItsTransaction(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	ctx := context.Background()
	c.join.WithFollowWindows(c.notifier)
	inviter := c.inviter(t, "oInviter", "小红")
	followed := t0.Add(time.Minute)

	tests := []struct {
		name       string
		cmd        application.JoinCommand
		wantWindow bool
	}{
		{"scan follow", application.JoinCommand{OpenID: "o_scan", FollowedAt: followed, Attribution: scanAttr(inviter.InviteCode), ContactKey: "m1"}, true},
		{"plain follow", application.JoinCommand{OpenID: "o_plain", FollowedAt: followed, ContactKey: "m2"}, true},
		{"link, no follow event", application.JoinCommand{OpenID: "o_link", Attribution: linkAttr(inviter.InviteCode)}, false},
	}
	for _, tt := range tests {
		res := c.mustJoin(t, tt.cmd)
		if !res.IsNew || res.FollowWindowOpened != tt.wantWindow {
			t.Errorf("%s: IsNew %v, FollowWindowOpened %v; want new, %v", tt.name, res.IsNew, res.FollowWindowOpened, tt.wantWindow)
		}
		ws, err := c.chat.Windows(ctx, res.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tt.wantWindow && (len(ws) != 1 || !ws[0].OpenedAt.Equal(followed) || ws[0].Slot != domain.SlotEvent):
			t.Errorf("%s: windows %+v, want the event window opened at %v", tt.name, ws, followed)
		case !tt.wantWindow && len(ws) != 0:
			t.Errorf("%s: windows %+v, want none", tt.name, ws)
		}
	}
	// A redelivery replays: no second window write, nothing new.
	if res := c.mustJoin(t, tests[0].cmd); !res.Replayed || res.FollowWindowOpened {
		t.Errorf("redelivery: Replayed %v, FollowWindowOpened %v", res.Replayed, res.FollowWindowOpened)
	}

	c.join.WithFollowWindows(failingWindows{})
	for _, cmd := range []application.JoinCommand{
		{OpenID: "o_fail_scan", FollowedAt: followed, Attribution: scanAttr(inviter.InviteCode)},
		{OpenID: "o_fail_plain", FollowedAt: followed},
	} {
		if _, err := c.join.Join(ctx, cmd); !errors.Is(err, errWindows) {
			t.Errorf("%s with failing windows: %v, want the window error", cmd.OpenID, err)
		}
		if _, err := c.users.ByOpenID(ctx, cmd.OpenID); !errors.Is(err, application.ErrNotFound) {
			t.Errorf("%s: the user was kept although the window write failed: %v", cmd.OpenID, err)
		}
	}
}
