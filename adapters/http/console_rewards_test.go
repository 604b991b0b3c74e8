package httpadapter

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// seedGrants gives Alice a granted reward with a code, Bob a granted one and Carol
// an out-of-stock one, in the env's only campaign.
func seedGrants(t *testing.T, e *env, tok string, c *http.Client) (domain.CampaignID, []domain.Grant) {
	t.Helper()
	if r := e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil); r.status != http.StatusSeeOther {
		t.Fatalf("campaign: %d", r.status)
	}
	all, _ := e.srv.svc.Campaigns.Query.List(context.Background())
	camp := all[0]
	var out []domain.Grant
	for i, p := range []struct {
		openid, nick string
		status       domain.GrantStatus
		code         string
	}{{"o_alice", "Alice", domain.GrantGranted, "CODE-A"}, {"o_bob", "Bob", domain.GrantGranted, ""}, {"o_carol", "Carol", domain.GrantOutOfStock, ""}} {
		_, u := e.loggedIn(p.openid, p.nick)
		g := domain.NewGrant(u.ID, camp, camp.Tiers[0], e.clock.Now().Add(-time.Duration(i)*time.Minute))
		g, err := e.store.Grants().Create(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		if p.status != domain.GrantGranted || p.code != "" {
			if _, err := e.store.Grants().SetOutcome(context.Background(), g.ID, p.status, p.code); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, g)
	}
	return camp.ID, out
}

func TestConsoleRewardsListFilterFulfil(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	wantConsolePage(t, e.get(c, "/admin/rewards"), "没有符合条件的奖励")
	camp, gs := seedGrants(t, e, tok, c)

	r := e.get(c, "/admin/rewards")
	wantConsolePage(t, r, "Alice", "Bob", "Carol", "<code>CODE-A</code>", "库存不足", `aria-current="page">奖励`)
	if n := strings.Count(r.body, `name="id" value=`); n != 2 {
		t.Fatalf("%d fulfil boxes, want 2 (not for out of stock)", n)
	}
	only := e.get(c, "/admin/rewards?status=out_of_stock")
	wantConsolePage(t, only, "Carol")
	if strings.Contains(only.body, "Alice") {
		t.Fatal("status filter ignored")
	}
	if r := e.get(c, "/admin/rewards?status=lost"); r.status != http.StatusBadRequest {
		t.Fatalf("bad status: %d", r.status)
	}

	// Fulfil one with its own button, then the rest with the boxes (the out-of-stock one is skipped).
	r = e.postForm(c, fmt.Sprintf("/admin/rewards/%d/fulfil", gs[0].ID), url.Values{"csrf": {tok}, "id": {fmt.Sprint(gs[1].ID)}, "back": {"/admin/rewards?campaign=" + fmt.Sprint(camp)}}, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/admin/rewards?campaign=%d&done=fulfilled&n=1", camp) {
		t.Fatalf("fulfil one: %d %q", r.status, r.header.Get("Location"))
	}
	if g, _ := e.store.Grants().ByID(context.Background(), gs[1].ID); g.Status != domain.GrantGranted {
		t.Fatal("a row button fulfilled a checked box too")
	}
	r = e.postForm(c, "/admin/rewards/fulfil", url.Values{"csrf": {tok}, "id": {fmt.Sprint(gs[1].ID), fmt.Sprint(gs[2].ID), "x"}, "back": {"https://evil.example/"}}, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/rewards?done=fulfilled&n=1" {
		t.Fatalf("fulfil many: %d %q", r.status, r.header.Get("Location"))
	}
	for i, want := range []domain.GrantStatus{domain.GrantFulfilled, domain.GrantFulfilled, domain.GrantOutOfStock} {
		if g, _ := e.store.Grants().ByID(context.Background(), gs[i].ID); g.Status != want {
			t.Fatalf("grant %d: %s, want %s", i, g.Status, want)
		}
	}
	wantConsolePage(t, e.get(c, r.header.Get("Location")), "已标记 1 个奖励为已发放")
}

func TestConsoleRewardsCSV(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	seedGrants(t, e, tok, c)
	r := e.get(c, "/admin/rewards.csv?status=granted")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "\xef\xbb\xbf") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %q", r.status, r.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\xef\xbb\xbf"))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %v %v", rows, err)
	}
}

func TestConsoleDashboardCampaignPart(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	if r := e.get(c, "/admin/"); strings.Contains(r.body, `id="campaign-dash"`) {
		t.Fatal("campaign part without a campaign")
	}
	seedGrants(t, e, tok, c)
	e.clock.Advance(consoleDashboardTTL)
	r := e.get(c, "/admin/")
	wantConsolePage(t, r, `id="campaign-dash"`, "春季邀请", "进行中", `id="c-granted">2<`, `id="c-oos">1<`)
	ch := chartsOf(t, r.body)
	f := ch["chart-funnel"]
	if f.Kind != "funnel" || len(f.Labels) < 3 || f.Labels[len(f.Labels)-1] != "奖励" || f.Series[0].Data[len(f.Labels)-1] != 2 {
		t.Fatalf("funnel %+v", f)
	}
	if d := ch["chart-days"]; d.Kind != "bar" || len(d.Series) != 4 || d.Series[0].Name != "扫码关注" {
		t.Fatalf("days %+v", d)
	}
}
