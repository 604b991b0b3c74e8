package httpadapter

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// newCampaignEnv is a signed-in console with the campaign pages.
func newCampaignEnv(t *testing.T) (*env, *http.Client, string) {
	t.Helper()
	e, _ := newConsoleEnv(t, envOpt{}) // newEnv wires the campaign use cases on e.clock
	c, tok := e.consoleSignIn()
	return e, c, tok
}

// campaignForm is a valid form for a campaign starting at 2026-03-01 16:00 Beijing
// time with two tiers.
func validCampaignForm(tok string) url.Values {
	return url.Values{
		"csrf": {tok}, "name": {"春季邀请"}, "starts_at": {"2026-03-01T16:00"}, "ends_at": {"2026-03-31T00:00"},
		"hold": {"48"}, "keyword": {"海报"}, "notice_progress": {""}, "notice_reward": {""},
		"tier_threshold_0": {"3"}, "tier_reward_0": {"小礼品"}, "tier_url_0": {""}, "tier_stock_0": {"10"},
		"tier_threshold_1": {"10"}, "tier_reward_1": {"大礼包"}, "tier_url_1": {"https://example.com/r"}, "tier_stock_1": {""},
		"tier_threshold_2": {""}, "tier_reward_2": {""}, "tier_url_2": {""}, "tier_stock_2": {""},
	}
}

func TestConsoleCampaignCreateAndEdit(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	wantConsolePage(t, e.get(c, "/admin/campaigns"), "还没有活动", `href="/admin/campaigns/new"`, `aria-current="page">活动`)
	wantConsolePage(t, e.get(c, "/admin/campaigns/new"), `name="tier_threshold_0"`, `name="tier_threshold_2"`, `value="72h"`)

	r := e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/campaigns/") {
		t.Fatalf("create: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	all, _ := e.srv.svc.Campaigns.Query.List(context.Background())
	if len(all) != 1 {
		t.Fatalf("%d campaigns", len(all))
	}
	got := all[0]
	if got.Name != "春季邀请" || !got.StartsAt.Equal(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)) || got.Hold != 48*time.Hour ||
		len(got.Tiers) != 2 || got.Tiers[0].Threshold != 3 || *got.Tiers[0].Stock != 10 || got.Tiers[1].Stock != nil || got.Tiers[1].URL != "https://example.com/r" {
		t.Fatalf("stored %+v", got)
	}
	page := e.get(c, r.header.Get("Location"))
	wantConsolePage(t, page, "活动已创建", `value="春季邀请"`, `value="2026-03-01T16:00"`, `value="48h"`, "进行中", `id="codes"`, "第 2 档：大礼包")
	if list := e.get(c, "/admin/campaigns"); !strings.Contains(list.body, "春季邀请") || !strings.Contains(list.body, "2026-03-01 16:00") {
		t.Fatalf("list: %s", list.body)
	}

	// Edit: rename, drop the second tier.
	f := validCampaignForm(tok)
	f.Set("name", "春季邀请·加码")
	f.Set("tier_threshold_1", "")
	f.Set("tier_reward_1", "")
	f.Set("tier_url_1", "")
	path := fmt.Sprintf("/admin/campaigns/%d", got.ID)
	if r := e.postForm(c, path, f, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != path+"?done=saved" {
		t.Fatalf("update: %d %q %s", r.status, r.header.Get("Location"), r.body)
	}
	after, _ := e.srv.svc.Campaigns.Query.Get(context.Background(), got.ID)
	if after.Name != "春季邀请·加码" || len(after.Tiers) != 1 {
		t.Fatalf("after update %+v", after)
	}
	// End it an hour in.
	e.clock.Advance(time.Hour)
	if r := e.postForm(c, path+"/end", url.Values{"csrf": {tok}}, nil); r.status != http.StatusSeeOther {
		t.Fatalf("end: %d", r.status)
	}
	wantConsolePage(t, e.get(c, path+"?done=ended"), "活动已结束", "已结束")
	if r := e.get(c, "/admin/campaigns/999"); r.status != http.StatusNotFound {
		t.Fatalf("unknown campaign: %d", r.status)
	}
}

func TestConsoleCampaignValidationNextToFields(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		status int
		want   []string // snippets that must be on the page
	}{
		{"no name", func(v url.Values) { v.Set("name", " ") }, 400, []string{`id="name" name="name" type="text" value=" " maxlength="100" required aria-invalid="true"`, "必填"}},
		{"bad start", func(v url.Values) { v.Set("starts_at", "tomorrow") }, 400, []string{"时间格式应为"}},
		{"end before start", func(v url.Values) { v.Set("ends_at", "2026-02-01T00:00") }, 400, []string{"结束时间必须晚于开始时间"}},
		{"bad hold", func(v url.Values) { v.Set("hold", "3 days") }, 400, []string{"请写成 72h"}},
		{"threshold not a number", func(v url.Values) { v.Set("tier_threshold_1", "ten") }, 400, []string{"请填写整数"}},
		{"thresholds not rising", func(v url.Values) { v.Set("tier_threshold_1", "2") }, 400, []string{"必须大于上一档的门槛（3）"}},
		{"tier without reward", func(v url.Values) { v.Set("tier_reward_1", "") }, 400, []string{`name="tier_reward_1" type="text" value="" placeholder="奖励" aria-label="第 2 档奖励" aria-invalid="true"`, "必填"}},
		{"bad url", func(v url.Values) { v.Set("tier_url_0", "javascript:alert(1)") }, 400, []string{"必须是 http:// 或 https:// 开头的链接"}},
		{"negative stock", func(v url.Values) { v.Set("tier_stock_0", "-1") }, 400, []string{"库存应为不小于 0 的整数"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := validCampaignForm(tok)
			tc.change(v)
			r := e.postForm(c, "/admin/campaigns", v, nil)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			for _, s := range append(tc.want, "请按提示修改后再保存") {
				if !strings.Contains(r.body, s) {
					t.Fatalf("page lacks %q:\n%s", s, r.body)
				}
			}
			if all, _ := e.srv.svc.Campaigns.Query.List(context.Background()); len(all) != 0 {
				t.Fatal("a refused form stored a campaign")
			}
		})
	}
	// A second campaign over the first one's window is refused next to the dates.
	if r := e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil); r.status != http.StatusSeeOther {
		t.Fatalf("first: %d", r.status)
	}
	r := e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "与其他活动的时间重叠") {
		t.Fatalf("overlap: %d %s", r.status, r.body)
	}
}

func TestConsoleCampaignFormsNeedCSRF(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	if r := e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil); r.status != http.StatusSeeOther {
		t.Fatalf("create: %d", r.status)
	}
	all, _ := e.srv.svc.Campaigns.Query.List(context.Background())
	base := fmt.Sprintf("/admin/campaigns/%d", all[0].ID)
	for _, path := range []string{"/admin/campaigns", base, base + "/end", base + "/tiers/1/codes", "/admin/rewards/fulfil", "/admin/rewards/1/fulfil"} {
		for name, v := range map[string]url.Values{"none": {}, "wrong": {"csrf": {"x" + tok}}} {
			form := validCampaignForm("")
			for k, x := range v {
				form[k] = x
			}
			if v["csrf"] == nil {
				form.Del("csrf")
			}
			form.Set("codes", "A1\nA2")
			r := e.postForm(c, path, form, nil)
			if r.status != http.StatusForbidden {
				t.Fatalf("%s csrf %s: %d", path, name, r.status)
			}
		}
	}
	if got, _ := e.srv.svc.Campaigns.Query.Get(context.Background(), all[0].ID); got.Status(e.clock.Now()) != domain.CampaignRunning {
		t.Fatal("a refused post ended the campaign")
	}
}

func TestConsoleCodesUpload(t *testing.T) {
	e, c, tok := newCampaignEnv(t)
	e.postForm(c, "/admin/campaigns", validCampaignForm(tok), nil)
	all, _ := e.srv.svc.Campaigns.Query.List(context.Background())
	path := fmt.Sprintf("/admin/campaigns/%d/tiers/1/codes", all[0].ID)
	r := e.postForm(c, path, url.Values{"csrf": {tok}, "codes": {"A1\nA2\n\nA2\n A3 "}}, nil)
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "added=3") || !strings.Contains(r.header.Get("Location"), "dup=1") {
		t.Fatalf("upload: %d %q", r.status, r.header.Get("Location"))
	}
	wantConsolePage(t, e.get(c, r.header.Get("Location")), "第 1 档兑换码：新增 3 个，重复 1 个。")
	r = e.postForm(c, path, url.Values{"csrf": {tok}, "codes": {"A3\nA4"}}, nil)
	if !strings.Contains(r.header.Get("Location"), "added=1") || !strings.Contains(r.header.Get("Location"), "dup=1") {
		t.Fatalf("second upload: %q", r.header.Get("Location"))
	}
	if r := e.postForm(c, strings.Replace(path, "tiers/1", "tiers/9", 1), url.Values{"csrf": {tok}, "codes": {"B1"}}, nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown tier: %d", r.status)
	}
	if r := e.postForm(c, path, url.Values{"csrf": {tok}, "codes": {strings.Repeat("x", 200)}}, nil); r.status != http.StatusBadRequest || !strings.Contains(r.body, "没有导入任何兑换码") {
		t.Fatalf("overlong code: %d", r.status)
	}
}
