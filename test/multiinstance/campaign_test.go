package multiinstance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/test/harness"
)

// Campaign scenario size: every inviter gets campaignFriends friends by scan, one of
// whom leaves during the hold; tier 2 has less stock than inviters reaching it and
// tier 1 fewer codes than grants.
const (
	campaignInviters = 6
	campaignFriends  = 4 // per inviter; the last one unfollows during the hold
	campaignStock    = 3 // tier 2 units, for 6 inviters
	campaignCodes    = 4 // tier 1 codes, for 6 grants
	campaignHold     = 4 * time.Second
)

// TestCampaignThreeInstancesOneMySQL: the campaign scenario on one MySQL database.
func TestCampaignThreeInstancesOneMySQL(t *testing.T) {
	u := sqltest.MySQLURL(t)
	runCampaignCluster(t, [3]string{u, u, u})
}

// adminSend sends an admin request with a body and decodes a want-status answer.
func adminSend(ctx context.Context, base, method, path, ctype, body string, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", ctype)
	resp, b, err := do(plain, req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, snippet(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type campaignView struct {
	Participants int `json:"participants"`
	Invites      struct {
		Pending, Qualified, Revoked int
	} `json:"invites"`
	Rewards struct {
		Granted    int `json:"granted"`
		OutOfStock int `json:"out_of_stock"`
	} `json:"rewards"`
}

type rewardView struct {
	ID     int64              `json:"id"`
	User   struct{ ID int64 } `json:"user"`
	Tier   int                `json:"tier"`
	Status string             `json:"status"`
	Code   *string            `json:"code"`
}

// runCampaignCluster: three instances on urls, one standalone emulator balancing
// pushes over them. A campaign with a short hold runs; inviters' friends scan
// concurrently, their subscribes are redelivered through different instances, some
// unfollow during the hold, and the holds end while all three instances sweep.
// Exactly one grant per (user, campaign, tier), stock exact, distinct codes, every
// invite in exactly one final state, the same seen through every instance.
func runCampaignCluster(t *testing.T, urls [3]string) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	emu := harness.StartEmulator(t, harness.EmulatorOptions{TokenTTL: 2 * time.Hour})
	var inst [3]*harness.Instance
	for i := range inst {
		inst[i] = harness.Start(t, harness.Options{DatabaseURL: urls[i], WeChat: emu, Extra: maxTxAttemptsOverride(t)})
	}
	emu.Balance(inst[:]...)

	var camp struct{ ID int64 }
	body := fmt.Sprintf(`{"name":"集群活动","hold":%q,"tiers":[{"threshold":1,"reward":"券"},{"threshold":%d,"reward":"礼盒","stock":%d}]}`,
		campaignHold.String(), campaignFriends-1, campaignStock)
	if err := adminSend(ctx, inst[0].URL, "POST", "/admin/api/campaigns", "application/json", body, http.StatusCreated, &camp); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for i := range campaignCodes {
		codes = append(codes, fmt.Sprintf("MI-CODE-%d", i))
	}
	if err := adminSend(ctx, inst[1].URL, "POST", fmt.Sprintf("/admin/api/campaigns/%d/tiers/1/codes", camp.ID), "text/plain",
		strings.Join(codes, "\n"), http.StatusOK, nil); err != nil {
		t.Fatal(err)
	}
	// Other instances learn of the campaign within their cache lifetime (2 s).
	time.Sleep(2500 * time.Millisecond)

	inviters := make([]*inviter, campaignInviters)
	var wg sync.WaitGroup
	for k := range inviters {
		p := emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("活动邀请者%02d", k)})
		inviters[k] = &inviter{openid: p.OpenID, nickname: p.Nickname, home: k % 3, hc: newBrowser(), ready: make(chan struct{})}
		wg.Add(1)
		go func() {
			defer wg.Done()
			inv := inviters[k]
			home := inst[inv.home].URL
			if err := login(ctx, inv.hc, home+"/auth/wechat/login?next=/me", emu.URL, inv.openid, home); err != nil {
				t.Errorf("inviter %d: %v", k, err)
				return
			}
			var me meJSON
			var qr qrJSON
			if err := getJSON(ctx, inv.hc, home+"/api/me", nil, &me); err != nil {
				t.Errorf("inviter %d: %v", k, err)
				return
			}
			if err := getJSON(ctx, inv.hc, inst[(inv.home+1)%3].URL+"/api/me/qrcode", nil, &qr); err != nil {
				t.Errorf("inviter %d: %v", k, err)
				return
			}
			inv.id, inv.scene, inv.ticket = me.ID, qr.Scene, qr.Ticket
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Every friend's subscribe is delivered three times at once (round-robin: three
	// instances); the last friend of each inviter unfollows right after.
	leavers := map[string]bool{}
	sem := make(chan struct{}, 12)
	for _, by := range inviters {
		for j := range campaignFriends {
			p := emu.CreatePerson(emulator.PersonSpec{Nickname: fmt.Sprintf("活动好友%s-%d", by.nickname, j)})
			leaves := j == campaignFriends-1
			if leaves {
				leavers[p.OpenID] = true
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				var out struct {
					Results []emulator.DeliveryResult `json:"results"`
				}
				d := emulator.Delivery{OpenID: p.OpenID, Event: "subscribe", EventKey: "qrscene_" + by.scene, Ticket: by.ticket,
					CreateTime: time.Now().Unix(), Copies: 3}
				if err := postJSON(ctx, emu.URL+"/_emulator/api/deliver", d, &out); err != nil {
					t.Errorf("friend of %s: %v", by.nickname, err)
					return
				}
				for _, r := range out.Results {
					if r.Status != emulator.StatusReplied || r.Reply.Content != by.reply() {
						t.Errorf("friend of %s: copy answered %s %q", by.nickname, r.Status, r.Reply.Content)
					}
				}
				if leaves {
					u := emulator.Delivery{OpenID: p.OpenID, Event: "unsubscribe", CreateTime: d.CreateTime + 1, Copies: 2}
					if err := postJSON(ctx, emu.URL+"/_emulator/api/deliver", u, &out); err != nil {
						t.Errorf("leaver: %v", err)
					}
				}
			}()
		}
	}
	wg.Wait()
	t.Logf("%d friends (3 copies each, %d leavers) delivered in %v", campaignInviters*campaignFriends, len(leavers), time.Since(began).Round(time.Millisecond))

	// The holds end; all three instances sweep. Everything must follow within 10 s.
	deadline := time.Now().Add(campaignHold + 12*time.Second)
	want := campaignView{Participants: campaignInviters}
	want.Invites.Qualified = campaignInviters * (campaignFriends - 1)
	want.Invites.Revoked = campaignInviters
	want.Rewards.Granted = campaignInviters + campaignStock
	want.Rewards.OutOfStock = campaignInviters - campaignStock
	var views [3]campaignView
	for {
		done := true
		for i := range inst {
			if err := adminGet(ctx, inst[i].URL, fmt.Sprintf("/admin/api/campaigns/%d/stats", camp.ID), &views[i]); err != nil {
				t.Fatal(err)
			}
			done = done && views[i] == want
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within the hold plus 12 s the instances show %+v / %+v / %+v, want %+v", views[0], views[1], views[2], want)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Grants: one per (user, tier), the codes distinct, the same on every instance.
	var lists [3][]rewardView
	for i := range inst {
		var page struct {
			Items []rewardView `json:"items"`
		}
		if err := adminGet(ctx, inst[i].URL, fmt.Sprintf("/admin/api/rewards?campaign=%d&limit=100", camp.ID), &page); err != nil {
			t.Fatal(err)
		}
		lists[i] = page.Items
	}
	seen := map[[2]int64]bool{}
	codesSeen := map[string]bool{}
	for _, g := range lists[0] {
		k := [2]int64{g.User.ID, int64(g.Tier)}
		if seen[k] {
			t.Errorf("two grants for user %d tier %d", g.User.ID, g.Tier)
		}
		seen[k] = true
		if g.Code != nil {
			if codesSeen[*g.Code] || g.Tier != 1 {
				t.Errorf("code %q given twice or on tier %d", *g.Code, g.Tier)
			}
			codesSeen[*g.Code] = true
		}
	}
	if len(lists[0]) != 2*campaignInviters || len(codesSeen) != campaignCodes {
		t.Errorf("%d grants with %d codes, want %d grants and %d codes", len(lists[0]), len(codesSeen), 2*campaignInviters, campaignCodes)
	}
	a, _ := json.Marshal(lists[0])
	for i := 1; i < 3; i++ {
		if b, _ := json.Marshal(lists[i]); !bytes.Equal(a, b) {
			t.Errorf("instance %d lists other rewards than instance 0", i)
		}
	}
	var c struct {
		Tiers []struct{ Remaining *int } `json:"tiers"`
	}
	if err := adminGet(ctx, inst[2].URL, fmt.Sprintf("/admin/api/campaigns/%d", camp.ID), &c); err != nil {
		t.Fatal(err)
	}
	if r := c.Tiers[1].Remaining; r == nil || *r != 0 {
		t.Errorf("tier 2 remaining = %v, want 0", r)
	}
	// Every inviter sees their own standing on any instance.
	for _, by := range inviters {
		var me struct {
			Campaign *struct {
				Qualified, Pending int
				Rewards            []struct{ Status string }
			} `json:"campaign"`
		}
		if err := getJSON(ctx, by.hc, inst[(by.home+2)%3].URL+"/api/me", nil, &me); err != nil {
			t.Fatal(err)
		}
		if me.Campaign == nil || me.Campaign.Qualified != campaignFriends-1 || me.Campaign.Pending != 0 || len(me.Campaign.Rewards) != 2 {
			t.Errorf("%s: campaign block %+v", by.nickname, me.Campaign)
		}
	}
	t.Logf("campaign scenario took %v", time.Since(began).Round(time.Millisecond))
}
