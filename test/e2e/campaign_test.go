package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/test/harness"
)

// Campaign shapes of CONTRACT.md ("Campaigns and the invite lifecycle").
type myCampaign struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	EndsAt    *string `json:"ends_at"`
	Qualified int     `json:"qualified"`
	Pending   int     `json:"pending"`
	NextTier  *struct {
		Tier      int    `json:"tier"`
		Threshold int    `json:"threshold"`
		Reward    string `json:"reward"`
	} `json:"next_tier"`
	Rewards []struct {
		Tier   int     `json:"tier"`
		Reward string  `json:"reward"`
		Status string  `json:"status"`
		Code   *string `json:"code"`
		URL    string  `json:"url"`
	} `json:"rewards"`
}

type meWithCampaign struct {
	Campaign *myCampaign `json:"campaign"`
}

type campaignInvitee struct {
	ID      int64   `json:"id"`
	Channel string  `json:"channel"`
	Status  string  `json:"status"`
	Reason  *string `json:"reason"`
}

type campaignStats struct {
	Participants int `json:"participants"`
	Invites      struct {
		Pending   int `json:"pending"`
		Qualified int `json:"qualified"`
		Revoked   int `json:"revoked"`
	} `json:"invites"`
	Rewards struct {
		Granted    int `json:"granted"`
		OutOfStock int `json:"out_of_stock"`
	} `json:"rewards"`
	ByDay []struct {
		Date      string `json:"date"`
		Scan      int    `json:"scan"`
		Link      int    `json:"link"`
		Qualified int    `json:"qualified"`
		Revoked   int    `json:"revoked"`
	} `json:"by_day"`
}

// admin sends an admin API request with a body of contentType and returns the status
// and body.
func (a *app) admin(method, path, contentType, body string) (int, []byte) {
	a.t.Helper()
	req := newReq(a.t, method, a.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, b := do(a.t, a.api, req)
	return resp.StatusCode, b
}

// adminJSON sends an admin request and decodes a want-status answer into out.
func (a *app) adminJSON(method, path, body string, want int, out any) {
	a.t.Helper()
	status, b := a.admin(method, path, "application/json", body)
	if status != want {
		a.t.Fatalf("%s %s: %d %s, want %d", method, path, status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// startCampaign creates a campaign running from now with the given hold and tiers
// (JSON array) and returns its id.
func (a *app) startCampaign(hold, tiers string) int64 {
	a.t.Helper()
	var c struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	a.adminJSON("POST", "/admin/api/campaigns", fmt.Sprintf(`{"name":"e2e 活动","hold":%q,"tiers":%s}`, hold, tiers), http.StatusCreated, &c)
	if c.Status != "running" {
		a.t.Fatalf("new campaign is %q, want running", c.Status)
	}
	return c.ID
}

func (b *browser) campaign() *myCampaign {
	b.a.t.Helper()
	var m meWithCampaign
	b.getJSON("/api/me", &m)
	return m.Campaign
}

func (b *browser) campaignInvitees() []campaignInvitee {
	b.a.t.Helper()
	var v struct {
		Items []campaignInvitee `json:"items"`
	}
	b.getJSON("/api/me/invitees", &v)
	return v.Items
}

func (a *app) campaignStats(id int64) campaignStats {
	a.t.Helper()
	var s campaignStats
	a.adminJSON("GET", fmt.Sprintf("/admin/api/campaigns/%d/stats", id), "", http.StatusOK, &s)
	return s
}

// holdWait bounds how long after a hold ends everything that follows must be done:
// the contract's 10 s, plus the hold itself.
const holdWait = 14 * time.Second

// A 2-second hold: a scan invitee and a link invitee (who follows later) go pending
// → qualified, and both tiers are granted, with a redeem code on the first.
func TestCampaignHoldQualifiesAndRewards(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, mA := a.loggedIn("活动发起人")
		id := a.startCampaign("2s", `[{"threshold":1,"reward":"五元券"},{"threshold":2,"reward":"礼盒","url":"https://example.com/gift","stock":5}]`)
		if status, b := a.admin("POST", fmt.Sprintf("/admin/api/campaigns/%d/tiers/1/codes", id), "text/plain", "CODE-1\n\nCODE-1\n  CODE-2  \n"); status != 200 || string(b) != "{\"added\":2,\"duplicates\":1}\n" {
			t.Fatalf("codes upload: %d %s", status, b)
		}
		q := bA.qrcode()
		B := a.newPerson("扫码好友")
		wantReplied(t, "B scans A", a.scan(B, q.Ticket), thanks+"活动发起人")

		C := a.newPerson("链接好友")
		bC := a.browser()
		bC.landOnMe(a.URL+"/i/"+mA.InviteCode, C)
		c := bA.campaign()
		if c == nil || c.ID != id || c.Pending != 2 || c.Qualified != 0 || c.NextTier == nil || c.NextTier.Tier != 1 || len(c.Rewards) != 0 {
			t.Fatalf("/api/me campaign after two friends = %+v", c)
		}
		for _, it := range bA.campaignInvitees() {
			if it.Status != "pending" || it.Reason != nil {
				t.Fatalf("invitee %+v, want pending", it)
			}
		}
		a.follow(C) // the link invitee's hold starts now
		eventually(t, holdWait, "both invites qualified and both tiers granted", func() bool {
			c := bA.campaign()
			return c != nil && c.Qualified == 2 && len(c.Rewards) == 2
		})
		c = bA.campaign()
		if c.Pending != 0 || c.NextTier != nil || c.Rewards[0].Status != "granted" || c.Rewards[0].Code == nil ||
			!strings.HasPrefix(*c.Rewards[0].Code, "CODE-") || c.Rewards[1].Reward != "礼盒" || c.Rewards[1].URL != "https://example.com/gift" {
			t.Fatalf("campaign block after the holds = %+v", c)
		}
		for _, it := range bA.campaignInvitees() {
			if it.Status != "qualified" {
				t.Fatalf("invitee %+v, want qualified", it)
			}
		}
		st := a.campaignStats(id)
		if st.Participants != 1 || st.Invites.Qualified != 2 || st.Invites.Pending != 0 || st.Rewards.Granted != 2 || len(st.ByDay) != 1 ||
			st.ByDay[0].Scan != 1 || st.ByDay[0].Link != 1 || st.ByDay[0].Qualified != 2 {
			t.Fatalf("stats = %+v", st)
		}
		loc, _ := time.LoadLocation("Asia/Shanghai")
		if today := time.Now().In(loc).Format(time.DateOnly); st.ByDay[0].Date != today {
			t.Errorf("by_day date %s, want %s (Asia/Shanghai)", st.ByDay[0].Date, today)
		}
	})
}

// An unfollow during the hold revokes the invite; re-following restores nothing.
func TestCampaignUnfollowDuringHold(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, _ := a.loggedIn("发起人")
		id := a.startCampaign("1h", `[{"threshold":1,"reward":"券"}]`)
		q := bA.qrcode()
		B := a.newPerson("取关的人")
		wantReplied(t, "B scans A", a.scan(B, q.Ticket), thanks+"发起人")
		waitNextSecond(t)
		a.unfollow(B)
		items := bA.campaignInvitees()
		if len(items) != 1 || items[0].Status != "revoked" || items[0].Reason == nil || *items[0].Reason != "unfollowed_during_hold" {
			t.Fatalf("invitees after the unfollow = %+v", items)
		}
		waitNextSecond(t)
		wantNoThanks(t, "B re-follows through A's code", a.scan(B, q.Ticket))
		items = bA.campaignInvitees()
		if len(items) != 1 || items[0].Status != "revoked" {
			t.Fatalf("re-following restored the invite: %+v", items)
		}
		st := a.campaignStats(id)
		if st.Invites.Revoked != 1 || st.Invites.Pending != 0 || st.Invites.Qualified != 0 || len(st.ByDay) != 1 || st.ByDay[0].Revoked != 1 {
			t.Fatalf("stats = %+v", st)
		}
		if c := bA.campaign(); c == nil || c.Pending != 0 || c.Qualified != 0 {
			t.Fatalf("campaign block = %+v", c)
		}
	})
}

// One unit of stock, two inviters reaching the tier: one granted, one out_of_stock.
func TestCampaignStockSharedByTwoInviters(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, _ := a.loggedIn("甲")
		_, bX, _ := a.loggedIn("乙")
		id := a.startCampaign("2s", `[{"threshold":1,"reward":"限量礼","stock":1}]`)
		qa, qx := bA.qrcode(), bX.qrcode()
		wantReplied(t, "friend of A", a.scan(a.newPerson("甲的朋友"), qa.Ticket), thanks+"甲")
		wantReplied(t, "friend of X", a.scan(a.newPerson("乙的朋友"), qx.Ticket), thanks+"乙")
		eventually(t, holdWait, "both inviters have their grant", func() bool {
			return a.campaignStats(id).Rewards.Granted+a.campaignStats(id).Rewards.OutOfStock == 2
		})
		st := a.campaignStats(id)
		if st.Rewards.Granted != 1 || st.Rewards.OutOfStock != 1 {
			t.Fatalf("rewards = %+v, want 1 granted, 1 out_of_stock", st.Rewards)
		}
		statuses := map[string]int{}
		for _, b := range []*browser{bA, bX} {
			c := b.campaign()
			if c == nil || len(c.Rewards) != 1 {
				t.Fatalf("campaign block = %+v", c)
			}
			statuses[c.Rewards[0].Status]++
		}
		if statuses["granted"] != 1 || statuses["out_of_stock"] != 1 {
			t.Fatalf("grant statuses %v", statuses)
		}
		var camp struct {
			Tiers []struct {
				Stock     *int `json:"stock"`
				Remaining *int `json:"remaining"`
			} `json:"tiers"`
		}
		a.adminJSON("GET", fmt.Sprintf("/admin/api/campaigns/%d", id), "", 200, &camp)
		if r := camp.Tiers[0].Remaining; r == nil || *r != 0 {
			t.Fatalf("remaining = %v, want 0", r)
		}
		var rewards struct {
			Items []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"items"`
		}
		a.adminJSON("GET", fmt.Sprintf("/admin/api/rewards?campaign=%d&status=granted", id), "", 200, &rewards)
		if len(rewards.Items) != 1 {
			t.Fatalf("granted rewards = %+v", rewards)
		}
		a.adminJSON("POST", fmt.Sprintf("/admin/api/rewards/%d/fulfil", rewards.Items[0].ID), "", 200, nil)
		if status, b := a.admin("GET", "/admin/api/rewards.csv", "", ""); status != 200 || !strings.Contains(string(b), ",fulfilled,") || !strings.Contains(string(b), ",out_of_stock,") {
			t.Fatalf("rewards.csv: %d %s", status, b)
		}
	})
}

// A storm of redeliveries (copies of the subscribe, late retries, repeated
// unfollow/follow events with their original times) changes nothing beyond what
// one delivery of each event does.
func TestCampaignRedeliveryStorm(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		_, bA, _ := a.loggedIn("阿强")
		id := a.startCampaign("2s", `[{"threshold":1,"reward":"券","stock":3}]`)
		q := bA.qrcode()
		D := a.newPerson("重复推送")
		ct := time.Now().Unix()
		push := map[string]any{"openid": D.OpenID, "event": "subscribe", "event_key": "qrscene_" + q.Scene,
			"ticket": q.Ticket, "create_time": ct, "copies": 4}
		var res struct {
			Results []delivery `json:"results"`
		}
		a.emu("POST", "/deliver", push, &res, http.StatusOK)
		for i, d := range res.Results {
			wantReplied(t, fmt.Sprintf("copy %d", i), d, thanks+"阿强")
		}
		eventually(t, holdWait, "the grant", func() bool {
			c := bA.campaign()
			return c != nil && len(c.Rewards) == 1
		})
		// Late retries of the same subscribe, and an old unsubscribe replayed with a
		// time before the subscribe, after the hold: nothing changes.
		push["copies"] = 3
		a.emu("POST", "/deliver", push, &res, http.StatusOK)
		old := map[string]any{"openid": D.OpenID, "event": "unsubscribe", "create_time": ct - 60, "copies": 3}
		a.emu("POST", "/deliver", old, &res, http.StatusOK)
		items := bA.campaignInvitees()
		if len(items) != 1 || items[0].Status != "qualified" {
			t.Fatalf("invitees after the storm = %+v", items)
		}
		st := a.campaignStats(id)
		if st.Invites.Qualified != 1 || st.Invites.Revoked != 0 || st.Rewards.Granted != 1 || st.Participants != 1 {
			t.Fatalf("stats after the storm = %+v", st)
		}
		if s := a.stats(); s.Users != 2 || s.Invites != 1 || s.Followers != 1 {
			t.Fatalf("global stats = %+v", s)
		}
	})
}

// Bad campaign input is refused with the field named and changes nothing.
func TestCampaignBadInput(t *testing.T) {
	t.Parallel()
	scenario(t, harness.Options{}, func(t *testing.T, a *app) {
		id := a.startCampaign("72h", `[{"threshold":1,"reward":"券"}]`)
		for _, tt := range []struct{ body, field string }{
			{`{"name":"x","hold":"500ms"}`, "hold"},
			{`{"name":"x","tiers":[{"threshold":2,"reward":"a"},{"threshold":2,"reward":"b"}]}`, "tiers[1].threshold"},
			{`{"name":"x","tiers":[{"threshold":1,"reward":"a","stock":-1}]}`, "tiers[0].stock"},
			{`{"name":"x","surprise":true}`, "surprise"},
		} {
			status, b := a.admin("POST", "/admin/api/campaigns", "application/json", tt.body)
			if status != http.StatusBadRequest || !strings.Contains(string(b), tt.field) || !strings.Contains(string(b), `"code":"invalid_campaign"`) {
				t.Errorf("%s: %d %s, want 400 naming %s", tt.body, status, b, tt.field)
			}
		}
		if status, b := a.admin("POST", "/admin/api/campaigns", "application/json", `{"name":"重叠"}`); status != http.StatusConflict {
			t.Errorf("overlap: %d %s, want 409", status, b)
		}
		big := strings.Repeat("x", 2<<20+1)
		if status, _ := a.admin("PUT", fmt.Sprintf("/admin/api/campaigns/%d/poster/background", id), "image/png", big); status != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MiB + 1 background: %d, want 413", status)
		}
		if status, _ := a.admin("PUT", fmt.Sprintf("/admin/api/campaigns/%d/poster/background", id), "image/png", "GIF89a"); status != http.StatusUnsupportedMediaType {
			t.Errorf("gif background: %d, want 415", status)
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		a.adminJSON("GET", "/admin/api/campaigns", "", 200, &list)
		if len(list.Items) != 1 {
			t.Errorf("%d campaigns after refusals, want 1", len(list.Items))
		}
	})
}
