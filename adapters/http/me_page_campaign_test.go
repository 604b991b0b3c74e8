package httpadapter

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// TestMeCampaignPage: the running campaign on /me with its progress, ladder and a
// reward with its code; the friends' statuses and why one did not count.
func TestMeCampaignPage(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	c, alice := e.loggedIn("o_alice", "Alice")
	if strings.Contains(e.get(c, "/me").body, `id="campaign"`) {
		t.Fatal("a campaign block without a campaign")
	}
	admin, tok := e.consoleSignIn()
	form := validCampaignForm(tok) // tiers: 3 → 小礼品 (stock 10), 10 → 大礼包
	if r := e.postForm(admin, "/admin/campaigns", form, nil); r.status != http.StatusSeeOther {
		t.Fatalf("campaign: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	all, _ := e.srv.svc.Campaigns.Query.List(ctx)
	camp := all[0]
	now := e.clock.Now()
	for i, st := range []domain.InviteStatus{domain.InviteQualified, domain.InviteQualified, domain.InviteQualified, domain.InvitePending, domain.InviteRevoked} {
		_, friend := e.loggedIn("o_f"+string(rune('a'+i)), "朋友"+string(rune('A'+i)))
		inv := domain.Invite{InviterID: alice.ID, InviteeID: friend.ID, Channel: domain.ChannelScan, Status: st, CreatedAt: now.Add(time.Duration(i) * time.Second),
			Lifecycle: domain.Lifecycle{CampaignID: camp.ID, HoldStartedAt: now, HoldEndsAt: now.Add(48 * time.Hour)}}
		if st == domain.InviteQualified {
			inv.QualifiedAt = now
		}
		if st == domain.InviteRevoked {
			inv.RevokedAt, inv.Reason = now, domain.ReasonUnfollowedDuringHold
		}
		if _, err := e.store.Invites().Create(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}
	g, err := e.store.Grants().Create(ctx, domain.NewGrant(alice.ID, camp, camp.Tiers[0], now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Grants().SetOutcome(ctx, g.ID, domain.GrantGranted, "GIFT-42"); err != nil {
		t.Fatal(err)
	}

	r := e.get(c, "/me")
	for _, want := range []string{
		`id="campaign"`, "春季邀请", "3月31日 00:00 结束", `<strong class="big">3</strong>`, "另有 1 位在留存期中",
		`aria-valuenow="30"`, `class="bar p30"`, "再邀请 7 位好友关注并保持关注，即可获得「大礼包」",
		`<li class="reached"><span class="th">3 人</span><span class="rw">小礼品</span>`, `<li class=""><span class="th">10 人</span>`,
		`<code id="reward-code-1">GIFT-42</code>`, `data-copy-text="reward-code-1"`,
		`<span class="tag st-pending">留存期中</span>`, `<span class="tag st-revoked">未算上</span>`, "TA 在留存期内取消了关注",
	} {
		if !strings.Contains(r.body, want) {
			t.Fatalf("/me lacks %q:\n%s", want, r.body)
		}
	}
	if strings.Contains(r.body, "style=") {
		t.Fatal("an inline style on /me (the CSP forbids it)")
	}
}
