package application_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// invited records friend as invited by inviter straight in the store and returns
// what Join would report.
func invited(t *testing.T, c *chatEnv, inviter domain.User, openID, nickname string) application.JoinResult {
	t.Helper()
	friend := c.inviter(t, openID, nickname)
	inv, err := c.invs.Create(context.Background(), domain.Invite{InviterID: inviter.ID, InviteeID: friend.ID, Channel: domain.ChannelScan, Status: domain.InviteCounted, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return application.JoinResult{User: friend, IsNew: true, Invite: &inv, Inviter: &inviter}
}

func TestProgressNoticesSixFriends(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	ctx := context.Background()
	w := application.NewNoticeWorker(c.notifier)
	obs := application.NewProgressNotices(w, application.CountProgressTexts{Invites: c.invs}, c.users)
	inviter := c.inviter(t, "oInviter", "小红")
	_ = c.notifier.Interacted(ctx, inviter.ID, domain.TriggerMessage, c.clock.Now())
	var results []application.JoinResult
	for i := range 6 {
		results = append(results, invited(t, c, inviter, fmt.Sprint("oFriend", i), fmt.Sprint("朋友", i)))
	}
	for _, r := range results {
		obs.Joined(r)
		obs.Joined(r) // a redelivery
	}
	obs.Joined(application.JoinResult{User: inviter, IsNew: true}) // no invite: nothing
	w.Start()
	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := w.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	texts, _ := c.kefu.counts()
	if texts != 5 {
		t.Fatalf("%d kefu texts, want 5", texts)
	}
	deferred, _ := c.chat.Notices(ctx, inviter.ID, true, 10)
	all, _ := c.chat.Notices(ctx, inviter.ID, false, 20)
	if len(deferred) != 1 || len(all) != 6 {
		t.Fatalf("%d deferred of %d notices, want 1 of 6", len(deferred), len(all))
	}
	if !strings.Contains(c.kefu.texts[0], "通过你的邀请关注了，你已邀请") {
		t.Errorf("notice text %q", c.kefu.texts[0])
	}
	if _, failed, sent, def := w.Stats(); failed != 0 || sent != 5 || def != 1 {
		t.Errorf("stats failed=%d sent=%d deferred=%d", failed, sent, def)
	}
	if w.Enqueue(func(context.Context) (domain.Notice, bool, error) { return domain.Notice{}, false, nil }) {
		t.Error("a stopped worker took a job")
	}
}

func TestCountProgressTexts(t *testing.T) {
	t.Parallel()
	c := newChatEnv(t)
	inviter := c.inviter(t, "oInviter", "小红")
	r := invited(t, c, inviter, "oFriend", "小明")
	text, ok, err := application.CountProgressTexts{Invites: c.invs, Template: "{friend} 助力成功，共 {count} 人。{next}"}.
		ProgressText(context.Background(), inviter, r.User, *r.Invite)
	if err != nil || !ok || text != "小明 助力成功，共 1 人。" {
		t.Fatalf("text = %q, %v, %v", text, ok, err)
	}
}
