package httpadapter

import (
	"fmt"

	"github.com/gorilla/mux"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type rewardRow struct {
	ID              int64
	User            userRef
	CampaignID      int64
	Campaign        string
	Tier            int
	Reward, Code    string
	Status, StatusZ string
	GrantedAt       time.Time
	Fulfillable     bool
}

type rewardsPage struct {
	Campaigns        []campaignOption
	Campaign, Status string
	Statuses         []statusOption
	Items            []rewardRow
	NextURL, CSVURL  string
	Paged            bool
}

type campaignOption struct {
	ID       int64
	Name     string
	Selected bool
}

type statusOption struct {
	Value, Label string
	Selected     bool
}

var grantStatusZh = map[domain.GrantStatus]string{
	domain.GrantGranted: "待发放", domain.GrantOutOfStock: "库存不足", domain.GrantFulfilled: "已发放",
}

// rewardFilter reads ?campaign=&status= as the admin API does.
func rewardFilter(r *http.Request) (application.GrantFilter, error) {
	var f application.GrantFilter
	q := r.URL.Query()
	if v := q.Get("campaign"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, errInvalidQuery("invalid_campaign", "campaign must be a campaign id")
		}
		f.Campaign = domain.CampaignID(id)
	}
	f.Status = domain.GrantStatus(q.Get("status"))
	return f, nil
}

// handleConsoleRewards lists reward grants, filtered by campaign and status, with
// boxes to fulfil several at once.
func (s *server) handleConsoleRewards(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	f, err := rewardFilter(r)
	cursor := r.URL.Query().Get("cursor")
	var page application.Page
	if err == nil {
		page, err = application.NewPage(consoleInvitesPageSize, cursor)
	}
	var items []application.GrantRecord
	var next application.Cursor
	if err == nil {
		items, next, err = s.svc.Campaigns.Rewards.List(r.Context(), f, page)
	}
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "筛选条件无效", "请重新选择活动和状态。", err)
		return
	}
	all, err := s.svc.Campaigns.Query.List(r.Context())
	if err != nil {
		s.renderConsoleError(w, r, cs, statusOf(err), "数据暂时无法读取", "请稍后刷新重试。", err)
		return
	}
	names := map[domain.CampaignID]string{}
	p := rewardsPage{Campaign: r.URL.Query().Get("campaign"), Status: string(f.Status), Paged: cursor != ""}
	for _, c := range all {
		names[c.ID] = c.Name
		p.Campaigns = append(p.Campaigns, campaignOption{ID: int64(c.ID), Name: c.Name, Selected: c.ID == f.Campaign})
	}
	for _, st := range []domain.GrantStatus{domain.GrantGranted, domain.GrantOutOfStock, domain.GrantFulfilled} {
		p.Statuses = append(p.Statuses, statusOption{Value: string(st), Label: grantStatusZh[st], Selected: st == f.Status})
	}
	for _, rec := range items {
		g := rec.Grant
		p.Items = append(p.Items, rewardRow{
			ID: int64(g.ID), User: ref(g.UserID, rec.OpenID, rec.Nickname), CampaignID: int64(g.CampaignID), Campaign: names[g.CampaignID],
			Tier: g.Tier, Reward: g.Reward, Code: g.Code, Status: string(g.Status), StatusZ: grantStatusZh[g.Status],
			GrantedAt: g.GrantedAt, Fulfillable: g.Status == domain.GrantGranted,
		})
	}
	q := url.Values{}
	if f.Campaign != 0 {
		q.Set("campaign", strconv.FormatInt(int64(f.Campaign), 10))
	}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	p.CSVURL = "/admin/rewards.csv"
	if len(q) > 0 {
		p.CSVURL += "?" + q.Encode()
	}
	if !next.IsZero() {
		q.Set("cursor", next.Encode())
		p.NextURL = "/admin/rewards?" + q.Encode()
	}
	v := s.view(cs, "奖励", "rewards", p)
	v.Notice = noticeOf(r)
	s.renderConsole(w, r, http.StatusOK, "rewards.html", v)
}

// handleConsoleFulfil marks every checked reward fulfilled. Each goes through the
// same use case as POST /admin/api/rewards/{id}/fulfil; one that cannot be
// fulfilled (out of stock) is skipped and reported.
func (s *server) handleConsoleFulfil(w http.ResponseWriter, r *http.Request, cs consoleSession) {
	if err := r.ParseForm(); err != nil {
		s.renderConsoleError(w, r, cs, http.StatusBadRequest, "请求无效", "请回到奖励列表重试。", err)
		return
	}
	ids := r.PostForm["id"]
	if one := mux.Vars(r)["id"]; one != "" { // the row's own button: that reward only
		ids = []string{one}
	}
	if len(ids) > application.MaxPageSize {
		s.renderConsoleError(w, r, cs, http.StatusBadRequest, "一次选得太多", fmt.Sprintf("一次最多标记 %d 个奖励。", application.MaxPageSize), nil)
		return
	}
	done := 0
	for _, v := range ids {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if _, err := s.svc.Campaigns.Fulfil.Fulfil(r.Context(), domain.GrantID(id)); err != nil {
			if statusOf(err) >= 500 {
				s.renderConsoleError(w, r, cs, statusOf(err), "操作没有完成", fmt.Sprintf("已标记 %d 个，其余请稍后再试。", done), err)
				return
			}
			continue
		}
		done++
	}
	back := r.PostFormValue("back")
	if u, err := url.Parse(back); err != nil || u.Path != "/admin/rewards" || u.Host != "" {
		back = "/admin/rewards"
	}
	sep := "?"
	if u, _ := url.Parse(back); u.RawQuery != "" {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"done=fulfilled&n="+strconv.Itoa(done), http.StatusSeeOther)
}

// handleConsoleRewardsCSV is the admin API's rewards export for a signed-in browser.
func (s *server) handleConsoleRewardsCSV(w http.ResponseWriter, r *http.Request, _ consoleSession) {
	s.handleRewardsCSV(w, r)
}
