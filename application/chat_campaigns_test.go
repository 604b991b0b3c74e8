package application_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func campaignChat(e *campaignEnv) (*application.CampaignChat, *application.Notifier, *fakeKefu, *application.NoticeWorker) {
	k := &fakeKefu{}
	n := application.NewNotifier(e.store.Chat(), e.store.Chat(), k, e.store.Users(), e.clock)
	w := application.NewNoticeWorker(n)
	return application.NewCampaignChat(e.dir, e.store.Campaigns(), e.store.InviteLifecycle(), e.store.Invites(), w, e.clock), n, k, w
}

func TestCampaignChatKeywordAndDesign(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	cc, _, _, _ := campaignChat(e)
	ctx := context.Background()
	if kw, err := cc.Keyword(ctx, t0); err != nil || kw != "" {
		t.Fatalf("no campaign: keyword %q, %v", kw, err)
	}
	if d, err := cc.PosterDesign(ctx, t0); err != nil || d.Campaign != 0 || d.Background != nil || d.Version != "default" {
		t.Fatalf("no campaign: design %+v, %v", d, err)
	}
	c := twoTiers()
	c.Keyword = "海报"
	c.Poster = domain.PosterLayout{QR: domain.PosterBox{X: 10, Y: 20, Size: 200}, Nickname: &domain.PosterText{X: 5, Y: 5, Size: 30, Color: "#ff0000"}}
	c = e.mustCreate(c)
	if kw, _ := cc.Keyword(ctx, t0.Add(time.Hour)); kw != "海报" {
		t.Errorf("keyword %q, want 海报", kw)
	}
	if kw, _ := cc.Keyword(ctx, t0.Add(25*time.Hour)); kw != "" {
		t.Errorf("after the campaign: keyword %q", kw)
	}
	d1, err := cc.PosterDesign(ctx, t0.Add(time.Hour))
	if err != nil || d1.Campaign != int64(c.ID) || d1.QR != (application.PosterBox{X: 10, Y: 20, Size: 200}) || d1.Nickname == nil || d1.Nickname.Color != "#ff0000" || d1.Avatar != nil || d1.Background != nil {
		t.Fatalf("design %+v, %v", d1, err)
	}
	var bg bytes.Buffer
	_ = png.Encode(&bg, image.NewRGBA(image.Rect(0, 0, 300, 300)))
	if _, err := e.poster.Put(ctx, c.ID, bytes.NewReader(bg.Bytes())); err != nil {
		t.Fatal(err)
	}
	if d, _ := cc.PosterDesign(ctx, t0.Add(time.Hour)); d.Version != d1.Version {
		t.Errorf("the background was read again within its cache time")
	}
	e.clock.Advance(10 * time.Second)
	d2, err := cc.PosterDesign(ctx, t0.Add(time.Hour))
	if err != nil || !bytes.Equal(d2.Background, bg.Bytes()) || d2.Version == d1.Version {
		t.Fatalf("after a background upload: version %q (was %q), background %d bytes, %v", d2.Version, d1.Version, len(d2.Background), err)
	}
}

func TestCampaignChatProgressAndReward(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	cc, n, k, w := campaignChat(e)
	ctx := context.Background()
	c := twoTiers()
	c.Notices = domain.Notices{Progress: "{friend} 来了，{count} 人，{next}", Reward: "得到 {reward} {code}"}
	c = e.mustCreate(c)
	inviter := e.user("小红")
	friend := e.invite(inviter, c, domain.ChannelScan)
	inv, err := e.store.Invites().ByInvitee(ctx, friend.ID)
	if err != nil {
		t.Fatal(err)
	}
	text, ok, err := cc.ProgressText(ctx, inviter, friend, inv)
	if err != nil || !ok || text != "friend 来了，1 人，再邀请 1 人可得「券」" {
		t.Fatalf("progress text %q, %v, %v", text, ok, err)
	}
	outside := domain.Invite{ID: 99, InviterID: inviter.ID, InviteeID: friend.ID}
	if text, _, _ := cc.ProgressText(ctx, inviter, friend, outside); !strings.Contains(text, "通过你的邀请关注了") {
		t.Errorf("an invite outside campaigns: %q, want the default wording", text)
	}
	// A grant tells the inviter inside their window; out of stock tells nothing.
	if err := n.Interacted(ctx, inviter.ID, domain.TriggerMessage, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	cc.Granted(domain.Grant{ID: 7, UserID: inviter.ID, CampaignID: c.ID, Tier: 1, Reward: "券", Code: "CODE-1", Status: domain.GrantGranted})
	cc.Granted(domain.Grant{ID: 7, UserID: inviter.ID, CampaignID: c.ID, Tier: 1, Reward: "券", Code: "CODE-1", Status: domain.GrantGranted}) // heard twice
	cc.Granted(domain.Grant{ID: 8, UserID: inviter.ID, CampaignID: c.ID, Tier: 2, Reward: "礼盒", Status: domain.GrantOutOfStock})
	w.Start()
	if err := w.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if texts, _ := k.counts(); texts != 1 || k.texts[0] != inviter.OpenID+":得到 券 CODE-1" {
		t.Fatalf("reward notices %q", k.texts)
	}
}
