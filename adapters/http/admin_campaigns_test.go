package httpadapter

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// campaignServicesFor wires the campaign use cases on the test store and clock.
func campaignServicesFor(s *memory.Store, clock application.Clock) CampaignServices {
	dir := application.NewCampaignDirectory(s.Campaigns(), clock)
	update := application.NewUpdateCampaignService(s.Campaigns(), dir)
	return CampaignServices{
		Create: application.NewCreateCampaignService(s.Campaigns(), dir, clock), Update: update,
		End: application.NewEndCampaignService(update, clock), Query: application.NewCampaignQuery(s.Campaigns()),
		Poster: application.NewPosterBackgroundService(s.Campaigns(), clock), Codes: application.NewUploadCodesService(s.Campaigns(), s.Codes()),
		Stats:       application.NewCampaignStatsQuery(s.Campaigns(), s.InviteLifecycle(), s.Grants(), clock, time.UTC),
		Leaderboard: application.NewCampaignLeaderboardQuery(s.Campaigns(), s.InviteLifecycle(), clock),
		Rewards:     application.NewRewardsQuery(s.Grants()), Fulfil: application.NewFulfilRewardService(s.Grants(), s.Users(), clock),
		Mine:          application.NewMyCampaignQuery(dir, s.InviteLifecycle(), s.Grants(), clock),
		PersonRewards: application.NewPersonRewardsQuery(s.Campaigns(), s.Grants()),
	}
}

var adminHdr = map[string]string{"Authorization": "Bearer tok", "Content-Type": "application/json"}

func (e *env) admin(method, path, body string) resp {
	e.t.Helper()
	return e.do(e.plain(), method, path, adminHdr, strings.NewReader(body))
}

const validCampaignJSON = `{"name":"春季","starts_at":"2026-03-01T00:00:00Z","ends_at":"2026-04-01T00:00:00Z","hold":"2s",
	"tiers":[{"threshold":1,"reward":"券","url":"https://example.com/r"},{"tier":2,"threshold":3,"reward":"礼盒","stock":1}],
	"poster":{"qr":{"x":10,"y":20,"size":200},"avatar":null,"nickname":{"x":1,"y":2,"size":20,"color":"#112233"}}}`

func TestAdminCampaignCRUD(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "tok"})
	r := e.admin("POST", "/admin/api/campaigns", validCampaignJSON)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := e.jsonOf(r)
	if keys(m) != "deduct_after_hold,ends_at,hold,id,keyword,name,notices,poster,starts_at,status,tiers" {
		t.Errorf("campaign keys %q", keys(m))
	}
	if m["status"] != "running" || m["hold"] != "2s" || m["ends_at"] != "2026-04-01T00:00:00Z" {
		t.Errorf("campaign = %s", r.body)
	}
	tiers := m["tiers"].([]any)
	t2 := tiers[1].(map[string]any)
	if keys(t2) != "remaining,reward,stock,threshold,tier,url" || t2["remaining"] != 1.0 || tiers[0].(map[string]any)["stock"] != nil {
		t.Errorf("tiers = %v", tiers)
	}
	id := int(m["id"].(float64))

	bad := []struct{ name, body, field string }{
		{"hold below 1s", strings.Replace(validCampaignJSON, `"2s"`, `"999ms"`, 1), "hold"},
		{"hold junk", strings.Replace(validCampaignJSON, `"2s"`, `"soon"`, 1), "hold"},
		{"tiers not rising", strings.Replace(validCampaignJSON, `"threshold":3`, `"threshold":1`, 1), "tiers[1].threshold"},
		{"negative stock", strings.Replace(validCampaignJSON, `"stock":1`, `"stock":-1`, 1), "tiers[1].stock"},
		{"unknown field", strings.Replace(validCampaignJSON, `"name"`, `"colour":"red","name"`, 1), "colour"},
		{"wrong type", strings.Replace(validCampaignJSON, `"threshold":1`, `"threshold":"1"`, 1), "tiers.threshold"},
		{"bad time", strings.Replace(validCampaignJSON, `"2026-03-01T00:00:00Z"`, `"yesterday"`, 1), "starts_at"},
	}
	for _, tt := range bad {
		r := e.admin("POST", "/admin/api/campaigns", tt.body)
		e.wantAPIError(r, http.StatusBadRequest, "invalid_campaign")
		if !strings.Contains(r.body, tt.field) {
			t.Errorf("%s: error does not name %q: %s", tt.name, tt.field, r.body)
		}
	}
	later := strings.Replace(validCampaignJSON, `"2026-03-01T00:00:00Z"`, `"2026-03-31T00:00:00Z"`, 1)
	later = strings.Replace(later, `"2026-04-01T00:00:00Z"`, `null`, 1)
	e.wantAPIError(e.admin("POST", "/admin/api/campaigns", later), http.StatusConflict, "campaign_overlap")
	list := e.jsonOf(e.admin("GET", "/admin/api/campaigns", ""))
	if n := len(list["items"].([]any)); n != 1 {
		t.Errorf("%d campaigns stored after refusals, want 1", n)
	}

	r = e.admin("PATCH", fmt.Sprintf("/admin/api/campaigns/%d", id), `{"name":"改名","keyword":"海报"}`)
	if got := e.jsonOf(r); r.status != 200 || got["name"] != "改名" || got["keyword"] != "海报" || got["hold"] != "2s" {
		t.Errorf("patch: %d %s", r.status, r.body)
	}
	e.wantAPIError(e.admin("PATCH", fmt.Sprintf("/admin/api/campaigns/%d", id), `{"hold":"0s"}`), 400, "invalid_campaign")
	if got := e.jsonOf(e.admin("GET", fmt.Sprintf("/admin/api/campaigns/%d", id), "")); got["hold"] != "2s" {
		t.Errorf("a refused PATCH changed the campaign: %v", got)
	}
	e.wantAPIError(e.admin("GET", "/admin/api/campaigns/999", ""), 404, "not_found")
	r = e.admin("POST", fmt.Sprintf("/admin/api/campaigns/%d/end", id), "")
	if got := e.jsonOf(r); r.status != 200 || got["status"] != "ended" {
		t.Errorf("end: %d %s", r.status, r.body)
	}
	if r := e.admin("POST", "/admin/api/campaigns", later); r.status != http.StatusCreated {
		t.Errorf("a campaign after the ended one: %d %s", r.status, r.body)
	}
}

func TestAdminCampaignUploads(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "tok"})
	m := e.jsonOf(e.admin("POST", "/admin/api/campaigns", validCampaignJSON))
	base := fmt.Sprintf("/admin/api/campaigns/%d", int(m["id"].(float64)))
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 30, 40)))
	put := func(body []byte) resp {
		return e.do(e.plain(), "PUT", base+"/poster/background", map[string]string{"Authorization": "Bearer tok", "Content-Type": "image/png"}, bytes.NewReader(body))
	}
	if r := put(buf.Bytes()); r.status != 200 || !strings.Contains(r.body, `"width":30`) {
		t.Errorf("png: %d %s", r.status, r.body)
	}
	e.wantAPIError(put([]byte("GIF89a......")), http.StatusUnsupportedMediaType, "unsupported_media_type")
	e.wantAPIError(put(make([]byte, application.MaxPosterBackground+1)), http.StatusRequestEntityTooLarge, "too_large")

	codes := func(ctype, body string) resp {
		return e.do(e.plain(), "POST", base+"/tiers/1/codes", map[string]string{"Authorization": "Bearer tok", "Content-Type": ctype}, strings.NewReader(body))
	}
	r := codes("text/plain; charset=utf-8", "A\n\n  B \nA\n\t\nC\n")
	if r.status != 200 || r.body != "{\"added\":3,\"duplicates\":1}\n" {
		t.Errorf("codes: %d %q", r.status, r.body)
	}
	e.wantAPIError(codes("application/json", `["A"]`), http.StatusUnsupportedMediaType, "unsupported_media_type")
	e.wantAPIError(e.do(e.plain(), "POST", base+"/tiers/9/codes", map[string]string{"Authorization": "Bearer tok", "Content-Type": "text/plain"}, strings.NewReader("X")), 404, "not_found")
}

func TestAdminCampaignReadsAndMe(t *testing.T) {
	e := newEnv(t, envOpt{adminToken: "tok"})
	m := e.jsonOf(e.admin("POST", "/admin/api/campaigns", validCampaignJSON))
	id := domain.CampaignID(m["id"].(float64))
	c, u := e.loggedIn("o_alice", "Alice")
	me := e.jsonOf(e.get(c, "/api/me"))
	camp, ok := me["campaign"].(map[string]any)
	if !ok || keys(camp) != "ends_at,id,name,next_tier,pending,qualified,rewards" || camp["qualified"] != 0.0 {
		t.Fatalf("/api/me campaign = %v", me["campaign"])
	}
	ctx := context.Background()
	g, _ := e.store.Grants().Create(ctx, domain.Grant{UserID: u.ID, CampaignID: id, Tier: 1, Reward: "券", Status: domain.GrantGranted, GrantedAt: e.clock.Now()})
	r := e.admin("GET", fmt.Sprintf("/admin/api/rewards?campaign=%d&status=granted", id), "")
	items := e.jsonOf(r)["items"].([]any)
	if len(items) != 1 || keys(items[0].(map[string]any)) != "campaign_id,code,granted_at,id,reward,status,tier,user" {
		t.Errorf("rewards: %s", r.body)
	}
	e.wantAPIError(e.admin("GET", "/admin/api/rewards?status=lost", ""), 400, "invalid_status")
	if r := e.admin("POST", fmt.Sprintf("/admin/api/rewards/%d/fulfil", g.ID), ""); r.status != 200 || !strings.Contains(r.body, `"fulfilled"`) {
		t.Errorf("fulfil: %d %s", r.status, r.body)
	}
	e.wantAPIError(e.admin("POST", "/admin/api/rewards/999/fulfil", ""), 404, "not_found")
	if r := e.admin("GET", "/admin/api/rewards.csv", ""); r.status != 200 || !strings.HasPrefix(r.body, "\xef\xbb\xbfid,user_id,") || strings.Count(r.body, "\n") != 2 {
		t.Errorf("rewards.csv: %d %q", r.status, r.body)
	}
	st := e.jsonOf(e.admin("GET", fmt.Sprintf("/admin/api/campaigns/%d/stats", id), ""))
	if keys(st) != "by_day,invites,participants,rewards" {
		t.Errorf("stats = %v", st)
	}
	lb := e.admin("GET", fmt.Sprintf("/admin/api/campaigns/%d/leaderboard?limit=5", id), "")
	if lb.status != 200 || lb.body != "{\"items\":[]}\n" {
		t.Errorf("leaderboard: %d %s", lb.status, lb.body)
	}
}
